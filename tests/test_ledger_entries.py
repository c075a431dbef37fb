"""Register entries through the command line: typed and checked by the register form's own columns,
numbered, with who and when; corrections need a reason and keep every version; imports from sheets."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.ledger_helpers import COMPLAINT, add, add_complaint, as_json, sets, sheet

from dangan.app import Dangan
from dangan.config import Workspace


def test_an_entry_gets_the_next_number_and_is_listed_with_who_and_when(cli, ws: Workspace) -> None:  # type: ignore[no-untyped-def]
    r = cli("register", "add", "complaint-register", *sets({**COMPLAINT, "received_at": "2026-11-04 09:12",
                                                              "complainant": "马丽娟", "phone": "13512345678"}))
    assert r.exit_code == 0, r.output
    lines = r.stdout.strip().splitlines()
    assert lines[-1] == "1" and "第 1 号" in lines[0]
    assert "须在 2026-11-04 09:42 前提出处理方案" in r.stdout  # no solution yet: the 30 minutes are shown
    assert add_complaint(cli, "2026-11-11 20:05", complainant="王淑芬", proposed_at="2026-11-11 20:28") == 2
    listed = as_json(cli("register", "list", "complaint-register", "--json"))["entries"]
    assert [e["number"] for e in listed] == [1, 2]
    first = listed[0]
    assert first["fields"]["phone"] == "135****5678"  # masked wherever dangan shows it
    assert first["fields"]["received_at"] == "2026-11-04 09:12" and first["fields"]["complainant"] == "马丽娟"
    assert first["entered_at"].startswith("2026-12-01T09:00") and first["entered_by"] and first["version"] == 1
    text = cli("register", "list", "complaint-register").stdout
    assert "135****5678" in text and "13512345678" not in text


def test_entries_are_listed_by_time_between_dates(cli) -> None:  # type: ignore[no-untyped-def]
    add_complaint(cli, "2026-11-30 23:59")
    add_complaint(cli, "2026-10-31 23:59")
    add_complaint(cli, "2026-11-01 00:00")
    got = as_json(cli("register", "list", "complaint-register", "--from", "2026-11-01", "--to", "2026-11-30", "--json"))
    assert [e["number"] for e in got["entries"]] == [3, 1]


def test_a_bad_entry_names_every_bad_column_and_nothing_is_kept(cli) -> None:  # type: ignore[no-untyped-def]
    r = cli("register", "add", "complaint-register", *sets({**COMPLAINT, "received_at": "2026-11-04 25:00",
                                                              "channel": "短信"}))
    assert r.exit_code == 1
    assert "接诉时间" in r.output and "投诉方式" in r.output and "投诉人" in r.output and "短信" in r.output
    r = cli("register", "add", "complaint-register", *sets({**COMPLAINT, "received_at": "2026-11-04 09:00",
                                                              "complainant": "x", "color": "红"}))
    assert r.exit_code == 1 and "color" in r.output
    assert as_json(cli("register", "list", "complaint-register", "--json"))["entries"] == []


def test_an_entry_in_the_future_is_refused(cli) -> None:  # type: ignore[no-untyped-def]
    # the clock reads 2026-12-01 09:00: a complaint received at 09:30 has not happened yet
    for received in ("2026-12-02 08:00", "2026-12-01 09:30"):
        r = cli("register", "add", "complaint-register", *sets({**COMPLAINT, "received_at": received,
                                                                  "complainant": "马丽娟"}))
        assert r.exit_code == 1 and "接诉时间" in r.output and "晚于现在（2026-12-01 09:00）" in r.output
    # the front desk's wall clock may run a few minutes ahead of the server's
    assert add_complaint(cli, "2026-12-01 09:04") == 1
    r = cli("register", "add", "renovation-inspection", *sets({"date": "2026-12-02", "unit": "3栋0501室",
            "contractor": "恒美装饰", "checked": "消防器材", "inspector": "赵磊"}))
    assert r.exit_code == 1 and "日期" in r.output and "晚于现在" in r.output


def test_times_the_rules_count_cannot_be_made_up(cli) -> None:  # type: ignore[no-untyped-def]
    """A solution proposed before the complaint came in, a case closed tomorrow, a repair done before it was
    reported: each would make the computed 30-minute rate, the open cases or the 及时率 untrue."""
    complaint = {**COMPLAINT, "received_at": "2026-11-04 09:12", "complainant": "马丽娟"}
    r = cli("register", "add", "complaint-register", *sets({**complaint, "proposed_at": "2026-11-04 08:30"}))
    assert r.exit_code == 1 and "提出处理方案时间" in r.output and "08:30" in r.output and "早于「接诉时间」" in r.output
    r = cli("register", "add", "complaint-register", *sets({**complaint, "proposed_at": "2026-11-04 09:30",
                                                              "closed_at": "2026-12-02 10:00"}))
    assert r.exit_code == 1 and "结案时间」：2026-12-02 10:00 晚于现在" in r.output
    number = add_complaint(cli, "2026-11-04 09:12")
    r = cli("register", "update", "complaint-register", str(number), "--set", "proposed_at=2026-11-04 09:00",
            "--reason", "补记")
    assert r.exit_code == 1 and "早于「接诉时间」" in r.output
    r = cli("register", "add", "incident-register", *sets({"reported_at": "2026-11-20 08:00", "unit": "3栋0201室",
            "reporter": "张三", "kind": "室内维修", "content": "水管漏水", "department": "工程部",
            "due_at": "2026-11-20 12:00", "completed_at": "2026-11-19 17:00", "receiver": "陈美玲"}))
    assert r.exit_code == 1 and "完成时间" in r.output and "早于「报事时间」" in r.output
    listed = as_json(cli("register", "list", "complaint-register", "--json"))["entries"]
    assert [(e["number"], e["version"], e["fields"]["proposed_at"]) for e in listed] == [(number, 1, None)]
    assert as_json(cli("register", "list", "incident-register", "--json"))["entries"] == []


#: Rows the complaint register's own ``checks:`` refuse (第三篇第十、十一条; a solution or a close before the
#: complaint came in): (changes to a good row, the column named, words of the problem).
IMPOSSIBLE = [
    ({"validity": "有效", "severity": "恶意"}, "性质", "恶性、一般"),
    ({"validity": "无效", "severity": "恶性"}, "性质", "一般无效、恶意"),
    ({"proposed_at": "2026-11-04 09:02"}, "提出处理方案时间", "不能早于「接诉时间」"),
    ({"proposed_at": "2026-11-04 09:30", "closed_at": "2026-11-04 09:00"}, "结案时间", "不能早于「接诉时间」"),
]


def _problem(output: str, field: str) -> str:
    """The line of a refusal that names ``field`` (without the row, which only a sheet has)."""
    line = next(x for x in output.splitlines() if field in x)
    return line.split(field, 1)[1]


@pytest.mark.parametrize(("changes", "field", "words"), IMPOSSIBLE)
def test_an_entry_is_refused_as_the_same_row_of_a_batch(cli, tmp_path: Path, changes: dict[str, str], field: str,  # type: ignore[no-untyped-def]
                                                        words: str) -> None:
    good = {**COMPLAINT, "received_at": "2026-11-04 09:12", "complainant": "马丽娟"}
    bad = {**good, **changes}
    (tmp_path / "sheet.json").write_text(json.dumps({"month": "2026年11月", "end_date": "2026-11-30"}), encoding="utf-8")
    batch = cli("generate", "complaint-register", "--data", str(tmp_path / "sheet.json"), "--no-archive", "--format",
                "pdf", "--batch", str(sheet(tmp_path / "batch.xlsx", list(bad), [list(bad.values())])))
    assert batch.exit_code == 1 and words in batch.output, batch.output
    added = cli("register", "add", "complaint-register", *sets(bad))
    assert added.exit_code == 1 and _problem(added.output, field) == _problem(batch.output, field)
    number = add(cli, "complaint-register", **good)
    updated = cli("register", "update", "complaint-register", str(number), *sets(changes), "--reason", "更正")
    assert updated.exit_code == 1 and _problem(updated.output, field) == _problem(batch.output, field)
    imported = cli("register", "import", "complaint-register",
                   str(sheet(tmp_path / "old.xlsx", list(bad), [list(good.values()), list(bad.values())])))
    assert imported.exit_code == 1 and "第 3 行" in imported.output
    assert _problem(imported.output, field) == _problem(batch.output, field)
    listed = as_json(cli("register", "list", "complaint-register", "--json"))["entries"]
    assert [(e["number"], e["version"]) for e in listed] == [(number, 1)]  # nothing entered, nothing changed


def test_only_registers_take_entries(cli) -> None:  # type: ignore[no-untyped-def]
    r = cli("register", "add", "payment-notice", "--set", "unit=1")
    assert r.exit_code == 1 and "不是登记表" in r.output
    forms = {f["form"]: f for f in as_json(cli("register", "forms", "--json"))}
    assert {"complaint-register", "renovation-inspection", "visit-record", "special-service-register",
            "vacant-inspection", "vacant-signin", "sign-inspection", "front-desk-log", "incident-register"} <= set(forms)
    # registers dangan fills from the catalogue take no entries (档案借阅登记表: from the loans)
    assert not {"archive-file-list", "disposal-register", "ledger-amendment", "lending-register",
                "payment-notice"} & set(forms)
    assert forms["front-desk-log"]["whole_form"] and not forms["complaint-register"]["whole_form"]
    assert forms["complaint-register"]["time_field"] == "received_at"
    assert forms["sign-inspection"]["time_field"] == "checked_at"


def test_a_whole_handover_is_one_entry_from_a_data_file(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    data = {"date": "2026-11-30", "shift": "早班", "handover_at": "2026-11-30 14:00", "handed_by": "陈美玲",
            "received_by": "孙丽华", "keys": [{"key": "前台柜钥匙", "count": 2, "intact": "是"}],
            "mail": [{"unit": "1栋0302室", "kind": "报纸", "quantity": 3}]}
    path = tmp_path / "交接.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    r = cli("register", "add", "front-desk-log", "--data", str(path))
    assert r.exit_code == 0, r.output
    entry = as_json(cli("register", "show", "front-desk-log", "1", "--json"))
    assert entry["fields"]["keys"] == [{"key": "前台柜钥匙", "count": 2, "intact": True}]
    assert entry["at"] == "2026-11-30 00:00"


def test_a_correction_needs_a_reason_and_keeps_every_version(cli, ws: Workspace) -> None:  # type: ignore[no-untyped-def]
    n = add_complaint(cli, "2026-11-04 09:12", phone="13912345678")
    r = cli("register", "update", "complaint-register", str(n), "--set", "proposed_at=2026-11-04 09:30")
    assert r.exit_code == 2 and "--reason" in r.output  # click refuses without a reason
    r = cli("register", "update", "complaint-register", str(n), "--set", "proposed_at=2026-11-04 09:30",
            "--reason", " ")
    assert r.exit_code == 1 and "原因" in r.output
    r = cli("register", "update", "complaint-register", str(n), "--set", "提出处理方案时间=2026-11-04 09:30",
            "--set", "result=已约谈施工方", "--reason", "补记处理方案")
    assert r.exit_code == 0, r.output and "第 2 版" in r.stdout
    r = cli("register", "update", "complaint-register", str(n), "--set", "result=已约谈施工方", "--reason", "再记一次")
    assert r.exit_code == 1 and "没有改动" in r.output
    shown = as_json(cli("register", "show", "complaint-register", str(n), "--json"))
    assert shown["version"] == 2 and shown["fields"]["proposed_at"] == "2026-11-04 09:30"
    history = shown["history"]
    assert [h["version"] for h in history] == [1, 2] and history[0]["fields"]["proposed_at"] is None
    assert history[1]["reason"] == "补记处理方案" and set(history[1]["changed_fields"]) == {"proposed_at", "result"}
    with Dangan.open(ws, index=False) as app:
        events = [(e.event, e.details) for e in app.audit_trail() if e.event.startswith("ledger")]
    assert [e for e, _ in events] == ["ledger_entry", "ledger_change"]
    assert events[1][1]["reason"] == "补记处理方案" and events[1][1]["fields"] == ["proposed_at", "result"]
    assert all("13912345678" not in json.dumps(d) for _, d in events)  # the trail holds a digest, not the values
    r = cli("register", "update", "complaint-register", "9", "--set", "result=x", "--reason", "x")
    assert r.exit_code == 1 and "没有第 9 号" in r.output


def test_clearing_a_column_is_a_correction_too(cli) -> None:  # type: ignore[no-untyped-def]
    n = add_complaint(cli, "2026-11-04 09:12", proposed_at="2026-11-04 09:30")
    r = cli("register", "update", "complaint-register", str(n), "--set", "proposed_at=", "--reason", "时间记错，待核实")
    assert r.exit_code == 0, r.output
    assert as_json(cli("register", "show", "complaint-register", str(n), "--json"))["fields"]["proposed_at"] is None


HEADER = ["接诉时间", "投诉人", "电话", "投诉对象", "投诉经过", "投诉类型", "投诉方式", "判定", "性质", "接待人"]


def _row(when: Any, who: str = "张建国", channel: str = "电话") -> list[Any]:
    return [when, who, "13812345678", "保洁员", "楼道脏", "服务投诉", channel, "有效", "一般", "陈美玲"]


def test_an_import_enters_every_row_or_none_naming_each_bad_row(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt

    bad = sheet(tmp_path / "bad.xlsx", HEADER, [_row("2026-11-02 10:00"), _row("2026-11-03 10:00", channel="短信"),
                                                  _row(dt.datetime(2026, 11, 4, 8, 30), who="")])
    r = cli("register", "import", "complaint-register", str(bad))
    assert r.exit_code == 1
    assert "第 3 行" in r.output and "投诉方式" in r.output and "第 4 行" in r.output and "投诉人" in r.output
    assert as_json(cli("register", "list", "complaint-register", "--json"))["entries"] == []
    r = cli("register", "import", "complaint-register", str(bad), "--keep-going")
    assert r.exit_code == 1 and "已登记 1 条" in r.output and "2 行有错" in r.output
    good = sheet(tmp_path / "good.xlsx", HEADER, [_row(dt.datetime(2026, 11, 4, 8, 30)), _row("2026-11-05 10:00")])
    r = cli("register", "import", "complaint-register", str(good))
    assert r.exit_code == 0 and "第 2—3 号" in r.output
    got = as_json(cli("register", "list", "complaint-register", "--json"))["entries"]
    assert [e["fields"]["received_at"] for e in got] == ["2026-11-02 10:00", "2026-11-04 08:30", "2026-11-05 10:00"]
    wrong = sheet(tmp_path / "wrong.xlsx", [*HEADER, "颜色"], [[*_row("2026-11-05 10:00"), "红"]])
    r = cli("register", "import", "complaint-register", str(wrong))
    assert r.exit_code == 1 and "颜色" in r.output and "表头" in r.output


def test_rounds_and_visits_are_entries_of_their_registers(cli) -> None:  # type: ignore[no-untyped-def]
    assert add(cli, "renovation-inspection", date="2026-11-23", unit="3栋1201室", contractor="鑫宇装饰 李强",
               checked="装修许可证", violations="无", rectified="是", stage="开工", inspector="赵磊") == 1
    assert add(cli, "sign-inspection", checked_at="2026-11-24 08:40", round="第一遍", sign="楼栋号", condition="完好",
               inspector="赵磊") == 1
    assert add(cli, "visit-record", date="2026-11-23", kind="回访", unit="3栋1201室", resident="张建国",
               satisfaction="满意", questionnaire="已回收", visitor="刘晓燕") == 1
    assert add(cli, "incident-register", reported_at="2026-11-16 08:40", unit="4栋1103室", reporter="郑晓东",
               kind="室内维修", content="热水器漏水", department="工程维修队", due_at="2026-11-16 12:00",
               receiver="陈美玲") == 1
    assert add(cli, "vacant-signin", checked_at="2026-11-02 09:30", unit="1栋1502室", inspector="钱芳") == 1
    r = cli("register", "add", "sign-inspection", *sets({"checked_at": "2026-11-24 08:40", "round": "第三遍",
                                                           "sign": "x", "condition": "完好", "inspector": "赵磊"}))
    assert r.exit_code == 1 and "第三遍" in r.output
