"""Plain text and DOCX text (pure functions of the bytes)."""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

from dangan.errors import IngestError


def decode_text(data: bytes) -> str | None:
    """Decode UTF-8 (with or without BOM), UTF-16 (BOM) or GB18030 text; None if it is not text."""
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


def open_docx(data: bytes, *, name: str) -> Any:
    import docx

    try:
        return docx.Document(io.BytesIO(data))
    except Exception as e:  # python-docx raises many kinds for broken packages
        raise IngestError("DOCX 文件已损坏，无法打开", path=name or None, detail=str(e)) from e


def docx_text(document: Any) -> str:
    """Headers, body (paragraphs and table cells, in order) and footers of a DOCX."""
    parts: list[str] = []
    for section in document.sections:
        for part in (section.header, section.first_page_header, section.even_page_header):
            parts.extend(_block_text(part))
    parts.extend(_block_text(document))
    for section in document.sections:
        for part in (section.footer, section.first_page_footer, section.even_page_footer):
            parts.extend(_block_text(part))
    return "\n".join(_dedupe_keep_order(p for p in parts if p.strip()))


def _block_text(container: Any) -> list[str]:
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
            out.extend(_table_text(item))
    return out


def _table_text(table: Any) -> list[str]:
    out: list[str] = []
    for row in table.rows:
        cells: list[str] = []
        seen: set[int] = set()
        for cell in row.cells:
            if id(cell._tc) in seen:  # merged cells repeat
                continue
            seen.add(id(cell._tc))
            inner = _block_text(cell)
            cells.append(" ".join(t for t in inner if t.strip()))
        out.append("\t".join(c for c in cells if c))
    return out


def _dedupe_keep_order(items: Iterable[str]) -> list[str]:
    """Headers repeat per section; keep the first of consecutive equal lines."""
    out: list[str] = []
    for item in items:
        if not out or out[-1] != item:
            out.append(item)
    return out
