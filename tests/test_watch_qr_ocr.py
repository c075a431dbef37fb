"""Scans: the QR round trip (generated form → signed scan → signed copy of the
right record) and OCR (an image-only notice becomes searchable)."""

from __future__ import annotations

import glob
import io
import random
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from dangan.archive.model import FileRole
from dangan.config import Workspace
from dangan.ingest import ocr
from watch_helpers import backdate, configure, records, run_once, search_total

needs_ocr = pytest.mark.skipif(not ocr.available(), reason="dangan[ocr] not installed")


def _generate(ws: Workspace, form_id: str):  # -> (GeneratedDocument, code)
    from dangan.app import Dangan

    with Dangan.open(ws) as app:
        outcome = app.generate(form_id, sample=True, formats=("pdf",))
    return outcome.documents[0], outcome.filed[0].record.archival_code


def _scan(pdf: Path, *, angle: float, seed: int) -> Image.Image:
    """What a scanner makes of the printed page: 200 dpi, skewed, noisy, JPEG artefacts."""
    import numpy as np
    import pypdfium2 as pdfium

    page = pdfium.PdfDocument(pdf)[0].render(scale=200 / 72).to_pil().convert("L")
    page = page.rotate(angle, resample=Image.BICUBIC, expand=True, fillcolor=255)
    rng = np.random.default_rng(seed)
    noisy = np.clip(np.asarray(page, dtype=np.int16) + rng.normal(0, 18, (page.height, page.width)), 0, 255)
    page = Image.fromarray(noisy.astype("uint8")).filter(ImageFilter.GaussianBlur(0.6))
    buf = io.BytesIO()
    page.save(buf, "JPEG", quality=35)
    return Image.open(io.BytesIO(buf.getvalue())).convert("RGB")


def test_qr_round_trip_files_scans_as_signed_copies(ws: Workspace, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    ws = configure(ws, inbox, category="auto")
    doc, code = _generate(ws, "renovation-violation")
    _other, other_code = _generate(ws, "renovation-violation")  # a second record the scans must not go to
    _scan(doc.files["pdf"], angle=1.5, seed=1).save(inbox / "扫描0001.jpg", quality=60)
    _scan(doc.files["pdf"], angle=-1.2, seed=2).save(inbox / "扫描0002.pdf", resolution=200)
    backdate(*inbox.iterdir())

    ocr_calls: list[tuple[int, int]] = []  # real OCR of dense forms is slow; test_ocr_* covers it

    def fake_ocr(image: Image.Image) -> str:
        ocr_calls.append(image.size)
        return "装修违规整改通知单 签字扫描件"

    outcomes = run_once(ws, ocr_func=fake_ocr)

    assert len(ocr_calls) == 2  # the QR identifies the scan, OCR still runs for its text
    assert [o.status for o in outcomes] == ["signed", "signed"], [o.line() for o in outcomes]
    assert all(o.code == code and doc.doc_number in o.how for o in outcomes)
    recs = {r.archival_code: r for r in records(ws)}
    assert len(recs) == 2  # no new record
    rec = recs[code]
    roles = [f.role for f in rec.files]
    assert roles.count(FileRole.ORIGINAL) == 1 and roles.count(FileRole.SIGNED) == 2
    assert {f.original_name for f in rec.files if f.role is FileRole.SIGNED} == {"扫描0001.jpg", "扫描0002.pdf"}
    assert rec.category == "ZX" and rec.doc_number == doc.doc_number
    assert all(f.role is not FileRole.SIGNED for f in recs[other_code].files)
    assert list(inbox.iterdir()) == []
    assert search_total(ws, "签字扫描件") == 1  # the scan's text reached the index


def _scan_page(pdf: Path, index: int, *, seed: int) -> Image.Image:
    import pypdfium2 as pdfium

    page = pdfium.PdfDocument(pdf)[index].render(scale=200 / 72).to_pil().convert("L")
    page = page.rotate(0.8 * (1 if seed % 2 else -1), resample=Image.BICUBIC, expand=True, fillcolor=255)
    buf = io.BytesIO()
    page.save(buf, "JPEG", quality=50)
    return Image.open(io.BytesIO(buf.getvalue())).convert("RGB")


def test_a_loose_page_or_pages_out_of_order_go_to_their_record(ws: Workspace, tmp_path: Path) -> None:
    """Every page of a generated PDF carries a code naming its document and page: a scan of page 3 alone,
    and a scan of pages 3, 1, 2, are both attached to the register they belong to."""
    import pypdfium2 as pdfium

    from dangan.app import Dangan
    from dangan.forms import load_form

    inbox = tmp_path / "inbox"
    ws = configure(ws, inbox, category="auto")
    data = dict(load_form(ws, "complaint-register").sample)
    data["rows"] = [{**data["rows"][0], "complainant": f"业主{i}"} for i in range(40)]
    with Dangan.open(ws) as app:
        outcome = app.generate("complaint-register", data=data, formats=("pdf",))
    doc, code = outcome.documents[0], outcome.filed[0].record.archival_code
    n = len(pdfium.PdfDocument(doc.files["pdf"]))
    assert n >= 3
    _scan_page(doc.files["pdf"], 2, seed=1).save(inbox / "第三页.jpg", quality=70)
    first, *rest = [_scan_page(doc.files["pdf"], i, seed=i) for i in (2, 0, 1)]
    first.save(inbox / "乱序.pdf", save_all=True, append_images=rest, resolution=200)
    backdate(*inbox.iterdir())
    outcomes = run_once(ws, ocr_func=lambda image: "投诉登记 签字扫描件")
    assert sorted(o.status for o in outcomes) == ["signed", "signed"], [o.line() for o in outcomes]
    assert all(o.code == code and f"第 3/{n} 页" in o.how for o in outcomes)
    rec = next(r for r in records(ws) if r.archival_code == code)
    assert {f.original_name for f in rec.files if f.role is FileRole.SIGNED} == {"第三页.jpg", "乱序.pdf"}
    assert len(records(ws)) == 1


def _notice_image(lines: list[str]) -> Image.Image:
    fonts = sorted(glob.glob("/usr/share/fonts/**/*CJK*.tt[co]", recursive=True))
    if not fonts:
        pytest.skip("no CJK font installed")
    page = Image.new("L", (1654, 2339), 255)  # A4 at 200 dpi
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(fonts[0], 44)
    for i, line in enumerate(lines):
        draw.text((160, 220 + i * 90), line, font=font, fill=0)
    page = page.rotate(random.Random(3).uniform(-1.5, 1.5), fillcolor=255)
    return page.convert("RGB")


@needs_ocr
def test_ocr_makes_an_image_only_notice_searchable(ws: Workspace, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    ws = configure(ws, inbox, category="auto", extra='\n[[rule]]\ncategory = "SQ"\nkeywords = ["停水"]\n')
    _notice_image(["温馨提示", "因市政管网检修，本小区将于周六临时停水，", "请各位业主提前做好储水准备。", "客服中心"]).save(
        inbox / "notice.png"
    )
    backdate(*inbox.iterdir())
    [outcome] = run_once(ws)
    assert outcome.status == "filed" and outcome.how == "规则 SQ", outcome.line()
    [rec] = records(ws)
    assert rec.text_source == "ocr"
    assert search_total(ws, "储水") == 1
    assert search_total(ws, "管网检修") == 1


def test_without_ocr_an_image_is_filed_flagged_no_text(ws: Workspace, tmp_path: Path, monkeypatch) -> None:
    inbox = tmp_path / "inbox"
    ws = configure(ws, inbox, category="auto")
    monkeypatch.setattr(ocr, "available", lambda: False)
    Image.new("RGB", (400, 300), "white").save(inbox / "blank.png")
    backdate(*inbox.iterdir())
    [outcome] = run_once(ws)
    assert outcome.status == "filed"
    assert any("dangan[ocr]" in w for w in outcome.warnings)
    [rec] = records(ws)
    assert rec.text_source == "none" and rec.needs_review and rec.meta.get("无文字") == "是"
