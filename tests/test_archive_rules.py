"""Retention arithmetic, archival codes and the file plan: tables of cases and properties."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dangan.archive.codes import format_code, parse_code
from dangan.archive.plan import build_plan
from dangan.archive.retention import (
    check_extension,
    effective_period,
    expiry_date,
    is_expired,
    parse_period,
    period_label,
    period_start,
    shorter_than_minimum,
)
from dangan.errors import ArchiveError, ConfigError


@pytest.mark.parametrize(
    ("year", "period", "expiry"),
    [
        (2026, "D10", dt.date(2037, 1, 1)),  # DOMAIN.md §2 example
        (2010, "D10", dt.date(2021, 1, 1)),
        (2026, "D30", dt.date(2057, 1, 1)),
        (2026, "D15", dt.date(2042, 1, 1)),
        (1999, "D1", dt.date(2001, 1, 1)),
        (2026, "Y", None),
    ],
)
def test_expiry_dates(year: int, period: str, expiry: dt.date | None) -> None:
    assert expiry_date(year, period) == expiry


@pytest.mark.parametrize(
    ("year", "period", "as_of", "expired"),
    [
        (2026, "D10", dt.date(2036, 12, 31), False),
        (2026, "D10", dt.date(2037, 1, 1), True),
        (2010, "D10", dt.date(2026, 6, 1), True),
        (2010, "D30", dt.date(2026, 6, 1), False),
        (1900, "Y", dt.date(2999, 1, 1), False),
    ],
)
def test_is_expired(year: int, period: str, as_of: dt.date, expired: bool) -> None:
    assert is_expired(year, period, as_of) is expired


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [("Y", "Y"), ("y", "Y"), ("永久", "Y"), ("D30", "D30"), ("d10", "D10"), ("30", "D30"), (15, "D15"), (" 20 ", "D20")],
)
def test_parse_period(raw: str | int, canonical: str) -> None:
    assert parse_period(raw) == canonical


@pytest.mark.parametrize("bad", ["", "D0", "X10", "D-5", 0, -3, "D1000", True, "10年"])
def test_parse_period_rejects(bad: str | int) -> None:
    with pytest.raises(ConfigError):
        parse_period(bad)


@pytest.mark.parametrize(
    ("current", "target", "allowed"),
    [("D10", "D30", True), ("D10", "Y", True), ("D10", "D15", True), ("D30", "D10", False),
     ("D10", "D10", False), ("Y", "D30", False), ("Y", "Y", False)],
)
def test_extension_only_lengthens(current: str, target: str, allowed: bool) -> None:
    assert (check_extension(current, target) is None) is allowed


@pytest.mark.parametrize(
    ("filed", "plan", "effective"),
    [("D10", "D30", "D30"), ("D30", "D10", "D30"), ("Y", "D10", "Y"), ("D10", None, "D10"), ("D15", "D10", "D15")],
)
def test_changing_the_plan_never_shortens_filed_records(filed: str, plan: str | None, effective: str) -> None:
    assert effective_period(filed, plan) == effective


def test_period_labels() -> None:
    assert [period_label(p) for p in ("Y", "D30", "D10", "D15")] == ["永久", "定期30年", "定期10年", "定期15年"]
    assert period_start(2026) == dt.date(2027, 1, 1)


periods = st.one_of(st.just("Y"), st.integers(min_value=1, max_value=999).map(lambda n: f"D{n}"))


@given(year=st.integers(min_value=1000, max_value=8000), period=periods, days=st.integers(-400, 400))
def test_expiry_property(year: int, period: str, days: int) -> None:
    """Expiry is 1 January, after the period start, and exactly the boundary of is_expired."""
    expiry = expiry_date(year, period)
    if expiry is None:
        assert not is_expired(year, period, dt.date(9999, 12, 31))
        return
    assert (expiry.month, expiry.day) == (1, 1)
    assert expiry > period_start(year) - dt.timedelta(days=1)
    as_of = expiry + dt.timedelta(days=days)
    assert is_expired(year, period, as_of) is (days >= 0)


@given(a=periods, b=periods)
def test_effective_period_property(a: str, b: str) -> None:
    eff = effective_period(a, b)
    assert eff in (a, b)
    assert check_extension(eff, a) is not None  # never shorter than what was filed
    assert not shorter_than_minimum(eff, b)


@pytest.mark.parametrize(
    ("parts", "code"),
    [
        (("Z001", 2026, "D10", "TS", 7), "Z001-2026-D10-TS-0007"),
        (("Z001", 2010, "Y", "XH", 1), "Z001-2010-Y-XH-0001"),
        (("A1", 2026, "D15", "WX2", 9999), "A1-2026-D15-WX2-9999"),
    ],
)
def test_format_and_parse_codes(parts: tuple, code: str) -> None:
    assert format_code(*parts) == code
    c = parse_code(code)
    assert (c.fonds, c.year, c.period, c.category, c.seq) == parts


@pytest.mark.parametrize(
    "parts",
    [("Z-1", 2026, "D10", "TS", 1), ("Z001", 26, "D10", "TS", 1), ("Z001", 2026, "D10", "ts", 1),
     ("Z001", 2026, "D10", "TS", 0), ("Z001", 2026, "D10", "TS", 10000), ("Z001", 2026, "X", "TS", 1)],
)
def test_format_code_rejects(parts: tuple) -> None:
    with pytest.raises(ArchiveError):
        format_code(*parts)


@pytest.mark.parametrize("bad", ["", "Z001-2026-D10-TS-7", "Z001-2026-D10-TS", "Z001/2026/D10/TS/0007"])
def test_parse_code_rejects(bad: str) -> None:
    with pytest.raises(ArchiveError, match="档号格式"):
        parse_code(bad)


@given(
    fonds=st.from_regex(r"[A-Za-z0-9]{1,16}", fullmatch=True),
    year=st.integers(1000, 9999),
    period=periods,
    category=st.from_regex(r"[A-Z][A-Z0-9]{0,7}", fullmatch=True),
    seq=st.integers(1, 9999),
)
def test_code_round_trip(fonds: str, year: int, period: str, category: str, seq: int) -> None:
    code = format_code(fonds, year, period, category, seq)
    assert str(parse_code(code)) == code
    assert parse_code(code).seq == seq


def test_default_plan_has_the_fixed_codes() -> None:
    plan = build_plan([])
    table = {c.code: (c.name, c.period) for c in plan.categories}
    assert table["YH"] == ("业户资料", "Y")
    assert table["SF"] == ("收费管理", "D30")
    assert table["TS"] == ("投诉处理", "D10")
    assert table["XH"] == ("档案销毁清册", "Y")
    assert table["DA"] == ("档案管理", "Y")  # the archive's own reports and registers, kept permanently
    assert len(table) == 18
    assert plan.warnings == ()


def test_plan_overrides_extends_and_warns() -> None:
    plan = build_plan([
        {"code": "TS", "name": "投诉处理", "period": "D30", "contents": ""},
        {"code": "SF", "name": "收费管理", "period": 5, "contents": ""},
        {"code": "HT", "name": "合同", "period": 15, "contents": ""},
        {"code": "XH", "name": "档案销毁清册", "period": "D10", "contents": ""},
    ])
    assert plan.get("TS").period == "D30"
    assert plan.get("HT").period == "D15"
    assert plan.get("合同").code == "HT"
    assert plan.get("XH").period == "Y"
    assert any("SF" in w and "最低" in w for w in plan.warnings)
    assert any("XH" in w for w in plan.warnings)
    with pytest.raises(ArchiveError, match="没有类别"):
        plan.get("NOPE")


def test_plan_rejects_bad_codes() -> None:
    with pytest.raises(ConfigError, match="category\\[1\\].code"):
        build_plan([{"code": "T-S", "name": "x", "period": "D10", "contents": ""}])


@pytest.mark.parametrize(
    ("date", "ok"),
    [
        (dt.date(2010, 3, 1), True),  # back-dated records are legitimate (old paper files)
        (dt.date(1900, 1, 1), True),
        (dt.date(2027, 1, 5), True),  # next year's notices are printed in December
        (dt.date(1899, 12, 31), False),
        (dt.date(2028, 1, 1), False),
        (dt.date(9999, 6, 1), False),  # a typo would be permanent: the year is in the 档号
        (dt.date(206, 6, 1), False),
    ],
)
def test_document_year_must_be_plausible(date: dt.date, ok: bool) -> None:
    from dangan.archive.retention import document_date_problem

    problem = document_date_problem(date, dt.date(2026, 11, 26))
    assert (problem is None) == ok
    if problem:
        assert date.isoformat() in problem


def test_expiry_past_the_calendar_is_kept_forever_not_a_crash() -> None:
    assert expiry_date(9990, "D30") is None
    assert expiry_date(2026, "D30") == dt.date(2057, 1, 1)
