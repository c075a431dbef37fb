"""PDFs through pdfium: open, the text layer (read once, per page), page images, encryption.

pdfium is not thread-safe (its own documentation says so, and DOMAIN.md §5): two threads inside it at once
can make a healthy PDF fail to open, which ``verify``'s two-thread pool turned into false 已损坏/已加密
reports.  Every pdfium call of dangan is in this module and runs under one process-wide lock
(:data:`PDFIUM_LOCK`), and every pdfium object is closed before the lock is released: no document, page,
text page or bitmap leaves this module, so no finalizer runs pdfium later in another thread.  Images
handed out are copies.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from dangan.errors import IngestError

if TYPE_CHECKING:
    from PIL import Image

Source = bytes | Path
F = TypeVar("F", bound=Callable[..., Any])

#: Held by every call into pdfium (re-entrant: a locked function may call another).
PDFIUM_LOCK = threading.RLock()


def _serialised(func: F) -> F:
    @functools.wraps(func)
    def locked(*args: Any, **kwargs: Any) -> Any:
        with PDFIUM_LOCK:
            return func(*args, **kwargs)

    return locked  # type: ignore[return-value]


@dataclass(frozen=True)
class PdfText:
    pages: int
    texts: list[str]  # the text layer of each page ("" when a page has none)

    @property
    def pages_without_text(self) -> int:
        return sum(1 for t in self.texts if not t)

    @property
    def text(self) -> str | None:
        return "\n\n".join(t for t in self.texts if t) or None


def _open(source: Source, *, name: str = "") -> Any:
    """A pypdfium2 document (call under the lock, close it before releasing it); IngestError in words for a
    broken or encrypted file."""
    import pypdfium2 as pdfium

    try:
        return pdfium.PdfDocument(source)
    except pdfium.PdfiumError as e:
        msg = str(e)
        where = name or (str(source) if isinstance(source, Path) else None)
        if "password" in msg.lower():
            raise IngestError("PDF 已加密（有密码），不能归档；请去掉密码后重新提供", path=where, detail=msg) from e
        raise IngestError("PDF 文件已损坏，无法打开，请重新扫描或重新导出", path=where, detail=msg) from e


@_serialised
def page_count(source: Source, *, name: str = "") -> int:
    pdf = _open(source, name=name)
    try:
        n = len(pdf)
    finally:
        pdf.close()
    if n == 0:
        raise IngestError("PDF 文件没有任何页面", path=name or None)
    return n


@_serialised
def read_text(source: Source, *, name: str = "", max_pages: int | None = None) -> PdfText:
    """Open a PDF and read its text layer, page by page."""
    import pypdfium2 as pdfium

    pdf = _open(source, name=name)
    try:
        n = len(pdf)
        if n == 0:
            raise IngestError("PDF 文件没有任何页面", path=name or None)
        if max_pages is not None and n > max_pages:
            raise IngestError(f"PDF 页数过多（{n} 页，上限 {max_pages}）", path=name or None, detail=f"{n} pages")
        texts = []
        for i in range(n):
            try:
                page = pdf[i]
                try:
                    textpage = page.get_textpage()
                    try:
                        texts.append(textpage.get_text_range().replace("\r\n", "\n").strip())
                    finally:
                        textpage.close()
                finally:
                    page.close()
            except pdfium.PdfiumError as e:
                raise IngestError(f"PDF 第 {i + 1} 页无法读取", path=name or None, detail=str(e)) from e
        return PdfText(pages=n, texts=texts)
    finally:
        pdf.close()


@_serialised
def render_page(source: Source, index: int, *, dpi: int, region: tuple[float, float] | None = None,
                name: str = "", max_pixels: int | None = None) -> Image.Image:
    """Page ``index`` as a PIL image at ``dpi``.

    ``region=(fx, fy)`` renders only the top-right ``fx`` of the width and
    ``fy`` of the height (where dangan prints its QR code): ~10x cheaper.
    ``max_pixels``: a page whose image would be larger is refused before it is drawn (a page of
    5 × 5 metres at 200 dpi would take gigabytes).
    """
    pdf = _open(source, name=name)
    try:
        return _render(pdf, index, dpi=dpi, region=region, name=name, max_pixels=max_pixels)
    finally:
        pdf.close()


def _render(pdf: Any, index: int, *, dpi: int, region: tuple[float, float] | None, name: str,
            max_pixels: int | None) -> Image.Image:
    import pypdfium2 as pdfium

    try:
        page = pdf[index]
        try:
            w, h = page.get_size()
            fx, fy = region if region is not None else (1.0, 1.0)
            pixels = int(w * fx * dpi / 72) * int(h * fy * dpi / 72)
            if max_pixels is not None and pixels > max_pixels:
                raise IngestError(f"PDF 第 {index + 1} 页太大（{w / 72 * 25.4:.0f} × {h / 72 * 25.4:.0f} 毫米，"
                                  f"按 {dpi} dpi 约 {pixels / 1e6:.0f} 百万像素，上限 {max_pixels / 1e6:.0f}）",
                                  path=name or None, detail=f"{pixels} pixels > {max_pixels}")
            crop = (w * (1 - fx), h * (1 - fy), 0.0, 0.0)
            bitmap = page.render(scale=dpi / 72, crop=crop)
            try:
                image = bitmap.to_pil()
                image.load()
                image = image.copy()  # its own memory: the bitmap is freed here, under the lock
            finally:
                bitmap.close()
            return image
        finally:
            page.close()
    except pdfium.PdfiumError as e:
        raise IngestError(f"PDF 第 {index + 1} 页无法渲染", path=name or None, detail=str(e)) from e


@dataclass(frozen=True)
class RenderedPage:
    image: Image.Image
    width_pt: float
    height_pt: float
    text: str  # the page's text layer ("" when none)


def rasterise(source: Source, *, dpi: int, name: str = "") -> Iterator[RenderedPage]:
    """Every page as an image with its size and text layer, one at a time (each under the lock)."""
    import pypdfium2 as pdfium

    with PDFIUM_LOCK:
        pdf = _open(source, name=name)
    try:
        with PDFIUM_LOCK:
            n = len(pdf)
        for i in range(n):
            with PDFIUM_LOCK:
                image = _render(pdf, i, dpi=dpi, region=None, name=name, max_pixels=None)
                try:
                    page = pdf[i]
                    try:
                        w, h = page.get_size()
                        textpage = page.get_textpage()
                        text = textpage.get_text_range().replace("\r\n", "\n").strip()
                        textpage.close()
                    finally:
                        page.close()
                except pdfium.PdfiumError as e:
                    raise IngestError(f"PDF 第 {i + 1} 页无法读取", path=name or None, detail=str(e)) from e
            yield RenderedPage(image, w, h, text)
    finally:
        with PDFIUM_LOCK:
            pdf.close()


@_serialised
def is_encrypted(data: bytes) -> bool:
    """True if the PDF has a security handler (a permissions password) or does not open."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError:
        return True
    try:
        return bool(pdfium_c.FPDF_GetSecurityHandlerRevision(pdf.raw) != -1)
    finally:
        pdf.close()


def has_eof_marker(path: Path) -> bool:
    """A complete PDF ends with ``%%EOF`` in its last 4 KiB (a truncated scan does not)."""
    with open(path, "rb") as fh:
        fh.seek(0, 2)
        size = fh.tell()
        fh.seek(max(0, size - 4096))
        return b"%%EOF" in fh.read()
