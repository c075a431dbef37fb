"""Closing a period: the register sheet rendered from its entries and filed, the entries frozen, later
corrections and late entries filed as a 登记更正单 with the next close, and what was filed stays true."""

from __future__ import annotations

import hashlib
from pathlib import Path

import yaml
from tests.ledger_helpers import add, add_complaint, as_json, flat, pdf_text

from dangan.config import Workspace


def _sha(ws: Workspace, record: dict) -> str:  # type: ignore[type-arg]
    return hashlib.sha256((ws.root / "archive" / record["path"]).read_bytes()).hexdigest()


def test_a_month_is_closed_once_and_later_corrections_go_with_the_next_close(cli, ws: Workspace) -> None:  # type: ignore[no-untyped-def]
    first = add_complaint(cli, "2026-11-04 09:12", complainant="马丽娟", phone="13512345678")
    add_complaint(cli, "2026-11-18 15:40", complainant="郑晓东", proposed_at="2026-11-18 16:32")
    add_complaint(cli, "2026-12-01 08:00", complainant="欧阳喆")
    closed = as_json(cli("register", "close", "complaint-register", "--month", "2026-11", "--json"))
    assert closed["entries"] == 2 and closed["amendment_code"] is None
    sheet = as_json(cli("archive", "show", closed["archival_code"], "--json"))
    assert sheet["category"] == "TS" and "2026年11月" in sheet["title"]
    text = pdf_text(ws.root, sheet)
    assert "马丽娟" in text and "郑晓东" in text and "欧阳喆" not in text
    assert "135****5678" in text and "13512345678" not in text
    filed_hash = _sha(ws, sheet)
    entries = {e["number"]: e for e in as_json(cli("register", "list", "complaint-register", "--json"))["entries"]}
    assert entries[first]["frozen"] and entries[first]["closed_in"] == "2026-11" and not entries[3]["frozen"]

    r = cli("register", "close", "complaint-register", "--month", "2026-11")
    assert r.exit_code == 1 and "已于" in r.output  # once
    r = cli("register", "close", "complaint-register", "--day", "2026-11-04")
    assert r.exit_code == 1 and "重叠" in r.output

    r = cli("register", "update", "complaint-register", str(first), "--set", "proposed_at=2026-11-04 09:30",
            "--set", "closed_at=2026-11-05 10:00", "--reason", "补记处理结果")
    assert r.exit_code == 0 and "更正单" in r.stdout
    r = cli("register", "add", "complaint-register", "--set", "received_at=2026-11-30 21:40", "--set", "complainant=吴桂兰",
            *[x for k, v in {"target": "门岗", "facts": "夜间噪音", "type": "服务投诉", "channel": "电话", "validity": "有效",
                             "severity": "一般", "handler": "孙丽华"}.items() for x in ("--set", f"{k}={v}")],
            "--reason", "夜班漏登")
    assert r.exit_code == 0 and "补登" in r.stdout
    late = int(r.stdout.strip().splitlines()[-1])
    history = as_json(cli("register", "show", "complaint-register", str(first), "--json"))["history"]
    assert history[-1]["amends"] == "2026-11" and history[-1]["filed_in"] is None

    december = as_json(cli("register", "close", "complaint-register", "--month", "2026-12", "--json"))
    assert december["entries"] == 1 and december["amendments"] == 2 and december["amendment_code"]
    amendment = as_json(cli("archive", "show", december["amendment_code"], "--json"))
    assert amendment["category"] == "TS" and "登记更正单" in amendment["title"]
    text = flat(pdf_text(ws.root, amendment))
    assert closed["archival_code"] in text and "2026年11月" in text and "补记处理结果" in text and "夜班漏登" in text and "补登" in text
    assert "结案时间" in text and "吴桂兰" in text
    assert _sha(ws, as_json(cli("archive", "show", closed["archival_code"], "--json"))) == filed_hash  # unchanged
    history = as_json(cli("register", "show", "complaint-register", str(first), "--json"))["history"]
    assert history[-1]["filed_in"] == december["amendment_code"]
    late_entry = as_json(cli("register", "show", "complaint-register", str(late), "--json"))
    assert late_entry["closed_in"] == "2026-11"  # it belongs to November, frozen with it


def test_a_period_not_begun_or_without_entries_is_not_closed(cli) -> None:  # type: ignore[no-untyped-def]
    r = cli("register", "close", "complaint-register", "--month", "2027-01")
    assert r.exit_code == 1 and "还没有开始" in r.output
    r = cli("register", "close", "complaint-register", "--month", "2026-10")
    assert r.exit_code == 1 and "没有" in r.output


def test_a_days_rounds_close_into_one_sheet_with_its_header(cli, ws: Workspace) -> None:  # type: ignore[no-untyped-def]
    sign = {"sign": "楼栋号", "condition": "完好", "inspector": "赵磊"}
    add(cli, "sign-inspection", checked_at="2026-11-24 08:40", round="第一遍", **sign)
    add(cli, "sign-inspection", checked_at="2026-11-24 15:10", round="第二遍", **sign)
    add(cli, "sign-inspection", checked_at="2026-11-25 08:35", round="第一遍", **sign)
    got = as_json(cli("register", "close", "sign-inspection", "--day", "2026-11-24", "--set", "area=翠湖苑一期",
                      "--set", "reviewer=刘晓燕", "--json"))
    assert got["entries"] == 2
    record = as_json(cli("archive", "show", got["archival_code"], "--json"))
    text = pdf_text(ws.root, record)
    assert record["category"] == "XJ" and "翠湖苑一期" in text and "刘晓燕" in text and "第二遍" in text
    r = cli("register", "close", "sign-inspection", "--day", "2026-11-25", "--set", "color=红")
    assert r.exit_code == 1 and "color" in r.output


def test_front_desk_logs_close_by_day_one_document_per_handover(cli, ws: Workspace, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    for shift, at, by in (("早班", "14:00", "陈美玲"), ("中班", "22:00", "孙丽华")):
        path = tmp_path / f"{shift}.yaml"
        path.write_text(yaml.safe_dump({"date": "2026-11-30", "shift": shift, "handover_at": f"2026-11-30 {at}",
                                        "handed_by": by, "received_by": "值班员", "notes": f"{shift}交接"},
                                       allow_unicode=True), encoding="utf-8")
        assert cli("register", "add", "front-desk-log", "--data", str(path)).exit_code == 0
    got = as_json(cli("register", "close", "front-desk-log", "--day", "2026-11-30", "--json"))
    assert got["entries"] == 2 and len(got["archival_codes"]) == 2
    texts = [pdf_text(ws.root, as_json(cli("archive", "show", c, "--json"))) for c in got["archival_codes"]]
    assert "早班交接" in texts[0] and "中班交接" in texts[1]
