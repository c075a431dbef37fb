"""报表和关账 in the web interface (issue 12): a clerk computes a report from the month's entries and files it,
runs it again and is told nothing changed, closes a register's month and its entries are frozen; bad periods
are named; roles hold (the route walk in test_web_routes covers 403 and CSRF)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from tests.web_helpers import COMPLAINT, Site, populate, session

from dangan.app import Dangan, FixedClock
from dangan.web import create_app

REG = "complaint-register"


@pytest.fixture
def site(tmp_path: Any) -> Any:
    from tests.conftest import TODAY

    from dangan.config import init_workspace

    with Dangan.open(init_workspace(tmp_path / "ws"), clock=FixedClock(TODAY)) as app:
        for day, proposed in ((4, "09:30"), (11, "09:50")):
            app.ledger.add(REG, {**COMPLAINT, "received_at": f"2026-11-{day:02d} 09:12",
                                 "proposed_at": f"2026-11-{day:02d} {proposed}"})
        yield populate(app, tmp_path)


@pytest.fixture
def web(site: Site) -> Any:
    return create_app(site.app, warm=False)


def flashes(page: str) -> list[str]:
    return re.findall(r'<div class="flash ok" role="status">([^<]+)</div>', page)


def test_a_clerk_files_the_months_complaint_analysis_and_is_told_when_nothing_changed(web: Any, site: Site) -> None:
    client, csrf = session(web, "xiaochen")
    page = client.get("/reports").get_data(as_text=True)
    assert "投诉分析报告" in page and "收费情况统计表" in page and "客户投诉管理登记表" in page
    assert '<option value="week" selected>' in page and 'placeholder="2026-W47"' in page  # the weekly reports' rhythm
    form = {"csrf_token": csrf, "report": "complaint-analysis", "kind": "month", "period": "2026-11",
            "analysis": "夜间噪音集中"}
    r = client.post("/reports", data=form)
    assert r.status_code == 302
    code = r.headers["Location"].rsplit("/", 1)[-1]
    record = site.app.archive.get(code)
    assert record.category == "TS" and "投诉分析" in record.title
    assert (record.form_data or {})["total"] == 2 and record.form_data["analysis"] == "夜间噪音集中"
    shown = client.get(r.headers["Location"]).get_data(as_text=True)
    assert any(f"档号 {code}" in f for f in flashes(shown))
    again = client.post("/reports", data=form, follow_redirects=True).get_data(as_text=True)
    assert any("未重复归档" in f and code in f for f in flashes(again))


@pytest.mark.parametrize(("data", "words"), [
    ({"report": "complaint-analysis", "kind": "month", "period": "2026-13"}, "期间：「2026-13」不是有效的月份"),
    ({"report": "complaint-analysis", "kind": "month", "period": ""}, "请选择期间"),
    ({"report": "payment-notice", "kind": "month", "period": "2026-11"}, "请选择要计算的报表"),
])
def test_a_bad_report_request_is_named_and_nothing_is_filed(web: Any, site: Site, data: dict[str, str],
                                                           words: str) -> None:
    client, csrf = session(web, "xiaochen")
    before = len(site.app.archive.catalogue.records())
    r = client.post("/reports", data={"csrf_token": csrf, **data})
    assert r.status_code == 422 and words in r.get_data(as_text=True)
    assert len(site.app.archive.catalogue.records()) == before


def test_closing_the_month_files_the_register_and_freezes_its_entries(web: Any, site: Site) -> None:
    client, csrf = session(web, "laowang")
    r = client.post(f"/registers/{REG}/close", data={"csrf_token": csrf, "kind": "month", "period": "2026-11"})
    assert r.status_code == 302, r.get_data(as_text=True)
    code = r.headers["Location"].rsplit("/", 1)[-1]
    assert site.app.archive.get(code).form_id == REG
    november = site.app.ledger.entries(REG, period=site.app.ledger.period(REG, ("month", "2026-11")))
    assert len(november) == 2 and all(e.frozen for e in november)
    twice = client.post(f"/registers/{REG}/close", data={"csrf_token": csrf, "kind": "month", "period": "2026-11"})
    assert twice.status_code == 422 and "已于" in twice.get_data(as_text=True)
    year = client.post(f"/registers/{REG}/close", data={"csrf_token": csrf, "kind": "year", "period": "2026"})
    assert year.status_code == 422 and "日、周或月" in year.get_data(as_text=True)
