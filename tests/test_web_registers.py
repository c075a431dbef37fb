"""登记台账 in the web interface (issue 12): a clerk enters a complaint from the form built from the register's
columns, sees it in the list and on the dashboard past its 30 minutes, an archivist corrects it with a reason;
phone numbers stay masked and a masked number shown on the page is never saved back; roles hold."""

from __future__ import annotations

import html
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
        yield populate(app, tmp_path)


@pytest.fixture
def web(site: Site) -> Any:
    return create_app(site.app, warm=False)




def form_fields(page: str) -> set[str]:
    return set(re.findall(r'name="([^"]+)"', page))


def test_the_entry_form_is_built_from_the_register_columns(web: Any, site: Site) -> None:
    client, _ = session(web, "xiaochen")
    page = client.get(f"/registers/{REG}/new").get_data(as_text=True)
    info = next(r for r in site.app.ledger.registers() if r.form_id == REG)
    assert {c["id"] for c in info.columns} <= form_fields(page)
    assert 'type="datetime-local" name="received_at" value="2026-12-01T09:00"' in page  # now, by the app's clock
    assert "<option>服务投诉</option>" in page and "<option>业务投诉</option>" in page
    listing = client.get("/registers").get_data(as_text=True)
    assert all(r.title in listing for r in site.app.ledger.registers())


def test_a_clerk_enters_a_complaint_fixes_a_missing_field_and_sees_it_listed_masked(web: Any, site: Site) -> None:
    client, csrf = session(web, "xiaochen")
    values = {**COMPLAINT, "received_at": "2026-12-01T08:50", "phone": "13800138000", "unit": "3栋1201",
              "handler": ""}
    bad = client.post(f"/registers/{REG}/new", data={**values, "csrf_token": csrf})
    page = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert re.search(r'<span class="field-error" data-field="handler">必填项没有填写</span>', page)
    assert 'value="13800138000"' in page  # what the clerk typed comes back, to be fixed and sent again
    assert len(site.app.ledger.entries(REG)) == 1  # nothing entered
    ok = client.post(f"/registers/{REG}/new", data={**values, "handler": "小陈", "csrf_token": csrf},
                     follow_redirects=True)
    page = ok.get_data(as_text=True)
    assert ok.status_code == 200 and "已登记：客户投诉管理登记表 第 2 号" in page
    entry = site.app.ledger.entry(REG, 2)
    assert entry.entered_by and "xiaochen" in entry.entered_by and entry.values["unit"] == "3栋1201"
    assert "138****8000" in page and "13800138000" not in page
    assert "&lt;b&gt;保洁&lt;/b&gt;" in page and "<b>保洁</b>" not in page  # typed text is escaped
    assert '<span class="tag waiting">待提出方案</span>' in page  # 08:50 + 30 minutes is still ahead at 09:00
    assert '<span class="tag overdue">超过30分钟未提出方案</span>' in page  # number 1, received at 08:00


def test_the_dashboard_shows_what_is_due_from_the_ledger(web: Any, site: Site) -> None:
    client, _ = session(web, "xiaochen")
    page = client.get("/").get_data(as_text=True)
    agenda = site.app.ledger.today()
    assert len(agenda.complaints_overdue) == 1
    section = page[page.index('id="complaints-due"'):page.index('id="reports-due"')]
    assert "超时 60 分钟" in section and "第 1 号" in section and "王淑芬" in section
    overdue = client.get("/complaints").get_data(as_text=True)
    assert "139****6721" in overdue and "13983456721" not in overdue and "已等 60 分钟" in overdue
    for role_user in ("wangzhuren", "guanli"):  # approver, admin: not the registers' agenda
        other, _ = session(web, role_user)
        assert 'id="complaints-due"' not in other.get("/").get_data(as_text=True)


def test_a_correction_needs_a_reason_keeps_the_masked_phone_and_every_version(web: Any, site: Site) -> None:
    client, csrf = session(web, "laowang")
    page = client.get(f"/registers/{REG}/1").get_data(as_text=True)
    assert 'value="139****6721"' in page and "13983456721" not in page
    shown = {name: html.unescape(value) for name, value in re.findall(r'<input type="[^"]+" name="([^"]+)" value="([^"]*)"', page)}
    posted = {**shown, "proposed_at": "2026-12-01T08:40", "csrf_token": csrf}
    for name in ("type", "channel", "validity", "severity"):
        posted[name] = COMPLAINT[name]
    posted["facts"] = COMPLAINT["facts"]
    refused = client.post(f"/registers/{REG}/1", data={**posted, "reason": ""})
    assert refused.status_code == 422 and "更正登记必须写明原因" in refused.get_data(as_text=True)
    assert site.app.ledger.entry(REG, 1).version == 1
    done = client.post(f"/registers/{REG}/1", data={**posted, "reason": "补记处理方案时间"}, follow_redirects=True)
    text = done.get_data(as_text=True)
    assert "已更正第 1 号登记（第 2 版）" in text and "补记处理方案时间" in text
    history = site.app.ledger.history(REG, 1)
    assert [v.version for v in history] == [1, 2] and history[1].changed_fields == ("proposed_at",)
    # the real number is still stored: the masked one on the page was not sent back as a change
    with site.app.archive.catalogue.transaction():
        raw = site.app.archive.catalogue.entry(REG, 1).data
    assert raw["phone"] == "13983456721"
    assert next(c for c in site.app.ledger.complaints() if c.entry.number == 1).answer == "late"


def test_only_the_front_desk_and_archivists_use_the_registers(web: Any, site: Site) -> None:
    for user, status in (("xiaochen", 200), ("laowang", 200), ("wangzhuren", 403), ("guanli", 403)):
        client, _ = session(web, user)
        for url in ("/registers", f"/registers/{REG}", f"/registers/{REG}/new", f"/registers/{REG}/1",
                    "/complaints"):
            assert client.get(url).status_code == status, (user, url)
    client, _ = session(web, "xiaochen")
    assert client.get("/registers/payment-notice").status_code == 404  # a form that keeps no entries
    assert client.get(f"/registers/{REG}/99").status_code == 404
    no_csrf = client.post(f"/registers/{REG}/new", data=dict(COMPLAINT))
    assert no_csrf.status_code == 400 and len(site.app.ledger.entries(REG)) == 1


def test_the_record_page_shows_its_loans(web: Any, site: Site) -> None:
    import datetime as dt

    site.app.lending.out([site.code], to="张三", purpose="核对投诉处理", due=dt.date(2026, 12, 10), unit="工程部")
    client, _ = session(web, "xiaochen")
    section = client.get(f"/records/{site.code}").get_data(as_text=True).split('id="loans"')[1]
    assert "张三" in section and "核对投诉处理" in section and "借出中" in section
    site.app.clock.advance(days=12)  # type: ignore[attr-defined]
    section = client.get(f"/records/{site.code}").get_data(as_text=True).split('id="loans"')[1]
    assert "逾期 3 天" in section
