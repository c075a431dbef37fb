"""A QR code on every page of a generated PDF of several pages, naming the document and the page.

(A one-sheet notice carries its code in its HTML instead: sheets.py, qr.qr_data_uri.)

The HTML frame (``_base/base.html``) reserves the place: an empty box
``id="dangan-qr"`` in the header that WeasyPrint repeats on every page.  After
layout, each page reports where that box landed (``page.anchors``); when the
PDF is written, each page gets its own code drawn there: the payload
``DANGAN1|JF-2026-0001|payment-notice|2/3`` (docnumber.py), so a loose scanned
page, or pages scanned out of order, still name their record.

The code is drawn as a one-bit image (one sample per module) with pypdf,
between ``q``/``Q`` so nothing of the page's own drawing state leaks into it.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from dangan.docnumber import qr_payload
from dangan.forms.qr import make_qr

SLOT = "dangan-qr"  # the id of the reserved box in _base/base.html
PX_TO_PT = 0.75  # WeasyPrint lays out in CSS px (1/96 in); PDF user space is in points (1/72 in)


@dataclass(frozen=True)
class PageCode:
    """The code of one page and where it goes (PDF points, origin bottom-left)."""

    payload: str
    x: float
    y: float
    size: float


@dataclass(frozen=True)
class Slot:
    """Where a page's code goes (PDF points, origin bottom-left)."""

    x: float
    y: float
    size: float


def page_slots(document: Any) -> list[Slot | None]:
    """Where each page of a laid-out WeasyPrint document has its code slot (None: no slot)."""
    out: list[Slot | None] = []
    for page in document.pages:
        box = page.anchors.get(SLOT)
        if box is None:
            out.append(None)
            continue
        x1, y1, x2, y2 = box
        out.append(Slot(x=x1 * PX_TO_PT, y=(page.height - y2) * PX_TO_PT, size=min(x2 - x1, y2 - y1) * PX_TO_PT))
    return out


def codes_for(slots: Sequence[Slot | None], doc_number: str, form_id: str) -> list[PageCode | None]:
    """The code of each page of a document whose pages have ``slots`` (page i of len(slots))."""
    n = len(slots)
    return [PageCode(qr_payload(doc_number, form_id, page=i, pages=n), x=s.x, y=s.y, size=s.size)
            if s is not None else None for i, s in enumerate(slots, start=1)]


def page_codes(document: Any, doc_number: str, form_id: str) -> list[PageCode | None]:
    """One code per page of a laid-out WeasyPrint document (None where a page has no slot)."""
    return codes_for(page_slots(document), doc_number, form_id)


def _image(payload: str) -> tuple[int, bytes]:
    """(width, Flate-compressed 1-bit rows) of the code with one module of quiet zone."""
    from PIL import Image

    matrix = make_qr(payload).matrix
    size = len(matrix) + 2
    img = Image.new("1", (size, size), 1)
    img.putdata([1] * size + [v for row in matrix for v in (1, *(0 if m else 1 for m in row), 1)] + [1] * size)
    return size, zlib.compress(img.tobytes())


def stamp(pdf: bytes, codes: Sequence[PageCode | None]) -> bytes:
    """``pdf`` with each page's code drawn (``codes[i]`` for page i)."""
    from pypdf import PdfReader, PdfWriter

    reader = PdfReader(io.BytesIO(pdf))
    if len(reader.pages) != len(codes):
        raise ValueError(f"PDF has {len(reader.pages)} pages, {len(codes)} codes given")
    writer = PdfWriter(clone_from=reader)
    for page, code in zip(writer.pages, codes, strict=True):
        if code is not None:
            _draw(writer, page, code)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def _draw(writer: Any, page: Any, code: PageCode) -> None:
    from pypdf.generic import (
        ArrayObject,
        DecodedStreamObject,
        DictionaryObject,
        NameObject,
        NumberObject,
        StreamObject,
    )

    width, data = _image(code.payload)
    image = StreamObject()
    image._data = data  # already Flate-encoded (pypdf writes _data as it is)
    image.update({
        NameObject("/Type"): NameObject("/XObject"), NameObject("/Subtype"): NameObject("/Image"),
        NameObject("/Width"): NumberObject(width), NameObject("/Height"): NumberObject(width),
        NameObject("/ColorSpace"): NameObject("/DeviceGray"), NameObject("/BitsPerComponent"): NumberObject(1),
        NameObject("/Filter"): NameObject("/FlateDecode"),
    })
    ref = writer._add_object(image)
    resources = page.get("/Resources")
    resources = DictionaryObject(resources.get_object() if resources is not None else {})
    xobjects = resources.get("/XObject")
    xobjects = DictionaryObject(xobjects.get_object() if xobjects is not None else {})
    name = "/DanganQR"
    xobjects[NameObject(name)] = ref
    resources[NameObject("/XObject")] = xobjects
    page[NameObject("/Resources")] = resources
    before, after = DecodedStreamObject(), DecodedStreamObject()
    before.set_data(b"q\n")
    after.set_data(f"\nQ q {code.size:.3f} 0 0 {code.size:.3f} {code.x:.3f} {code.y:.3f} cm {name} Do Q\n".encode())
    contents = page.get("/Contents")
    parts = list(contents.get_object()) if isinstance(contents.get_object(), ArrayObject) else [contents]
    page[NameObject("/Contents")] = ArrayObject(
        [writer._add_object(before), *parts, writer._add_object(after)])
