"""Text extraction and format detection for files entering the archive.

``extract(path)`` reads a file once and returns its text, its format (found
from the content, not the extension), its page count (PDF) and how many
pages carry no text layer (candidates for OCR).  Images carry no text here:
the watched-folder pipeline runs OCR and passes the text in the
:class:`~dangan.archive.model.FilingRequest`.

A file that does not open as its format raises :class:`IngestError` naming
the file.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

from dangan.errors import IngestError

FORMATS = ("pdf", "docx", "jpg", "png", "tiff", "txt")
IMAGE_FORMATS = ("jpg", "png", "tiff")

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "pdf"),
    (b"\xff\xd8\xff", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
    (b"PK\x03\x04", "zip"),
)


@dataclass(frozen=True)
class Extraction:
    text: str | None  # None: no text could be had without OCR
    source: str  # "layer", "docx", "txt", "none"
    format: str  # one of FORMATS
    page_count: int | None  # PDFs (and multi-frame TIFFs); None otherwise
    pages_without_text: int = 0


def detect_format(data: bytes, *, name: str = "") -> str:
    """The format of a file from its first bytes (and, for ZIPs, its members).

    Returns one of :data:`FORMATS`, or raises :class:`IngestError`.
    """
    for magic, fmt in _MAGIC:
        if data.startswith(magic):
            if fmt == "zip":
                return _zip_format(data, name=name)
            return fmt
    if b"%PDF-" in data[:1024]:  # some scanners write a few bytes before the header
        return "pdf"
    if not data:
        raise IngestError("文件是空的（0 字节），无法归档", path=name or None)
    if _decode_text(data) is not None:
        return "txt"
    raise IngestError(
        "无法识别的文件格式；可归档的格式为 PDF、DOCX、JPG、PNG、TIFF 和文本文件",
        path=name or None,
    )


def _zip_format(data: bytes, *, name: str) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
    except zipfile.BadZipFile as e:
        raise IngestError("文件已损坏：ZIP/DOCX 结构无法打开", path=name or None, detail=str(e)) from e
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        raise IngestError("Excel 表格（XLSX）不能直接归档，请先导出为 PDF", path=name or None)
    raise IngestError("压缩包不能归档；可归档 PDF、DOCX、图片和文本文件", path=name or None)


def extract(path: Path, *, with_text: bool = True) -> Extraction:
    """Detect the format of ``path``, check it opens, and extract its text.

    ``with_text=False`` only checks the file and counts pages (the caller
    already has the text, e.g. from OCR).
    """
    try:
        data = path.read_bytes()
    except OSError as e:
        raise IngestError(f"无法读取文件：{e.strerror or e}", path=path) from e
    return extract_bytes(data, name=str(path), with_text=with_text)


def extract_bytes(data: bytes, *, name: str = "", with_text: bool = True) -> Extraction:
    fmt = detect_format(data, name=name)
    if fmt == "pdf":
        return _pdf(data, name=name, with_text=with_text)
    if fmt == "docx":
        return _docx(data, name=name, with_text=with_text)
    if fmt == "txt":
        text = _decode_text(data)
        return Extraction(text=text if with_text else None, source="txt", format="txt", page_count=None)
    return _image(data, fmt, name=name)


def check_opens(data: bytes, fmt: str, *, name: str = "") -> None:
    """Raise IngestError unless ``data`` opens as ``fmt`` (used by verify)."""
    found = detect_format(data, name=name)
    if found != fmt:
        raise IngestError(f"文件内容是 {found}，与登记的格式 {fmt} 不符", path=name or None)
    extract_bytes(data, name=name, with_text=False)


# -- PDF ---------------------------------------------------------------------


def _pdf(data: bytes, *, name: str, with_text: bool) -> Extraction:
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as e:
        msg = str(e)
        if "password" in msg.lower():
            raise IngestError("PDF 已加密（有密码），不能归档；请提供未加密的文件", path=name or None) from e
        raise IngestError("PDF 文件已损坏，无法打开", path=name or None, detail=msg) from e
    try:
        pages = len(pdf)
        if pages == 0:
            raise IngestError("PDF 文件没有任何页面", path=name or None)
        if not with_text:
            return Extraction(text=None, source="layer", format="pdf", page_count=pages)
        texts, empty = _pdf_pages_text(pdf, name=name)
    finally:
        pdf.close()
    text = "\n\n".join(t for t in texts if t)
    return Extraction(
        text=text or None,
        source="layer" if text else "none",
        format="pdf",
        page_count=pages,
        pages_without_text=empty,
    )


def _pdf_pages_text(pdf, *, name: str) -> tuple[list[str], int]:  # type: ignore[no-untyped-def]
    import pypdfium2 as pdfium

    texts: list[str] = []
    empty = 0
    for i in range(len(pdf)):
        try:
            page = pdf[i]
            textpage = page.get_textpage()
            t = textpage.get_text_range().replace("\r\n", "\n").strip()
            textpage.close()
            page.close()
        except pdfium.PdfiumError as e:
            raise IngestError(f"PDF 第 {i + 1} 页无法读取", path=name or None, detail=str(e)) from e
        if not t:
            empty += 1
        texts.append(t)
    return texts, empty


# -- DOCX --------------------------------------------------------------------


def _docx(data: bytes, *, name: str, with_text: bool) -> Extraction:
    import docx

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as e:  # python-docx raises many kinds for broken packages
        raise IngestError("DOCX 文件已损坏，无法打开", path=name or None, detail=str(e)) from e
    if not with_text:
        return Extraction(text=None, source="docx", format="docx", page_count=None)
    parts: list[str] = []
    for section in document.sections:
        for part in (section.header, section.first_page_header, section.even_page_header):
            parts.extend(_docx_block_text(part))
    parts.extend(_docx_block_text(document))
    for section in document.sections:
        for part in (section.footer, section.first_page_footer, section.even_page_footer):
            parts.extend(_docx_block_text(part))
    text = "\n".join(_dedupe_keep_order(p for p in parts if p.strip()))
    return Extraction(text=text or None, source="docx", format="docx", page_count=None)


def _docx_block_text(container) -> list[str]:  # type: ignore[no-untyped-def]
    """Paragraphs and table cells of a document body, header or footer, in order."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    out: list[str] = []
    try:
        items = container.iter_inner_content()
    except Exception:  # an unlinked header/footer part
        return out
    for item in items:
        if isinstance(item, Paragraph):
            out.append(item.text)
        elif isinstance(item, Table):
            out.extend(_docx_table_text(item))
    return out


def _docx_table_text(table) -> list[str]:  # type: ignore[no-untyped-def]
    out: list[str] = []
    for row in table.rows:
        cells: list[str] = []
        seen: set[int] = set()
        for cell in row.cells:
            if id(cell._tc) in seen:  # merged cells repeat
                continue
            seen.add(id(cell._tc))
            inner = _docx_block_text(cell)
            cells.append(" ".join(t for t in inner if t.strip()))
        out.append("\t".join(c for c in cells if c))
    return out


def _dedupe_keep_order(items) -> list[str]:  # type: ignore[no-untyped-def]
    """Headers repeat per section; keep the first of consecutive equal lines."""
    out: list[str] = []
    for item in items:
        if not out or out[-1] != item:
            out.append(item)
    return out


# -- text --------------------------------------------------------------------


def _decode_text(data: bytes) -> str | None:
    """Decode UTF-8 (with or without BOM), UTF-16 (BOM) or GB18030 text."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16").replace("\r\n", "\n")
        except UnicodeDecodeError:
            return None
    if b"\x00" in data[:4096]:
        return _decode_utf16_without_bom(data)
    try:
        return data.decode("utf-8").replace("\r\n", "\n")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        return _decode_guess(data)
    return text.replace("\r\n", "\n") if _looks_like_text(text) else _decode_guess(data)


def _decode_utf16_without_bom(data: bytes) -> str | None:
    for enc in ("utf-16-le", "utf-16-be"):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        if _looks_like_text(text):
            return text.replace("\r\n", "\n")
    return None


def _decode_guess(data: bytes) -> str | None:
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        return None
    text = str(best)
    return text.replace("\r\n", "\n") if _looks_like_text(text) else None


def _looks_like_text(text: str) -> bool:
    if not text:
        return True
    bad = sum(1 for ch in text if (ord(ch) < 32 and ch not in "\t\n\r\f") or 0xE000 <= ord(ch) <= 0xF8FF)
    return bad / len(text) < 0.01


# -- images ------------------------------------------------------------------


def _image(data: bytes, fmt: str, *, name: str) -> Extraction:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as img:
            frames = getattr(img, "n_frames", 1)
            img.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as e:
        raise IngestError("图片文件已损坏，无法打开", path=name or None, detail=str(e)) from e
    pages = frames if fmt == "tiff" else None
    return Extraction(text=None, source="none", format=fmt, page_count=pages)


def suffix_for(fmt: str) -> str:
    """The file-name suffix the archive stores a format under."""
    return {"jpg": ".jpg", "tiff": ".tif"}.get(fmt, f".{fmt}")
