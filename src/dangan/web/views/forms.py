"""Forms: the catalogue by kind, a page per form built from its definition, preview, generate, batches."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path
from typing import Any

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, send_file, url_for

from dangan.app import KIND_NAMES, Permission
from dangan.errors import DanganError, FormError, InputError
from dangan.web.security import needs

bp = Blueprint("forms", __name__)

MAX_TABLE_ROWS = 200
BATCH_SUFFIXES = (".xlsx", ".csv")


def _form(form_id: str) -> Any:
    try:
        return g.app.form(form_id)
    except FormError:
        abort(404)


def read_fields(form: Any, values: Any) -> dict[str, Any]:
    """The submitted HTML form → the form's raw data (field ids; table rows ``<table>-<n>-<column>``)."""
    data: dict[str, Any] = {}
    for f in form.fields:
        if f.type == "table":
            rows = []
            for n in range(MAX_TABLE_ROWS):
                row = {c.id: values.get(f"{f.id}-{n}-{c.id}", "") for c in f.columns}
                if not any(f"{f.id}-{n}-{c.id}" in values for c in f.columns):
                    continue
                if c_bool := [c.id for c in f.columns if c.type == "bool"]:
                    for cid in c_bool:
                        row[cid] = "是" if values.get(f"{f.id}-{n}-{cid}") else "否"
                if any(str(v).strip() for k, v in row.items() if k not in c_bool):
                    rows.append(row)
            data[f.id] = rows
        elif f.type == "bool":
            data[f.id] = "是" if values.get(f.id) else "否"
        else:
            data[f.id] = values.get(f.id, "")
    return data


def place_problems(form: Any, problems: list[Any]) -> tuple[dict[str, list[str]], list[str]]:
    """Problems by field id (shown next to the field), and those that belong to no field."""
    by_label = {f.label: f.id for f in form.fields}
    by_field: dict[str, list[str]] = {}
    general: list[str] = []
    for p in problems:
        label = p.field or ""
        fid = by_label.get(label) or next((f.id for f in form.fields if f.type == "table" and label.startswith(f.label)),
                                          None)
        if fid is None:
            general.append(f"{label}：{p.message}" if label else p.message)
            continue
        text = p.message if label == form.field(fid).label else f"{label.removeprefix(form.field(fid).label).strip()}：{p.message}"
        by_field.setdefault(fid, []).append(text)
    return by_field, general


@bp.route("/forms")
@needs(Permission.FORMS)
def catalogue() -> Any:
    groups: dict[str, list[Any]] = {}
    for f in g.app.forms():
        groups.setdefault(f.kind, []).append(f)
    return render_template("forms.html", groups=groups, kinds=KIND_NAMES)


def _table_rows(form: Any, data: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    out = {}
    for f in form.fields:
        if f.type == "table":
            rows = data.get(f.id) or []
            out[f.id] = rows if rows else [{}] * max(1, f.min_rows)
    return out


@bp.route("/forms/<form_id>", methods=["GET", "POST"])
@needs(Permission.FORMS)
def fill(form_id: str) -> Any:
    form = _form(form_id)
    if request.method == "GET":
        data = dict(form.sample) if request.args.get("sample") == "1" else {}
        return render_template("form_fill.html", form=form, data=data, tables=_table_rows(form, data), errors={},
                               general=[], kinds=KIND_NAMES)
    data = read_fields(form, request.form)
    action = request.form.get("action", "generate")
    problems = g.app.filling.check(form.id, data)
    if problems:
        errors, general = place_problems(form, problems)
        status = 422
        if request.headers.get("HX-Request"):
            return render_template("_preview.html", form=form, errors=errors, general=general, preview=None), 200
        return render_template("form_fill.html", form=form, data=data, tables=_table_rows(form, data), errors=errors,
                               general=general, kinds=KIND_NAMES), status
    if action == "preview":
        token = _store_preview(g.app.filling.preview_pdf(form.id, data))
        return render_template("_preview.html", form=form, errors={}, general=[], preview=token)
    try:
        outcome = g.app.generate(form.id, data=data, formats=("pdf", "docx"))
    except InputError as e:
        errors, general = place_problems(form, g.app.filling.check(form.id, data) or [e])
        return render_template("form_fill.html", form=form, data=data, tables=_table_rows(form, data), errors=errors,
                               general=general, kinds=KIND_NAMES), 422
    except DanganError as e:
        return render_template("form_fill.html", form=form, data=data, tables=_table_rows(form, data), errors={},
                               general=[str(e)], kinds=KIND_NAMES), 400
    filed = outcome.filed[0].record if outcome.filed else None
    if filed is None:
        return render_template("form_fill.html", form=form, data=data, tables=_table_rows(form, data), errors={},
                               general=outcome.warnings or ["生成了文件，但没有归档"], kinds=KIND_NAMES), 500
    return redirect(url_for("forms.done", form_id=form.id, code=filed.archival_code))


@bp.route("/forms/<form_id>/done/<code>")
@needs(Permission.FORMS)
def done(form_id: str, code: str) -> Any:
    form = _form(form_id)
    try:
        record = g.app.record(code)
    except DanganError:
        abort(404)
    numbers = {str(f.format): n for n, f in enumerate(record.files, start=1)}
    return render_template("form_done.html", form=form, r=record, numbers=numbers)


# -- previews: kept in memory for a few minutes, for the signed-in user only ----------------------------

def _previews() -> dict[str, tuple[str, bytes]]:
    store: dict[str, tuple[str, bytes]] = current_app.extensions.setdefault("dangan_previews", {})
    return store


def _store_preview(pdf: bytes) -> str:
    import secrets

    store = _previews()
    while len(store) > 50:
        store.pop(next(iter(store)))
    token = secrets.token_urlsafe(12)
    store[token] = (g.identity.name, pdf)
    return token


@bp.route("/forms/preview/<token>.pdf")
@needs(Permission.FORMS)
def preview(token: str) -> Any:
    found = _previews().get(token)
    if found is None or found[0] != g.identity.name:
        abort(404)
    return send_file(io.BytesIO(found[1]), mimetype="application/pdf", download_name="预览.pdf")


# -- batches ------------------------------------------------------------------------------------------

@bp.route("/forms/<form_id>/batch", methods=["GET", "POST"])
@needs(Permission.FORMS)
def batch(form_id: str) -> Any:
    form = _form(form_id)
    if request.method == "GET":
        return render_template("batch.html", form=form, problems=None, job=None)
    upload = request.files.get("sheet")
    if upload is None or not upload.filename or Path(upload.filename).suffix.lower() not in BATCH_SUFFIXES:
        return render_template("batch.html", form=form, problems=None, job=None,
                               message="请选择 XLSX 或 CSV 表格"), 400
    folder = Path(tempfile.mkdtemp(prefix="dangan-batch-", dir=_batch_root()))
    sheet = folder / ("表格" + Path(upload.filename).suffix.lower())
    upload.save(sheet)
    count, problems = g.app.filling.check_batch(form.id, sheet)
    if problems:
        return render_template("batch.html", form=form, problems=problems, job=None, count=count,
                               filename=upload.filename), 422
    app_for_user = g.app

    def work(progress: Any) -> Any:
        out = folder / "输出"
        outcome = app_for_user.generate(form.id, batch=sheet, formats=("pdf", "docx"), merge=True, out_dir=out,
                                        progress=progress)
        return {"documents": len(outcome.documents), "merged": str(outcome.result.merged or ""),
                "codes": [f.record.archival_code for f in outcome.filed]}

    runner = current_app.extensions["dangan_jobs"]["batch"]
    job = runner.submit("batch", f"{form.title}：{upload.filename}", g.identity.name, work)
    job.total = count
    return redirect(url_for("forms.job", job_id=job.id))


def _batch_root() -> Path:
    root = Path(g.app.ws.output_dir) / "web-batches"
    root.mkdir(parents=True, exist_ok=True)
    return root


def _job(job_id: int) -> Any:
    job = current_app.extensions["dangan_jobs"]["batch"].get(job_id)
    if job is None or (job.owner != g.identity.name and not g.identity.may(Permission.ARCHIVE)):
        abort(404)
    return job


@bp.route("/jobs/<int:job_id>")
@needs(Permission.FORMS)
def job(job_id: int) -> Any:
    found = _job(job_id)
    template = "_job.html" if request.headers.get("HX-Request") else "job.html"
    return render_template(template, job=found)


@bp.route("/jobs/<int:job_id>/merged.pdf")
@needs(Permission.FORMS)
def merged(job_id: int) -> Any:
    found = _job(job_id)
    if found.state != "done" or not found.result or not found.result.get("merged"):
        abort(404)
    return send_file(found.result["merged"], mimetype="application/pdf",
                     download_name=f"合并打印-{job_id}.pdf", as_attachment=request.args.get("download") == "1")
