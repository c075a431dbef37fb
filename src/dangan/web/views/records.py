"""A record's page: GB/T 18894 metadata, page thumbnails, the PDF in the browser, files, holds, its audit history."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, send_file, url_for

from dangan.app import EVENT_NAMES, Permission, record_to_dict
from dangan.errors import DanganError
from dangan.web.present import masked
from dangan.web.security import needs, safe_next

bp = Blueprint("records", __name__)

#: Metadata rows in GB/T 18894-2016 terms (label, how to read it from the record).
METADATA = (
    ("档号", lambda r, d: r.archival_code), ("题名", lambda r, d: r.title), ("文件编号（文号）", lambda r, d: r.doc_number),
    ("责任者", lambda r, d: r.author), ("日期", lambda r, d: r.date.isoformat()),
    ("机构或问题（类别）", lambda r, d: d["category"]), ("保管期限", lambda r, d: d["period"]),
    ("密级", lambda r, d: r.security), ("格式", lambda r, d: r.original.format.upper() if r.original else ""),
    ("文件名", lambda r, d: r.original.original_name if r.original else ""),
    ("文件大小", lambda r, d: d["size"]), ("创建程序", lambda r, d: d["source"]),
    ("楼栋 / 单元 / 房号", lambda r, d: " / ".join(x for x in (r.building, r.unit, r.room) if x)),
    ("归档时间", lambda r, d: r.filed_at.strftime("%Y-%m-%d %H:%M")),
)
TEXT_SHOWN = 3000  # characters of the record's text shown on its page
EDITABLE = (("title", "题名"), ("doc_number", "文号"), ("author", "责任者"), ("security", "密级"),
            ("building", "楼栋"), ("unit", "单元"), ("room", "房号"), ("date", "日期（同一年度内）"))


def _back(code: str) -> str:
    back = request.form.get("back")
    return safe_next(back) if back else url_for("records.show", code=code)


def _details(code: str) -> Any:
    try:
        return g.app.show(code)
    except DanganError:
        abort(404)


@bp.route("/records/<code>")
@needs(Permission.VIEW)
def show(code: str) -> Any:
    from dangan.web.present import SOURCE_NAMES, size_label

    details = _details(code)
    record = details.record
    names = g.app.category_names()
    derived = {"category": f"{names.get(record.category, record.category)}（{record.category}）",
               "period": {"Y": "永久", "D30": "30年", "D10": "10年"}.get(details.effective_period, details.effective_period), "source": SOURCE_NAMES.get(str(record.source), record.source),
               "size": size_label(record.original.size) if record.original else ""}
    metadata = [(label, get(record, derived)) for label, get in METADATA]
    history = g.app.audit_trail(code)
    pending = g.app.disposals.pending_codes().get(code)
    return render_template("record.html", d=details, r=record, metadata=metadata, history=history,
                           events=EVENT_NAMES, editable=EDITABLE, pending=pending,
                           all_holds=g.app.holds(code, active_only=False),
                           loans=[v.to_dict() for v in g.app.lending.list(code=code)],
                           text=(g.app.text_of(code) or "")[:TEXT_SHOWN])


@bp.route("/records/<code>/files/<int:number>")
@needs(Permission.VIEW)
def file(code: str, number: int) -> Any:
    from dangan.app.viewing import media_type

    try:
        f, path = g.app.stored_file(code, number)
    except DanganError:
        abort(404)
    download = request.args.get("download") == "1"
    name = f"{code}-{number}.{f.format}" if f.format else f"{code}-{number}"
    return send_file(path, mimetype=media_type(f.format), as_attachment=download, download_name=name,
                     conditional=True, max_age=0)


@bp.route("/records/<code>/files/<int:number>/pages/<int:page>.png")
@needs(Permission.VIEW)
def page_image(code: str, number: int, page: int) -> Any:
    import io

    try:
        png = g.app.page_png(code, number, page, width=int(request.args.get("w", 260)))
    except (DanganError, ValueError):
        abort(404)
    return send_file(io.BytesIO(png), mimetype="image/png", max_age=3600)


@bp.route("/records/<code>/export.json")
@needs(Permission.VIEW)
def export_json(code: str) -> Any:
    details = _details(code)
    data = record_to_dict(details.record)
    data["expiry"] = details.expiry.isoformat() if details.expiry else None
    data["holds"] = [h.to_dict() for h in details.holds]
    from flask import jsonify

    response = jsonify(masked(data))
    response.headers["Content-Disposition"] = f"attachment; filename={code}.json"
    return response


@bp.route("/records/<code>/edit", methods=["POST"])
@needs(Permission.ARCHIVE)
def edit(code: str) -> Any:
    changes = {k: request.form.get(k, "").strip() for k, _ in EDITABLE if k in request.form}
    record = _details(code).record
    changes = {k: v for k, v in changes.items() if v != (str(getattr(record, k) or "") if k != "date"
                                                         else record.date.isoformat())}
    try:
        if not changes:
            raise DanganError("没有修改任何字段")
        g.app.edit(code, changes, reason=request.form.get("reason", ""))
        flash("元数据已修改，已记入审计日志", "ok")
    except DanganError as e:
        flash(str(e), "error")
    return redirect(url_for("records.show", code=code) + "#edit")


@bp.route("/records/<code>/hold", methods=["POST"])
@needs(Permission.ARCHIVE)
def hold(code: str) -> Any:
    action = request.form.get("action", "hold")
    reason = request.form.get("reason", "")
    try:
        if action == "release":
            g.app.release([code], reason=reason)
            flash("已解除一项冻结", "ok")
        else:
            g.app.hold([code], reason=reason)
            flash("已冻结", "ok")
    except DanganError as e:
        flash(str(e), "error")
    return redirect(_back(code))


@bp.route("/records/<code>/extend", methods=["POST"])
@needs(Permission.ARCHIVE)
def extend(code: str) -> Any:
    try:
        g.app.extend([code], to=request.form.get("to", ""), reason=request.form.get("reason", ""))
        flash("保管期限已延长", "ok")
    except DanganError as e:
        flash(str(e), "error")
    return redirect(_back(code))
