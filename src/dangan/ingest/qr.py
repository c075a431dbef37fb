"""Read the QR code dangan prints on its forms: ``DANGAN1|<doc number>|<form id>[|<page>/<pages>]``.

The forms engine prints a ~20 mm code at the top right of every page (PDF),
naming the page, so any page of a scan names its record.
Scans are decoded from the image itself, or from PDF pages rasterised at
~200 dpi.  The top-right region is tried first (fast), then the whole page.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dangan.docnumber import QrCode, parse_qr

if TYPE_CHECKING:
    from PIL import Image

# Fraction of the page searched first: right part, top part.
TOP_RIGHT = (0.45, 0.30)


@dataclass(frozen=True)
class QrMatch:
    doc_number: str
    form_id: str
    page: int  # 0-based page (or frame) of the scan where it was found
    doc_page: int | None = None  # the document's page the code names (1-based), if it names one
    doc_pages: int | None = None


def _decode(image: Image.Image) -> list[str]:
    import zxingcpp

    results = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)  # type: ignore[arg-type]
    return [r.text for r in results if r.valid]


def top_right(image: Image.Image) -> Image.Image:
    w, h = image.size
    fx, fy = TOP_RIGHT
    return image.crop((int(w * (1 - fx)), 0, w, int(h * fy)))


def read_image(image: Image.Image) -> tuple[str, str] | None:
    """(doc_number, form_id) of the first dangan code on the image, or None.

    Codes that are not dangan's (a payment QR, a web link) are skipped.
    """
    code = read_code(image)
    return None if code is None else (code.doc_number, code.form_id)


def read_code(image: Image.Image) -> QrCode | None:
    """The first dangan code on the image, with the page it names (None if there is none)."""
    gray = image.convert("L")
    for candidate in (top_right(gray), gray):
        for text in _decode(candidate):
            code = parse_qr(text)
            if code:
                return code
    return None


def find_code(pages: Iterable[Image.Image]) -> QrMatch | None:
    """The first dangan code on any of ``pages`` (consumed lazily, stops at a hit).

    Any page will do: every page of a generated PDF carries its record's code,
    so a scan of page 3 alone, or of the pages in another order, is matched."""
    for i, image in enumerate(pages):
        code = read_code(image)
        if code:
            return QrMatch(doc_number=code.doc_number, form_id=code.form_id, page=i, doc_page=code.page,
                           doc_pages=code.pages)
    return None
