"""Every route checks authorisation: the URL map is walked for anonymous users, every role and a device token.

Anonymous requests get the login page (a redirect) or 401 on /api/; a role without the permission gets 403;
a role with it is let through, and a state-changing request without the CSRF token is refused (400).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.web_helpers import BY_ROLE, Site, populate, sample_args

from dangan.app import Dangan, FixedClock
from dangan.web import create_app
from dangan.web.security import PUBLIC, access_rule, allows


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from tests.conftest import TODAY

    from dangan.config import init_workspace

    root = tmp_path_factory.mktemp("web-routes")
    ws = init_workspace(root / "ws")
    with Dangan.open(ws, clock=FixedClock(TODAY)) as app:
        yield populate(app, root)


@pytest.fixture(scope="module")
def web(site: Site) -> Any:
    flask_app = create_app(site.app, warm=False)
    flask_app.config["TESTING"] = True
    return flask_app


def routes(web: Any, site: Site) -> list[tuple[str, str, str]]:
    """(endpoint, method, url) for every rule and method."""
    out = []
    values = sample_args(site)
    with web.test_request_context():
        from flask import url_for

        for rule in web.url_map.iter_rules():
            args = {a: values[a] for a in rule.arguments}
            url = url_for(rule.endpoint, **args)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                out.append((rule.endpoint, method, url))
    return out


def client_for(web: Any, user: str | None) -> Any:
    client = web.test_client()
    if user is not None:
        with client.session_transaction() as sess:
            sess["user"], sess["epoch"] = user, 0
    return client


def call(client: Any, method: str, url: str, **kw: Any) -> Any:
    return client.open(url, method=method, follow_redirects=False, **kw)


def test_every_route_states_who_may_use_it(web: Any) -> None:
    missing = [r.endpoint for r in web.url_map.iter_rules() if access_rule(web, r.endpoint) is None]
    assert missing == []
    assert len(list(web.url_map.iter_rules())) >= 40


def test_anonymous_requests_get_the_login_page_or_401(web: Any, site: Site) -> None:
    anon = client_for(web, None)
    seen = 0
    for endpoint, method, url in routes(web, site):
        if access_rule(web, endpoint) == PUBLIC:
            continue
        r = call(anon, method, url)
        if url.startswith("/api/"):
            assert r.status_code == 401, (method, url)
            assert r.get_json()["error"]
        else:
            assert r.status_code == 302 and r.headers["Location"].startswith("/login"), (method, url, r.status_code)
        seen += 1
    assert seen >= 40


@pytest.mark.parametrize("role", sorted(BY_ROLE))
def test_each_role_gets_403_where_it_must_and_csrf_guards_every_change(web: Any, site: Site, role: str) -> None:
    client = client_for(web, BY_ROLE[role])
    for endpoint, method, url in routes(web, site):
        rule = access_rule(web, endpoint)
        if rule == PUBLIC:
            continue
        allowed = allows(rule, role)
        r = call(client, method, url)
        if not allowed:
            assert r.status_code == 403, (role, method, url, r.status_code)
            continue
        assert r.status_code not in (401, 403) and r.status_code < 500, (role, method, url, r.status_code)
        assert not (r.status_code == 302 and r.headers["Location"].startswith("/login")), (role, method, url)
        if method == "POST":
            assert r.status_code == 400 and ("CSRF" in r.get_data(as_text=True)), (role, method, url, r.status_code)


def test_the_separation_of_duties_holds_on_the_pages_that_matter(web: Any, site: Site) -> None:
    staff, admin, archivist = (client_for(web, BY_ROLE[r]) for r in ("staff", "admin", "archivist"))
    assert call(staff, "POST", "/disposals/1/approve").status_code == 403
    assert call(staff, "GET", "/retention").status_code == 403
    assert call(staff, "GET", "/admin/users").status_code == 403
    assert call(archivist, "POST", "/disposals/1/approve").status_code == 403
    assert call(admin, "GET", f"/records/{site.code}").status_code == 403  # 三员分立: the admin sees no records
    assert call(admin, "GET", "/search?q=噪音").status_code == 403
    assert call(admin, "GET", "/admin/users").status_code == 200


def test_a_device_token_may_only_upload(web: Any, site: Site) -> None:
    client = web.test_client()
    auth = {"Authorization": f"Bearer {site.token}"}
    assert call(client, "GET", "/api/search?q=x", headers=auth).status_code == 403
    assert call(client, "GET", f"/api/records/{site.code}", headers=auth).status_code == 403
    assert call(client, "GET", "/search?q=x", headers=auth).status_code == 302  # tokens open no pages
    bad = call(client, "GET", "/api/search?q=x", headers={"Authorization": "Bearer wrong"})
    assert bad.status_code == 401


def test_a_disabled_user_is_out_at_once(web: Any, site: Site) -> None:
    client = client_for(web, "xiaoli")
    assert call(client, "GET", "/search?q=x").status_code == 200
    site.app.accounts.disable("xiaoli")
    r = call(client, "GET", "/search?q=x")
    assert r.status_code == 302 and r.headers["Location"].startswith("/login")


def test_pages_and_api_mask_phone_and_id_numbers_and_escape_titles(web: Any, site: Site) -> None:
    client = client_for(web, BY_ROLE["staff"])
    for url in ("/search?q=噪音", f"/records/{site.code}", "/api/search?q=噪音&json", f"/api/records/{site.code}?json",
                f"/records/{site.code}/export.json"):
        r = call(client, "GET", url)
        body = r.get_data(as_text=True)
        assert "13983456721" not in body and "110101199001011234" not in body, url
        if "json" in url:  # data, not a page: served as JSON that no browser renders as HTML
            assert r.mimetype == "application/json" and r.headers["X-Content-Type-Options"] == "nosniff"
        else:
            assert "<script>alert(1)</script>" not in body, url
    page = call(client, "GET", "/search?q=噪音").get_data(as_text=True)
    assert "139****6721" in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_login_redirects_only_to_this_server(web: Any, site: Site) -> None:
    import re

    client = web.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    r = client.post("/login", data={"username": "xiaochen", "password": "pw-Staff-2026", "csrf_token": token,
                                    "next": "https://evil.example/"})
    assert r.status_code == 302 and r.headers["Location"] == "/"
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    _ = Path


def test_the_web_layer_calls_the_application_only() -> None:
    import re

    web_dir = Path(__file__).resolve().parent.parent / "src" / "dangan" / "web"
    bad = [f"{p.name}: {m}" for p in web_dir.rglob("*.py") for m in re.findall(
        r"^\s*(?:from|import) (dangan\.(?:archive|search|forms|ingest|content)\S*)", p.read_text(), re.M)]
    assert bad == []
