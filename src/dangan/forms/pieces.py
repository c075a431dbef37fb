"""A document with a long table (the 归档文件目录 of a year) laid out in pieces.

WeasyPrint keeps every page's layout until it writes the PDF: a 10,000-row
table needed more than 2 GB and a quarter of an hour.  Here the table's rows
go through the ordinary layout a piece at a time (each piece written and
forgotten, so memory stays that of one piece), the pieces are joined with
pikepdf, and what needs the whole count is drawn over the joined pages: the
page footer "第 N 页 共 M 页" and each page's QR code (page N of M, in the slot
the page header leaves for it).  The result is one PDF/A-2b file with one
document number, every page of which names its document (issue 11).

The template sees ``piece`` (``first``, ``last``) when laid out in pieces and
then leaves out the page footer (drawn here) and keeps the closing lines to
the last piece: see templates/archive-file-list/template.html.
"""

from __future__ import annotations

import dataclasses
import io
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dangan.clock import SYSTEM, Clock
from dangan.config import Workspace
from dangan.content import pdfa
from dangan.forms import numbering
from dangan.forms.catalog import FormDef, load_form, template_dirs
from dangan.forms.context import jsonable
from dangan.forms.document import GeneratedDocument
from dangan.forms.generate import _number, _render_job, output_path, prepare, render_job
from dangan.forms.pagecodes import codes_for, page_slots, stamp
from dangan.forms.render_html import PAGE_SIZES
from dangan.forms.render_pdf import PDF_OPTIONS, pdf_engine, write_pages
from dangan.fsutil import TMP_PREFIX, atomic_write_bytes

#: Rows laid out at once: a few hundred rows are a few dozen pages (~100 MB of layout).
ROWS_PER_PIECE = 400

_FOOTER_PAGE = '<div style="height: 1px; break-before: page"></div>'


def render_in_pieces(ws: Workspace, form_id: str, data: Mapping[str, Any], *, out_dir: Path,
                     rows_per_piece: int | None = None, numbers: numbering.NumberAllocator | None = None,
                     clock: Clock = SYSTEM) -> GeneratedDocument:
    """As ``render_form(..., formats=("pdf",))``, laying a long table out ``rows_per_piece`` rows at a time."""
    rows_per_piece = rows_per_piece or ROWS_PER_PIECE
    form = load_form(ws, form_id)
    table = form.table_field
    job = prepare(ws, form, data)
    today = clock.today()
    _number(ws, form, [job], today, numbers)
    rows = list(job.values.get(table.id) or []) if table else []
    if table is None or len(rows) <= rows_per_piece:
        return render_job(ws, form, job, formats=("pdf",), out_dir=out_dir, strict=False, today=today)
    starts = range(0, len(rows), rows_per_piece)
    with tempfile.TemporaryDirectory(dir=out_dir, prefix=TMP_PREFIX) as tmp:
        files, slots, first = [], [], None
        for n, start in enumerate(starts):
            piece = dataclasses.replace(job, values={**job.values, table.id: rows[start:start + rows_per_piece],
                                                     "piece": {"first": n == 0, "last": n == len(starts) - 1}})
            doc, laid = _render_job(ws, form, piece, formats=("pdf",), out_dir=Path(tmp), strict=False, today=today,
                                    write=False)
            assert laid is not None
            files.append(Path(tmp) / f"{n:05d}.pdf")
            atomic_write_bytes(files[-1], write_pages([laid]))
            slots += page_slots(laid)
            first = first or doc
            del laid
        assert first is not None
        whole = _join(files, form, pdfa.DocInfo(title=first.title, creator_tool="dangan"), ws)
        whole = stamp(whole, codes_for(slots, first.doc_number, form.id))
    path = output_path(out_dir, first.doc_number, first.title, "pdf")
    atomic_write_bytes(path, whole)
    return dataclasses.replace(first, files={"pdf": path}, data=jsonable(job.values))


def _join(pieces: list[Path], form: FormDef, info: pdfa.DocInfo, ws: Workspace) -> bytes:
    """The pieces' pages in order, the page footer of the whole drawn over each, marked PDF/A-2b."""
    import pikepdf

    with pikepdf.open(pieces[0]) as whole:
        for path in pieces[1:]:
            with pikepdf.open(path) as piece:
                whole.pages.extend(piece.pages)
        with pikepdf.open(io.BytesIO(_footers(form, len(whole.pages), ws))) as footers:
            if len(footers.pages) != len(whole.pages):
                raise ValueError(f"页脚 {len(footers.pages)} 页，正文 {len(whole.pages)} 页")
            for page, footer in zip(whole.pages, footers.pages, strict=True):
                page.add_overlay(footer, pikepdf.Rectangle(page.mediabox))
        pdfa.conform(whole, info)
        return pdfa.save(whole)


def _footers(form: FormDef, pages: int, ws: Workspace) -> bytes:
    """``pages`` empty pages of the form's paper carrying only the shared stylesheet's page margins."""
    html = (f'<!DOCTYPE html><html><head><meta charset="utf-8"><style>@page {{ size: '
            f'{PAGE_SIZES.get(form.paper, "A4")}; }}</style></head><body><div style="height: 1px"></div>'
            f"{_FOOTER_PAGE * (pages - 1)}</body></html>")
    return pdf_engine(tuple(template_dirs(ws))).render(html, base_url=form.folder).write_pdf(**PDF_OPTIONS)
