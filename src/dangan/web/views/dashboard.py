"""The dashboard: what is due today for the signed-in person's role."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, g, render_template

from dangan.app import Permission
from dangan.web.security import signed_in

bp = Blueprint("dashboard", __name__)

#: Extra dashboard sections: callables (app) → list of (title, rows) or None.  The ledger's "what is due today"
#: (issue 12) plugs in here once its app call exists.
DUE_SOURCES: list[Any] = []


@bp.route("/")
@signed_in
def index() -> Any:
    app, who = g.app, g.identity
    context: dict[str, Any] = {"warnings": app.warnings, "extra": []}
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
    for source in DUE_SOURCES:
        found = source(app)
        if found:
            context["extra"].extend(found)
    return render_template("dashboard.html", **context)
