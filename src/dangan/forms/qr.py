"""The QR code printed top-right on every generated document.

Speed: the code is built once per document and shared by both formats, with a
fixed mask pattern (choosing the "best" of the eight masks is most of segno's
time and buys nothing measurable in reading); the PDF gets a PNG of one pixel
per module, drawn crisp (``image-rendering: pixelated``), which WeasyPrint
embeds far faster than an SVG path.
"""

from __future__ import annotations

import base64
import io

import segno

from dangan.docnumber import qr_payload

QR_MM = 19  # printed size (the header CSS and the DOCX image use this)
MASK = 2  # a fixed, valid mask pattern (ISO/IEC 18004 allows any of 0–7)


def make_qr(doc_number: str, form_id: str) -> segno.QRCode:
    return segno.make(qr_payload(doc_number, form_id), error="m", micro=False, mask=MASK)


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


def html_uri(code: segno.QRCode) -> str:
    """A ``data:`` URI for ``<img src>`` in the HTML template: one pixel per module."""
    return "data:image/png;base64," + base64.b64encode(png_bytes(code, scale=1)).decode("ascii")


def qr_svg_uri(doc_number: str, form_id: str) -> str:
    """A ``data:`` URI (vector SVG), for callers that want one."""
    return make_qr(doc_number, form_id).svg_data_uri(border=1, dark="#000", light="#fff")


def qr_png(doc_number: str, form_id: str) -> bytes:
    """PNG bytes for the DOCX (sharp at print size: 10 px per module)."""
    return png_bytes(make_qr(doc_number, form_id), scale=10)
