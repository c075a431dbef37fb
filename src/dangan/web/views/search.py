"""The search page: one box with the query syntax of ``dangan search``, facets, highlighted snippets, pages."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, g, render_template, request

from dangan.app import Permission
from dangan.errors import DanganError
from dangan.web.security import needs

bp = Blueprint("search", __name__)

PER_PAGE = 20
MAX_PAGE = 50
FILTERS = ("category", "year", "status")


def read_query(args: Any) -> dict[str, Any]:
    """The search's text, filters and page from the query string (bad values are dropped)."""
    q = (args.get("q") or "").strip()[:500]
    out: dict[str, Any] = {"q": q, "category": (args.get("category") or "").strip() or None, "year": None,
                           "status": args.get("status") if args.get("status") in ("active", "held", "disposed")
                           else None}
    year = (args.get("year") or "").strip()
    out["year"] = int(year) if year.isdigit() and 1900 <= int(year) <= 2999 else None
    page = (args.get("page") or "1").strip()
    out["page"] = min(max(int(page), 1), MAX_PAGE) if page.isdigit() else 1
    return out


def run_search(app: Any, params: dict[str, Any], *, per_page: int = PER_PAGE) -> Any:
    return app.search(params["q"], category=params["category"], year=params["year"], status=params["status"],
                      limit=per_page, offset=(params["page"] - 1) * per_page)


def link(params: dict[str, Any], **changes: Any) -> str:
    merged = {**params, **changes}
    if "page" not in changes:
        merged["page"] = 1
    pairs = [(k, merged[k]) for k in ("q", *FILTERS, "page") if merged.get(k) not in (None, "", 1)]
    return "/search?" + urlencode(pairs)


@bp.route("/search")
@needs(Permission.VIEW)
def page() -> Any:
    params = read_query(request.args)
    results, error = None, None
    if params["q"] or params["category"] or params["year"] or params["status"]:
        try:
            results = run_search(g.app, params)
        except DanganError as e:
            error = e.message
    names = g.app.category_names()
    pages = 0
    if results is not None:
        pages = min(MAX_PAGE, (results.total + PER_PAGE - 1) // PER_PAGE)
    template = "_results.html" if request.headers.get("HX-Request") else "search.html"
    return render_template(template, params=params, results=results, error=error, names=names, pages=pages,
                           link=lambda **c: link(params, **c), per_page=PER_PAGE)
