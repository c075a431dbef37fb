"""The 归档章 on the archival copy: red, 45 × 16 mm, at the top right of page 1, its six values in the text;
the original untouched; PDF/A-2b as far as can be checked here; re-made when what it shows changes."""

from __future__ import annotations

import io
import math
from pathlib import Path

import pytest
from tests.conftest import TODAY

from dangan.app import Dangan, FixedClock
from dangan.config import Workspace
from dangan.content import pdfa
from dangan.content.pdf import read_text, render_page
from dangan.outputs import stamp as stamping

DPI = 72
MM = DPI / 25.4
SIZES = {"A4": (210.0, 297.0), "A5": (148.0, 210.0)}


def _blank_pdf(path: Path, w_mm: float, h_mm: float, *, rotate: int = 0) -> Path:
    import pikepdf

    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(w_mm / 25.4 * 72, h_mm / 25.4 * 72))
    if rotate:
        pdf.pages[0].obj["/Rotate"] = rotate
    pdf.add_blank_page(page_size=(w_mm / 25.4 * 72, h_mm / 25.4 * 72))
    pdf.save(path)
    return path


def _red(image, box: tuple[float, float, float, float]) -> int:
    """Red pixels of ``image`` inside ``box`` (left, top, right, bottom in mm)."""
    crop = (math.floor(box[0] * MM), math.floor(box[1] * MM), math.ceil(box[2] * MM), math.ceil(box[3] * MM))
    raw = image.convert("RGB").crop(crop).tobytes()
    return sum(1 for i in range(0, len(raw), 3) if raw[i] > 170 and raw[i + 1] < 90 and raw[i + 2] < 90)


def _file(app: Dangan, path: Path, category: str = "ZX") -> str:
    [filed] = app.file([path], category=category, title=path.stem)
    return filed.result.record.archival_code


@pytest.fixture
def app(ws: Workspace):
    with Dangan.open(ws, clock=FixedClock(TODAY), index=False) as opened:
        yield opened


@pytest.mark.parametrize("paper", ["A4", "A5"])
@pytest.mark.parametrize("orientation", ["portrait", "landscape", "rotated"])
def test_the_stamp_is_red_45_by_16_mm_at_the_top_right(app: Dangan, tmp_path: Path, paper: str,
                                                        orientation: str) -> None:
    w, h = SIZES[paper]
    if orientation == "landscape":
        w, h = h, w
    rotate = 90 if orientation == "rotated" else 0  # a portrait page shown as landscape (scanners do this)
    code = _file(app, _blank_pdf(tmp_path / f"{paper}-{orientation}.pdf", w, h, rotate=rotate))
    original = app.record(code).original
    before = app.archive.store.abs(original.path).read_bytes()
    [result] = app.outputs.stamp([code])
    data = app.archive.store.abs(result.path).read_bytes()
    image = render_page(data, 0, dpi=DPI)
    shown_w, shown_h = (h, w) if rotate else (w, h)
    assert abs(image.width / MM - shown_w) < 1 and abs(image.height / MM - shown_h) < 1
    right, top = stamping.CANDIDATES_MM[0]  # a blank page: the first place
    left = shown_w - right - stamping.WIDTH_MM
    box = (left, top, left + stamping.WIDTH_MM, top + stamping.HEIGHT_MM)
    inside = _red(image, box)
    assert inside > 300  # the lines of six cells and their text
    everywhere = _red(image, (0, 0, shown_w, shown_h))
    assert everywhere - inside < 10  # nothing red outside the box
    # the box's edges are where they should be: red within 1 mm inside each edge, none 1.5 mm outside
    assert _red(image, (box[0] - 3, box[1], box[0] - 1.5, box[3])) == 0
    assert _red(image, (box[2] + 1.5, box[1], box[2] + 3, box[3])) == 0
    assert _red(image, (box[0], box[3] + 1.5, box[2], box[3] + 3)) == 0
    assert _red(image, (box[0], box[1], box[0] + 1, box[3])) > 5
    assert _red(image, (box[2] - 1, box[1], box[2], box[3])) > 5
    assert _red(image, (box[0], box[3] - 1, box[2], box[3])) > 5
    assert _red(render_page(data, 1, dpi=DPI), (0, 0, shown_w, shown_h)) == 0  # only the first page
    text = read_text(data).texts[0].replace(" ", "").replace("\n", "")
    for value in ("Z001", "2026", code[-4:], "装修管理", "30年", "2"):
        assert value in text
    assert app.archive.store.abs(original.path).read_bytes() == before
    assert pdfa.check(data) == []
    assert app.verify(index=False).ok


def test_on_a_generated_form_the_stamp_keeps_clear_of_the_qr_code(app: Dangan) -> None:
    outcome = app.generate("renovation-violation", sample=True, formats=("pdf",))
    code = outcome.filed[0].record.archival_code
    [result] = app.outputs.stamp([code])
    assert result.method == "overlay"
    data = app.archive.store.abs(result.path).read_bytes()
    image = render_page(data, 0, dpi=DPI)
    right, top = stamping.CANDIDATES_MM[1]
    left = 210 - right - stamping.WIDTH_MM
    assert _red(image, (left, top, left + stamping.WIDTH_MM, top + stamping.HEIGHT_MM)) > 300
    assert _red(image, (210 - 36 + 1, 0, 210, 40)) == 0  # the QR code's corner stays as it was
    # the original's pages are kept as they are: its text is all still there, and the stamp's after it
    original = read_text(app.archive.store.abs(app.record(code).original.path)).texts[0]
    assert original.split()[0] in read_text(data).texts[0]
    assert pdfa.check(data) == []


def test_a_scan_gets_a_pdfa_wrapper_with_its_ocr_text_invisible_and_searchable(app: Dangan, tmp_path: Path) -> None:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (1654, 2339), "white")  # A4 at 200 dpi
    ImageDraw.Draw(image).rectangle((200, 800, 1400, 1000), fill="black")
    path = tmp_path / "scan.png"
    image.save(path, dpi=(200, 200))
    req_text = "业主张先生投诉楼上漏水\n处理结果：已修复"
    from dangan.app import FilingRequest

    [result] = app.file_requests([FilingRequest(path=path, category="TS", title="漏水投诉扫描件", text=req_text,
                                                text_source="ocr")])
    code = result.record.archival_code
    [made] = app.outputs.stamp([code])
    assert made.method == "wrapper"
    data = app.archive.store.abs(made.path).read_bytes()
    assert pdfa.check(data) == []
    text = read_text(data).text or ""
    assert "业主张先生投诉楼上漏水" in text and "已修复" in text  # searchable in any reader
    page = render_page(data, 0, dpi=DPI).convert("L")
    below_stamp = math.ceil((4 + stamping.HEIGHT_MM + 1) * MM)
    dark = [(x, y) for y in range(below_stamp, page.height) for x in range(page.width) if page.getpixel((x, y)) < 100]
    in_rect = [p for p in dark if 200 / 200 * 72 - 2 <= p[0] <= 1400 / 200 * 72 + 2
               and 800 / 200 * 72 - 2 <= p[1] <= 1000 / 200 * 72 + 2]
    assert len(dark) - len(in_rect) < 20  # nothing drawn but the scan (the text layer is invisible)
    assert _red(render_page(data, 0, dpi=DPI), (210 - 8 - 45, 4, 210 - 8, 20)) > 300


def test_a_correction_remakes_the_copy_and_the_old_one_stays_in_the_history(app: Dangan, tmp_path: Path) -> None:
    code = _file(app, _blank_pdf(tmp_path / "a.pdf", 210, 297))
    first = app.outputs.stamp([code])[0]
    assert app.outputs.stamp([code])[0].made is False  # nothing changed: nothing made
    app.extend([code], to="Y", reason="鉴定后改为永久")
    second = app.outputs.stamp([code])[0]
    assert second.made and second.path != first.path
    record = app.record(code)
    roles = {f.path: str(f.role) for f in record.files}
    assert roles[first.path] == "rendition_superseded" and roles[second.path] == "rendition"
    assert "永久" in (read_text(app.archive.store.abs(second.path)).text or "")
    events = [e.event for e in app.audit_trail(code)]
    assert events.count("rendition") == 2
    assert app.verify(index=False).ok
    # a rendition is covered by fixity like any file
    path = app.archive.store.abs(second.path)
    path.chmod(0o644)
    path.write_bytes(path.read_bytes() + b"x")
    problems = app.verify(index=False).problems
    assert any(p.check == "hash" and p.path == second.path for p in problems)


def test_with_renditions_at_filing_every_filed_pdf_gets_its_copy(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from dangan.config import init_workspace

    monkeypatch.delenv("DANGAN_WORKSPACE", raising=False)
    ws = init_workspace(tmp_path / "ws")
    toml = ws.root / "dangan.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('renditions = "demand"', 'renditions = "filing"'),
                    encoding="utf-8")
    with Dangan.open(ws.root, clock=FixedClock(TODAY), index=False) as app:
        code = _file(app, _blank_pdf(tmp_path / "a.pdf", 148, 210))
        assert app.record(code).rendition is not None
        app.edit(code, {"title": "更正后的题名"}, reason="更正题名")
        record = app.record(code)
        assert sum(1 for f in record.files if str(f.role).startswith("rendition")) == 2
        with open(app.archive.store.abs(record.rendition.path), "rb") as fh:
            import pikepdf

            with pikepdf.open(io.BytesIO(fh.read())) as pdf:
                assert str(pdf.open_metadata()["dc:title"]) == "更正后的题名"


def test_a_record_that_cannot_be_stamped_says_why(app: Dangan, tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "note.txt"
    path.write_text("值班记录", encoding="utf-8")
    code = _file(app, path, category="ZB")
    result = cli("archive", "stamp", code)
    assert result.exit_code == 1
    assert "只有 PDF 和图片能加盖归档章" in result.output


@pytest.mark.parametrize(("period", "text"), [("Y", "永久"), ("D30", "30年"), ("D10", "10年"), ("D15", "15年")])
def test_the_period_cell(period: str, text: str) -> None:
    assert stamping.period_text(period) == text


def test_a_long_category_name_is_set_smaller_to_fit_its_cell() -> None:
    assert stamping.font_size_mm("社区文化/通知通告") < stamping.font_size_mm("装修管理")
    assert stamping.font_size_mm("社区文化/通知通告") * 8 < stamping.WIDTH_MM / 3
