"""Generating documents: validate everything → number → render → write → result.

Nothing is written until every input row has been validated (unless
``keep_going``, which skips bad rows and reports them).  Each file is written
to a temporary name and renamed.
"""

from __future__ import annotations

import datetime as dt
import gc
import os
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from dangan.clock import SYSTEM, Clock
from dangan.config import Workspace
from dangan.docnumber import qr_payload
from dangan.errors import FormError, GlyphError, InputError
from dangan.forms import numbering, sheets
from dangan.forms.catalog import FormDef, load_form, template_dirs
from dangan.forms.context import build_context, jsonable, settings
from dangan.forms.document import GeneratedDocument
from dangan.forms.fields import FieldDef, mask_values
from dangan.forms.glyphs import find_missing, labels_of
from dangan.forms.inputs import read_data, read_sheet
from dangan.forms.pagecodes import page_codes, stamp
from dangan.forms.qr import qr_data_uri, qr_png
from dangan.forms.render_docx import render_docx
from dangan.forms.render_html import render_html
from dangan.forms.render_pdf import LaidOut, merge_pdfs, pdf_engine, split_pdf, write_pages
from dangan.forms.validate import combine, derive_values, derived_checks, validate_data
from dangan.fsutil import TMP_PREFIX, atomic_write_bytes, safe_filename

FORMATS = ("pdf", "docx")
Progress = Callable[[int, int], None]
PARALLEL_MIN = 40  # batches at least this big render in worker processes
MERGE_CHUNK = 50  # documents laid out together into one part of the merged PDF


@dataclass
class Job:
    """One validated document waiting for its number and rendering."""

    values: dict[str, Any]  # validated + derived, masked
    row: int | None = None
    doc_number: str | None = None
    warnings: list[str] = field(default_factory=list)
    blank_rows: int = 0  # empty table rows printed after the data, for handwriting (--blank)


@dataclass
class GenerateResult:
    form_id: str
    documents: list[GeneratedDocument] = field(default_factory=list)
    failures: list[InputError] = field(default_factory=list)  # notices: rows not made; others: rows left out
    merged: Path | None = None
    one_document: bool = False  # a register or report: ``failures`` are rows left out of its one document

    @property
    def warnings(self) -> list[str]:
        return [w for d in self.documents for w in d.warnings]


def prepare(ws: Workspace, form: FormDef, raw: Mapping[str, Any], *, row: int | None = None,
            path: str | None = None, table_path: str | None = None, table_rows: Sequence[int] | None = None,
            row_failures: list[InputError] | None = None) -> Job:
    """Validate, derive, check and mask one document's data (no IO).

    ``table_rows``: the sheet rows of the table's entries; ``row_failures``:
    leave bad entries out and list them there (see validate_data)."""
    values = validate_data(form, raw, row=row, path=path, table_path=table_path, table_rows=table_rows,
                           row_failures=row_failures)
    values = derive_values(form, values, settings(ws), row=row)
    warnings = derived_checks(form, values, row=row, path=path)
    where = f"第 {row} 行：" if row is not None else ""
    return Job(values=mask_values(form.fields, values), row=row, warnings=[where + w for w in warnings])


MAX_BLANK_ROWS = 200


def blank_form(form: FormDef) -> FormDef:
    """The form with nothing required: a register printed blank, filled in by hand."""
    def free(f: FieldDef) -> FieldDef:
        return replace(f, required=False, min_rows=0, columns=tuple(free(c) for c in f.columns))
    return replace(form, fields=tuple(free(f) for f in form.fields))


def prepare_blank(ws: Workspace, form: FormDef, raw: Mapping[str, Any], rows: int, *, path: str | None = None) -> Job:
    """A register to print blank: whatever ``raw`` gives (its heading, say), ``rows`` empty rows,
    and no computed values (a count of the printed rows would be wrong once they are filled in)."""
    if form.kind != "register":
        raise FormError(f"只有登记表可以打印空白表（{form.title}是{'通知' if form.kind == 'notice' else '报表'}）",
                        form=form.id)
    if not 0 <= rows <= MAX_BLANK_ROWS:
        raise FormError(f"空白行数应在 0–{MAX_BLANK_ROWS} 之间，实际为 {rows}", form=form.id)
    loose = blank_form(form)
    values = validate_data(loose, raw, path=path)
    for d in form.derive:
        if d.table is None:
            values[d.id] = None
        else:
            values[d.table] = [{**r, d.column: None} for r in values.get(d.table) or []]
    return Job(values=mask_values(form.fields, values), blank_rows=rows)


def _doc_date(form: FormDef, values: Mapping[str, Any], today: dt.date) -> dt.date:
    value = values.get(form.date_field) if form.date_field else None
    if isinstance(value, dt.datetime):
        return value.date()
    return value if isinstance(value, dt.date) else today


def _text(values: Mapping[str, Any], key: str | None) -> str | None:
    value = values.get(key) if key else None
    return None if value in (None, "") else str(value)


def doc_title(form: FormDef, values: Mapping[str, Any]) -> str:
    part = _text(values, form.title_field)
    return f"{form.title} {part}" if part else form.title


def output_path(out_dir: Path, doc_number: str, title: str, fmt: str) -> Path:
    """``<out>/<doc_number>_<title>.<fmt>``; never outside ``out_dir``, never over an existing file.

    (Every document gets a new 文号, so a file of that name is not one this run wrote.)
    """
    name = safe_filename(f"{doc_number}_{title}") + f".{fmt}"
    path = out_dir / name
    if path.resolve().parent != out_dir.resolve():
        raise FormError(f"输出文件名不安全：{name}", path=out_dir)
    if os.path.lexists(path):
        raise FormError(f"输出目录中已有同名文件 {name}，为避免覆盖已拒绝；请换一个输出目录", path=path)
    return path


def _check_glyphs(form: FormDef, values: Mapping[str, Any], *, strict: bool, row: int | None) -> list[str]:
    missing = find_missing(values, labels_of(form.fields))
    if missing and strict:
        first = missing[0]
        raise GlyphError(
            "；".join(m.message() for m in missing) + "。请改用常用字，或安装含该字的字体后再生成",
            form=form.id, row=row, field=first.field,
        )
    return [m.message() for m in missing]


def render_job(ws: Workspace, form: FormDef, job: Job, *, formats: Sequence[str], out_dir: Path,
               strict: bool, today: dt.date | None = None) -> GeneratedDocument:
    """Render one numbered job to every format, then write the files atomically."""
    return _render_job(ws, form, job, formats=formats, out_dir=out_dir, strict=strict, today=today)[0]


DENSITIES = ("normal", "compact", "dense")  # classes of _base/style.css, each tighter than the last


def _html(dirs: tuple[Path, ...], form: FormDef, ctx: Mapping[str, Any], level: str, *, flow: bool) -> str | None:
    """The document's HTML at density ``level``.  ``flow``: as one sheet (sheets.py), with the QR code of
    page 1 of 1 in it; None when the template's frame has no one-sheet layout (a workspace's own
    ``_base/base.html``), which then lays out with the header on every page."""
    if not flow:
        return render_html(dirs, form.id, {**ctx, "density": level})
    qr_src = qr_data_uri(qr_payload(ctx["doc_number"], form.id, page=1, pages=1))
    html = render_html(dirs, form.id, {**ctx, "density": level, "flow": True, "qr_src": qr_src})
    return html if qr_src in html else None


def _laid_out(form: FormDef, html: str, dirs: tuple[Path, ...], *, coded: bool) -> LaidOut:
    doc = pdf_engine(dirs).render(html, base_url=form.folder, form_id=form.id)
    return LaidOut(pages=list(doc.pages), document=doc, title=doc.metadata.title or "", coded=coded)


def lay_out(form: FormDef, ctx: Mapping[str, Any], dirs: tuple[Path, ...],
            levels: Sequence[str] = DENSITIES) -> LaidOut:
    """The laid-out PDF document.  A notice goes to one sheet, its header at the top of the page:
    when it does not fit, it is laid out again tighter (compact, then dense) — one layout for all but
    the fullest notices; one too full even then runs on to more pages, each with the header and its
    own QR code (as every page of a register or report)."""
    if form.kind != "notice":
        return _laid_out(form, _html(dirs, form, ctx, DENSITIES[0], flow=False) or "", dirs, coded=False)
    for level in levels:
        html = _html(dirs, form, ctx, level, flow=True)
        if html is None:
            return _lay_out_running(form, ctx, dirs, levels)
        laid = _laid_out(form, html, dirs, coded=True)
        if len(laid.pages) == 1:
            return laid
    return _laid_out(form, _html(dirs, form, ctx, levels[-1], flow=False) or "", dirs, coded=False)


def _lay_out_running(form: FormDef, ctx: Mapping[str, Any], dirs: tuple[Path, ...],
                     levels: Sequence[str]) -> LaidOut:
    """A notice whose frame has no one-sheet layout: header on every page, tighter until it fits."""
    for level in levels:
        laid = _laid_out(form, _html(dirs, form, ctx, level, flow=False) or "", dirs, coded=False)
        if len(laid.pages) == 1:
            break
    return laid


def lay_out_many(form: FormDef, contexts: Sequence[Mapping[str, Any]], dirs: tuple[Path, ...]) -> list[LaidOut]:
    """Each document laid out; several notices as ONE WeasyPrint document (sheets.py), and a notice
    that does not keep to its sheet there laid out again alone, tighter (lay_out)."""
    if form.kind != "notice" or len(contexts) < 2:
        return [lay_out(form, ctx, dirs) for ctx in contexts]
    htmls = [_html(dirs, form, ctx, DENSITIES[0], flow=True) for ctx in contexts]
    parsed = [sheets.parse_sheet(h) if h is not None else None for h in htmls]
    cut = [p for p in parsed if p is not None]
    if len(cut) != len(parsed):
        return [lay_out(form, ctx, dirs) for ctx in contexts]
    doc = pdf_engine(dirs).render(sheets.join(cut), base_url=form.folder, form_id=form.id)
    out = []
    for ctx, sheet, pages in zip(contexts, cut, sheets.pages_per_sheet(doc.pages, len(cut)), strict=True):
        if len(pages) == 1:
            out.append(LaidOut(pages=[doc.pages[pages[0]]], document=doc, title=sheet.title, coded=True))
        else:
            out.append(lay_out(form, ctx, dirs, levels=DENSITIES[1:]))
    return out


def pdf_bytes(laid: LaidOut, doc_number: str, form_id: str) -> bytes:
    """One laid-out document as its PDF/A file, each page with its QR code."""
    data = write_pages([laid])
    return data if laid.coded else stamp(data, page_codes(laid, doc_number, form_id))


@dataclass
class _Begun:
    """A job with its template context, ready to lay out."""

    job: Job
    ctx: dict[str, Any]
    title: str
    warnings: list[str]


def _begin(ws: Workspace, form: FormDef, job: Job, *, strict: bool, today: dt.date) -> _Begun:
    assert job.doc_number is not None
    warnings = _check_glyphs(form, job.values, strict=strict, row=job.row)
    ctx = build_context(ws, form, job.values, job.doc_number, today=today, blank_rows=job.blank_rows)
    return _Begun(job, ctx, doc_title(form, job.values), warnings)


def _render_job(ws: Workspace, form: FormDef, job: Job, *, formats: Sequence[str], out_dir: Path,
                strict: bool, today: dt.date | None = None, write: bool = True
                ) -> tuple[GeneratedDocument, LaidOut | None]:
    """As render_job, also returning the laid-out PDF document (for merging)."""
    today = today or dt.date.today()
    begun = _begin(ws, form, job, strict=strict, today=today)
    laid = lay_out(form, begun.ctx, tuple(template_dirs(ws))) if "pdf" in formats else None
    return _finish(form, begun, laid, formats=formats, out_dir=out_dir, today=today, write_pdf=write), laid


def _finish(form: FormDef, begun: _Begun, laid: LaidOut | None, *, formats: Sequence[str], out_dir: Path,
            today: dt.date, write_pdf: bool) -> GeneratedDocument:
    """Write a job's files (the PDF only with ``write_pdf``: a batch writes a chunk's pages at once
    and splits them, see _write_chunk_pdfs) and describe them."""
    job, warnings = begun.job, list(begun.warnings)
    assert job.doc_number is not None
    rendered: dict[str, bytes] = {}
    if laid is not None:
        if len(laid.pages) > 1 and form.kind == "notice":
            warnings.append(f"通知排不下一页（共 {len(laid.pages)} 页），请精简内容")
        if write_pdf:
            rendered["pdf"] = pdf_bytes(laid, job.doc_number, form.id)
    if "docx" in formats:
        rendered["docx"] = render_docx(form.docx_path, form.id, begun.ctx, qr_png=qr_png(job.doc_number, form.id))
    files: dict[str, Path] = {}
    for fmt, data in rendered.items():
        files[fmt] = output_path(out_dir, job.doc_number, begun.title, fmt)
        atomic_write_bytes(files[fmt], data)
    return _document(form, job, begun.title, files, job.warnings + warnings, today)


def _document(form: FormDef, job: Job, title: str, files: dict[str, Path], warnings: list[str],
              today: dt.date) -> GeneratedDocument:
    v = job.values
    return GeneratedDocument(
        form_id=form.id, form_title=form.title, category=form.category, doc_number=job.doc_number or "",
        title=title, date=_doc_date(form, v, today), data=jsonable(v), files=files,
        building=_text(v, form.building_field), unit=_text(v, form.unit_field), room=_text(v, form.room_field),
        owner=_text(v, form.owner_field), warnings=warnings,
    )


def _number(ws: Workspace, form: FormDef, jobs: list[Job], today: dt.date,
            numbers: numbering.NumberAllocator | None = None) -> None:
    by_year: dict[int, list[Job]] = {}
    for job in jobs:
        by_year.setdefault(_doc_date(form, job.values, today).year, []).append(job)
    for year, group in sorted(by_year.items()):
        issued = numbering.allocate(ws, form.prefix, year, form.id, count=len(group), numbers=numbers)
        for job, number in zip(group, issued, strict=True):
            job.doc_number = number


def _check_formats(formats: Sequence[str]) -> tuple[str, ...]:
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        raise FormError(f"不支持的格式：{'、'.join(bad) or '（空）'}，可用：pdf、docx")
    return tuple(dict.fromkeys(formats))


def render_form(ws: Workspace, form_id: str, data: Mapping[str, Any], *, formats: Sequence[str] = ("pdf",),
                out_dir: Path | None = None, strict: bool = False, doc_number: str | None = None,
                numbers: numbering.NumberAllocator | None = None, clock: Clock = SYSTEM,
                blank: int | None = None) -> GeneratedDocument:
    """Validate ``data``, number it and write one document (not filed: dangan.app files it).

    ``blank``: a register printed blank with that many empty rows (``data`` may give its heading)."""
    form = load_form(ws, form_id)
    fmts = _check_formats(formats)
    job = prepare(ws, form, data) if blank is None else prepare_blank(ws, form, data, blank)
    today = clock.today()
    if doc_number is None:
        _number(ws, form, [job], today, numbers)
    else:
        job.doc_number = doc_number
    return render_job(ws, form, job, formats=fmts, out_dir=out_dir or ws.output_dir, strict=strict, today=today)


# -- batches ---------------------------------------------------------------------------------


def _scalar_ids(form: FormDef) -> set[str]:
    return {k for f in form.fields if f.type != "table" for k in (f.id, f.label)}


def _table_keys(form: FormDef) -> dict[str, str]:
    """Column id/label → column id, for the form's table field."""
    t = form.table_field
    return {k: c.id for c in t.columns for k in (c.id, c.label)} if t else {}


NoticeRows = tuple[int, dict[str, Any], list[int]]  # first sheet row, data, sheet rows of its table entries


def group_notice_rows(form: FormDef, rows: list[tuple[int, dict[str, Any]]]) -> list[NoticeRows]:
    """One notice per sheet row; for a notice with a table (e.g. fee items), consecutive
    rows whose other cells are blank or repeat the previous row's add table rows."""
    table, tkeys, scalars = form.table_field, _table_keys(form), _scalar_ids(form)
    if table is None or not any(k in tkeys and k not in scalars for _, r in rows[:1] for k in r):
        return [(n, r, []) for n, r in rows]
    out: list[NoticeRows] = []
    prev_head: dict[str, Any] | None = None
    for n, r in rows:
        head = {k: v for k, v in r.items() if k not in tkeys or k in scalars}
        line = {tkeys[k]: v for k, v in r.items() if k in tkeys and k not in scalars}
        blank = all(v in (None, "") for v in head.values())
        if out and (blank or head == prev_head):
            out[-1][1][table.id].append(line)
            out[-1][2].append(n)
            continue
        out.append((n, {**head, table.id: [line]}, [n]))
        prev_head = head
    return out


def _required_columns(form: FormDef, *, notice: bool) -> list[tuple[str, str]]:
    """(id, label) of the columns a batch sheet must have: a notice's required fields,
    and the required columns of the table (when the table must have rows, or is the register's)."""
    out = [(f.id, f.label) for f in form.fields if notice and f.type != "table" and f.required]
    table = form.table_field
    if table is not None and (not notice or table.min_rows > 0):
        out += [(c.id, c.label) for c in table.columns if c.required]
    return out


def _notice_jobs(ws: Workspace, form: FormDef, batch: Path, *, keep_going: bool
                 ) -> tuple[list[Job], list[InputError]]:
    jobs, failures = [], []
    columns = _scalar_ids(form) | set(_table_keys(form))
    rows = read_sheet(batch, form=form.id, columns=columns, required=_required_columns(form, notice=True))
    for n, raw, lines in group_notice_rows(form, rows):
        try:
            jobs.append(prepare(ws, form, raw, row=n, path=str(batch), table_rows=lines or None))
        except InputError as e:
            failures.append(e)
    if failures and not keep_going:  # every bad field of every bad row, in one error
        raise combine(failures, form=form.id, path=str(batch))
    _warn_repeated_units(form, jobs)
    return jobs, failures


def _warn_repeated_units(form: FormDef, jobs: list[Job]) -> None:
    """The same unit twice in one batch is most often a copy-paste slip: say so on both."""
    if not form.unit_field:
        return
    seen: dict[str, Job] = {}
    for job in jobs:
        unit = job.values.get(form.unit_field)
        if unit in (None, ""):
            continue
        first = seen.setdefault(str(unit), job)
        if first is not job:
            label = form.field(form.unit_field).label  # type: ignore[union-attr]
            job.warnings.append(f"第 {job.row} 行：{label}「{unit}」在第 {first.row} 行已有一份，同一批里出现两次")


def _register_job(ws: Workspace, form: FormDef, batch: Path, base: Mapping[str, Any], *, keep_going: bool,
                  data_path: str | None) -> tuple[Job, list[InputError]]:
    table = form.table_field
    if table is None:
        raise FormError("这个表单没有表格，不能用 --batch；请用 --data", form=form.id)
    rows = read_sheet(batch, form=form.id, columns=set(_table_keys(form)),
                      required=_required_columns(form, notice=False))
    raw = {k: v for k, v in base.items() if k not in (table.id, table.label)}
    _require_heading(form, raw, data_path)
    raw[table.id] = [r for _, r in rows]
    failures: list[InputError] = []
    job = prepare(ws, form, raw, path=data_path, table_path=str(batch), table_rows=[n for n, _ in rows],
                  row_failures=failures if keep_going else None)
    return job, failures


def _require_heading(form: FormDef, raw: Mapping[str, Any], data_path: str | None) -> None:
    """A register's own fields (月份, 片区…) come from --data, never from the sample: name the missing ones."""
    missing = [f.label for f in form.fields if f.type != "table" and f.required
               and all(raw.get(k) in (None, "") for k in (f.id, f.label))]
    if not missing:
        return
    where = "数据文件里没有" if data_path else "没有提供"
    raise InputError(f"{where}{'、'.join(f'「{m}」' for m in missing)}：表格只填明细行，"
                     f"{form.title}的其他内容请写在 --data 文件里（YAML，如「{missing[0]}: …」）",
                     form=form.id, path=data_path, field=missing[0])


def _document_jobs(ws: Workspace, form: FormDef, documents: Sequence[Mapping[str, Any]], *, keep_going: bool
                   ) -> tuple[list[Job], list[InputError]]:
    """One job per document's data (errors name the document's place in the list as its row)."""
    jobs, failures = [], []
    for n, raw in enumerate(documents, start=1):
        try:
            jobs.append(prepare(ws, form, raw, row=n))
        except InputError as e:
            failures.append(e)
    if failures and not keep_going:
        raise combine(failures, form=form.id, path=None)
    return jobs, failures


def collect_jobs(ws: Workspace, form: FormDef, *, data: Mapping[str, Any] | Path | None, batch: Path | None,
                 sample: bool, keep_going: bool, blank: int | None = None,
                 documents: Sequence[Mapping[str, Any]] | None = None) -> tuple[list[Job], list[InputError]]:
    """Validate every input document before anything is rendered.

    The form's sample data is used only when asked for (``sample``): a field
    the data leaves out is never filled from it.  ``blank``: see prepare_blank."""
    if documents is not None:
        return _document_jobs(ws, form, documents, keep_going=keep_going)
    raw = read_data(data, form=form.id) if isinstance(data, Path) else data
    data_path = str(data) if isinstance(data, Path) else None
    if blank is not None:
        if batch is not None or sample:
            raise FormError("空白表（--blank）不能和 --batch 或 --sample 一起用；表头可用 --data 提供", form=form.id)
        return [prepare_blank(ws, form, raw or {}, blank, path=data_path)], []
    if batch is None:
        if raw is None and not sample:
            raise InputError("请提供数据：--data 文件、--sample 或 --batch 表格", form=form.id)
        return [prepare(ws, form, raw if raw is not None else form.sample, path=data_path)], []
    if form.kind == "notice":
        return _notice_jobs(ws, form, batch, keep_going=keep_going)
    job, failures = _register_job(ws, form, batch, raw or {}, keep_going=keep_going, data_path=data_path)
    return [job], failures


@dataclass(frozen=True)
class _Chunk:
    ws: Workspace
    form: FormDef
    jobs: list[Job]
    formats: tuple[str, ...]
    out_dir: Path
    strict: bool
    today: dt.date
    merge_part: Path | None  # where to write this chunk's pages as one PDF


def _render_chunk(chunk: _Chunk) -> list[GeneratedDocument]:
    """Render a chunk of documents.

    A chunk of notices is laid out as one document (sheets.py; each notice on its own sheet, with
    its own 第 1 页 共 1 页 and QR code); the chunk's pages are then written as one PDF (one font
    subset, one pass of WeasyPrint's PDF writer) and split with pikepdf into each document's file.
    With ``merge_part``, the chunk's PDF is kept as one part of the merged PDF."""
    threshold = gc.get_threshold()
    if chunk.formats == ("pdf",):
        # A chunk's laid-out documents are many small objects that live until the chunk
        # is written; collecting less often cut the collector's share of a 50-notice
        # chunk from 10 % to 3.5 % (with the workers' freeze).  Not for DOCX: its garbage
        # holds lxml trees, and a worker's memory grew threefold.
        gc.set_threshold(10_000, 20, 20)
    try:
        docs, laid = _lay_out_chunk(chunk)
    finally:
        gc.set_threshold(*threshold)
    if laid:
        paths = [output_path(chunk.out_dir, d.doc_number, d.title, "pdf") for d in docs]
        _write_chunk_pdfs(laid, docs, paths, chunk.merge_part)
        for doc, path in zip(docs, paths, strict=True):
            doc.files = {"pdf": path, **doc.files}
    del laid
    gc.collect()  # a chunk's garbage goes before the next chunk starts
    return docs


def _lay_out_chunk(chunk: _Chunk) -> tuple[list[GeneratedDocument], list[LaidOut]]:
    begun = [_begin(chunk.ws, chunk.form, job, strict=chunk.strict, today=chunk.today) for job in chunk.jobs]
    laid = (lay_out_many(chunk.form, [b.ctx for b in begun], tuple(template_dirs(chunk.ws)))
            if "pdf" in chunk.formats else [])
    docs = [_finish(chunk.form, b, laid[i] if laid else None, formats=chunk.formats, out_dir=chunk.out_dir,
                    today=chunk.today, write_pdf=False) for i, b in enumerate(begun)]
    return docs, laid


def _write_chunk_pdfs(laid: Sequence[LaidOut], docs: Sequence[GeneratedDocument], paths: Sequence[Path],
                      merge_part: Path | None) -> None:
    whole = write_pages(laid)
    if not all(d.coded for d in laid):
        whole = stamp(whole, [code for d, doc in zip(laid, docs, strict=True)
                              for code in (page_codes(d, doc.doc_number, doc.form_id) if not d.coded
                                           else [None] * len(d.pages))])
    if merge_part is not None:
        atomic_write_bytes(merge_part, whole)
    for path, data in zip(paths, split_pdf(whole, [(len(d.pages), d.title) for d in laid]), strict=True):
        atomic_write_bytes(path, data)


def _worker_init() -> None:
    """Move everything inherited from the parent out of the garbage collector's sight
    (collections no longer walk it, nor touch its pages, which stay shared)."""
    gc.freeze()


def _chunks(jobs: list[Job], workers: int) -> list[list[Job]]:
    """Chunks of up to MERGE_CHUNK documents, getting smaller towards the end (no fewer
    than 5) so the workers finish together instead of one waiting on a last big chunk."""
    size = max(5, min(MERGE_CHUNK, len(jobs) // max(1, workers * 4) or 1))
    out, i = [], 0
    while i < len(jobs):
        left = len(jobs) - i
        n = min(size, max(5, left // (2 * max(1, workers))))
        out.append(jobs[i:i + n])
        i += n
    return out


def _render_all(ws: Workspace, form: FormDef, jobs: list[Job], *, formats: tuple[str, ...], out_dir: Path,
                strict: bool, today: dt.date, workers: int, progress: Progress | None,
                merge_dir: Path | None) -> tuple[list[GeneratedDocument], list[Path]]:
    total = len(jobs)
    groups = _chunks(jobs, workers)
    parts = [merge_dir / f"{TMP_PREFIX}merge-{i:05d}.pdf" for i in range(len(groups))] if merge_dir else []
    chunks = [_Chunk(ws, form, g, formats, out_dir, strict, today, parts[i] if parts else None)
              for i, g in enumerate(groups)]
    docs: list[GeneratedDocument] = []
    if workers <= 1 or total < PARALLEL_MIN:
        results: Any = map(_render_chunk, chunks)
        pool = None
    else:
        import multiprocessing

        if "pdf" in formats:  # built once here and inherited: workers exit without cleaning up their own
            pdf_engine(tuple(template_dirs(ws)))
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"),
                                   initializer=_worker_init)
        results = pool.map(_render_chunk, chunks)
    try:
        for part in results:
            docs.extend(part)
            if progress:
                progress(len(docs), total)
    finally:
        if pool is not None:
            pool.shutdown()
    return docs, parts


def merged_path(out_dir: Path, form: FormDef, docs: list[GeneratedDocument]) -> Path:
    name = safe_filename(f"{form.title}_合并打印_{docs[0].doc_number}至{docs[-1].doc_number}") + ".pdf"
    return out_dir / name


def default_workers() -> int:
    return max(1, min(2, os.cpu_count() or 1))


def generate(ws: Workspace, form_id: str, *, data: Mapping[str, Any] | Path | None = None,
             batch: Path | None = None, sample: bool = False, formats: Sequence[str] = ("pdf",),
             out_dir: Path | None = None, merge: bool = False, keep_going: bool = False, strict: bool = False,
             progress: Progress | None = None, workers: int | None = None,
             numbers: numbering.NumberAllocator | None = None, clock: Clock = SYSTEM,
             documents: Sequence[Mapping[str, Any]] | None = None, blank: int | None = None) -> GenerateResult:
    """The ``dangan generate`` job: every document of a data file, a sample or a batch sheet, of
    ``documents`` (each document's data, as the fee chain's notices are made), or a register printed
    blank with ``blank`` empty rows."""
    form = load_form(ws, form_id)
    fmts = _check_formats(formats)
    if merge and "pdf" not in fmts:
        raise FormError("合并打印（--merge）需要 PDF 格式", form=form.id)
    jobs, failures = collect_jobs(ws, form, data=data, batch=batch, sample=sample, keep_going=keep_going,
                                  documents=documents, blank=blank)
    result = GenerateResult(form_id=form.id, failures=failures,
                            one_document=batch is not None and form.kind != "notice")
    if not jobs:
        return result
    today = clock.today()
    out = out_dir or ws.output_dir
    out.mkdir(parents=True, exist_ok=True)
    if strict:
        for job in jobs:
            _check_glyphs(form, job.values, strict=True, row=job.row)
    _number(ws, form, jobs, today, numbers)
    result.documents, parts = _render_all(
        ws, form, jobs, formats=fmts, out_dir=out, strict=strict, today=today,
        workers=workers if workers is not None else default_workers(), progress=progress,
        merge_dir=out if merge and len(jobs) > 1 else None)
    if parts:
        try:
            result.merged = merged_path(out, form, result.documents)
            atomic_write_bytes(result.merged, merge_pdfs(parts, title=result.merged.stem))
        finally:
            for p in parts:
                p.unlink(missing_ok=True)
    return result
