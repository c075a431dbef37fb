"""The 归档章 (archive stamp): its six values, where it goes on a page, its drawing, and putting it on a PDF page.

DA/T 22-2015: a red box of 45 × 16 mm, two rows of three cells —
全宗号 | 年度 | 件号 over 机构(问题) | 保管期限 | 页数 — at the top right of the
first page, in a blank place.  :func:`choose_box` looks for that blank place
among a few positions from the right edge leftwards (dangan's own forms carry
their QR code in the corner, so the stamp goes beside it); when none is blank
the first is used and the stamp's white ground keeps it legible.

The stamp is drawn as HTML (:func:`stamp_table`, rendered to PDF by the
renderer the app injects) so its text is real, embedded, extractable text;
:func:`overlay` puts that one-page PDF on a page of another PDF (pikepdf),
whatever the page's rotation and crop box.
"""

from __future__ import annotations

import html
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pikepdf
    from PIL import Image

WIDTH_MM = 45.0
HEIGHT_MM = 16.0
RED = "#d40000"
LINE_MM = 0.4
MM_PER_PT = 25.4 / 72
#: Candidate places (distance of the stamp's right edge from the page's right edge, of its top edge from
#: the page's top), tried in order.  36 mm clears the 19 mm QR code in the corner of dangan's forms.
CANDIDATES_MM: tuple[tuple[float, float], ...] = ((8.0, 4.0), (36.0, 4.0), (64.0, 4.0), (8.0, 20.0))
BLANK_DARK_SHARE = 0.004  # a place is blank when fewer than this share of its pixels are dark


@dataclass(frozen=True)
class StampValues:
    """The six cells, as printed."""

    fonds: str  # 全宗号
    year: str  # 年度
    item: str  # 件号, four digits
    organ: str  # 机构(问题): the category's name
    period: str  # 保管期限: 永久, 30年, 10年 …
    pages: str  # 页数

    def cells(self) -> tuple[tuple[str, str, str], tuple[str, str, str]]:
        return (self.fonds, self.year, self.item), (self.organ, self.period, self.pages)

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


@dataclass(frozen=True)
class Box:
    """Where the stamp goes, in mm from the page's top-left corner (as the page is displayed)."""

    left: float
    top: float
    width: float = WIDTH_MM
    height: float = HEIGHT_MM


def period_text(period: str) -> str:
    """The 保管期限 cell: 永久, or the years (30年) — the cell is 15 mm wide (pure)."""
    if period == "Y":
        return "永久"
    if period.startswith("D") and period[1:].isdigit():
        return f"{int(period[1:])}年"
    return period


def candidate_boxes(page_w_mm: float, page_h_mm: float) -> list[Box]:
    """The places to try on a page of that size, in order (pure)."""
    out = []
    for right, top in CANDIDATES_MM:
        left = page_w_mm - right - WIDTH_MM
        if left >= 0 and top + HEIGHT_MM <= page_h_mm:
            out.append(Box(left, top))
    return out or [Box(max(0.0, page_w_mm - WIDTH_MM), 0.0)]


def choose_box(image: Image.Image, page_w_mm: float, page_h_mm: float) -> Box:
    """The first candidate place that is blank on ``image`` (the page as displayed), else the first."""
    boxes = candidate_boxes(page_w_mm, page_h_mm)
    gray = image.convert("L")
    sx, sy = gray.width / page_w_mm, gray.height / page_h_mm
    for box in boxes:
        region = gray.crop((int(box.left * sx), int(box.top * sy), int((box.left + box.width) * sx) + 1,
                            int((box.top + box.height) * sy) + 1))
        histogram = region.histogram()
        dark = sum(histogram[:160])
        if dark <= BLANK_DARK_SHARE * max(1, region.width * region.height):
            return box
    return boxes[0]


def font_size_mm(text: str, *, cell_mm: float = WIDTH_MM / 3, largest: float = 3.4) -> float:
    """A size at which ``text`` fits one cell (a CJK character is about twice as wide as a digit) (pure)."""
    units = sum(1.0 if ord(c) > 0x2E80 else 0.56 for c in text) or 1.0
    return round(min(largest, (cell_mm - 1.2) / units), 2)


def stamp_css(font_family: str = "serif") -> str:
    """The stamp: a white box, red frame and grid lines of 0.4 mm, six centred cells (pure)."""
    cell_w, cell_h = WIDTH_MM / 3, HEIGHT_MM / 2
    return (f".stamp {{ position: absolute; width: {WIDTH_MM}mm; height: {HEIGHT_MM}mm; background: #fff;"
            f" color: {RED}; font-family: {font_family}; }}"
            f" .stamp div {{ position: absolute; box-sizing: border-box; }}"
            f" .stamp .frame {{ left: 0; top: 0; width: {WIDTH_MM}mm; height: {HEIGHT_MM}mm;"
            f" border: {LINE_MM}mm solid {RED}; }}"
            f" .stamp .line {{ background: {RED}; }}"
            f" .stamp .cell {{ width: {cell_w:.4f}mm; height: {cell_h}mm; line-height: {cell_h}mm;"
            " text-align: center; white-space: nowrap; overflow: hidden; }")


def stamp_table(box: Box, values: StampValues) -> str:
    """The stamp as absolutely placed HTML (styled by :func:`stamp_css`); cells in reading order (pure)."""
    cell_w, cell_h = box.width / 3, box.height / 2
    parts = [f'<div class="stamp" style="left:{box.left:.3f}mm; top:{box.top:.3f}mm">']
    for r, row in enumerate(values.cells()):
        for c, value in enumerate(row):
            parts.append(f'<div class="cell" style="left:{c * cell_w:.4f}mm; top:{r * cell_h}mm;'
                         f' font-size:{font_size_mm(value)}mm">{html.escape(value)}</div>')
    half = LINE_MM / 2
    parts.append('<div class="frame"></div>')
    for c in (1, 2):
        parts.append(f'<div class="line" style="left:{c * cell_w - half:.4f}mm; top:0; width:{LINE_MM}mm;'
                     f' height:{box.height}mm"></div>')
    parts.append(f'<div class="line" style="left:0; top:{cell_h - half:.4f}mm; width:{box.width}mm;'
                 f' height:{LINE_MM}mm"></div>')
    parts.append("</div>")
    return "".join(parts)


# -- putting the stamp on a page -------------------------------------------------------------------


def displayed_size_mm(page: pikepdf.Page) -> tuple[float, float]:
    """Width and height of a page as a reader shows it (crop box, rotation), in mm."""
    llx, lly, urx, ury = _crop(page)
    w, h = (urx - llx) * MM_PER_PT, (ury - lly) * MM_PER_PT
    return (h, w) if _rotation(page) in (90, 270) else (w, h)


def _crop(page: pikepdf.Page) -> tuple[float, float, float, float]:
    box = page.obj.get("/CropBox") or page.mediabox
    x0, y0, x1, y1 = (float(v) for v in box)
    return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)


def _rotation(page: pikepdf.Page) -> int:
    return int(page.obj.get("/Rotate", 0)) % 360


def display_matrix(page: pikepdf.Page) -> tuple[float, ...]:
    """The matrix from displayed coordinates (points, origin bottom-left) to the page's user space (pure)."""
    llx, lly, urx, ury = _crop(page)
    w, h = urx - llx, ury - lly
    return {
        0: (1, 0, 0, 1, llx, lly),
        90: (0, 1, -1, 0, llx + w, lly),
        180: (-1, 0, 0, -1, llx + w, lly + h),
        270: (0, -1, 1, 0, llx, lly + h),
    }[_rotation(page) if _rotation(page) in (0, 90, 180, 270) else 0]


def overlay(pdf: pikepdf.Pdf, page_index: int, stamp: pikepdf.Pdf) -> None:
    """Draw the first page of ``stamp`` (made at the page's displayed size) over page ``page_index``."""
    import pikepdf

    page = pdf.pages[page_index]
    xobject = pdf.copy_foreign(stamp.pages[0].as_form_xobject())
    name = page.add_resource(xobject, pikepdf.Name.XObject, prefix="DanganStamp")
    matrix = " ".join(_num(v) for v in display_matrix(page))
    page.contents_add(pikepdf.Stream(pdf, b"q\n"), prepend=True)
    page.contents_add(pikepdf.Stream(pdf, f"\nQ\nq {matrix} cm {name} Do Q\n".encode()), prepend=False)


def _num(value: float) -> str:
    return f"{value:.4f}".rstrip("0").rstrip(".") or "0"
