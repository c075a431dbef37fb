"""The fee-collection chain through the command line: the README's worked example step by step, every
notice filed and linked to its unit and months, and the sheets' errors named by row."""

from __future__ import annotations

from pathlib import Path

from tests.ledger_helpers import as_json, flat, pdf_text, sheet

from dangan.app import Dangan
from dangan.config import Workspace

BILL = ["房号", "业主", "项目", "金额"]
PAID = ["房号", "项目", "实收金额", "缴费日期"]


def _bill(tmp_path: Path) -> Path:
    rows = []
    for unit, owner in (("1栋0101室", "张建国"), ("1栋0102室", "李秀英"), ("1栋0103室", "王强")):
        rows += [[unit, owner, "物业管理费", 320.00], [unit, owner, "水费", 63.00]]
    return sheet(tmp_path / "bill.xlsx", BILL, rows)


def _paid(tmp_path: Path) -> Path:
    return sheet(tmp_path / "paid.xlsx", PAID, [["1栋0101室", "物业管理费", 320.00, "2026-11-05"],
                                                ["1栋0101室", "水费", 63.00, "2026-11-05"],
                                                ["1栋0102室", "物业管理费", 320.00, "2026-11-06"]])


def test_the_readme_worked_example(cli, ws: Workspace, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    r = cli("fees", "import", "2026-11", str(_bill(tmp_path)), "--issue-date", "2026-11-01")
    assert r.exit_code == 0 and "3 户 6 项，合计 1,149.00 元" in r.stdout
    assert "缴费期限 2026-11-16" in r.stdout
    notices = as_json(cli("fees", "notices", "2026-11", "--json"))["notices"]
    assert [(n["unit"], n["total"]) for n in notices] == [("1栋0101室", "383.00"), ("1栋0102室", "383.00"),
                                                          ("1栋0103室", "383.00")]
    again = as_json(cli("fees", "notices", "2026-11", "--json"))
    assert again["notices"] == [] and len(again["skipped"]) == 3  # printed once per unit and month
    record = as_json(cli("archive", "show", notices[0]["archival_code"], "--json"))
    text = flat(pdf_text(ws.root, record))
    assert record["category"] == "SF" and "张建国" in text and "2026年11月16日" in text and "叁佰捌拾叁元整" in text

    r = cli("fees", "payments", str(_paid(tmp_path)))
    assert r.exit_code == 0 and "3 笔缴费" in r.stdout
    r = cli("fees", "dunning", "--as-of", "2026-11-20")
    assert r.exit_code == 0, r.output
    lines = [ln for ln in r.stdout.splitlines() if "催缴通知书" in ln]
    assert len(lines) == 2 and "1栋0102室" in lines[0] and "63.00" in lines[0] and "1栋0103室" in lines[1]
    assert "383.00" in lines[1] and "0101" not in r.stdout
    assert "共 0 份" in cli("fees", "dunning", "--as-of", "2026-11-21").stdout  # nothing is dunned twice

    assert "共 0 份" in cli("fees", "deadline", "--as-of", "2026-11-27").stdout  # the dunning deadline itself
    late = sheet(tmp_path / "late.xlsx", PAID, [["1栋0102室", "水费", 63.00, "2026-11-26"]])
    assert cli("fees", "payments", str(late)).exit_code == 0
    got = as_json(cli("fees", "deadline", "--as-of", "2026-12-01", "--json"))["notices"]
    assert [(n["unit"], n["total"], n["late_fee"], n["deadline"]) for n in got] == [
        ("1栋0103室", "383.00", "1.72", "2026-12-08")]
    record = as_json(cli("archive", "show", got[0]["archival_code"], "--json"))
    text = flat(pdf_text(ws.root, record))
    assert "1.44" in text and "0.28" in text and "384.72" in text and "滞纳金" in text

    stats = as_json(cli("fees", "stats", "--month", "2026-11", "--json"))
    rows = {r["fee_type"]: r for r in stats["rows"]}
    assert (rows["物业管理费"]["due"], rows["物业管理费"]["collected"], rows["物业管理费"]["met"]) == (
        "960.00", "640.00", False)
    assert (rows["水费"]["due"], rows["水费"]["collected"], rows["水费"]["target"]) == ("189.00", "126.00", 100)
    assert rows["物业管理费"]["target"] == 95
    assert as_json(cli("archive", "show", stats["archival_code"], "--json"))["category"] == "SF"

    chain = as_json(cli("fees", "status", "1栋0103室", "--json"))
    assert [n["kind"] for n in chain["notices"]] == ["payment", "dunning", "deadline"]
    assert all(n["archival_code"].startswith("Z001-2026-D30-SF-") for n in chain["notices"])
    assert chain["arrears"] == "383.00" and chain["late_fee"] == "1.72"  # as of today, 1 December
    text = cli("fees", "status", "1栋0102室").stdout
    assert "已缴清（2026-11-26）" in text and "催缴通知书" in text


def test_bad_sheets_name_the_row_and_keep_nothing(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bad = sheet(tmp_path / "bad.xlsx", BILL, [["1栋0101室", "张建国", "物业管理费", 320], ["1栋0101室", "张建国", "物业管理费", 1],
                                             ["1栋0102室", "李秀英", "水费", 0], ["1栋0101室", "张三", "水费", "abc"]])
    r = cli("fees", "import", "2026-11", str(bad))
    assert r.exit_code == 1
    assert "第 3 行" in r.output and "重复" in r.output and "第 4 行" in r.output and "0.00" in r.output
    assert "第 5 行" in r.output and "金额" in r.output
    r = cli("fees", "import", "2026-11", str(sheet(tmp_path / "h.xlsx", ["房号", "业主", "金额"], [["1栋0101室", "x", 1]])))
    assert r.exit_code == 1 and "项目" in r.output
    assert cli("fees", "import", "2026-11", str(_bill(tmp_path))).exit_code == 0
    r = cli("fees", "import", "2026-11", str(_bill(tmp_path)))
    assert r.exit_code == 1 and "已在2026年11月的缴费清单中导入过" in r.output
    pays = sheet(tmp_path / "p.xlsx", PAID, [["9栋0101室", "水费", 63, "2026-11-05"], ["1栋0101室", "电费", 1, "2026-11-05"],
                                            ["1栋0101室", "水费", 63, "2026-12-25"]])
    r = cli("fees", "payments", str(pays))
    assert r.exit_code == 1
    assert "没有 9栋0101室 的缴费清单" in r.output and "没有「电费」" in r.output and "晚于今天" in r.output
    ok = sheet(tmp_path / "ok.xlsx", PAID, [["1栋0101室", "水费", 63.005 - 0.005, "2026-11-05"]])
    assert cli("fees", "payments", str(ok)).exit_code == 0
    r = cli("fees", "payments", str(ok))
    assert r.exit_code == 1 and "已经导入过" in r.output
    r = cli("fees", "status", "9栋0101室")
    assert r.exit_code == 1


def test_money_from_a_spreadsheet_stays_exact(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rows = [[f"2栋{n:04d}室", "业主", "水费", 0.1] for n in range(1, 4)] + [["2栋0004室", "业主", "水费", 0.2]]
    assert cli("fees", "import", "2026-11", str(sheet(tmp_path / "b.xlsx", BILL, rows)), "--issue-date",
               "2026-11-01").exit_code == 0
    paid = sheet(tmp_path / "p.xlsx", PAID, [[f"2栋{n:04d}室", "水费", 0.1, "2026-11-02"] for n in range(1, 4)])
    assert cli("fees", "payments", str(paid)).exit_code == 0
    rows = as_json(cli("fees", "stats", "--month", "2026-11", "--json"))["rows"]
    assert (rows[0]["due"], rows[0]["collected"]) == ("0.50", "0.30")  # 0.1 + 0.1 + 0.1 + 0.2, not 0.5000000001


def test_a_wrong_payment_or_bill_line_is_reversed_with_its_reason_never_deleted(cli, ws: Workspace,  # type: ignore[no-untyped-def]
                                                                                 tmp_path: Path) -> None:
    assert cli("fees", "import", "2026-11", str(_bill(tmp_path)), "--issue-date", "2026-11-01").exit_code == 0
    assert cli("fees", "payments", str(_paid(tmp_path))).exit_code == 0
    chain = as_json(cli("fees", "status", "1栋0101室", "--json"))
    water = next(p for p in chain["payments"] if p["item"] == "水费")
    assert chain["arrears"] == "0.00" and not water["reversed"]
    # the cashier typed 1栋0101室's row for 1栋0103室's water payment
    r = cli("fees", "reverse", "--payment", str(water["id"]))
    assert r.exit_code == 2 and "--reason" in r.output
    r = cli("fees", "reverse", "--payment", str(water["id"]), "--reason", "房号记错，实为 1栋0103室")
    assert r.exit_code == 0 and f"已冲正第 {water['id']} 笔缴费" in r.stdout, r.output
    again = cli("fees", "reverse", "--payment", str(water["id"]), "--reason", "再冲一次")
    assert again.exit_code == 1 and "已于" in again.output and "冲正" in again.output
    # 1栋0102室's water was billed 63.00 but the meter says 58.00
    r = cli("fees", "reverse", "--bill", "2026-11", "--unit", "1栋0102室", "--item", "水费", "--amount", "58.00",
            "--reason", "水表读数抄错")
    assert r.exit_code == 0 and "63.00 元 → 58.00 元" in r.stdout, r.output
    r = cli("fees", "reverse", "--bill", "2026-11", "--unit", "1栋0102室", "--item", "电费", "--reason", "x")
    assert r.exit_code == 1 and "没有 1栋0102室 的「电费」" in r.output

    chain = as_json(cli("fees", "status", "1栋0101室", "--json"))
    assert [p["reversed"] for p in chain["payments"] if p["item"] == "水费"] == [True]  # kept, marked
    assert [(x["kind"], x["reason"]) for x in chain["reversals"]] == [("payment", "房号记错，实为 1栋0103室")]
    assert "已冲正，不计入" in cli("fees", "status", "1栋0101室").stdout
    dunned = as_json(cli("fees", "dunning", "--as-of", "2026-11-20", "--json"))["notices"]
    assert [(n["unit"], n["total"]) for n in dunned] == [("1栋0101室", "63.00"), ("1栋0102室", "58.00"),
                                                          ("1栋0103室", "383.00")]
    stats = as_json(cli("fees", "stats", "--month", "2026-11", "--json"))
    water_row = next(r for r in stats["rows"] if r["fee_type"] == "水费")
    assert (water_row["due"], water_row["collected"]) == ("184.00", "0.00")
    with Dangan.open(ws.root) as app:
        trail = [d for e in app.archive.catalogue.audit_entries() if (d := e.details or {}).get("what") == "reversal"]
    assert [(t["kind"], t["reason"]) for t in trail] == [("payment", "房号记错，实为 1栋0103室"), ("bill", "水表读数抄错")]
