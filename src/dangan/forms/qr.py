"""The QR codes printed on generated documents (payloads: dangan.docnumber).

Speed: each code is built with a fixed mask pattern (choosing the "best" of the
eight masks is most of segno's time and buys nothing measurable in reading).
A one-page PDF (a notice, laid out with its header in the page: sheets.py)
carries its code in its HTML, as a PNG of one pixel per module drawn unsmoothed
(:func:`qr_data_uri`); the pages of a longer PDF each get their own code,
drawn as a one-bit image after layout (pagecodes.py); the DOCX gets the document's code as a PNG of 10 px per module
in its header (Word lays out its pages, so that code names no page).
"""

from __future__ import annotations

import base64
import io

import segno

from dangan.docnumber import qr_payload

QR_MM = 19  # printed size (the header CSS and the DOCX image use this)
MASK = 2  # a fixed, valid mask pattern (ISO/IEC 18004 allows any of 0–7)


def make_qr(payload: str) -> segno.QRCode:
    return segno.make(payload, error="m", micro=False, mask=MASK)


def png_bytes(code: segno.QRCode, *, scale: int) -> bytes:
    """A black-and-white PNG, ``scale`` pixels per module, one module of quiet zone.

    Pillow draws it (segno's own PNG writer is pure Python and took several
    milliseconds at 10 px per module)."""
    from PIL import Image

    size = len(code.matrix) + 2
    img = Image.new("1", (size, size), 1)
    img.putdata([1] * size + [v for row in code.matrix for v in (1, *(0 if m else 1 for m in row), 1)] + [1] * size)
    if scale > 1:
        img = img.resize((size * scale, size * scale), Image.Resampling.NEAREST)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def qr_png(doc_number: str, form_id: str) -> bytes:
    """The document's code (no page) as a PNG for the DOCX header: sharp at print size."""
    return png_bytes(make_qr(qr_payload(doc_number, form_id)), scale=10)


def qr_data_uri(payload: str) -> str:
    """``data:image/png;base64,…`` of the code, one pixel per module (the print CSS draws it
    unsmoothed at :data:`QR_MM`)."""
    return "data:image/png;base64," + base64.b64encode(png_bytes(make_qr(payload), scale=1)).decode("ascii")
