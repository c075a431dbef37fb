"""The 30-minute clock and what is due today, by the app's clock (a fixed one here)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from tests.ledger_helpers import add, add_complaint, as_json, sheet

from dangan.app import Dangan, FixedClock
from dangan.config import Workspace

TZ = dt.timezone(dt.timedelta(hours=8))


def test_overdue_lists_complaints_past_30_minutes_and_open_ones(cli, clock: FixedClock) -> None:  # type: ignore[no-untyped-def]
    clock.set(dt.datetime(2026, 12, 1, 0, 20, tzinfo=TZ))
    late = add_complaint(cli, "2026-11-30 23:45", complainant="欧阳喆")  # 35 minutes ago, across the month end
    waiting = add_complaint(cli, "2026-12-01 00:05", complainant="吴桂兰")  # 15 minutes ago
    answered = add_complaint(cli, "2026-11-30 22:00", complainant="张建国", proposed_at="2026-11-30 22:20")
    closed = add_complaint(cli, "2026-11-30 21:00", complainant="李秀英", proposed_at="2026-11-30 21:10",
                           closed_at="2026-11-30 21:40", result="已回复")
    got = {c["number"]: c for c in as_json(cli("register", "overdue", "--json"))["complaints"]}
    assert set(got) == {late, waiting, answered}  # the closed one needs nothing
    assert (got[late]["answer"], got[late]["minutes"], got[late]["open"]) == ("overdue", 35, True)
    assert got[waiting]["answer"] == "waiting" and got[waiting]["deadline"] == "2026-12-01 00:35"
    assert got[answered]["answer"] == "in_time"
    assert closed not in got
    text = cli("register", "overdue").stdout
    assert "欧阳喆" in text and "超过30分钟未提出方案（35 分钟）" in text
    clock.advance(minutes=20)  # now 00:40: the waiting one is overdue too
    got = {c["number"]: c["answer"] for c in as_json(cli("register", "overdue", "--json"))["complaints"]}
    assert got[waiting] == "overdue"


def test_today_lists_complaints_reports_sign_checks_and_disposal(cli, clock: FixedClock) -> None:  # type: ignore[no-untyped-def]
    clock.set(dt.datetime(2026, 11, 30, 9, 50, tzinfo=TZ))
    add_complaint(cli, "2026-11-30 09:00", complainant="欧阳喆")
    add_complaint(cli, "2026-11-30 09:40", complainant="吴桂兰")
    add(cli, "sign-inspection", checked_at="2026-11-30 08:40", round="第一遍", sign="楼栋号", condition="完好",
        inspector="赵磊")
    today = as_json(cli("today", "--json"))
    assert [c["fields"]["complainant"] for c in today["complaints_overdue"]] == ["欧阳喆"]
    assert [c["fields"]["complainant"] for c in today["complaints_waiting"]] == ["吴桂兰"]
    assert today["sign_checks"]["recorded"] == ["第一遍"] and today["sign_checks"]["missing"] == ["第二遍"]
    reports = {(r["report"], r["period"], r["overdue"]) for r in today["reports"]}
    assert reports == {("complaint-analysis", "2026-11", False), ("repair-complaint-monthly", "2026-11", False)}
    assert today["disposal"] == [] and today["dunning"] == [] and today["deadline"] == []
    text = cli("today").stdout
    assert "投诉分析报告 2026年11月：今日应报" in text and "还缺 第二遍" in text and "欧阳喆" in text
    add(cli, "sign-inspection", checked_at="2026-11-30 09:45", round="第二遍", sign="楼栋号", condition="完好",
        inspector="赵磊")
    assert as_json(cli("today", "--json"))["sign_checks"]["missing"] == []
    assert as_json(cli("report", "complaint-analysis", "--month", "2026-11", "--json"))["archival_code"]
    reports = {r["report"] for r in as_json(cli("today", "--json"))["reports"]}
    assert reports == {"repair-complaint-monthly"}  # a filed report is no longer due


def test_today_lists_units_due_for_dunning(cli, ws: Workspace, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bill = sheet(tmp_path / "bill.xlsx", ["房号", "业主", "项目", "金额"],
                 [["1栋0101室", "张建国", "物业管理费", 320], ["1栋0102室", "李秀英", "物业管理费", 320]])
    r = cli("fees", "import", "2026-11", str(bill), "--issue-date", "2026-11-01")
    assert r.exit_code == 0, r.output
    paid = sheet(tmp_path / "paid.xlsx", ["房号", "项目", "实收金额", "缴费日期"], [["1栋0101室", "物业管理费", 320, "2026-11-03"]])
    assert cli("fees", "payments", str(paid)).exit_code == 0
    today = as_json(cli("today", "--json"))
    assert [(a["unit"], a["arrears"]) for a in today["dunning"]] == [("1栋0102室", "320.00")]
    assert "1栋0102室 李秀英：逾期未缴 320.00 元" in cli("today").stdout


def test_today_is_one_app_call_for_the_dashboard(ws: Workspace) -> None:
    clock = FixedClock(dt.datetime(2026, 12, 1, 9, 0, tzinfo=TZ))
    with Dangan.open(ws, clock=clock, index=False) as app:
        agenda = app.ledger.today()
        assert agenda.empty and agenda.to_dict()["date"] == "2026-12-01" and agenda.sign_checks is None
