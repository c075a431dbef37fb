"""The QR code printed top-right on every generated document."""

from __future__ import annotations

import io

import segno

from dangan.docnumber import qr_payload

QR_MM = 19  # printed size (the header CSS and the DOCX image use this)


def make_qr(doc_number: str, form_id: str) -> segno.QRCode:
    return segno.make(qr_payload(doc_number, form_id), error="m", micro=False)


def qr_svg_uri(doc_number: str, form_id: str) -> str:
    """A ``data:`` URI (vector SVG) for ``<img src>`` in the HTML template."""
    return make_qr(doc_number, form_id).svg_data_uri(border=1, dark="#000", light="#fff")


def qr_png(doc_number: str, form_id: str) -> bytes:
    """PNG bytes for the DOCX (sharp at print size: 10 px per module)."""
    buf = io.BytesIO()
    make_qr(doc_number, form_id).save(buf, kind="png", scale=10, border=1)
    return buf.getvalue()
