"""A month simulated end to end: a few hundred entries across the registers and a billing list of 500 units
with payments, then every report and every step of the fee chain.  Each figure is checked against a
computation written here from the generated data alone (not the ledger's functions)."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

from tests.ledger_helpers import sheet

from dangan.app import Actor, Dangan, FixedClock
from dangan.config import Workspace

TZ = dt.timezone(dt.timedelta(hours=8))
T = dt.datetime
NOV_START, DEC_START = T(2026, 11, 1), T(2026, 12, 1)
SEVERITY = {"有效": ["一般", "一般", "一般", "恶性"], "无效": ["一般无效", "恶意"]}
KINDS = ["室内维修", "公共区域维修", "清洁卫生", "绿化养护", "秩序维护", "其他"]
RATE = Decimal("0.0003")


def fmt(t: T) -> str:
    return t.strftime("%Y-%m-%d %H:%M")


def some_time(rng: random.Random, start: T = NOV_START, end: T = DEC_START) -> T:
    minutes = int((end - start).total_seconds() // 60)
    return start + dt.timedelta(minutes=rng.randrange(minutes))


def complaints(rng: random.Random) -> list[dict[str, Any]]:
    out = []
    edges = [T(2026, 11, 30, 23, 50), T(2026, 11, 15, 23, 55), T(2026, 11, 1, 0, 0), T(2026, 11, 30, 23, 59)]
    for i in range(120):
        received = edges[i] if i < len(edges) else some_time(rng)
        validity = rng.choice(["有效", "有效", "无效"])
        delay = rng.choice([None, 5, 18, 29, 30, 31, 45, 70])
        row: dict[str, Any] = {
            "received_at": fmt(received), "complainant": f"业主{i}", "phone": f"138{i:08d}", "unit": f"{i % 9 + 1}栋0{i % 4 + 1}01室",
            "target": "保洁员", "facts": f"第{i}件投诉", "type": rng.choice(["服务投诉", "业务投诉"]),
            "channel": rng.choice(["电话", "聊天工具"]), "validity": validity,
            "severity": rng.choice(SEVERITY[validity]), "handler": "陈美玲"}
        if delay is not None:
            row["proposed_at"] = fmt(received + dt.timedelta(minutes=delay))
            if rng.random() < 0.7:
                row["closed_at"] = fmt(received + dt.timedelta(minutes=delay + 60))
                row["result"] = "已回复客户"
        out.append(row)
    return out


def incidents(rng: random.Random) -> list[dict[str, Any]]:
    out = []
    for i in range(60):
        reported = some_time(rng)
        due = reported + dt.timedelta(hours=rng.choice([2, 4, 24]))
        row: dict[str, Any] = {"reported_at": fmt(reported), "unit": f"{i % 6 + 1}栋{i:04d}室", "reporter": f"住户{i}",
                               "kind": rng.choice(KINDS), "content": f"报事{i}", "department": "工程维修队",
                               "due_at": fmt(due), "receiver": "陈美玲"}
        if rng.random() < 0.8:
            row["completed_at"] = fmt(due + dt.timedelta(minutes=rng.choice([-90, -10, 0, 30])))
            row["revisit"] = rng.choice(["满意", "基本满意", "不满意", "返修"])
        out.append(row)
    return out


def inspections(rng: random.Random) -> list[dict[str, Any]]:
    return [{"date": (NOV_START + dt.timedelta(days=rng.randrange(30))).date().isoformat(),
             "unit": f"{rng.randrange(1, 7)}栋{rng.randrange(1, 20):02d}01室", "contractor": "鑫宇装饰", "checked": "许可证",
             "violations": rng.choice(["无", "无", "无", "垃圾占用通道", ""]), "rectified": "是",
             "stage": rng.choice(["开工", "施工中", "施工中", "竣工验收", ""]), "inspector": "赵磊"} for _ in range(80)]


def services(rng: random.Random) -> list[dict[str, Any]]:
    return [{"received_at": fmt(some_time(rng)), "channel": "电话", "unit": "3栋1201室", "client": "张建国",
             "kind": rng.choice(["管道疏通", "家政保洁", "家电清洗", ""]), "request": "服务", "department": "工程维修队",
             "fee": str(Decimal(rng.randrange(0, 40000)) / 100), "completed": rng.choice(["是", "否"]),
             "quality": rng.choice(["优", "良", "合格", "不合格", ""]), "receiver": "陈美玲"} for _ in range(40)]


def visits(rng: random.Random) -> list[dict[str, Any]]:
    return [{"date": (NOV_START + dt.timedelta(days=rng.randrange(30))).date().isoformat(), "kind": "回访",
             "unit": f"{rng.randrange(1, 6)}栋{n:04d}室", "resident": "住户", "visitor": "刘晓燕",
             "questionnaire": rng.choice(["已发放", "已回收", "已回收", "已回收", ""]),
             "satisfaction": rng.choice(["非常满意", "满意", "基本满意", "不满意", ""])} for n in range(60)]


def signs() -> list[dict[str, Any]]:
    out = []
    for d in range(30):
        day = NOV_START + dt.timedelta(days=d)
        for r, hour in (("第一遍", 8), ("第二遍", 15)):
            out.append({"checked_at": fmt(day.replace(hour=hour)), "round": r, "sign": "全区标识", "condition": "完好",
                        "inspector": "赵磊"})
    return out


UNITS = [f"{b}栋{f:02d}{r:02d}室" for b in range(1, 6) for f in range(1, 21) for r in range(1, 6)]  # 500 units


def billing(rng: random.Random) -> list[tuple[str, str, str, Decimal]]:
    lines = []
    for u in UNITS:
        lines.append((u, f"业主{u}", "物业管理费", Decimal(rng.randrange(20000, 50000)) / 100))
        lines.append((u, f"业主{u}", "水费", Decimal(rng.randrange(1000, 12000)) / 100))
        if rng.random() < 0.1:
            lines.append((u, f"业主{u}", "特约服务费", Decimal(rng.choice([3000, 8000]))  / 100))
    return lines


def payments(rng: random.Random, lines: list[tuple[str, str, str, Decimal]]) -> list[tuple[str, str, Decimal, dt.date]]:
    out = []
    due = dt.date(2026, 11, 16)
    for unit, _, item, amount in lines:
        how = rng.choices(["full", "due_day", "late", "part", "none"], weights=[80, 5, 5, 5, 5])[0]
        if how == "none":
            continue
        paid_on = {"full": dt.date(2026, 11, rng.randrange(2, 16)), "due_day": due,
                   "late": dt.date(2026, 11, rng.randrange(17, 30)), "part": dt.date(2026, 11, 10)}[how]
        out.append((unit, item, (amount / 2).quantize(Decimal("0.01")) if how == "part" else amount, paid_on))
    return out


def test_a_month_of_the_ledger_and_the_fee_chain(ws: Workspace, tmp_path: Path) -> None:
    rng = random.Random(20261130)
    clock = FixedClock(T(2026, 12, 1, 9, 0, tzinfo=TZ))
    made = {"complaint-register": complaints(rng), "incident-register": incidents(rng),
            "renovation-inspection": inspections(rng), "special-service-register": services(rng),
            "visit-record": visits(rng), "sign-inspection": signs()}
    bill = billing(rng)
    paid = payments(rng, bill)
    with Dangan.open(ws, clock=clock, actor=Actor("陈美玲", role="clerk"), index=False) as app:
        L = app.ledger
        numbers: dict[str, list[int]] = defaultdict(list)
        for form, rows in made.items():
            for row in rows:
                numbers[form].append(L.add(form, {k: v for k, v in row.items() if v != ""}).number)
        assert sum(len(v) for v in numbers.values()) == 420
        assert all(v == list(range(1, len(v) + 1)) for v in numbers.values())

        _check_complaints(app, made["complaint-register"])
        _check_incidents(app, made["incident-register"])
        _check_renovation(app, made["renovation-inspection"])
        _check_services(app, made["special-service-register"])
        _check_repairs(app, made["complaint-register"], made["incident-register"])
        _check_fee_chain(app, tmp_path, bill, paid)
        _check_surveys(app, made["visit-record"])

        closed = L.close("complaint-register", ("month", "2026-11"))
        assert closed.entries == 120
        agenda = L.today()  # Tuesday 1 December: last week's two weekly reports are late; the rest are filed
        assert {(r.report, r.period.key, r.overdue) for r in agenda.reports} == {
            ("renovation-weekly", "2026-W48", True), ("incident-weekly", "2026-W48", True)}
        assert agenda.sign_checks is not None and agenda.sign_checks.missing == ("第一遍", "第二遍")
        assert {c.entry.number for c in agenda.complaints_overdue} == {
            n for n, r in enumerate(made["complaint-register"], start=1) if "proposed_at" not in r}
        assert app.verify(index=False).ok


def _within(row: dict[str, Any]) -> bool:
    if "proposed_at" not in row:
        return False
    delta = T.fromisoformat(row["proposed_at"]) - T.fromisoformat(row["received_at"])
    return dt.timedelta(0) <= delta <= dt.timedelta(minutes=30)


def _check_complaints(app: Any, rows: list[dict[str, Any]]) -> None:
    nov = [r for r in rows if NOV_START <= T.fromisoformat(r["received_at"]) < DEC_START]
    result = app.ledger.report("complaint-analysis", ("month", "2026-11"))
    f = result.figures
    kinds = Counter(r["type"] for r in nov)
    sev = Counter(r["severity"] for r in nov)
    assert f["total"] == len(nov) == 120
    assert (f["n_service"], f["n_business"]) == (kinds["服务投诉"], kinds["业务投诉"])
    assert (f["n_phone"], f["n_chat"]) == (sum(r["channel"] == "电话" for r in nov), sum(r["channel"] == "聊天工具" for r in nov))
    assert (f["n_malignant"], f["n_general"], f["n_general_invalid"], f["n_malicious"]) == (
        sev["恶性"], sev["一般"], sev["一般无效"], sev["恶意"])
    within = sum(_within(r) for r in nov)
    assert f["n_within_30"] == within
    assert abs(Decimal(f["within_30_rate"]) - Decimal(within * 100) / len(nov)) < Decimal("0.1")
    assert f["n_open"] == sum("closed_at" not in r for r in nov)
    assert len(result.counted["complaint-register"]) == 120
    again = app.ledger.report("complaint-analysis", ("month", "2026-11"))
    assert again.reused and again.figures == f


def _check_incidents(app: Any, rows: list[dict[str, Any]]) -> None:
    start, end = T(2026, 11, 16), T(2026, 11, 23)
    week = [r for r in rows if start <= T.fromisoformat(r["reported_at"]) < end]
    got = {r["kind"]: r for r in app.ledger.report("incident-weekly", ("week", "2026-W47")).rows}
    for kind in KINDS:
        mine = [r for r in week if r["kind"] == kind]
        assert (got[kind]["reported"], got[kind]["completed"]) == (len(mine), sum("completed_at" in r for r in mine))


def _building(unit: str) -> str:
    return unit.split("栋")[0] + "栋"


def _check_renovation(app: Any, rows: list[dict[str, Any]]) -> None:
    start, end = dt.date(2026, 11, 14), dt.date(2026, 11, 20)  # Saturday to Friday
    week = [r for r in rows if start <= dt.date.fromisoformat(r["date"]) <= end]
    got = {r["building"]: r for r in app.ledger.report("renovation-weekly", ("week", "2026-W47")).rows}
    for b in {_building(r["unit"]) for r in week}:
        mine = [r for r in week if _building(r["unit"]) == b]
        assert got[b]["inspected"] == len(mine)
        assert got[b]["in_progress"] == len({r["unit"] for r in mine})
        assert got[b]["violations"] == len({r["unit"] for r in mine if r["violations"] not in ("", "无")})
        assert got[b]["started"] == len({r["unit"] for r in mine if r["stage"] == "开工"})
        assert got[b]["accepted"] == len({r["unit"] for r in mine if r["stage"] == "竣工验收"})


def _check_services(app: Any, rows: list[dict[str, Any]]) -> None:
    result = app.ledger.report("special-service-monthly", ("month", "2026-11"))
    assert result.figures["total_requests"] == 40
    assert Decimal(result.figures["total_fee"]) == sum(Decimal(r["fee"]) for r in rows)
    assert result.figures["total_completed"] == sum(r["completed"] == "是" for r in rows)
    got = {r["kind"]: r for r in result.rows}
    for kind in {r["kind"] or "其他" for r in rows}:
        mine = [r for r in rows if (r["kind"] or "其他") == kind]
        good = [r for r in mine if r["completed"] == "是" and r["quality"] in ("优", "良", "合格")]
        assert (got[kind]["requests"], got[kind]["satisfied"]) == (len(mine), len(good))


def _check_repairs(app: Any, complaint_rows: list[dict[str, Any]], incident_rows: list[dict[str, Any]]) -> None:
    got = {r["category"]: r for r in app.ledger.report("repair-complaint-monthly", ("month", "2026-11")).rows}
    assert got["业主投诉"]["received"] == 120
    assert got["业主投诉"]["effective"] == sum("closed_at" in r for r in complaint_rows)
    assert got["业主投诉"]["on_time"] == sum(_within(r) for r in complaint_rows)
    for kind in ("室内维修", "公共区域维修"):
        mine = [r for r in incident_rows if r["kind"] == kind]
        assert got[kind]["received"] == len(mine)
        assert got[kind]["effective"] == sum("completed_at" in r and r["revisit"] not in ("不满意", "返修") for r in mine)
        assert got[kind]["on_time"] == sum("completed_at" in r and r["completed_at"] <= r["due_at"] for r in mine)


def _check_surveys(app: Any, rows: list[dict[str, Any]]) -> None:
    result = app.ledger.report("survey-return-report", ("month", "2026-11"))
    issued = [r for r in rows if r["questionnaire"] in ("已发放", "已回收")]
    assert result.figures["total_issued"] == len(issued)
    assert result.figures["total_returned"] == sum(r["questionnaire"] == "已回收" for r in issued)
    assert {r["building"]: r["households"] for r in result.rows} == {
        b: 100 for b in {_building(r["unit"]) for r in issued}}  # 100 units a building on the fee list


def _check_fee_chain(app: Any, tmp_path: Path, bill: list[tuple[str, str, str, Decimal]],
                     paid: list[tuple[str, str, Decimal, dt.date]]) -> None:
    fees = app.fees
    imported = fees.import_bills("2026-11", sheet(tmp_path / "bill.xlsx", ["房号", "业主", "项目", "金额"],
                                                  [[u, o, i, float(a)] for u, o, i, a in bill]),
                                 issue_date=dt.date(2026, 11, 1))
    assert (imported.units, imported.lines) == (len(UNITS), len(bill))
    assert Decimal(imported.total_cents) / 100 == sum(a for *_, a in bill)
    notices = fees.notices("2026-11")
    assert len(notices.notices) == len(UNITS) == len({n.archival_code for n in notices.notices})
    before_20th = [p for p in paid if p[3] <= dt.date(2026, 11, 20)]
    fees.record_payments(sheet(tmp_path / "paid1.xlsx", ["房号", "项目", "实收金额", "缴费日期"],
                               [[u, i, str(a), d.isoformat()] for u, i, a, d in before_20th]))
    owed = defaultdict(Decimal)
    got_paid = defaultdict(Decimal)
    for u, i, a, _ in before_20th:
        got_paid[(u, i)] += a
    for u, _, i, a in bill:
        if a - got_paid[(u, i)] > 0:
            owed[u] += a - got_paid[(u, i)]
    dunning = fees.dunning(dt.date(2026, 11, 20))
    assert {n.unit: Decimal(n.total_cents) / 100 for n in dunning.notices} == dict(owed)

    rest = [p for p in paid if p[3] > dt.date(2026, 11, 20)]
    fees.record_payments(sheet(tmp_path / "paid2.xlsx", ["房号", "项目", "实收金额", "缴费日期"],
                               [[u, i, str(a), d.isoformat()] for u, i, a, d in rest]))
    for u, i, a, _ in rest:
        got_paid[(u, i)] += a
    still: dict[str, list[Decimal]] = defaultdict(list)
    for u, _, i, a in bill:
        if u in owed and a - got_paid[(u, i)] > 0:
            still[u].append(a - got_paid[(u, i)])
    deadline = fees.deadline(dt.date(2026, 12, 1))
    assert {n.unit for n in deadline.notices} == set(still)
    for n in deadline.notices:  # 15 days from 16 to 1 December, each line to the fen
        fee = sum((x * RATE * 15).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP") for x in still[n.unit])
        assert Decimal(n.late_fee_cents) / 100 == fee

    stats = {r["fee_type"]: r for r in fees.stats(app.ledger.period("fee-collection-stats", ("month", "2026-11"))).rows}
    for item in ("物业管理费", "水费", "特约服务费"):
        due = sum(a for _, _, i, a in bill if i == item)
        collected = sum(min(a, got_paid[(u, i)]) for u, _, i, a in bill if i == item)
        target = 95 if item == "物业管理费" else 100
        assert (Decimal(stats[item]["due"]), Decimal(stats[item]["collected"])) == (due, collected)
        assert stats[item]["households"] == len({u for u, _, i, _ in bill if i == item})
        assert stats[item]["met"] is (collected * 100 >= target * due)
    chain = fees.status(deadline.notices[0].unit)
    assert [n.kind for n in chain.notices] == ["payment", "dunning", "deadline"]
