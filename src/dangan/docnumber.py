"""The QR payload that dangan prints on every generated form (pure).

The forms generator encodes it; the watched folders decode it from scans and
link the scan to the generated record by its document number (文号).
"""

from __future__ import annotations

import re

QR_PREFIX = "DANGAN1"
_DOC_NUMBER = re.compile(r"^[A-Z][A-Z0-9]{0,7}-\d{4}-\d{4,6}$")


def qr_payload(doc_number: str, form_id: str) -> str:
    """``DANGAN1|JF-2026-0001|payment-notice``."""
    return f"{QR_PREFIX}|{doc_number}|{form_id}"


def parse_qr_payload(text: str) -> tuple[str, str] | None:
    """(doc_number, form_id), or None if the text is not a dangan code."""
    parts = text.strip().split("|")
    if len(parts) != 3 or parts[0] != QR_PREFIX or not _DOC_NUMBER.match(parts[1]):
        return None
    return parts[1], parts[2]


def is_doc_number(text: str) -> bool:
    return bool(_DOC_NUMBER.match(text))


def split_doc_number(text: str) -> tuple[str, int, int] | None:
    """``JF-2026-0007`` → ("JF", 2026, 7); None if it is not a dangan document number."""
    if not _DOC_NUMBER.match(text):
        return None
    prefix, year, seq = text.rsplit("-", 2)
    return prefix, int(year), int(seq)
