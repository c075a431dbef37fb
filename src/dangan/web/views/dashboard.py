"""The dashboard: what is due today for the signed-in person's role (the registers' agenda: ``app.ledger.today()``)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, g, render_template

from dangan.app import Permission
from dangan.web.security import signed_in

bp = Blueprint("dashboard", __name__)

@bp.route("/")
@signed_in
def index() -> Any:
    app, who = g.app, g.identity
    context: dict[str, Any] = {"warnings": app.warnings}
    if who.may(Permission.ARCHIVE) or who.may(Permission.APPROVE_DISPOSAL):
        due = app.due()
        context["due"] = due
        context["held"] = [r for r in app.records(status="held")]
        context["review"] = len(app.records(needs_review=True))
        context["pending"] = app.disposals.proposals(status="pending")
        context["quarantine"] = len(app.quarantine.entries()) if who.may(Permission.ARCHIVE) else 0
    if who.may(Permission.FORMS):
        runner = current_app.extensions["dangan_jobs"]["batch"]
        context["jobs"] = runner.jobs(owner=who.name)[:5]
    if who.may(Permission.REGISTER):
        context["agenda"] = app.ledger.today().to_dict()  # the same list as `dangan today --json` (masked)
    return render_template("dashboard.html", **context)
