"""One file's bytes → its format, its text and its page count.

``extract_bytes`` detects the format from the content (not the name), checks
that the file opens, and reads its text (the PDF text layer once, page by
page).  Images carry no text here: OCR is the intake pipeline's business,
which passes the text it found along with the file.  A file that does not
open as its format raises :class:`IngestError` naming the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dangan.content import images, pdf, text
from dangan.content.formats import IMAGE_FORMATS, TextSource, detect_format
from dangan.errors import IngestError


@dataclass(frozen=True)
class Extraction:
    text: str | None  # None: no text could be had without OCR
    source: TextSource
    format: str  # one of FORMATS
    page_count: int | None  # PDFs (and multi-frame TIFFs); None otherwise
    pages_without_text: int = 0


def extract(path: Path, *, with_text: bool = True) -> Extraction:
    try:
        data = path.read_bytes()
    except OSError as e:
        raise IngestError(f"无法读取文件：{e.strerror or e}", path=path) from e
    return extract_bytes(data, name=str(path), with_text=with_text)


def extract_bytes(data: bytes, *, name: str = "", with_text: bool = True) -> Extraction:
    """``with_text=False`` only checks the file and counts pages (the caller has the text, e.g. from OCR)."""
    fmt = detect_format(data, name=name)
    if fmt == "pdf":
        if not with_text:
            return Extraction(None, TextSource.LAYER, "pdf", pdf.page_count(data, name=name))
        layer = pdf.read_text(data, name=name)
        source = TextSource.LAYER if layer.text else TextSource.NONE
        return Extraction(layer.text, source, "pdf", layer.pages, layer.pages_without_text)
    if fmt == "docx":
        document = text.open_docx(data, name=name)
        body = (text.docx_text(document) or None) if with_text else None
        return Extraction(body, TextSource.DOCX, "docx", None)
    if fmt == "txt":
        return Extraction(text.decode_text(data) if with_text else None, TextSource.TXT, "txt", None)
    assert fmt in IMAGE_FORMATS
    frames = images.frame_count(data, name=name)
    return Extraction(None, TextSource.NONE, fmt, frames if fmt == "tiff" else None)


def check_opens(data: bytes, fmt: str, *, name: str = "") -> None:
    """Raise IngestError unless ``data`` opens as ``fmt`` (used by verify)."""
    found = detect_format(data, name=name)
    if found != fmt:
        raise IngestError(f"文件内容是 {found}，与登记的格式 {fmt} 不符", path=name or None)
    extract_bytes(data, name=name, with_text=False)
