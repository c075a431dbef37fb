"""What the intake takes: file types by name, size limits, and the pages of a dropped file.

The reading itself is :mod:`dangan.content`; this module adds the intake's
policy (a page limit, truncated PDFs, empty or oversized files), each as an
:class:`IngestError` with a message a clerk understands, so the file goes to
quarantine with a reason.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from dangan.content import images, pdf
from dangan.content.formats import IMAGE_FORMATS, format_for_name
from dangan.content.pdf import PdfText
from dangan.errors import IngestError

if TYPE_CHECKING:
    from PIL import Image

__all__ = ["IMAGE_FORMATS", "Limits", "PdfText", "check_image", "check_not_empty", "check_size", "file_format",
           "image_frame", "image_frames", "read_pdf", "render_pdf_page"]

DEFAULT_DPI = 200
MAX_PAGES = 200  # a scan batch larger than this is refused rather than rasterised


@dataclass(frozen=True)
class Limits:
    """What one dropped file may ask of the machine (``[ingest] max_pages``, ``max_megapixels``).

    Pages: of a PDF, or frames of an image (a multi-page TIFF), checked before anything is decoded.
    Pixels: of one page image, a PDF page at :data:`DEFAULT_DPI` or an image frame, checked from its
    size before it is drawn or decoded.  Pages are decoded one at a time.
    """

    max_pages: int = MAX_PAGES
    max_pixels: int = 100_000_000

    @classmethod
    def of(cls, settings: object) -> Limits:
        return cls(max_pages=int(getattr(settings, "max_pages", MAX_PAGES)),
                   max_pixels=int(float(getattr(settings, "max_megapixels", 100)) * 1_000_000))


DEFAULT_LIMITS = Limits()


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


def read_pdf(path: Path, limits: Limits = DEFAULT_LIMITS) -> PdfText:
    """Open a PDF and read its text layer; truncated, broken, encrypted or huge PDFs raise."""
    if not pdf.has_eof_marker(path):
        raise IngestError("PDF 文件不完整（被截断或损坏），请重新扫描或重新导出", path=path,
                          detail="no %%EOF marker in the last 4 KiB")
    return pdf.read_text(path, name=str(path), max_pages=limits.max_pages)


def render_pdf_page(path: Path, index: int, *, dpi: int = DEFAULT_DPI, region: tuple[float, float] | None = None,
                    limits: Limits = DEFAULT_LIMITS) -> Image.Image:
    return pdf.render_page(path, index, dpi=dpi, region=region, name=str(path), max_pixels=limits.max_pixels)


def image_frame_count(path: Path, limits: Limits = DEFAULT_LIMITS) -> int:
    """Frames of an image, within the limits (from the headers: nothing decoded yet)."""
    return images.frames_within(path, max_frames=limits.max_pages, max_pixels=limits.max_pixels)


def image_frame(path: Path, index: int, limits: Limits = DEFAULT_LIMITS) -> Image.Image:
    return images.image_frame(path, index, max_pixels=limits.max_pixels)


def image_frames(path: Path) -> Iterator[Image.Image]:
    return images.image_frames(path)


def check_image(path: Path) -> int:
    """Decode every frame once; returns the frame count, or raises."""
    return sum(1 for _ in image_frames(path))
