"""The archival rendition of a record: its pages with the 归档章 on the first, as PDF/A-2b.

Two ways, chosen per file:

- **overlay** (PDFs whose pages can stay as they are: dangan's own PDF/A
  forms, PDFs with embedded fonts): the stamp — and, for a scan without a
  text layer, the OCR text as invisible text — is drawn over the original
  pages, which are copied unchanged; the result is marked PDF/A-2b.
- **wrapper** (images, and PDFs that cannot be PDF/A as they are: fonts not
  embedded, JavaScript …): every page becomes an image on a page of its own
  size, with the OCR or text-layer text over it as invisible text, so the copy
  is searchable in any reader.

The drawing (stamp, text layer, page images) is HTML rendered by a
:data:`PdfRenderer` the app injects (WeasyPrint writing PDF/A-2b with
embedded fonts); this module only composes pages.  The original bytes are
never touched: a rendition is new bytes.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from dangan.content import pdfa
from dangan.errors import ArchiveError
from dangan.outputs import stamp as stamping

#: HTML (one document, any number of pages) → PDF/A-2b bytes, fonts embedded, nothing fetched.
PdfRenderer = Callable[[str], bytes]

RASTER_DPI = 200  # page images of the wrapper (scans are usually 200–300 dpi)
PROBE_DPI = 24  # the first page looked at to find a blank place for the stamp
IMAGE_FORMATS = ("jpg", "png", "tiff")
MIN_PAGE_MM, MAX_PAGE_MM = 50.0, 1200.0


@dataclass(frozen=True)
class Source:
    """The original the rendition is made from."""

    data: bytes
    format: str  # pdf, jpg, png, tiff
    text: str | None = None  # the record's stored text (OCR for scans), for the invisible text layer
    name: str = ""


@dataclass(frozen=True)
class Rendition:
    data: bytes
    method: str  # "overlay" or "wrapper"
    pages: int
    box: stamping.Box


@dataclass(frozen=True)
class Layer:
    """What to draw on one page: its displayed size, optional page image, invisible text, the stamp (page 1)."""

    width_mm: float
    height_mm: float
    image: str | None = None  # a data: URI
    text: str = ""
    box: stamping.Box | None = None


def can_stamp(fmt: str) -> bool:
    return fmt == "pdf" or fmt in IMAGE_FORMATS


def make(src: Source, values: stamping.StampValues, info: pdfa.DocInfo, render: PdfRenderer, *,
         font_family: str = "serif") -> Rendition:
    """The rendition of ``src``: overlay when the PDF allows it, otherwise the wrapper."""
    if src.format == "pdf":
        try:
            return _overlay(src, values, info, render, font_family=font_family)
        except _NeedsWrapper:
            pass
    elif src.format not in IMAGE_FORMATS:
        raise ArchiveError(f"格式 {src.format} 不能加盖归档章（只有 PDF 和图片可以）", path=src.name or None)
    return _wrapper(src, values, info, render, font_family=font_family)


class _NeedsWrapper(Exception):
    pass


# -- overlay ---------------------------------------------------------------------------------------


def _overlay(src: Source, values: stamping.StampValues, info: pdfa.DocInfo, render: PdfRenderer, *,
             font_family: str) -> Rendition:
    import pikepdf

    from dangan.content.pdf import read_text, render_page

    try:
        pdf = pikepdf.open(io.BytesIO(src.data))
    except pikepdf.PdfError as e:
        raise ArchiveError("PDF 无法打开，不能加盖归档章", path=src.name or None, detail=str(e)) from e
    with pdf:
        if pdf.is_encrypted:
            raise _NeedsWrapper
        w, h = stamping.displayed_size_mm(pdf.pages[0])
        box = stamping.choose_box(render_page(src.data, 0, dpi=PROBE_DPI), w, h)
        layers = [Layer(w, h, box=box)]
        layer_text = read_text(src.data, name=src.name)
        if src.text and not any(layer_text.texts):  # a scan without a text layer: add the OCR text
            texts = split_pages(src.text, len(pdf.pages))
            layers = [Layer(*stamping.displayed_size_mm(p), text=t, box=box if i == 0 else None)
                      for i, (p, t) in enumerate(zip(pdf.pages, texts, strict=True))]
        drawn = pikepdf.open(io.BytesIO(render(pages_html(layers, values, font_family=font_family))))
        with drawn:
            for i in range(len(layers)):
                single = pikepdf.new()
                single.pages.append(drawn.pages[i])
                stamping.overlay(pdf, i, single)
        pdfa.conform(pdf, info)
        data = pdfa.save(pdf)
    if pdfa.check(data):  # what copying the pages carried along (fonts not embedded, scripts, links out)
        raise _NeedsWrapper
    return Rendition(data, "overlay", len(layer_text.texts), box)


# -- wrapper ---------------------------------------------------------------------------------------


def _wrapper(src: Source, values: stamping.StampValues, info: pdfa.DocInfo, render: PdfRenderer, *,
             font_family: str) -> Rendition:
    import pikepdf

    images, texts = _page_images(src)
    if src.text and not any(texts):
        texts = split_pages(src.text, len(images))
    layers = []
    box: stamping.Box | None = None
    for i, ((uri, w, h, probe), text) in enumerate(zip(images, texts, strict=True)):
        if i == 0:
            box = stamping.choose_box(probe, w, h)
        layers.append(Layer(w, h, image=uri, text=text, box=box if i == 0 else None))
    assert box is not None
    pdf = pikepdf.open(io.BytesIO(render(pages_html(layers, values, font_family=font_family))))
    with pdf:
        pdfa.conform(pdf, info)
        data = pdfa.save(pdf)
    return Rendition(data, "wrapper", len(layers), box)


def _page_images(src: Source) -> tuple[list[tuple[str, float, float, Any]], list[str]]:
    """(data URI, width mm, height mm, small probe image) per page, and each page's own text layer."""
    if src.format == "pdf":
        return _pdf_page_images(src)
    from PIL import Image, UnidentifiedImageError

    out = []
    try:
        with Image.open(io.BytesIO(src.data)) as im:
            for i in range(getattr(im, "n_frames", 1)):
                im.seek(i)
                dpi = im.info.get("dpi") or (RASTER_DPI, RASTER_DPI)
                frame = im.convert("RGB")
                w, h = _page_mm(frame.width, frame.height, float(dpi[0] or RASTER_DPI), float(dpi[1] or RASTER_DPI))
                data = src.data if src.format == "jpg" and i == 0 and im.mode in ("RGB", "L") else _jpeg(frame)
                out.append((_uri(data), w, h, _probe(frame)))
    except (UnidentifiedImageError, OSError, ValueError) as e:
        raise ArchiveError("图片无法解码，不能制作归档副本", path=src.name or None, detail=str(e)) from e
    return out, [""] * len(out)


def _pdf_page_images(src: Source) -> tuple[list[tuple[str, float, float, Any]], list[str]]:
    from dangan.content.pdf import rasterise

    out, texts = [], []
    for page in rasterise(src.data, dpi=RASTER_DPI, name=src.name):
        image = page.image.convert("RGB")
        texts.append(page.text)
        out.append((_uri(_jpeg(image)), page.width_pt * stamping.MM_PER_PT, page.height_pt * stamping.MM_PER_PT,
                    _probe(image)))
    return out, texts


def _page_mm(px_w: int, px_h: int, dpi_x: float, dpi_y: float) -> tuple[float, float]:
    """A page size for an image: from its resolution, or A4 width when that gives no sensible size (pure)."""
    w, h = px_w / dpi_x * 25.4, px_h / dpi_y * 25.4
    if not (MIN_PAGE_MM <= w <= MAX_PAGE_MM and MIN_PAGE_MM <= h <= MAX_PAGE_MM):
        w, h = 210.0, 210.0 * px_h / max(1, px_w)
    return w, h


def _jpeg(image: Any) -> bytes:
    buf = io.BytesIO()
    image.save(buf, format="JPEG", quality=88, optimize=True)
    return buf.getvalue()


def _uri(data: bytes) -> str:
    kind = "png" if data[:8] == b"\x89PNG\r\n\x1a\n" else "jpeg"
    return f"data:image/{kind};base64," + base64.b64encode(data).decode("ascii")


def _probe(image: Any) -> Any:
    scale = PROBE_DPI / RASTER_DPI
    return image.resize((max(1, int(image.width * scale)), max(1, int(image.height * scale))))


# -- composing the pages ---------------------------------------------------------------------------


def split_pages(text: str, pages: int) -> list[str]:
    """The stored text cut into one part per page: at form feeds when there is one per page break,
    otherwise all of it on the first page (pure)."""
    parts = text.split("\f")
    if len(parts) == pages:
        return [p.strip() for p in parts]
    return [text.strip()] + [""] * (pages - 1)


def _text_size_mm(text: str, width_mm: float, height_mm: float) -> float:
    """A font size at which ``text`` (kept line by line, wrapped) fits on the page (pure)."""
    usable_w, usable_h = width_mm - 20, height_mm - 20
    for size in (3.5, 3.0, 2.5, 2.0, 1.6, 1.2, 1.0, 0.8, 0.6, 0.5, 0.4, 0.3):
        per_line = max(1, int(usable_w / size))
        lines = sum(1 + len(line) // per_line for line in text.splitlines() or [""])
        if lines * size * 1.25 <= usable_h:
            return size
    return 0.25


def pages_html(layers: Sequence[Layer], values: stamping.StampValues, *, font_family: str = "serif") -> str:
    """One HTML document with a page per layer: its size, image, invisible text and the stamp (pure)."""
    css = [f"html, body {{ margin: 0; padding: 0; }} .sheet {{ position: relative; overflow: hidden; }}"
           f" .sheet img {{ position: absolute; left: 0; top: 0; width: 100%; height: 100%; }}"
           f" .ocr {{ position: absolute; left: 10mm; top: 10mm; right: 10mm; color: transparent;"
           f" font-family: {font_family}; line-height: 1.25; white-space: pre-wrap; word-break: break-all; }}",
           stamping.stamp_css(font_family)]
    body = []
    for n, layer in enumerate(layers, start=1):
        css.append(f"@page p{n} {{ size: {layer.width_mm:.3f}mm {layer.height_mm:.3f}mm; margin: 0; }}"
                   f" .s{n} {{ page: p{n}; width: {layer.width_mm:.3f}mm; height: {layer.height_mm:.3f}mm;"
                   f" break-after: page; }}")
        parts = [f'<div class="sheet s{n}">']
        if layer.image:
            parts.append(f'<img src="{layer.image}" alt="">')
        if layer.text:
            size = _text_size_mm(layer.text, layer.width_mm, layer.height_mm)
            parts.append(f'<div class="ocr" style="font-size:{size}mm">{html.escape(layer.text)}</div>')
        if layer.box is not None:
            parts.append(stamping.stamp_table(layer.box, values))
        parts.append("</div>")
        body.append("".join(parts))
    return (f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>归档副本</title>'
            f"<style>{' '.join(css)}</style></head><body>{''.join(body)}</body></html>")
