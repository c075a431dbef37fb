"""The archivist's pages (holds, retention due, disposal proposals, file lists, verify, review queue,
quarantine) and the approver's queue."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, send_file, url_for

from dangan.app import Permission, parse_date
from dangan.errors import DanganError
from dangan.web.security import needs

bp = Blueprint("archivist", __name__)


@bp.route("/holds")
@needs(Permission.ARCHIVE)
def holds() -> Any:
    held = g.app.records(status="held")
    rows = [(r, g.app.holds(r.archival_code)) for r in held]
    return render_template("holds.html", rows=rows)


@bp.route("/holds", methods=["POST"])
@needs(Permission.ARCHIVE)
def place_hold() -> Any:
    codes = [c for c in request.form.get("codes", "").split() if c]
    try:
        if not codes:
            raise DanganError("请填写档号")
        g.app.hold(codes, reason=request.form.get("reason", ""))
        flash(f"已冻结 {len(codes)} 件", "ok")
    except DanganError as e:
        flash(str(e), "error")
    return redirect(url_for("archivist.holds"))


@bp.route("/retention")
@needs(Permission.ARCHIVE)
def due() -> Any:
    pending = g.app.disposals.pending_codes()
    return render_template("due.html", items=g.app.due(), pending=pending, names=g.app.category_names())


@bp.route("/disposals")
@needs(Permission.PROPOSE_DISPOSAL, Permission.APPROVE_DISPOSAL)
def proposals() -> Any:
    from dangan.app.disposal_workflow import STATUS_NAMES

    every = g.app.disposals.proposals()
    details = {c: g.app.show(c) for p in every if p.status == "pending" for c in p.codes}
    return render_template("disposals.html", proposals=every, statuses=STATUS_NAMES, details=details,
                           names=g.app.category_names())


@bp.route("/disposals", methods=["POST"])
@needs(Permission.PROPOSE_DISPOSAL)
def propose() -> Any:
    codes = request.form.getlist("code")
    try:
        p = g.app.disposals.propose(codes, reason=request.form.get("reason", ""))
        flash(f"已提出第 {p.id} 号销毁申请（{len(p.codes)} 件），等待审批人审批", "ok")
        return redirect(url_for("archivist.proposals"))
    except DanganError as e:
        flash(str(e), "error")
        return redirect(url_for("archivist.due"))


@bp.route("/disposals/<int:proposal_id>/approve", methods=["POST"])
@needs(Permission.APPROVE_DISPOSAL)
def approve(proposal_id: int) -> Any:
    try:
        result = g.app.disposals.approve(proposal_id)
        flash(f"已批准并销毁 {len(result.disposed)} 件；销毁清册已归档为 {result.register.archival_code}", "ok")
    except DanganError as e:
        flash(str(e), "error")
    return redirect(url_for("archivist.proposals"))


@bp.route("/disposals/<int:proposal_id>/reject", methods=["POST"])
@needs(Permission.APPROVE_DISPOSAL)
def reject(proposal_id: int) -> Any:
    try:
        g.app.disposals.reject(proposal_id, note=request.form.get("note", ""))
        flash(f"已驳回第 {proposal_id} 号销毁申请", "ok")
    except DanganError as e:
        flash(str(e), "error")
    return redirect(url_for("archivist.proposals"))


@bp.route("/catalogue")
@needs(Permission.ARCHIVE)
def file_list() -> Any:
    year = request.args.get("year", "")
    if not year:
        return render_template("catalogue.html", categories=g.app.categories().categories,
                               this_year=g.app.clock.today().year)
    fmt = "xlsx" if request.args.get("format") == "xlsx" else "pdf"
    category = request.args.get("category") or None
    try:
        out = Path(tempfile.mkdtemp(prefix="dangan-web-", dir=_scratch())) / f"归档文件目录.{fmt}"
        path = g.app.catalogue(year=int(year), category=category, fmt=fmt, out=out)
    except (DanganError, ValueError) as e:
        flash(str(e), "error")
        return redirect(url_for("archivist.file_list"))
    return send_file(path, as_attachment=fmt == "xlsx", download_name=f"归档文件目录-{year}-{category or '全部'}.{fmt}")


def _scratch() -> Path:
    root = Path(g.app.ws.output_dir) / "web"
    root.mkdir(parents=True, exist_ok=True)
    return root


@bp.route("/verify", methods=["GET", "POST"])
@needs(Permission.ARCHIVE)
def verify() -> Any:
    report = g.app.verify() if request.method == "POST" else None
    return render_template("verify.html", report=report)


@bp.route("/review")
@needs(Permission.ARCHIVE)
def review() -> Any:
    return render_template("review.html", records=g.app.review.items(), names=g.app.category_names(),
                           targets=g.app.review.targets())


@bp.route("/review/<code>", methods=["POST"])
@needs(Permission.ARCHIVE)
def reviewed(code: str) -> Any:
    try:
        g.app.review.confirm(code, reason=request.form.get("reason", ""), changes=request.form)
        flash(f"{code} 已审核确认", "ok")
    except DanganError as e:
        flash(str(e), "error")
    return redirect(url_for("archivist.review"))


@bp.route("/review/<code>/reclassify", methods=["POST"])
@needs(Permission.ARCHIVE)
def reclassify(code: str) -> Any:
    try:
        done = g.app.review.reclassify(code, request.form.get("category", ""), reason=request.form.get("reason", ""),
                                       title=request.form.get("title") or None)
        flash(f"已改类：{code} → {done.new.archival_code}（原档号保留，注明已改类）", "ok")
    except DanganError as e:
        flash(str(e), "error")
    return redirect(url_for("archivist.review"))


@bp.route("/quarantine")
@needs(Permission.ARCHIVE)
def quarantine() -> Any:
    from dangan.web.views.intake import UPLOADS

    return render_template("quarantine.html", entries=g.app.quarantine.entries(),
                           categories=g.app.categories().categories, uploads=str(Path(g.app.ws.state_dir) / UPLOADS))


@bp.route("/quarantine/<path:name>/retry", methods=["POST"])
@needs(Permission.ARCHIVE)
def retry(name: str) -> Any:
    try:
        outcome = g.app.quarantine.retry(name)
    except DanganError as e:
        flash(str(e), "error")
        return redirect(url_for("archivist.quarantine"))
    if outcome.code:
        flash(f"{name} 已归档为 {outcome.code}（{outcome.how}）", "ok")
    else:
        flash(f"{name} 仍未能处理：{outcome.message}", "error")
    return redirect(url_for("archivist.quarantine"))


@bp.route("/quarantine/<path:name>/file", methods=["POST"])
@needs(Permission.ARCHIVE)
def file_by_hand(name: str) -> Any:
    try:
        date = parse_date(request.form.get("date"), field="日期") if request.form.get("date") else None
        filed = g.app.quarantine.file_by_hand(name, category=request.form.get("category", ""),
                                              title=request.form.get("title"), date=date)
        flash(f"{name} 已手工归档为 {filed.result.record.archival_code}", "ok")
    except DanganError as e:
        flash(str(e), "error")
    return redirect(url_for("archivist.quarantine"))


@bp.route("/quarantine/<path:name>/download")
@needs(Permission.ARCHIVE)
def quarantined_file(name: str) -> Any:
    try:
        path = g.app.quarantine.path(name)
    except DanganError:
        abort(404)
    return send_file(path, as_attachment=True, download_name=name)
