"""Period arithmetic (pure): weeks across months and years, Saturday weeks, quarters, half-years, the
28th–30th in February, and what a clerk may write for each."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dangan.errors import InputError
from dangan.ledger.periods import (
    SATURDAY,
    PeriodKind,
    iso_week,
    monthly_window,
    parse_period,
    period_of,
)

D = dt.date


@pytest.mark.parametrize(
    ("text", "start", "end", "label"),
    [
        ("2026-W47", D(2026, 11, 16), D(2026, 11, 22), "2026年第47周（11月16日—11月22日）"),
        ("2026-W44", D(2026, 10, 26), D(2026, 11, 1), "2026年第44周（10月26日—11月1日）"),  # across months
        ("2026-W53", D(2026, 12, 28), D(2027, 1, 3), "2026年第53周（2026年12月28日—2027年1月3日）"),  # across years
        ("2027-W01", D(2027, 1, 4), D(2027, 1, 10), "2027年第1周（1月4日—1月10日）"),
        ("2025-W01", D(2024, 12, 30), D(2025, 1, 5), "2025年第1周（2024年12月30日—2025年1月5日）"),
        ("2026-11-18", D(2026, 11, 16), D(2026, 11, 22), "2026年第47周（11月16日—11月22日）"),  # any day of it
        ("2027-01-01", D(2026, 12, 28), D(2027, 1, 3), "2026年第53周（2026年12月28日—2027年1月3日）"),
        ("2026年第47周", D(2026, 11, 16), D(2026, 11, 22), "2026年第47周（11月16日—11月22日）"),
    ],
)
def test_weeks_run_monday_to_sunday_and_cross_months_and_years(text: str, start: D, end: D, label: str) -> None:
    p = parse_period("week", text)
    assert (p.start, p.end, p.label, p.days) == (start, end, label, 7)


@pytest.mark.parametrize(
    ("text", "start", "end", "key"),
    [
        # the renovation report is due on Saturday morning: its week is the Saturday–Friday before it
        ("2026-W47", D(2026, 11, 14), D(2026, 11, 20), "2026-W47"),
        ("2026-11-21", D(2026, 11, 21), D(2026, 11, 27), "2026-W48"),  # a Saturday starts a new week
        ("2026-11-20", D(2026, 11, 14), D(2026, 11, 20), "2026-W47"),
        ("2026-W53", D(2026, 12, 26), D(2027, 1, 1), "2026-W53"),  # across the year
        ("2027-W01", D(2027, 1, 2), D(2027, 1, 8), "2027-W01"),
        ("2026-W44", D(2026, 10, 24), D(2026, 10, 30), "2026-W44"),
    ],
)
def test_saturday_weeks_end_on_the_friday_of_their_iso_week(text: str, start: D, end: D, key: str) -> None:
    p = parse_period("week", text, week_start=SATURDAY)
    assert (p.start, p.end, p.key) == (start, end, key)
    assert p.start.weekday() == SATURDAY and p.end.weekday() == 4


@pytest.mark.parametrize(
    ("kind", "text", "start", "end", "label", "key"),
    [
        ("month", "2026-11", D(2026, 11, 1), D(2026, 11, 30), "2026年11月", "2026-11"),
        ("month", "2028-02", D(2028, 2, 1), D(2028, 2, 29), "2028年2月", "2028-02"),  # leap year
        ("month", "2027年2月", D(2027, 2, 1), D(2027, 2, 28), "2027年2月", "2027-02"),
        ("month", "2026/12", D(2026, 12, 1), D(2026, 12, 31), "2026年12月", "2026-12"),
        ("month", "2026-11-18", D(2026, 11, 1), D(2026, 11, 30), "2026年11月", "2026-11"),
        ("quarter", "2026-Q4", D(2026, 10, 1), D(2026, 12, 31), "2026年第四季度", "2026-Q4"),
        ("quarter", "2028Q1", D(2028, 1, 1), D(2028, 3, 31), "2028年第一季度", "2028-Q1"),
        ("quarter", "2026年第二季度", D(2026, 4, 1), D(2026, 6, 30), "2026年第二季度", "2026-Q2"),
        ("quarter", "2026-08-15", D(2026, 7, 1), D(2026, 9, 30), "2026年第三季度", "2026-Q3"),
        ("half", "2026-H1", D(2026, 1, 1), D(2026, 6, 30), "2026年上半年", "2026-H1"),
        ("half", "2026年下半年", D(2026, 7, 1), D(2026, 12, 31), "2026年下半年", "2026-H2"),
        ("year", "2026", D(2026, 1, 1), D(2026, 12, 31), "2026年", "2026"),
        ("day", "2026-11-04", D(2026, 11, 4), D(2026, 11, 4), "2026年11月4日", "2026-11-04"),
        ("day", "20261104", D(2026, 11, 4), D(2026, 11, 4), "2026年11月4日", "2026-11-04"),
    ],
)
def test_months_quarters_halves_years_and_days(kind: str, text: str, start: D, end: D, label: str, key: str) -> None:
    p = parse_period(kind, text)
    assert (p.start, p.end, p.label, p.key) == (start, end, label, key)


def test_a_quarter_knows_its_months() -> None:
    assert parse_period("quarter", "2026-Q4").months() == ["2026-10", "2026-11", "2026-12"]
    assert parse_period("year", "2026").months()[-1] == "2026-12"
    assert parse_period("week", "2026-W53").months() == ["2026-12", "2027-01"]


@pytest.mark.parametrize(
    ("kind", "text"),
    [("month", "2026-13"), ("month", "十一月"), ("week", "2026-W54"), ("week", "2027-W53"), ("quarter", "2026-Q5"),
     ("half", "2026-H3"), ("year", "26"), ("day", "2026-02-30"), ("month", "0000-01")],
)
def test_a_period_that_does_not_exist_is_refused_naming_the_option(kind: str, text: str) -> None:
    with pytest.raises(InputError) as e:
        parse_period(kind, text)
    assert e.value.field == f"--{kind}" and "应写成" in str(e.value)


@pytest.mark.parametrize(
    ("year", "month", "first", "last"),
    [(2026, 11, 28, 30), (2027, 2, 28, 28), (2028, 2, 28, 29), (2026, 12, 28, 30), (2026, 4, 28, 30)],
)
def test_the_28th_to_30th_is_cut_at_the_end_of_february(year: int, month: int, first: int, last: int) -> None:
    assert monthly_window(year, month, 28, 30) == (D(year, month, first), D(year, month, last))


DAYS = st.dates(min_value=D(1990, 1, 1), max_value=D(2100, 12, 31))


@given(DAYS, st.sampled_from(list(PeriodKind)), st.sampled_from([0, SATURDAY]))
def test_every_day_lies_in_exactly_one_period_of_each_kind(day: D, kind: PeriodKind, week_start: int) -> None:
    p = period_of(kind, day, week_start=week_start)
    assert p.contains(day)
    assert p.next().start == p.end + dt.timedelta(days=1) and p.previous().end == p.start - dt.timedelta(days=1)
    assert parse_period(kind, p.key, week_start=week_start) == p  # the key names the period again
    lo, hi = p.bounds()
    assert lo == dt.datetime.combine(p.start, dt.time()) and hi - lo == dt.timedelta(days=p.days)
    if kind is PeriodKind.WEEK:
        assert p.days == 7 and p.start.weekday() == week_start


@given(st.integers(1990, 2100), st.integers(1, 53))
def test_iso_week_numbers_match_the_calendar(year: int, week: int) -> None:
    try:
        p = iso_week(year, week)
    except ValueError:
        assert week == 53
        return
    assert p.start.isocalendar()[:2] == (year, week) and p.key == f"{year}-W{week:02d}"
