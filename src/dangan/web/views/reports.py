"""报表和关账 (issue 12): compute a report from a period's entries and file it, or close a register's period
(its sheet rendered from the entries and filed, the entries frozen) — the web side of ``dangan report`` and
``dangan register close``.  Every call goes through ``g.app.ledger``; the page lists what the ledger can
compute and which registers keep entries.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for

from dangan.app import Permission
from dangan.app.ledger import REPORTS
from dangan.errors import DanganError, InputError
from dangan.web.security import needs

bp = Blueprint("reports", __name__)

PERIOD_KINDS = {"day": "日", "week": "周", "month": "月", "quarter": "季", "half": "半年", "year": "年"}
CLOSE_KINDS = ("day", "week", "month")
#: The hand-written parts a report page offers (the rest is computed from the entries).
WRITTEN = {"analysis": "原因分析", "measures": "改进措施", "reviewer": "审核人"}


def _reports() -> list[dict[str, Any]]:
    out = []
    for report_id in REPORTS:
        form = g.app.form(report_id)
        written = [(f.id, f.label) for f in form.fields if f.id in WRITTEN and f.type != "table"]
        out.append({"id": report_id, "title": form.title, "rule": form.rule, "written": written,
                    "kind": g.app.ledger.rhythm(report_id)})
    return out


def _page(*, problem: str | None = None, status: int = 200) -> Any:
    return render_template("reports.html", reports=_reports(), registers=g.app.ledger.registers(), kinds=PERIOD_KINDS,
                           close_kinds=CLOSE_KINDS, problem=problem, form=request.form), status


def _said(e: DanganError) -> str:
    """The problem in the page's words: a period typed wrongly names the period box, not the CLI's option."""
    if isinstance(e, InputError) and (e.field or "").startswith("--"):
        return f"期间：{e.message}"
    return str(e)


def _period() -> tuple[str, str] | None:
    kind, text = (request.form.get("kind") or "").strip(), (request.form.get("period") or "").strip()
    return (kind, text) if kind in PERIOD_KINDS and text else None


@bp.route("/reports")
@needs(Permission.REGISTER)
def index() -> Any:
    return _page()


@bp.route("/reports", methods=["POST"])
@needs(Permission.REGISTER)
def run() -> Any:
    report_id = (request.form.get("report") or "").strip()
    if report_id not in REPORTS:
        return _page(problem="请选择要计算的报表", status=422)
    period = _period()
    if period is None:
        return _page(problem="请选择期间并填写，如 2026-11、2026-W47、2026-Q4", status=422)
    values = {k: v.strip() for k, v in request.form.items() if k in WRITTEN and v.strip()}
    try:
        result = g.app.ledger.report(report_id, period, values=values)
    except DanganError as e:
        return _page(problem=_said(e), status=422)
    again = "（数字与上次相同，未重复归档）" if result.reused else ""
    flash(f"已归档：{result.title}（{result.period_label}）→ 档号 {result.archival_code}{again}", "ok")
    return redirect(url_for("records.show", code=result.archival_code))


@bp.route("/registers/<register_id>/close", methods=["POST"])
@needs(Permission.REGISTER)
def close(register_id: str) -> Any:
    if register_id not in {r.form_id for r in g.app.ledger.registers()}:
        abort(404)
    period = _period()
    if period is None or period[0] not in CLOSE_KINDS:
        return _page(problem="关账请选择日、周或月，并填写期间", status=422)
    try:
        result = g.app.ledger.close(register_id, period)
    except DanganError as e:
        return _page(problem=_said(e), status=422)
    amended = f"；{result.amendments} 处更正随登记更正单 {result.amendment_code} 归档" if result.amendment_code else ""
    flash(f"已关账：{result.title}（{result.period_label}），{result.entries} 条登记已冻结 → 档号 "
          f"{'、'.join(result.archival_codes)}{amended}", "ok")
    return redirect(url_for("records.show", code=result.archival_code))
