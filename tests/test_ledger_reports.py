"""Reports computed from the period's entries, rendered through the report forms and filed: the figures,
the entry numbers counted, the same figures when run twice, hand-written parts."""

from __future__ import annotations

from pathlib import Path

from tests.ledger_helpers import add, add_complaint, as_json, flat, pdf_text, sheet

from dangan.config import Workspace


def _november(cli) -> None:  # type: ignore[no-untyped-def]
    add_complaint(cli, "2026-11-04 09:12", complainant="马丽娟", proposed_at="2026-11-04 09:30",
                  closed_at="2026-11-05 10:00", result="已回复")
    add_complaint(cli, "2026-11-11 20:05", complainant="王淑芬", proposed_at="2026-11-11 20:28", type="业务投诉",
                  channel="聊天工具", validity="无效", severity="一般无效")
    add_complaint(cli, "2026-11-30 23:50", complainant="郑晓东", proposed_at="2026-12-01 00:42", severity="恶性")
    add_complaint(cli, "2026-12-01 00:10", complainant="欧阳喆")  # December: not counted in November
    add_complaint(cli, "2026-10-31 23:59", complainant="吴桂兰")  # October


def test_the_complaint_analysis_is_computed_from_the_months_entries(cli, ws: Workspace) -> None:  # type: ignore[no-untyped-def]
    _november(cli)
    got = as_json(cli("report", "complaint-analysis", "--month", "2026-11", "--set", "analysis=服务态度问题集中",
                      "--json"))
    assert got["counted"] == {"complaint-register": [1, 2, 3]} and not got["reused"]
    f = got["figures"]
    assert (f["total"], f["n_service"], f["n_business"], f["n_chat"], f["n_invalid"], f["n_malignant"]) == (
        3, 2, 1, 1, 1, 1)
    assert f["n_within_30"] == 2 and f["n_open"] == 2
    assert f["within_30_rate"] in ("66.6", "66.66", "66.7")
    record = as_json(cli("archive", "show", got["archival_code"], "--json"))
    assert record["category"] == "TS" and "投诉分析" in record["title"] and record["date"] == "2026-12-01"
    text = pdf_text(ws.root, record)
    assert "66.6" in text or "66.7" in text
    assert "服务态度问题集中" in text and "第 1—3 号（共 3 条）" in text
    assert "欧阳喆" not in text and "吴桂兰" not in text


def test_a_busy_month_reads_as_an_analysis_not_a_dump(cli, ws: Workspace, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Over 50 complaints: the figures count all of them; the report lists the cases needing attention (the
    late ones by number and minutes, the open ones in full), and names every entry counted as ranges."""
    header = ["received_at", "complainant", "target", "facts", "type", "channel", "validity", "severity",
              "handler", "proposed_at", "closed_at"]
    rows = []
    for i in range(1, 61):
        proposed = f"2026-11-{i % 28 + 1:02d} 09:{45 if i in (7, 21) else 10}"
        closed = "" if i in (11, 22, 33) else f"2026-11-{i % 28 + 1:02d} 15:00"
        rows.append([f"2026-11-{i % 28 + 1:02d} 09:00", f"业主{i}", "保洁员", f"事由第{i}号", "服务投诉", "电话",
                     "有效", "一般", "陈美玲", proposed, closed])
    assert cli("register", "import", "complaint-register", str(sheet(tmp_path / "nov.xlsx", header, rows))).exit_code == 0
    got = as_json(cli("report", "complaint-analysis", "--month", "2026-11", "--json"))
    f = got["figures"]
    assert (f["total"], f["n_within_30"], f["n_open"]) == (60, 58, 3) and f["within_30_rate"] in ("96.66", "96.6")
    assert got["counted"]["complaint-register"] == list(range(1, 61))
    text = flat(pdf_text(ws.root, as_json(cli("archive", "show", got["archival_code"], "--json"))))
    assert "超过30分钟才提出方案（第三篇第十六条）2件：第7（45分钟）、21（45分钟）号" in text
    assert all(f"事由第{i}号" in text for i in (11, 22, 33))  # the open ones, in full
    assert "事由第5号" not in text and "事由第7号" not in text  # closed: in time, or late (by number above)
    assert "第1—60号（共60条）" in text


def test_running_a_report_twice_gives_the_same_figures_and_files_it_once(cli) -> None:  # type: ignore[no-untyped-def]
    _november(cli)
    first = as_json(cli("report", "complaint-analysis", "--month", "2026-11", "--json"))
    again = as_json(cli("report", "complaint-analysis", "--month", "2026-11", "--json"))
    assert again["reused"] and again["archival_code"] == first["archival_code"]
    assert again["figures"] == first["figures"]
    assert "已于此前归档" in cli("report", "complaint-analysis", "--month", "2026-11").stdout
    add_complaint(cli, "2026-11-20 10:00", complainant="李秀英", proposed_at="2026-11-20 10:10")
    third = as_json(cli("report", "complaint-analysis", "--month", "2026-11", "--json"))
    assert not third["reused"] and third["archival_code"] != first["archival_code"]
    assert third["figures"]["total"] == 4 and third["counted"]["complaint-register"] == [1, 2, 3, 6]


def test_computed_parts_cannot_be_typed_and_unknown_reports_are_refused(cli) -> None:  # type: ignore[no-untyped-def]
    _november(cli)
    r = cli("report", "complaint-analysis", "--month", "2026-11", "--set", "cases=1")
    assert r.exit_code == 1 and "不能手填" in r.output
    r = cli("report", "payment-notice", "--month", "2026-11")
    assert r.exit_code == 1 and "dangan generate" in r.output
    r = cli("report", "complaint-analysis", "--month", "2026-11", "--week", "2026-W47")
    assert r.exit_code == 2
    r = cli("report", "complaint-analysis", "--month", "2026-13")
    assert r.exit_code == 1 and "--month" in r.output


def test_the_incident_and_renovation_weeks(cli) -> None:  # type: ignore[no-untyped-def]
    inc = {"reporter": "张建国", "department": "工程维修队", "receiver": "陈美玲"}
    add(cli, "incident-register", reported_at="2026-11-16 08:40", unit="4栋1103室", kind="室内维修", content="热水器漏水",
        due_at="2026-11-16 12:00", completed_at="2026-11-16 11:20", revisit="满意", **inc)
    add(cli, "incident-register", reported_at="2026-11-22 23:30", unit="2栋电梯", kind="公共区域维修", content="异响",
        due_at="2026-11-23 12:00", **inc)
    add(cli, "incident-register", reported_at="2026-11-23 00:10", unit="3栋大堂", kind="清洁卫生", content="油污",
        due_at="2026-11-23 10:00", **inc)  # Monday: next week
    got = as_json(cli("report", "incident-weekly", "--week", "2026-W47", "--json"))
    rows = {r["kind"]: r for r in got["rows"]}
    assert (rows["室内维修"]["reported"], rows["室内维修"]["completed"]) == (1, 1)
    assert (rows["公共区域维修"]["reported"], rows["公共区域维修"]["completed"], rows["公共区域维修"]["pending"]) == (
        1, 0, "2栋电梯异响")
    assert rows["清洁卫生"]["reported"] == 0 and got["counted"] == {"incident-register": [1, 2]}
    assert got["figures"]["week_start"] == "2026-11-16" and got["figures"]["total_reported"] == 2

    ren = {"contractor": "鑫宇装饰", "checked": "许可证", "inspector": "赵磊"}
    add(cli, "renovation-inspection", date="2026-11-14", unit="3栋1201室", stage="开工", violations="无", **ren)  # Sat
    add(cli, "renovation-inspection", date="2026-11-20", unit="5栋1502室", violations="拆除承重墙", **ren)  # Fri
    add(cli, "renovation-inspection", date="2026-11-21", unit="3栋1201室", **ren)  # Saturday: the next week
    got = as_json(cli("report", "renovation-weekly", "--week", "2026-W47", "--json"))
    assert got["figures"]["week_start"] == "2026-11-14" and got["figures"]["week_end"] == "2026-11-20"
    assert [(r["building"], r["started"], r["violations"]) for r in got["rows"]] == [("3栋", 1, 0), ("5栋", 0, 1)]
    assert got["counted"] == {"renovation-inspection": [1, 2]}


def test_special_services_surveys_and_the_effectiveness_report(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ss = {"channel": "电话", "client": "张建国", "department": "工程维修队", "receiver": "陈美玲"}
    add(cli, "special-service-register", received_at="2026-11-03 09:15", unit="3栋1201室", kind="管道疏通",
        request="下水道", fee="80.00", completed="是", quality="优", **ss)
    add(cli, "special-service-register", received_at="2026-11-22 19:45", unit="6栋0401室", kind="家电清洗",
        request="空调", fee="240.00", completed="否", **ss)
    got = as_json(cli("report", "special-service-monthly", "--month", "2026-11", "--json"))
    assert got["figures"]["total_requests"] == 2 and got["figures"]["total_fee"] == "320.00"
    assert got["figures"]["completion_rate"] in ("50.0", "50.00")

    bill = sheet(tmp_path / "bill.xlsx", ["房号", "业主", "项目", "金额"],
                 [[f"1栋{n:02d}01室", "业主", "物业管理费", 300] for n in range(1, 5)])
    assert cli("fees", "import", "2026-11", str(bill), "--issue-date", "2026-11-01").exit_code == 0
    visit = {"kind": "回访", "resident": "业主", "visitor": "刘晓燕"}
    for n, (q, sat) in enumerate([("已回收", "满意"), ("已回收", "不满意"), ("已发放", ""), ("已回收", "基本满意")], start=1):
        add(cli, "visit-record", date=f"2026-11-{n + 1:02d}", unit=f"1栋{n:02d}01室", questionnaire=q,
            satisfaction=sat, **visit)
    got = as_json(cli("report", "survey-return-report", "--month", "2026-11", "--json"))
    assert got["rows"][0]["households"] == 4 and got["rows"][0]["issued"] == 4 and got["rows"][0]["returned"] == 3
    assert got["figures"]["return_rate"] in ("75.0", "75.00") and got["figures"]["met"] is True
    assert got["figures"]["total_satisfied"] == 2  # 满意 and 基本满意 of the returned ones

    add_complaint(cli, "2026-11-04 09:12", proposed_at="2026-11-04 09:30", closed_at="2026-11-05 10:00")
    add_complaint(cli, "2026-11-05 09:12", proposed_at="2026-11-05 10:30")
    add(cli, "incident-register", reported_at="2026-11-16 08:40", unit="4栋1103室", reporter="郑晓东", kind="室内维修",
        content="漏水", department="工程维修队", due_at="2026-11-16 12:00", completed_at="2026-11-16 13:00",
        revisit="满意", receiver="陈美玲")
    got = as_json(cli("report", "repair-complaint-monthly", "--month", "2026-11", "--json"))
    rows = {r["category"]: r for r in got["rows"]}
    assert (rows["业主投诉"]["received"], rows["业主投诉"]["effective"], rows["业主投诉"]["on_time"]) == (2, 1, 1)
    assert (rows["室内维修"]["effective"], rows["室内维修"]["on_time"]) == (1, 0)
    assert got["counted"] == {"complaint-register": [1, 2], "incident-register": [1]}


def test_a_survey_report_without_questionnaires_says_so(cli) -> None:  # type: ignore[no-untyped-def]
    r = cli("report", "survey-return-report", "--month", "2026-11")
    assert r.exit_code == 1 and "问卷" in r.output
