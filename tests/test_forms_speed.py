"""What the speed work must not break: the GB2312 fast font and its fallback, and
batch PDFs written a chunk at a time then split per document."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from dangan.config import Workspace
from dangan.forms import fonts as fast
from dangan.forms import generate, load_form, render_form, sheets
from dangan.forms.catalog import builtin_dir
from dangan.forms.glyphs import find_missing
from forms_helpers import pdf_text, squash

HEAD = ["房号", "业主", "联系电话", "收费期间", "通知日期", "项目", "金额"]


def test_charset_is_gb2312_plus_what_the_templates_print() -> None:
    chars = set(fast.charset(builtin_dir()))
    assert len(fast.gb2312_chars()) > 7400
    assert {"缴", "费", "㎡", "¥", "×", "（", "，", "A", "。"} <= chars
    assert "赟" not in chars and "𠮷" not in chars


def test_fast_font_is_built_once_into_the_cache(tmp_path: Path) -> None:
    if fast.source_font("Regular") is None:
        pytest.skip("Noto Serif CJK SC is not installed")
    chars = fast.charset(builtin_dir())
    path = fast.prepare_font("Regular", chars, tmp_path)
    assert path is not None and path.parent == tmp_path
    font = TTFont(str(path), lazy=True)
    assert font["name"].getDebugName(1) == fast.FAMILY
    cmap = font.getBestCmap()
    assert ord("缴") in cmap and ord("赟") not in cmap
    mtime = path.stat().st_mtime_ns
    assert fast.prepare_font("Regular", chars, tmp_path) == path and path.stat().st_mtime_ns == mtime
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".tmp-")] == []


def test_rare_characters_fall_back_to_the_full_font(ws: Workspace, tmp_path: Path) -> None:
    form = load_form(ws, "payment-notice")
    data = {**form.sample, "owner": "王赟𠮷"}
    assert find_missing({"owner": "王赟𠮷"}, {"owner": "业主"}) == []
    doc = render_form(ws, "payment-notice", data, out_dir=tmp_path)
    assert doc.warnings == []
    assert "王赟𠮷" in squash(pdf_text(doc.files["pdf"]))


def _csv(path: Path, n: int) -> Path:
    lines = [",".join(HEAD)]
    for i in range(1, n + 1):
        for item, amount in (("物业管理费", "320.00"), ("水费", "35.50")):
            owner = "王赟𠮷" if i == 3 else f"业主{i}"  # a page that needs the full font's fallback glyphs
            lines.append(f"{i}栋{100 + i}室,{owner},13900001111,2026年11月,2026-11-01,{item},{amount}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_batch_pdfs_are_split_per_notice_and_merged(ws: Workspace, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = generate(ws, "payment-notice", batch=_csv(tmp_path / "b.csv", 7), merge=True, out_dir=out, workers=1)
    assert len(result.documents) == 7 and result.merged is not None
    for i, doc in enumerate(result.documents, start=1):
        reader = PdfReader(str(doc.files["pdf"]))
        assert len(reader.pages) == 1
        assert doc.doc_number in (reader.metadata.title or "")
        text = squash(pdf_text(doc.files["pdf"]))
        assert f"{i}栋{100 + i}室" in text and doc.doc_number in text and "第1页共1页" in text
        assert ("王赟𠮷" if i == 3 else f"业主{i}") in text
        others = [f"{j}栋{100 + j}室" for j in range(1, 8) if j != i]
        assert not any(o in text for o in others)
    assert len(PdfReader(str(result.merged)).pages) == 7
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".")) == []


def test_batch_in_worker_processes_matches(ws: Workspace, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = generate(ws, "payment-notice", batch=_csv(tmp_path / "b.csv", 45), merge=True, out_dir=out, workers=2)
    assert [d.doc_number for d in result.documents] == sorted(d.doc_number for d in result.documents)
    assert len(PdfReader(str(result.merged)).pages) == 45
    last = result.documents[-1]
    assert "45栋145室" in squash(pdf_text(last.files["pdf"]))


# -- notices laid out as one document (sheets.py) ----------------------------------------------


def _page(*anchors: str) -> SimpleNamespace:
    return SimpleNamespace(anchors={a: (0, 0, 1, 1) for a in anchors})


def test_sheets_are_cut_at_the_body_and_joined_one_per_page() -> None:
    a = '<html><head><title>缴费通知单 JF-2026-0001 &amp; 1</title></head><body class="paper-A5 flow">甲</body></html>'
    b = '<html><head><title>缴费通知单 JF-2026-0002</title></head><body class="paper-A5 flow long-title">乙</body></html>'
    first, second = sheets.parse_sheet(a), sheets.parse_sheet(b)
    assert first is not None and second is not None
    assert (first.title, first.classes, first.inner) == ("缴费通知单 JF-2026-0001 & 1", "paper-A5 flow", "甲")
    joined = sheets.join([first, second])
    assert joined.count('<div class="sheet ') == 2 and "paper-A5 flow long-title" in joined
    assert joined.index("甲") < joined.index("乙") and joined.count("<body>") == 1
    assert sheets.parse_sheet("<html><body>1</body><body>2</body></html>") is None
    assert sheets.parse_sheet("<html><p>no body</p></html>") is None


def test_pages_are_assigned_to_the_sheet_that_started_them() -> None:
    p = sheets.ID_PREFIX
    pages = [_page(f"{p}0"), _page(f"{p}1", "x"), _page(), _page(f"{p}1"), _page(f"{p}2")]
    assert sheets.pages_per_sheet(pages, 3) == [[0], [1, 2, 3], [4]]


def test_a_frame_without_the_one_sheet_layout_still_codes_every_page(ws: Workspace, tmp_path: Path) -> None:
    """A workspace's own _base/base.html (no ``flow``): notices lay out with the header on every page,
    and each page still gets its QR code (stamped after layout)."""
    import pypdfium2 as pdfium
    import zxingcpp

    from dangan.docnumber import parse_qr

    base = (builtin_dir() / "_base" / "base.html").read_text(encoding="utf-8")
    old = re.sub(r"\{% if flow %\}.*?\{% endif %\}", "", base)
    assert "flow" not in old
    (ws.templates_dir / "_base").mkdir(parents=True, exist_ok=True)
    (ws.templates_dir / "_base" / "base.html").write_text(old, encoding="utf-8")
    result = generate(ws, "payment-notice", batch=_csv(tmp_path / "b.csv", 3), merge=True, out_dir=tmp_path / "o",
                      workers=1)
    assert result.merged is not None
    found = [[parse_qr(b.text) for b in zxingcpp.read_barcodes(page.render(scale=150 / 72).to_pil())]
             for page in pdfium.PdfDocument(str(result.merged))]
    assert [(c[0].doc_number, c[0].page, c[0].pages) for c in found] == [
        (d.doc_number, 1, 1) for d in result.documents]
