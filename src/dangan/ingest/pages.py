"""What the intake takes: file types by name, size limits, and the pages of a dropped file.

The reading itself is :mod:`dangan.content`; this module adds the intake's
policy (a page limit, truncated PDFs, empty or oversized files), each as an
:class:`IngestError` with a message a clerk understands, so the file goes to
quarantine with a reason.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from dangan.content import images, pdf
from dangan.content.formats import IMAGE_FORMATS, format_for_name
from dangan.content.pdf import PdfText
from dangan.errors import IngestError

if TYPE_CHECKING:
    from PIL import Image

__all__ = ["IMAGE_FORMATS", "PdfText", "check_image", "check_not_empty", "check_size", "file_format",
           "image_frames", "read_pdf", "render_pdf_page"]

DEFAULT_DPI = 200
MAX_PAGES = 200  # a scan batch larger than this is refused rather than rasterised


def file_format(path: Path) -> str:
    """The archive format of ``path`` from its suffix; unsupported types raise."""
    return format_for_name(path)


def check_not_empty(path: Path, size: int) -> None:
    if size == 0:
        raise IngestError("文件是空的（0 字节），可能扫描或复制没有完成", path=path, detail="zero-byte file")


def check_size(path: Path, size: int, max_mb: float) -> None:
    if size > max_mb * 1024 * 1024:
        raise IngestError(
            f"文件太大（{size / 1024 / 1024:.1f} MB），超过上限 {max_mb:g} MB",
            path=path, detail=f"size {size} > ingest.max_file_mb={max_mb}",
        )


def read_pdf(path: Path) -> PdfText:
    """Open a PDF and read its text layer; truncated, broken, encrypted or huge PDFs raise."""
    if not pdf.has_eof_marker(path):
        raise IngestError("PDF 文件不完整（被截断或损坏），请重新扫描或重新导出", path=path,
                          detail="no %%EOF marker in the last 4 KiB")
    return pdf.read_text(path, name=str(path), max_pages=MAX_PAGES)


def render_pdf_page(path: Path, index: int, *, dpi: int = DEFAULT_DPI,
                    region: tuple[float, float] | None = None) -> Image.Image:
    return pdf.render_page(path, index, dpi=dpi, region=region, name=str(path))


def image_frames(path: Path) -> Iterator[Image.Image]:
    return images.image_frames(path)


def check_image(path: Path) -> int:
    """Decode every frame once; returns the frame count, or raises."""
    return sum(1 for _ in image_frames(path))
