"""Read the QR code dangan prints on its forms: ``DANGAN1|<doc number>|<form id>``.

The forms engine prints a ~20 mm code at the top right of the first page.
Scans are decoded from the image itself, or from PDF pages rasterised at
~200 dpi.  The top-right region is tried first (fast), then the whole page.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dangan.docnumber import parse_qr_payload

if TYPE_CHECKING:
    from PIL import Image

# Fraction of the page searched first: right part, top part.
TOP_RIGHT = (0.45, 0.30)


@dataclass(frozen=True)
class QrMatch:
    doc_number: str
    form_id: str
    page: int  # 0-based page (or frame) where it was found


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
    gray = image.convert("L")
    for candidate in (top_right(gray), gray):
        for text in _decode(candidate):
            parsed = parse_qr_payload(text)
            if parsed:
                return parsed
    return None


def find_code(pages: Iterable[Image.Image]) -> QrMatch | None:
    """The first dangan code on any of ``pages`` (consumed lazily, stops at a hit)."""
    for i, image in enumerate(pages):
        parsed = read_image(image)
        if parsed:
            return QrMatch(doc_number=parsed[0], form_id=parsed[1], page=i)
    return None
