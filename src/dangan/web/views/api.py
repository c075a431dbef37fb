"""The JSON API under /api/: search, records (show, files), upload, generate.  See docs/API.md.

Session or bearer-token auth, the same role rules as the pages (a device token may only upload);
every response is masked like the pages.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, g, jsonify, request, url_for

from dangan.app import Permission, record_to_dict
from dangan.errors import DanganError, InputError
from dangan.web.present import hit_dict, masked
from dangan.web.security import needs
from dangan.web.views import intake
from dangan.web.views.search import read_query, run_search

bp = Blueprint("api", __name__, url_prefix="/api")

MAX_LIMIT = 100


def reply(data: Any, status: int = 200) -> Any:
    response = jsonify(masked(data))
    response.status_code = status
    return response


def error(status: int, message: str, **extra: Any) -> Any:
    return reply({"error": message, "status": status, **extra}, status)


@bp.route("/search")
@needs(Permission.VIEW)
def search() -> Any:
    params = read_query(request.args)
    try:
        limit = min(max(int(request.args.get("limit", 20)), 1), MAX_LIMIT)
    except ValueError:
        return error(400, "limit 应为 1–100 的整数")
    try:
        results = run_search(g.app, params, per_page=limit)
    except DanganError as e:
        return error(400, e.message)
    names = g.app.category_names()
    return reply({"query": params["q"], "understood": results.understood, "total": results.total,
                  "page": params["page"], "limit": limit,
                  "results": [hit_dict(h, names) for h in results.hits], "facets": results.facets})


def _record_json(code: str) -> dict[str, Any]:
    details = g.app.show(code)
    data = record_to_dict(details.record)
    data["expiry"] = details.expiry.isoformat() if details.expiry else None
    data["effective_period"] = details.effective_period
    data["holds"] = [h.to_dict() for h in details.holds]
    data["files"] = [{"number": n, "role": f.role, "format": f.format, "size": f.size, "pages": f.page_count,
                      "sha256": f.sha256, "destroyed": f.destroyed,
                      "url": None if f.destroyed else url_for("records.file", code=code, number=n)}
                     for n, f in enumerate(details.record.files, start=1)]
    data.pop("form_data", None) if data.get("form_data") is None else None
    return data


@bp.route("/records/<code>")
@needs(Permission.VIEW)
def record(code: str) -> Any:
    try:
        return reply(_record_json(code))
    except DanganError as e:
        return error(404, str(e))


@bp.route("/records/<code>/files")
@needs(Permission.VIEW)
def files(code: str) -> Any:
    try:
        return reply({"archival_code": code, "files": _record_json(code)["files"]})
    except DanganError as e:
        return error(404, str(e))


@bp.route("/upload", methods=["POST"])
@needs(Permission.UPLOAD)
def upload() -> Any:
    """A scan into the intake pipeline (as a watched folder would take it): 202 once it is accepted."""
    f = request.files.get("file")
    if f is None or not f.filename:
        return error(400, "请用 multipart 字段 file 上传文件")
    job = intake.accept_upload(f, g.identity.actor, category=request.form.get("category") or "auto")
    wait = request.args.get("wait")
    if wait:
        runner = current_app.extensions["dangan_jobs"]["upload"]
        runner.wait(job, min(float(wait) if wait.replace(".", "").isdigit() else 30.0, 120.0))
    status = 200 if job.finished else 202
    return reply(intake.job_dict(job), status)


@bp.route("/uploads/<int:job_id>")
@needs(Permission.UPLOAD)
def upload_status(job_id: int) -> Any:
    job = current_app.extensions["dangan_jobs"]["upload"].get(job_id)
    if job is None or (job.owner != g.identity.name and not g.identity.may(Permission.ARCHIVE)):
        return error(404, "没有这个上传任务")
    return reply(intake.job_dict(job))


@bp.route("/generate/<form_id>", methods=["POST"])
@needs(Permission.FORMS)
def generate(form_id: str) -> Any:
    """One document from JSON data: numbered, rendered (PDF + DOCX) and filed."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return error(400, "请求体应为 JSON 对象：{\"data\": {字段: 值}}")
    values = data.get("data", data)
    try:
        outcome = g.app.generate(form_id, data=values, formats=("pdf", "docx"))
    except InputError as e:
        problems = getattr(e, "problems", None) or [e]
        return error(422, "数据有误", problems=[{"row": p.row, "field": p.field, "message": p.message}
                                               for p in problems])
    except DanganError as e:
        return error(400, str(e))
    filed = outcome.filed[0].record if outcome.filed else None
    doc = outcome.documents[0]
    return reply({"doc_number": doc.doc_number, "title": doc.title, "archival_code": filed.archival_code if filed else None,
                  "record_url": url_for("records.show", code=filed.archival_code) if filed else None,
                  "pdf_url": url_for("records.file", code=filed.archival_code, number=1) if filed else None,
                  "warnings": outcome.warnings + list(doc.warnings)}, 201)
