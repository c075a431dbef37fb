"""Looking at a record's files: by archival code and file number only, never by a path from outside."""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

from dangan.archive.model import Status, StoredFile
from dangan.errors import ArchiveError

if TYPE_CHECKING:
    from dangan.archive.service import Archive

THUMB_WIDTH = 260  # pixels
MAX_WIDTH = 1400
MEDIA_TYPES = {"pdf": "application/pdf", "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
               "jpg": "image/jpeg", "png": "image/png", "tiff": "image/tiff", "txt": "text/plain; charset=utf-8"}


def stored_file(archive: Archive, code: str, number: int) -> tuple[StoredFile, Path]:
    """File ``number`` (1, 2, …, in the record's order) of the record, and where it is stored (read it only)."""
    record = archive.get(code)
    if record.status is Status.DISPOSED:
        raise ArchiveError("该档案已销毁，文件内容已不存在", code=code)
    if not 1 <= number <= len(record.files):
        raise ArchiveError(f"这件档案没有第 {number} 个文件", code=code)
    f = record.files[number - 1]
    if f.destroyed:
        raise ArchiveError("该文件已销毁", code=code)
    return f, archive.store.abs(f.path)


def page_png(archive: Archive, code: str, number: int, page: int, *, width: int = THUMB_WIDTH) -> bytes:
    """Page ``page`` (1-based) of a PDF or image file of the record as a PNG ``width`` pixels wide."""
    from PIL import Image

    f, path = stored_file(archive, code, number)
    width = max(60, min(int(width), MAX_WIDTH))
    if f.format == "pdf":
        from dangan.content.pdf import render_page

        pages = f.page_count or 1
        if not 1 <= page <= pages:
            raise ArchiveError(f"没有第 {page} 页", code=code)
        image = render_page(path, page - 1, dpi=72 * 2, name=f.original_name)
    elif f.format in ("jpg", "png", "tiff"):
        image = Image.open(path)
        image.seek(min(page - 1, getattr(image, "n_frames", 1) - 1))
        image = image.convert("RGB")
    else:
        raise ArchiveError("这种文件没有页面图像", code=code)
    image.thumbnail((width, width * 3))
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()


def media_type(fmt: str) -> str:
    return MEDIA_TYPES.get(fmt, "application/octet-stream")
