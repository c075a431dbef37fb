"""大写金额, late fees, rates and the other derive rules: tables of known cases."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dangan.forms import derive, filters, money
from dangan.forms.derive import Derivation, apply_derivations
from dangan.forms.fields import MONEY_MAX


@pytest.mark.parametrize(
    ("amount", "upper"),
    [
        ("0", "零元整"),
        ("0.05", "伍分"),
        ("0.50", "伍角整"),
        ("10.00", "壹拾元整"),
        ("15", "壹拾伍元整"),
        ("447.50", "肆佰肆拾柒元伍角整"),
        ("447.40", "肆佰肆拾柒元肆角整"),
        ("1000.05", "壹仟元零伍分"),
        ("1680.32", "壹仟陆佰捌拾元叁角贰分"),
        ("100010.20", "壹拾万零壹拾元贰角整"),
        ("107000.53", "壹拾万零柒仟元伍角叁分"),
        ("200000", "贰拾万元整"),
        ("1010101.01", "壹佰零壹万零壹佰零壹元零壹分"),
        ("100000000", "壹亿元整"),
        (str(MONEY_MAX), "玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"),
    ],
)
def test_rmb_upper_known_cases(amount: str, upper: str) -> None:
    assert money.rmb_upper(Decimal(amount)) == upper


def test_rmb_upper_refuses_negative() -> None:
    with pytest.raises(ValueError):
        money.rmb_upper(Decimal("-1"))


_DIGIT = {c: i for i, c in enumerate("零壹贰叁肆伍陆柒捌玖")}
_UNIT = {"拾": 10, "佰": 100, "仟": 1000}


def _parse_upper(text: str) -> Decimal:
    """Read a 大写 amount back (test oracle, independent of the formatter)."""
    total, section, digit = 0, 0, 0
    cents = 0
    yuan_part, _, rest = text.partition("元") if "元" in text else ("", "", text)
    for ch in yuan_part:
        if ch in _DIGIT:
            digit = _DIGIT[ch]
        elif ch in _UNIT:
            section += (digit or 1) * _UNIT[ch]
            digit = 0
        elif ch == "万":
            total += (section + digit) * 10_000
            section = digit = 0
        elif ch == "亿":
            total = (total + section + digit) * 100_000_000
            section = digit = 0
    total += section + digit
    prev = 0
    for ch in rest:
        if ch in _DIGIT:
            prev = _DIGIT[ch]
        elif ch == "角":
            cents += prev * 10
        elif ch == "分":
            cents += prev
    return Decimal(total) + Decimal(cents) / 100


@given(st.decimals(min_value=0, max_value=MONEY_MAX, places=2, allow_nan=False, allow_infinity=False))
def test_rmb_upper_round_trips(amount: Decimal) -> None:
    text = money.rmb_upper(amount)
    assert _parse_upper(text) == amount
    assert not text.endswith("分整")
    assert "零零" not in text


@pytest.mark.parametrize(
    ("principal", "days", "rate", "fee"),
    [
        ("0", 30, "0.0003", "0.00"),
        ("0.05", 10, "0.0003", "0.00"),
        ("10.00", 10, "0.0003", "0.03"),
        ("447.50", 0, "0.0003", "0.00"),
        ("447.50", -5, "0.0003", "0.00"),
        ("447.50", 31, "0.0003", "4.16"),
        ("100010.20", 100, "0.0003", "3000.31"),
        ("100010.20", 1, "0.0005", "50.01"),
        (str(MONEY_MAX), 365, "0.0003", "10950000.00"),
    ],
)
def test_late_fee_known_cases(principal: str, days: int, rate: str, fee: str) -> None:
    assert money.late_fee(Decimal(principal), days, rate) == Decimal(fee)


def test_late_fee_from_dates_uses_days_overdue() -> None:
    due, as_of = dt.date(2026, 11, 16), dt.date(2026, 12, 16)
    assert derive.fn_late_fee(Decimal("447.50"), due, as_of, Decimal("0.0003")) == Decimal("4.03")
    assert derive.fn_late_fee(Decimal("447.50"), as_of, due, Decimal("0.0003")) == Decimal("0.00")


@pytest.mark.parametrize(
    ("num", "den", "pct"),
    [(95, 100, "95.00"), (2, 3, "66.66"), (0, 5, "0.00"), (Decimal("1234.5"), Decimal("1300"), "94.96"),
     (Decimal("99960"), Decimal("100000"), "99.96"), (Decimal("4679.99"), Decimal("4680"), "99.99"),
     (Decimal("9495"), Decimal("10000"), "94.95"), (6996, 10000, "69.96"), (1, 3, "33.33")],
)
def test_rate_is_cut_never_rounded_up(num: object, den: object, pct: str) -> None:
    assert derive.fn_rate(num, den) == Decimal(pct)


# (collected or returned, due or issued, target, met?, printed): at, just below and just above
# every target of the rules (第一篇 4.1.5: 100 % and 95 %; 4.6.2: 70 %).
THRESHOLDS = [
    ("100000.00", "100000.00", 100, True, "100.0%"),
    ("99999.99", "100000.00", 100, False, "99.99%"),
    ("99960.00", "100000.00", 100, False, "99.96%"),
    ("4679.99", "4680.00", 100, False, "99.99%"),
    ("4680.00", "4680.00", 100, True, "100.0%"),
    ("0.01", "0.01", 100, True, "100.0%"),
    ("9500.00", "10000.00", 95, True, "95.0%"),
    ("9499.99", "10000.00", 95, False, "94.99%"),
    ("9495.00", "10000.00", 95, False, "94.95%"),
    ("9500.01", "10000.00", 95, True, "95.0%"),
    ("949999.99", "1000000.00", 95, False, "94.99%"),
    ("10000.00", "10000.00", 95, True, "100.0%"),
    ("7000", "10000", 70, True, "70.0%"),
    ("6999", "10000", 70, False, "69.99%"),
    ("6996", "10000", 70, False, "69.96%"),
    ("7001", "10000", 70, True, "70.01%"),
    ("7", "10", 70, True, "70.0%"),
    ("699999", "1000000", 70, False, "69.99%"),
    ("2", "3", 70, False, "66.66%"),
]


@pytest.mark.parametrize(("num", "den", "target", "met", "printed"), THRESHOLDS)
def test_targets_judged_on_exact_rates(num: str, den: str, target: int, met: bool, printed: str) -> None:
    steps = (Derivation("rate", "rate", ("n", "d")), Derivation("met", "at_least", ("rate", "target")))
    out = apply_derivations(steps, {"n": Decimal(num), "d": Decimal(den), "target": target}, {})
    assert out["met"] is met
    assert filters.f_percent(out["rate"]) == printed
    exact = Decimal(num) * 100 / Decimal(den)
    assert (exact >= target) is met  # the judgement is the exact one
    if not met:  # a rate below its target never prints as the target or above
        assert Decimal(printed.rstrip("%")) < target


@given(st.integers(0, 10**9), st.integers(1, 10**9), st.sampled_from([70, 95, 100]))
def test_met_agrees_with_exact_fraction(num: int, den: int, target: int) -> None:
    rate = derive.fn_rate(num, den)
    assert derive.fn_at_least(rate, target) is (num * 100 >= target * den)
    assert rate is not None and Decimal(filters.f_percent(rate).rstrip("%")) <= Decimal(num) * 100 / den


def test_rate_of_nothing_is_none() -> None:
    assert derive.fn_rate(0, 0) is None


@pytest.mark.parametrize(
    ("fee", "target"), [("物业管理费", 95), ("水费", 100), ("电费", 100), ("特约服务费", 100), ("公用事业费", 100)]
)
def test_collection_targets(fee: str, target: int) -> None:
    assert derive.fn_collection_target(fee) == target


def test_rates_marked_met_or_not_against_targets() -> None:
    rows = [{"fee": "物业管理费", "due": Decimal("1000"), "got": Decimal("950")},
            {"fee": "水费", "due": Decimal("200"), "got": Decimal("199")}]
    steps = (
        Derivation("rows.rate", "rate", ("rows.got", "rows.due")),
        Derivation("rows.target", "collection_target", ("rows.fee",)),
        Derivation("rows.met", "at_least", ("rows.rate", "rows.target")),
        Derivation("total_due", "sum", ("rows.due",)),
        Derivation("met_count", "count", ("rows", "met", True)),
    )
    out = apply_derivations(steps, {"rows": rows}, {})
    assert [r["met"] for r in out["rows"]] == [True, False]
    assert out["total_due"] == Decimal("1200")
    assert out["met_count"] == 1
    assert rows[0].get("rate") is None  # inputs are not mutated


def test_questionnaire_return_rate_against_70_percent() -> None:
    steps = (Derivation("rate", "rate", ("back", "sent")), Derivation("ok", "at_least", ("rate", 70)))
    assert apply_derivations(steps, {"back": 69, "sent": 100}, {})["ok"] is False
    assert apply_derivations(steps, {"back": 70, "sent": 100}, {})["ok"] is True


@pytest.mark.parametrize(("minutes", "ok"), [(0, True), (30, True), (31, False), (-5, False)])
def test_complaint_solution_within_30_minutes(minutes: int, ok: bool) -> None:
    start = dt.datetime(2026, 11, 26, 9, 0)
    assert derive.fn_within_minutes(start, start + dt.timedelta(minutes=minutes), 30) is ok


def test_due_date_from_setting() -> None:
    steps = (Derivation("due", "add_days", ("issued", "setting:fees.payment_days")),)
    out = apply_derivations(steps, {"issued": dt.date(2026, 11, 1)}, {"fees.payment_days": 15})
    assert out["due"] == dt.date(2026, 11, 16)
