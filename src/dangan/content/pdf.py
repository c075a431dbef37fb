"""PDFs through pdfium: open, the text layer (read once, per page), page images, encryption.

pdfium is not thread-safe: every function here holds one process-wide lock
while it uses pdfium, so threads (the web server's, verify's pool) may call
them at once.  Open documents never leave this module.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dangan.errors import IngestError

if TYPE_CHECKING:
    from PIL import Image

Source = bytes | Path

_PDFIUM = threading.RLock()
PDFIUM_LOCK = _PDFIUM  # for a caller that walks an open document's pages itself


def _serialised(func: Callable[..., Any]) -> Callable[..., Any]:
    """Run ``func`` under the process-wide pdfium lock."""

    @functools.wraps(func)
    def locked(*args: Any, **kwargs: Any) -> Any:
        with _PDFIUM:
            return func(*args, **kwargs)

    return locked


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


@_serialised
def open_pdf(source: Source, *, name: str = "") -> Any:
    """A pypdfium2 document; IngestError in words for a broken or encrypted file."""
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
    pdf = open_pdf(source, name=name)
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

    pdf = open_pdf(source, name=name)
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
                textpage = page.get_textpage()
                texts.append(textpage.get_text_range().replace("\r\n", "\n").strip())
                textpage.close()
                page.close()
            except pdfium.PdfiumError as e:
                raise IngestError(f"PDF 第 {i + 1} 页无法读取", path=name or None, detail=str(e)) from e
        return PdfText(pages=n, texts=texts)
    finally:
        pdf.close()


@_serialised
def render_page(source: Source, index: int, *, dpi: int, region: tuple[float, float] | None = None,
                name: str = "") -> Image.Image:
    """Page ``index`` as a PIL image at ``dpi``.

    ``region=(fx, fy)`` renders only the top-right ``fx`` of the width and
    ``fy`` of the height (where dangan prints its QR code): ~10x cheaper.
    """
    import pypdfium2 as pdfium

    pdf = open_pdf(source, name=name)
    try:
        page = pdf[index]
        crop = (0.0, 0.0, 0.0, 0.0)
        if region is not None:
            w, h = page.get_size()
            crop = (w * (1 - region[0]), h * (1 - region[1]), 0.0, 0.0)
        image = page.render(scale=dpi / 72, crop=crop).to_pil()
        page.close()
        return image
    except pdfium.PdfiumError as e:
        raise IngestError(f"PDF 第 {index + 1} 页无法渲染", path=name or None, detail=str(e)) from e
    finally:
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
