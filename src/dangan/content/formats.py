"""The formats dangan archives, found from the bytes (never trusting the name)."""

from __future__ import annotations

import io
import zipfile
from enum import StrEnum
from pathlib import PurePath

from dangan.errors import IngestError

FORMATS = ("pdf", "docx", "jpg", "png", "tiff", "txt")
IMAGE_FORMATS = frozenset({"jpg", "png", "tiff"})

#: file-name suffix -> format, for files that arrive by name (watched folders, uploads)
SUFFIX_FORMATS: dict[str, str] = {
    ".pdf": "pdf", ".jpg": "jpg", ".jpeg": "jpg", ".png": "png", ".tif": "tiff", ".tiff": "tiff",
    ".txt": "txt", ".docx": "docx",
}

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "pdf"),
    (b"\xff\xd8\xff", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
    (b"PK\x03\x04", "zip"),
)


class TextSource(StrEnum):
    """Where a file's full text came from."""

    LAYER = "layer"  # the PDF's text layer
    DOCX = "docx"
    TXT = "txt"
    OCR = "ocr"
    NONE = "none"  # no text (an image without OCR)


def suffix_for(fmt: str) -> str:
    """The file-name suffix the archive stores a format under."""
    return {"jpg": ".jpg", "tiff": ".tif"}.get(fmt, f".{fmt}")


def format_for_name(name: PurePath) -> str:
    """The format a file name announces; IngestError for a type dangan does not take."""
    fmt = SUFFIX_FORMATS.get(name.suffix.lower())
    if fmt is None:
        supported = "、".join(sorted({s.lstrip(".") for s in SUFFIX_FORMATS}))
        raise IngestError(f"不支持的文件类型「{name.suffix or '无扩展名'}」，可处理：{supported}",
                          path=str(name), detail=f"unsupported suffix {name.suffix!r}")
    return fmt


def detect_format(data: bytes, *, name: str = "") -> str:
    """The format of a file from its first bytes (and, for ZIPs, its members).

    Returns one of :data:`FORMATS`, or raises :class:`IngestError`.
    """
    from dangan.content.text import decode_text

    for magic, fmt in _MAGIC:
        if data.startswith(magic):
            return _zip_format(data, name=name) if fmt == "zip" else fmt
    if b"%PDF-" in data[:1024]:  # some scanners write a few bytes before the header
        return "pdf"
    if not data:
        raise IngestError("文件是空的（0 字节），无法归档", path=name or None)
    if decode_text(data) is not None:
        return "txt"
    raise IngestError("无法识别的文件格式；可归档的格式为 PDF、DOCX、JPG、PNG、TIFF 和文本文件", path=name or None)


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
