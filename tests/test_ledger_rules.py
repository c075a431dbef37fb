"""The ledger's rules (pure): the 30-minute clock (第三篇 第十六条) across midnight, month and year ends;
what is due when (the Saturday report, month ends, the 28th–30th); sign checks twice a day; the reports'
counting."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dangan.ledger import complaints, reports, schedule
from dangan.ledger.complaints import Answer
from dangan.ledger.periods import SATURDAY, parse_period

T = dt.datetime


@pytest.mark.parametrize(
    ("received", "proposed", "answer", "minutes"),
    [
        (T(2026, 11, 4, 9, 12), T(2026, 11, 4, 9, 30), Answer.IN_TIME, 18),
        (T(2026, 11, 4, 9, 12), T(2026, 11, 4, 9, 42), Answer.IN_TIME, 30),  # exactly 30 minutes is within
        (T(2026, 11, 4, 9, 12), T(2026, 11, 4, 9, 43), Answer.LATE, 31),
        (T(2026, 11, 4, 9, 12), T(2026, 11, 4, 9, 42, 1), Answer.LATE, 30),  # 30 min 1 s is late
        (T(2026, 11, 4, 23, 50), T(2026, 11, 5, 0, 15), Answer.IN_TIME, 25),  # across midnight
        (T(2026, 11, 4, 23, 50), T(2026, 11, 5, 0, 21), Answer.LATE, 31),
        (T(2026, 11, 30, 23, 45), T(2026, 12, 1, 0, 15), Answer.IN_TIME, 30),  # across a month end
        (T(2026, 11, 30, 23, 45), T(2026, 12, 1, 0, 16), Answer.LATE, 31),
        (T(2026, 12, 31, 23, 59), T(2027, 1, 1, 0, 29), Answer.IN_TIME, 30),  # across a year end
        (T(2028, 2, 28, 23, 50), T(2028, 2, 29, 0, 10), Answer.IN_TIME, 20),  # into a leap day
        (T(2027, 2, 28, 23, 50), T(2027, 3, 1, 0, 20), Answer.IN_TIME, 30),  # February into March (no leap day)
        (T(2027, 2, 28, 23, 50), T(2027, 3, 1, 0, 25), Answer.LATE, 35),
        (T(2026, 11, 4, 9, 12), T(2026, 11, 4, 9, 0), Answer.LATE, -12),  # before it was received: never "in time"
    ],
)
def test_the_30_minute_rule_on_proposed_solutions(received: T, proposed: T, answer: Answer, minutes: int) -> None:
    now = T(2027, 6, 1)
    assert complaints.answer(received, proposed, now) is answer
    assert complaints.minutes_taken(received, proposed, now) == minutes


@pytest.mark.parametrize(
    ("received", "now", "answer"),
    [
        (T(2026, 11, 30, 23, 45), T(2026, 12, 1, 0, 15), Answer.WAITING),  # the deadline itself: still waiting
        (T(2026, 11, 30, 23, 45), T(2026, 12, 1, 0, 15, 1), Answer.OVERDUE),
        (T(2026, 12, 31, 23, 40), T(2027, 1, 1, 0, 5), Answer.WAITING),
        (T(2026, 12, 31, 23, 40), T(2027, 1, 1, 0, 11), Answer.OVERDUE),
        (T(2026, 11, 4, 9, 12), T(2026, 11, 4, 9, 12), Answer.WAITING),
    ],
)
def test_a_complaint_without_a_solution_is_overdue_after_30_minutes(received: T, now: T, answer: Answer) -> None:
    assert complaints.answer(received, None, now) is answer
    assert complaints.deadline(received) == received + dt.timedelta(minutes=30)


def test_a_complaint_needs_attention_until_it_is_closed() -> None:
    base = {"received_at": T(2026, 11, 4, 9, 12), "proposed_at": T(2026, 11, 4, 9, 30)}
    now = T(2026, 12, 1, 9, 0)
    assert complaints.state(1, base, now).needs_attention  # in time, but not closed
    closed = complaints.state(1, {**base, "closed_at": T(2026, 11, 5, 10, 0)}, now)
    assert not closed.needs_attention and closed.in_time and not closed.open


@given(st.datetimes(min_value=T(2020, 1, 1), max_value=T(2030, 12, 31)), st.integers(0, 24 * 60 * 60 * 3))
def test_the_clock_agrees_with_the_forms_rule(received: T, seconds: int) -> None:
    from dangan.forms.derive import fn_within_minutes

    proposed = received + dt.timedelta(seconds=seconds)
    in_time = complaints.answer(received, proposed, proposed) is Answer.IN_TIME
    assert in_time is fn_within_minutes(received, proposed, 30) is (seconds <= 1800)


# -- what is due ---------------------------------------------------------------------------------------

D = dt.date
SINCE = {"renovation-inspection": D(2026, 11, 1), "complaint-register": D(2026, 11, 1),
         "special-service-register": D(2026, 11, 1), "incident-register": D(2026, 11, 1)}


def due(today: D, *, filed: set[tuple[str, str]] = frozenset(), since: dict[str, D] = SINCE,  # type: ignore[assignment]
        report: str | None = None) -> list[tuple[str, str, bool]]:
    found = schedule.reports_due(today, filed=filed, since=since)
    return [(r.report, r.period.key, r.overdue) for r in found if report is None or r.report == report]


def test_the_renovation_report_is_due_on_saturday_for_the_week_before() -> None:
    # Saturday 21 November: the week Saturday 14 – Friday 20 is due; the week before it is overdue
    assert due(D(2026, 11, 21), report="renovation-weekly") == [
        ("renovation-weekly", "2026-W46", True), ("renovation-weekly", "2026-W47", False)]
    assert due(D(2026, 11, 21), report="renovation-weekly", filed={("renovation-weekly", "2026-W46")}) == [
        ("renovation-weekly", "2026-W47", False)]
    # Friday 20: this week's is not due yet
    assert ("renovation-weekly", "2026-W47", False) not in due(D(2026, 11, 20), report="renovation-weekly")
    # Sunday 22: still listed, now overdue
    assert ("renovation-weekly", "2026-W47", True) in due(D(2026, 11, 22), report="renovation-weekly")


def test_the_complaint_analysis_is_due_at_the_end_of_the_month() -> None:
    assert due(D(2026, 11, 29), report="complaint-analysis") == []
    assert due(D(2026, 11, 30), report="complaint-analysis") == [("complaint-analysis", "2026-11", False)]
    assert due(D(2026, 12, 1), report="complaint-analysis") == [("complaint-analysis", "2026-11", True)]
    assert due(D(2026, 12, 1), report="complaint-analysis", filed={("complaint-analysis", "2026-11")}) == []


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (D(2026, 11, 27), []),
        (D(2026, 11, 28), [("special-service-monthly", "2026-11", False)]),
        (D(2026, 11, 30), [("special-service-monthly", "2026-11", False)]),
        (D(2026, 12, 1), [("special-service-monthly", "2026-11", True)]),
        (D(2027, 2, 28), [("special-service-monthly", "2027-01", True), ("special-service-monthly", "2027-02", False)]),
        (D(2027, 3, 1), [("special-service-monthly", "2027-01", True), ("special-service-monthly", "2027-02", True)]),
        (D(2028, 2, 29), [("special-service-monthly", "2028-01", True), ("special-service-monthly", "2028-02", False)]),
        (D(2028, 3, 1), [("special-service-monthly", "2028-01", True), ("special-service-monthly", "2028-02", True)]),
    ],
)
def test_special_service_statistics_are_due_on_the_28th_to_30th(today: D, expected: list[tuple[str, str, bool]]
                                                                  ) -> None:
    assert due(today, report="special-service-monthly") == expected


def test_nothing_is_due_for_a_register_not_in_use_nor_before_it_was() -> None:
    assert due(D(2026, 12, 1), since={}) == []
    late_start = {"complaint-register": D(2026, 12, 1)}
    assert due(D(2026, 12, 1), since=late_start) == []  # November ended before the register was used
    assert due(D(2026, 12, 31), since=late_start) == [("complaint-analysis", "2026-12", False),
                                                       ("repair-complaint-monthly", "2026-12", False)]


def test_signs_are_checked_twice_a_day() -> None:
    day = D(2026, 11, 24)
    assert schedule.sign_checks(day, []).missing == ("第一遍", "第二遍")
    one = schedule.sign_checks(day, [(7, "第一遍"), (8, "第一遍")])
    assert one.missing == ("第二遍",) and one.entries == (7, 8)
    assert schedule.sign_checks(day, [(7, "第二遍"), (9, "第一遍")]).missing == ()


# -- what the reports count ------------------------------------------------------------------------------

NOV = parse_period("month", "2026-11")


def complaint(received: T, proposed: T | None, *, closed: T | None = None, **kw: str) -> dict[str, object]:
    return {"received_at": received, "proposed_at": proposed, "closed_at": closed, "facts": "噪音", "type": "服务投诉",
            "channel": "电话", "validity": "有效", "severity": "一般", **kw}


def test_the_complaint_analysis_lists_every_case_with_its_answer_and_numbers() -> None:
    entries = [(3, complaint(T(2026, 11, 18, 15, 40), T(2026, 11, 18, 16, 32))),
               (1, complaint(T(2026, 11, 4, 9, 12), T(2026, 11, 4, 9, 30), closed=T(2026, 11, 5, 10, 0),
                             result="已回复")),
               (2, complaint(T(2026, 11, 30, 23, 50), None, escalation="已上报"))]
    c = reports.complaint_analysis(entries, NOV)
    assert [x["number"] for x in c.data["cases"]] == ["1", "3", "2"]  # by time received
    assert [x["closed"] for x in c.data["cases"]] == [True, False, False]
    assert [x["status"] for x in c.data["cases"]] == ["已回复", "处理中", "已上报"]
    assert c.counted == {"complaint-register": (1, 2, 3)}


def _month(n: int) -> list[tuple[int, dict[str, object]]]:
    """``n`` complaints in November: every 7th answered late, every 11th open, every 13th 恶性, every 5th
    a 业务/聊天工具/无效 one, one never answered."""
    out = []
    for i in range(1, n + 1):
        received = T(2026, 11, 1 + i % 28, 8 + i % 12, i % 60)
        proposed = None if i == 40 else received + dt.timedelta(minutes=45 if i % 7 == 0 else 10)
        kw: dict[str, str] = {"severity": "恶性"} if i % 13 == 0 else {}
        if i % 5 == 0:
            kw = {"type": "业务投诉", "channel": "聊天工具", "validity": "无效",
                  "severity": "恶意" if i % 2 else "一般无效"}
        out.append((i, complaint(received, proposed, closed=None if i % 11 == 0 else received + dt.timedelta(hours=3),
                                 **kw)))
    return out


@pytest.mark.parametrize("n", [3, reports.LIST_ALL, reports.LIST_ALL + 1, 400])
def test_the_analysis_figures_are_the_forms_own_count_of_every_case(n: int) -> None:
    """The ledger counts the month itself; the figures are what the report form derives from a list of every
    case (the way a centre without the ledger makes it), and the rate is the form's."""
    from dangan.forms.catalog import load_form
    from dangan.forms.validate import derive_values, validate_data

    form = load_form(None, "complaint-analysis")
    entries = _month(n)
    every = {"month": "2026年11月", "preparer": "陈美玲", "report_date": "2026-12-01",
             "cases": [reports.case_row(k, v) for k, v in entries]}
    by_form = derive_values(form, validate_data(form, every), {})
    computed = reports.complaint_analysis(entries, NOV).data
    given = derive_values(form, validate_data(form, {**every, **computed}), {})
    figures = ["total", *reports.COMPLAINT_COUNTS, "n_within_30", "n_open", "within_30_rate"]
    assert {f: given[f] for f in figures} == {f: by_form[f] for f in figures}
    assert given["total"] == n and given["n_open"] == n // 11


def test_a_big_month_lists_only_the_cases_needing_attention() -> None:
    entries = _month(400)
    listed = [int(c["number"]) for c in reports.complaint_analysis(entries, NOV).data["cases"]]
    attention = [i for i in range(1, 401) if i % 7 == 0 or i % 11 == 0 or (i % 13 == 0 and i % 5) or i == 40]
    assert sorted(listed) == attention
    assert reports.complaint_analysis(entries, NOV).counted == {"complaint-register": tuple(range(1, 401))}
    small = reports.complaint_analysis(entries[:reports.LIST_ALL], NOV).data["cases"]
    assert len(small) == reports.LIST_ALL  # a small month lists every case


def test_repairs_are_effective_when_done_and_not_judged_bad_and_on_time_by_the_time_required() -> None:
    inc = [(1, {"kind": "室内维修", "completed_at": T(2026, 11, 16, 11), "due_at": T(2026, 11, 16, 12), "revisit": "满意"}),
           (2, {"kind": "室内维修", "completed_at": T(2026, 11, 16, 13), "due_at": T(2026, 11, 16, 12), "revisit": "返修"}),
           (3, {"kind": "公共区域维修", "completed_at": None, "due_at": T(2026, 11, 18, 12), "revisit": None}),
           (4, {"kind": "清洁卫生", "completed_at": T(2026, 11, 19, 9), "due_at": T(2026, 11, 19, 10), "revisit": None})]
    comp = [(1, complaint(T(2026, 11, 4, 9, 12), T(2026, 11, 4, 9, 30), closed=T(2026, 11, 5))),
            (2, complaint(T(2026, 11, 5, 9, 0), T(2026, 11, 5, 10, 0)))]
    rows = {r["category"]: r for r in reports.repair_complaint_monthly(comp, inc, NOV).data["rows"]}
    assert rows["业主投诉"] == {"category": "业主投诉", "received": 2, "effective": 1, "on_time": 1}
    assert rows["室内维修"] == {"category": "室内维修", "received": 2, "effective": 1, "on_time": 1}
    assert rows["公共区域维修"] == {"category": "公共区域维修", "received": 1, "effective": 0, "on_time": 0}
    assert "清洁卫生" not in rows


def test_the_renovation_week_counts_units_per_building() -> None:
    week = parse_period("week", "2026-W47", week_start=SATURDAY)
    entries = [(1, {"unit": "3栋1201室", "violations": "无", "stage": "开工"}),
               (2, {"unit": "3栋1201室", "violations": "", "stage": "施工中"}),
               (3, {"unit": "5栋1502室", "violations": "拆除承重墙", "stage": None}),
               (4, {"unit": "12栋0101室", "violations": None, "stage": "竣工验收"}),
               (5, {"unit": "5栋1502室", "violations": "拆除承重墙", "stage": None})]
    rows = reports.renovation_weekly(entries, week).data["rows"]
    assert [r["building"] for r in rows] == ["3栋", "5栋", "12栋"]  # in building order, not text order
    assert [(r["in_progress"], r["started"], r["inspected"], r["violations"], r["accepted"]) for r in rows] == [
        (1, 1, 2, 0, 0), (1, 0, 2, 1, 0), (1, 0, 1, 0, 1)]
    assert rows[1]["note"] == "违规：5栋1502室"


def test_special_services_by_kind_and_surveys_by_building() -> None:
    ss = [(1, {"kind": "管道疏通", "completed": True, "quality": "优", "fee": Decimal("80.00")}),
          (2, {"kind": "管道疏通", "completed": True, "quality": "不合格", "fee": Decimal("80.00")}),
          (3, {"kind": None, "completed": False, "quality": None, "fee": None})]
    rows = reports.special_service_monthly(ss, NOV).data["rows"]
    assert rows == [{"kind": "管道疏通", "requests": 2, "completed": 2, "satisfied": 1, "fee": "160.00"},
                    {"kind": "其他", "requests": 1, "completed": 0, "satisfied": 0, "fee": "0.00"}]
    visits = [(1, {"unit": "1栋0101室", "questionnaire": "已回收", "satisfaction": "满意", "date": D(2026, 11, 3)}),
              (2, {"unit": "1栋0102室", "questionnaire": "已发放", "satisfaction": None, "date": D(2026, 11, 2)}),
              (3, {"unit": "2栋0101室", "questionnaire": "已回收", "satisfaction": "不满意", "date": D(2026, 11, 5)}),
              (4, {"unit": "2栋0102室", "questionnaire": None, "satisfaction": "满意", "date": D(2026, 11, 5)})]
    s = reports.survey_return(visits, NOV, {"1栋": 96})
    assert s.data["rows"] == [{"building": "1栋", "households": 96, "issued": 2, "returned": 1, "satisfied": 1},
                              {"building": "2栋", "households": 1, "issued": 1, "returned": 1, "satisfied": 0}]
    assert s.data["issue_date"] == "2026-11-02" and s.counted == {"visit-record": (1, 2, 3)}


@pytest.mark.parametrize(
    ("values", "problems"),
    [
        ({"received_at": T(2026, 12, 1, 9, 5)}, []),  # within the front desk clock's 5 minutes
        ({"received_at": T(2026, 12, 1, 9, 5, 1)}, ["received_at"]),
        ({"received_at": T(2026, 11, 30, 23, 50), "proposed_at": T(2026, 12, 1, 0, 10)}, []),  # across midnight
        ({"received_at": T(2026, 11, 30, 23, 50), "proposed_at": T(2026, 11, 30, 23, 49)}, ["proposed_at"]),
        ({"received_at": T(2026, 11, 30, 23, 50), "proposed_at": T(2026, 11, 30, 23, 50)}, []),
        ({"received_at": T(2026, 11, 30, 8, 0), "closed_at": T(2026, 12, 2, 8, 0)}, ["closed_at"]),
        ({"received_at": T(2026, 12, 1, 10, 0), "proposed_at": T(2026, 12, 1, 9, 0)}, ["received_at", "proposed_at"]),
    ],
)
def test_times_that_happened_are_not_in_the_future_nor_before_the_entry(values: dict, problems: list[str]) -> None:
    from dangan.forms.catalog import load_form
    from dangan.ledger.registers import register_of, time_problems

    reg = register_of(load_form(None, "complaint-register"))
    now = T(2026, 12, 1, 9, 0)
    assert [fid for fid, _ in time_problems(reg, {"proposed_at": None, "closed_at": None, **values}, now)] == problems
