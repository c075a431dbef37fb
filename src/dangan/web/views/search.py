"""The search page: one box with the query syntax of ``dangan search``, facets, highlighted snippets, pages."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, g, render_template, request

from dangan.app import Permission
from dangan.errors import DanganError
from dangan.web.security import needs

bp = Blueprint("search", __name__)

PER_PAGE = 20
MAX_PAGE = 50
FILTERS = ("category", "year", "status", "from", "to")
STATUSES = ("active", "held", "lent", "disposed")


def read_query(args: Any) -> dict[str, Any]:
    """The search's text, filters and page from the query string (bad values are dropped)."""
    q = (args.get("q") or "").strip()[:500]
    out: dict[str, Any] = {"q": q, "category": (args.get("category") or "").strip() or None, "year": None,
                           "status": args.get("status") if args.get("status") in STATUSES else None}
    year = (args.get("year") or "").strip()
    out["year"] = int(year) if year.isdigit() and 1900 <= int(year) <= 2999 else None
    for key in ("from", "to"):
        out[key] = _date(args.get(key))
    page = (args.get("page") or "1").strip()
    out["page"] = min(max(int(page), 1), MAX_PAGE) if page.isdigit() else 1
    return out


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat((value or "").strip()) if value else None
    except ValueError:
        return None


def filtered(params: dict[str, Any]) -> bool:
    return any(params[k] for k in FILTERS)


def run_search(app: Any, params: dict[str, Any], *, per_page: int = PER_PAGE) -> Any:
    return app.search(params["q"], category=params["category"], year=params["year"], status=params["status"],
                      date_from=params["from"], date_to=params["to"], limit=per_page,
                      offset=(params["page"] - 1) * per_page)


def link(params: dict[str, Any], **changes: Any) -> str:
    merged = {**params, **changes}
    if "page" not in changes:
        merged["page"] = 1
    pairs = [(k, str(merged[k])) for k in ("q", *FILTERS, "page") if merged.get(k) not in (None, "", 1)]
    return "/search?" + urlencode(pairs)


@bp.route("/search")
@needs(Permission.VIEW)
def page() -> Any:
    params = read_query(request.args)
    results, error = None, None
    if params["q"] or filtered(params):
        try:
            results = run_search(g.app, params)
        except DanganError as e:
            error = e.message
    names = g.app.category_names()
    pages = 0
    if results is not None:
        pages = min(MAX_PAGE, (results.total + PER_PAGE - 1) // PER_PAGE)
    partial = bool(request.headers.get("HX-Request"))
    template = "_results.html" if partial else "search.html"
    return render_template(template, params=params, results=results, error=error, names=names, pages=pages,
                           link=lambda **c: link(params, **c), per_page=PER_PAGE, filters=FILTERS, partial=partial,
                           filtered=filtered(params), clear_filters=link(params, **dict.fromkeys(FILTERS)))
