"""Open dropped files: what kind they are, PDF pages and images.

Every way a file can be unreadable becomes an :class:`IngestError` with a
message a clerk understands and the library's error as detail, so the
watcher can quarantine it with a reason.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from dangan.errors import IngestError

if TYPE_CHECKING:
    from PIL import Image

# suffix -> archive format name
FORMATS: dict[str, str] = {
    ".pdf": "pdf",
    ".jpg": "jpg",
    ".jpeg": "jpg",
    ".png": "png",
    ".tif": "tiff",
    ".tiff": "tiff",
    ".txt": "txt",
    ".docx": "docx",
}
IMAGE_FORMATS = frozenset({"jpg", "png", "tiff"})
DEFAULT_DPI = 200
MAX_PAGES = 200  # a scan batch larger than this is refused rather than rasterised


def file_format(path: Path) -> str:
    """The archive format of ``path`` from its suffix; unsupported types raise."""
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        supported = "、".join(sorted({s.lstrip(".") for s in FORMATS}))
        raise IngestError(
            f"不支持的文件类型「{path.suffix or '无扩展名'}」，可处理：{supported}",
            path=path,
            detail=f"unsupported suffix {path.suffix!r}",
        )
    return fmt


def check_not_empty(path: Path, size: int) -> None:
    if size == 0:
        raise IngestError("文件是空的（0 字节），可能扫描或复制没有完成", path=path, detail="zero-byte file")


def check_size(path: Path, size: int, max_mb: float) -> None:
    if size > max_mb * 1024 * 1024:
        raise IngestError(
            f"文件太大（{size / 1024 / 1024:.1f} MB），超过上限 {max_mb:g} MB",
            path=path,
            detail=f"size {size} > ingest.max_file_mb={max_mb}",
        )


def _has_eof_marker(path: Path) -> bool:
    with open(path, "rb") as fh:
        fh.seek(0, 2)
        size = fh.tell()
        fh.seek(max(0, size - 4096))
        return b"%%EOF" in fh.read()


@dataclass
class PdfInfo:
    pages: int
    texts: list[str]  # text layer per page ("" when the page has none)


def read_pdf(path: Path) -> PdfInfo:
    """Open a PDF and read its text layer; broken or encrypted PDFs raise."""
    import pypdfium2 as pdfium

    if not _has_eof_marker(path):
        raise IngestError("PDF 文件不完整（被截断或损坏），请重新扫描或重新导出", path=path, detail="no %%EOF marker in the last 4 KiB")
    try:
        pdf = pdfium.PdfDocument(path)
    except pdfium.PdfiumError as e:
        raise _pdf_error(path, e) from e
    try:
        n = len(pdf)
        if n == 0:
            raise IngestError("PDF 没有任何页面", path=path, detail="page count 0")
        if n > MAX_PAGES:
            raise IngestError(f"PDF 页数过多（{n} 页，上限 {MAX_PAGES}）", path=path, detail=f"{n} pages")
        return PdfInfo(pages=n, texts=[_page_text(pdf, i, path) for i in range(n)])
    finally:
        pdf.close()


def _page_text(pdf, i: int, path: Path) -> str:
    import pypdfium2 as pdfium

    try:
        page = pdf[i]
        tp = page.get_textpage()
        text = tp.get_text_range()
        tp.close()
        page.close()
    except pdfium.PdfiumError as e:
        raise IngestError(f"PDF 第 {i + 1} 页损坏，无法读取", path=path, detail=str(e)) from e
    return text.replace("\r\n", "\n").strip()


def _pdf_error(path: Path, e: Exception) -> IngestError:
    text = str(e)
    if "password" in text.lower():
        return IngestError("PDF 已加密（需要密码），请去掉密码后重新放入", path=path, detail=text)
    return IngestError("PDF 文件损坏，无法打开，请重新扫描或重新导出", path=path, detail=text)


def render_pdf_page(
    path: Path, index: int, *, dpi: int = DEFAULT_DPI, region: tuple[float, float] | None = None
) -> Image.Image:
    """Page ``index`` of a PDF as a PIL image at ``dpi``.

    ``region=(fx, fy)`` renders only the top-right ``fx`` of the width and
    ``fy`` of the height (where dangan prints its QR code): ~10x cheaper.
    """
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(path)
    except pdfium.PdfiumError as e:
        raise _pdf_error(path, e) from e
    try:
        page = pdf[index]
        crop = (0.0, 0.0, 0.0, 0.0)
        if region is not None:
            w, h = page.get_size()
            crop = (w * (1 - region[0]), h * (1 - region[1]), 0.0, 0.0)
        bitmap = page.render(scale=dpi / 72, crop=crop)
        image = bitmap.to_pil()
        page.close()
        return image
    except pdfium.PdfiumError as e:
        raise IngestError(f"PDF 第 {index + 1} 页无法渲染", path=path, detail=str(e)) from e
    finally:
        pdf.close()


def image_frames(path: Path) -> Iterator[Image.Image]:
    """Each frame of an image file (multi-page TIFF gives several), decoded."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            for i in range(getattr(im, "n_frames", 1)):
                im.seek(i)
                frame = im.convert("RGB")
                frame.load()
                yield frame
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as e:
        raise IngestError("图片无法解码（文件损坏或不是真正的图片）", path=path, detail=f"{type(e).__name__}: {e}") from e


def check_image(path: Path) -> int:
    """Decode every frame once; returns the frame count, or raises."""
    return sum(1 for _ in image_frames(path))
