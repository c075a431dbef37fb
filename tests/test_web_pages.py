"""Pages as an archivist and a clerk use them: the review queue (confirm, reclassify), the record page of a
reclassified record, and the search page's filters (status counts, dates) kept across partial updates."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from tests.web_helpers import Site, populate, session

from dangan.app import Dangan, FilingRequest, FixedClock, Source
from dangan.web import create_app


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from tests.conftest import TODAY

    from dangan.config import init_workspace

    root = tmp_path_factory.mktemp("web-pages")
    with Dangan.open(init_workspace(root / "ws"), clock=FixedClock(TODAY)) as app:
        yield populate(app, root)


@pytest.fixture(scope="module")
def web(site: Site) -> Any:
    return create_app(site.app, warm=False)




def scan_for_review(site: Site, folder: Path, text: str) -> str:
    path = folder / f"scan-{abs(hash(text))}.txt"
    path.write_text(text, encoding="utf-8")
    req = FilingRequest(path=path, category="QT", title="扫描件", date=dt.date(2026, 4, 1), source=Source.SCANNED,
                        needs_review=True)
    return site.app.file_requests([req])[0].record.archival_code


def test_an_archivist_reclassifies_from_the_review_queue(web: Any, site: Site, tmp_path: Path) -> None:
    code = scan_for_review(site, tmp_path, "楼宇巡检：2栋电梯机房门锁损坏，已报修。")
    client, csrf = session(web, "laowang")
    queue = client.get("/review").get_data(as_text=True)
    assert code in queue and 'value="XJ"' in queue and 'value="XH"' not in queue  # not into the registers' class
    refused = client.post(f"/review/{code}/reclassify", data={"csrf_token": csrf, "category": "XJ", "reason": ""},
                          follow_redirects=True).get_data(as_text=True)
    assert "改类必须填写原因" in refused and site.app.record(code).needs_review
    done = client.post(f"/review/{code}/reclassify", data={"csrf_token": csrf, "category": "XJ",
                                                           "reason": "电梯机房巡检", "title": "2栋电梯机房巡检记录"},
                       follow_redirects=True).get_data(as_text=True)
    new = site.app.record(code).superseded_by
    assert new and new.startswith("Z001-2026-D10-XJ-") and f"{code} → {new}" in done and code not in done.split("</h1>")[1]
    old_page = client.get(f"/records/{code}").get_data(as_text=True)
    assert "已改类" in old_page and f'href="/records/{new}"' in old_page
    new_page = client.get(f"/records/{new}").get_data(as_text=True)
    assert "2栋电梯机房巡检记录" in new_page and f'href="/records/{code}"' in new_page
    history = [e for e in site.app.audit_trail(code) if e.event == "reclassified"]
    assert history[0].actor.name == "laowang"  # type: ignore[union-attr]


def test_an_archivist_confirms_an_item_with_a_corrected_title(web: Any, site: Site, tmp_path: Path) -> None:
    code = scan_for_review(site, tmp_path, "其他资料：业主委员会会议签到表。")
    client, csrf = session(web, "laowang")
    client.post(f"/review/{code}", data={"csrf_token": csrf, "title": "业委会会议签到表", "reason": "审核确认"})
    record = site.app.record(code)
    assert (record.title, record.needs_review, record.category) == ("业委会会议签到表", False, "QT")


def test_a_clerk_may_not_use_the_review_queue(web: Any, site: Site, tmp_path: Path) -> None:
    code = scan_for_review(site, tmp_path, "其他资料：停车场巡查表。")
    client, csrf = session(web, "xiaochen")
    assert client.get("/review").status_code == 403
    assert client.post(f"/review/{code}/reclassify", data={"csrf_token": csrf, "category": "XJ",
                                                           "reason": "x"}).status_code == 403
    assert site.app.record(code).needs_review


def test_the_search_page_counts_by_status_and_filters_by_date(web: Any, site: Site) -> None:
    site.app.hold([site.old_codes[0]], reason="诉讼")
    try:
        client, _ = session(web, "xiaochen")
        page = client.get("/search?q=投诉").get_data(as_text=True)
        facets = page.split('<section class="hits">')[0]
        assert re.search(r"在库 <span class=\"count\">3</span>", facets)
        assert re.search(r"冻结 <span class=\"count\">1</span>", facets) and "已销毁" not in facets
        held = client.get("/search?q=投诉&status=held").get_data(as_text=True)
        assert site.old_codes[0] in held and site.code not in held
        dated = client.get("/search?q=投诉&from=2010-05-02&to=2010-05-31").get_data(as_text=True)
        assert f">{site.old_codes[1]}<" in dated and f">{site.old_codes[0]}<" not in dated
        assert 'value="2010-05-02"' in dated  # the dates stay in their inputs
    finally:
        site.app.release([site.old_codes[0]], reason="结案")


def test_a_facet_click_updates_the_filters_the_search_box_sends(web: Any, site: Site) -> None:
    client, _ = session(web, "xiaochen")
    partial = client.get("/search?q=投诉&year=2010", headers={"HX-Request": "true"}).get_data(as_text=True)
    oob = re.search(r'<span id="searchfilters" hx-swap-oob="true">(.*?)</span>', partial, re.S)
    assert oob and 'name="year" value="2010"' in oob.group(1)  # a new query keeps the year just chosen
    full = client.get("/search?q=投诉&year=2010").get_data(as_text=True)
    assert "hx-swap-oob" not in full and 'name="year" value="2010"' in full.split('id="results"')[0]


def test_the_search_box_shows_the_query_as_typed(web: Any, site: Site) -> None:
    client, _ = session(web, "xiaochen")
    page = client.get("/search?q=13983456721").get_data(as_text=True)
    assert 'value="13983456721"' in page.split('id="results"')[0]  # what the clerk typed, to search again
    assert "13983456721" not in page.replace('value="13983456721"', "")  # shown nowhere else: masked
    assert "139****6721" in page.split("</title>")[0]


def test_a_user_changes_their_own_password_and_other_sessions_end(web: Any, site: Site) -> None:
    site.app.accounts.add_user("xiaozhou", role="staff", password="pw-Zhou-2026")
    here, csrf = session_of(web, "xiaozhou", "pw-Zhou-2026")
    there, _ = session_of(web, "xiaozhou", "pw-Zhou-2026")
    wrong = here.post("/password", data={"csrf_token": csrf, "current": "nope-nope", "new": "pw-Zhou-2027",
                                         "again": "pw-Zhou-2027"})
    assert wrong.status_code == 400 and "当前密码不正确" in wrong.get_data(as_text=True)
    typo = here.post("/password", data={"csrf_token": csrf, "current": "pw-Zhou-2026", "new": "pw-Zhou-2027",
                                        "again": "pw-Zhou-2028"})
    assert typo.status_code == 400 and "不一致" in typo.get_data(as_text=True)
    done = here.post("/password", data={"csrf_token": csrf, "current": "pw-Zhou-2026", "new": "pw-Zhou-2027",
                                        "again": "pw-Zhou-2027"}, follow_redirects=True)
    assert "密码已修改" in done.get_data(as_text=True)
    assert here.get("/search").status_code == 200  # this session goes on
    assert there.get("/search").status_code == 302  # the other one is out
    assert site.app.accounts.authenticate("xiaozhou", "pw-Zhou-2027").name == "xiaozhou"


def test_an_administrator_resets_a_password(web: Any, site: Site) -> None:
    site.app.accounts.add_user("xiaosun", role="staff", password="pw-Sun-2026")
    client, csrf = session(web, "guanli")
    assert "重设密码" in client.get("/admin/users").get_data(as_text=True)
    client.post("/admin/users/xiaosun/password", data={"csrf_token": csrf, "password": "pw-Sun-2027"})
    assert site.app.accounts.authenticate("xiaosun", "pw-Sun-2027").name == "xiaosun"
    staff, csrf = session(web, "xiaochen")
    assert staff.post("/admin/users/xiaosun/password", data={"csrf_token": csrf, "password": "x" * 9}).status_code == 403


def session_of(web: Any, user: str, password: str) -> tuple[Any, str]:
    """A client that logged in through the login form."""
    client = web.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(r'value="([^"]+)"[^>]*name="csrf_token"', page)
    client.post("/login", data={"username": user, "password": password, "csrf_token": token.group(1) if token else ""})
    page = client.get("/").get_data(as_text=True)
    return client, re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)  # type: ignore[union-attr]
