"""The QR payload that dangan prints on every page of a generated form (pure).

The forms generator encodes it; the watched folders decode it from scans and
link the scan to the generated record by its document number (文号)::

    DANGAN1|JF-2026-0001|payment-notice|2/3     page 2 of 3 (every PDF page)
    DANGAN1|JF-2026-0001|payment-notice         the document (a DOCX, whose pages Word lays out;
                                                and every code printed before pages were numbered)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

QR_PREFIX = "DANGAN1"
_DOC_NUMBER = re.compile(r"^[A-Z][A-Z0-9]{0,7}-\d{4}-\d{4,6}$")
_PAGE = re.compile(r"^([1-9]\d{0,4})/([1-9]\d{0,4})$")


@dataclass(frozen=True)
class QrCode:
    """What one printed code says."""

    doc_number: str
    form_id: str
    page: int | None = None  # 1-based page of the document, when the code names it
    pages: int | None = None  # the document's page count, likewise


def qr_payload(doc_number: str, form_id: str, *, page: int | None = None, pages: int | None = None) -> str:
    """``DANGAN1|JF-2026-0001|payment-notice`` (+ ``|2/3`` for page 2 of 3)."""
    text = f"{QR_PREFIX}|{doc_number}|{form_id}"
    return f"{text}|{page}/{pages}" if page is not None and pages is not None else text


def parse_qr(text: str) -> QrCode | None:
    """The code's fields, or None if the text is not a dangan code."""
    parts = text.strip().split("|")
    if len(parts) not in (3, 4) or parts[0] != QR_PREFIX or not _DOC_NUMBER.match(parts[1]) or not parts[2]:
        return None
    if len(parts) == 3:
        return QrCode(parts[1], parts[2])
    m = _PAGE.match(parts[3])
    if m is None or int(m.group(1)) > int(m.group(2)):
        return None
    return QrCode(parts[1], parts[2], page=int(m.group(1)), pages=int(m.group(2)))


def parse_qr_payload(text: str) -> tuple[str, str] | None:
    """(doc_number, form_id), or None if the text is not a dangan code (any page's)."""
    code = parse_qr(text)
    return None if code is None else (code.doc_number, code.form_id)


def is_doc_number(text: str) -> bool:
    return bool(_DOC_NUMBER.match(text))


def split_doc_number(text: str) -> tuple[str, int, int] | None:
    """``JF-2026-0007`` → ("JF", 2026, 7); None if it is not a dangan document number."""
    if not _DOC_NUMBER.match(text):
        return None
    prefix, year, seq = text.rsplit("-", 2)
    return prefix, int(year), int(seq)
