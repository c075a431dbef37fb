"""The fee-collection chain's rules (pure, 第一篇 4.1): payments to the oldest month first, the dunning
selection (partly paid, paid late, paid on the due date), the deadline selection, 滞纳金 day counts, and
exact 达标 against 100 % / 95 %."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dangan.archive.catalogue import BillLine, FeeNotice, FeeReversal, NoticeLine, Payment
from dangan.ledger import fees

D = dt.date
NOW = dt.datetime(2026, 11, 1, 9, tzinfo=dt.timezone(dt.timedelta(hours=8)))
DUE = D(2026, 11, 16)
RATE = Decimal("0.0003")


def bill(unit: str, item: str, cents: int, *, month: str = "2026-11", due: D = DUE, owner: str = "张建国") -> BillLine:
    return BillLine(month, unit, owner, item, cents, due - dt.timedelta(days=15), due, NOW)


def paid(unit: str, item: str, cents: int, on: D, n: int = 0) -> Payment:
    return Payment(unit, item, cents, on, NOW, "paid.xlsx", n)


@pytest.mark.parametrize(
    ("due", "as_of", "days"),
    [(D(2026, 11, 16), D(2026, 11, 16), 0), (D(2026, 11, 16), D(2026, 11, 17), 1), (D(2026, 11, 16), D(2026, 12, 16), 30),
     (D(2026, 12, 31), D(2027, 1, 1), 1), (D(2028, 2, 28), D(2028, 3, 1), 2), (D(2027, 2, 28), D(2027, 3, 1), 1),
     (D(2026, 11, 16), D(2026, 11, 10), 0), (D(2026, 1, 1), D(2027, 1, 1), 365), (D(2028, 1, 1), D(2029, 1, 1), 366)],
)
def test_late_fee_days_run_from_the_day_after_the_due_date(due: D, as_of: D, days: int) -> None:
    assert fees.days_overdue(due, as_of) == days


@pytest.mark.parametrize(
    ("cents", "days", "fee"),
    [(32000, 15, 144), (6300, 15, 28), (38300, 15, 172), (100, 1, 0), (1000000, 1, 300), (32000, 0, 0), (1, 3650, 1), (1, 1666, 0)],
)
def test_late_fee_is_the_deadline_forms_rule_in_fen(cents: int, days: int, fee: int) -> None:
    assert fees.late_fee_cents(cents, DUE, DUE + dt.timedelta(days=days), RATE) == fee


def test_a_payment_goes_to_the_oldest_unpaid_month_of_its_item() -> None:
    bills = [bill("1栋0101室", "水费", 6300, month="2026-11"), bill("1栋0101室", "水费", 5800, month="2026-10",
                                                                  due=D(2026, 10, 16)),
             bill("1栋0101室", "物业管理费", 32000)]
    alloc = fees.allocate(bills, [paid("1栋0101室", "水费", 7000, D(2026, 11, 20))])
    got = {(ln.bill.month, ln.bill.item): (ln.paid, ln.settled_on) for ln in alloc.lines}
    assert got == {("2026-10", "水费"): (5800, D(2026, 11, 20)), ("2026-11", "水费"): (1200, None),
                   ("2026-11", "物业管理费"): (0, None)}  # water never pays the management fee
    over = fees.allocate(bills, [paid("1栋0101室", "水费", 20000, D(2026, 11, 20))])
    assert over.credit == {("1栋0101室", "水费"): 20000 - 12100}


def test_the_dunning_selection() -> None:
    units = {"全额按期": 0, "期限当日缴清": 0, "逾期缴清": 0, "部分缴纳": 0, "未缴": 0, "期限后缴（晚于核查日）": 0}
    bills = [bill(u, "物业管理费", 32000, owner=f"业主{i}") for i, u in enumerate(units)]
    pays = [paid("全额按期", "物业管理费", 32000, D(2026, 11, 5)),
            paid("期限当日缴清", "物业管理费", 32000, DUE),  # paying on the due date is on time
            paid("逾期缴清", "物业管理费", 32000, D(2026, 11, 18)),  # late, but settled before the check
            paid("部分缴纳", "物业管理费", 30000, D(2026, 11, 6)),
            paid("期限后缴（晚于核查日）", "物业管理费", 32000, D(2026, 11, 25))]
    picked = {a.unit: a.total_cents for a in fees.dunning_due(bills, pays, [], D(2026, 11, 20))}
    assert picked == {"部分缴纳": 2000, "未缴": 32000, "期限后缴（晚于核查日）": 32000}
    assert fees.dunning_due(bills, pays, [], DUE) == []  # on the due date itself nobody is late yet
    late = fees.allocate(bills, pays).lines
    assert {ln.bill.unit for ln in late if ln.paid_late} == {"逾期缴清", "期限后缴（晚于核查日）"}


DUNNED_ON, DUNNING_DEADLINE = D(2026, 11, 20), D(2026, 11, 27)


def dunned(unit: str, lines: list[NoticeLine]) -> FeeNotice:
    return FeeNotice("dunning", unit, DUNNED_ON, "Z001-2026-D30-SF-0001", "CJ-2026-0001", tuple(lines), DUNNING_DEADLINE)


def test_a_line_is_dunned_once_and_a_new_month_is_dunned_again() -> None:
    nov = bill("1栋0103室", "水费", 6300)
    dec = bill("1栋0103室", "水费", 6100, month="2026-12", due=D(2026, 12, 16))
    notices = [dunned("1栋0103室", [NoticeLine("2026-11", "水费", 6300, DUE)])]
    assert fees.dunning_due([nov, dec], [], notices, D(2026, 12, 1)) == []
    again = fees.dunning_due([nov, dec], [], notices, D(2026, 12, 20))
    assert [(ln.month, ln.amount_cents) for a in again for ln in a.lines] == [("2026-12", 6100)]


def test_the_deadline_notice_follows_an_unanswered_dunning_notice_with_the_late_fee() -> None:
    bills = [bill("1栋0103室", "物业管理费", 32000), bill("1栋0103室", "水费", 6300),
             bill("1栋0102室", "水费", 6300)]
    notices = [dunned("1栋0103室", [NoticeLine("2026-11", "物业管理费", 32000, DUE), NoticeLine("2026-11", "水费", 6300, DUE)]),
               dunned("1栋0102室", [NoticeLine("2026-11", "水费", 6300, DUE)])]
    pays = [paid("1栋0102室", "水费", 6300, D(2026, 11, 26)), paid("1栋0103室", "水费", 3000, D(2026, 11, 30))]
    assert fees.deadline_due(bills, pays, notices, D(2026, 11, 27), RATE) == []  # the deadline day itself
    picked = fees.deadline_due(bills, pays, notices, D(2026, 12, 1), RATE)
    assert [a.unit for a in picked] == ["1栋0103室"]  # 0102 paid before its deadline
    a = picked[0]
    assert [(ln.item, ln.amount_cents, ln.due_date) for ln in a.lines] == [("物业管理费", 32000, DUE), ("水费", 3300, DUE)]
    assert a.late_fee_cents == 144 + 15  # 320.00 and 33.00 × 0.0003 × 15 days, each to the fen
    assert a.dunning is notices[0]
    deadline = FeeNotice("deadline", "1栋0103室", D(2026, 12, 1), "Z", "XQ-2026-0001", a.lines)
    assert fees.deadline_due(bills, pays, [*notices, deadline], D(2026, 12, 20), RATE) == []


def test_collection_rows_by_item_with_management_first() -> None:
    bills = [bill("1栋0101室", "水费", 6300), bill("1栋0101室", "物业管理费", 32000), bill("1栋0102室", "物业管理费", 32000),
             bill("1栋0102室", "物业管理费", 32000, month="2026-10", due=D(2026, 10, 16))]
    pays = [paid("1栋0101室", "物业管理费", 32000, D(2026, 11, 5)), paid("1栋0102室", "物业管理费", 32000, D(2026, 11, 6))]
    rows = fees.collection_rows(bills, pays, ["2026-11"])
    assert [(r.fee_type, r.households, r.due_cents, r.collected_cents) for r in rows] == [
        ("物业管理费", 2, 64000, 32000), ("水费", 1, 6300, 0)]  # 0102's payment cleared October first


CENTS = st.integers(1, 10**7)


@given(st.lists(st.tuples(st.sampled_from(["A", "B"]), st.sampled_from(["水费", "物业管理费"]),
                          st.sampled_from(["2026-10", "2026-11", "2026-12"]), CENTS), unique_by=lambda t: t[:3],
                max_size=8),
       st.lists(st.tuples(st.sampled_from(["A", "B"]), st.sampled_from(["水费", "物业管理费"]), CENTS,
                          st.integers(0, 60)), max_size=8))
def test_allocation_never_loses_or_makes_money(lines: list, payments: list) -> None:
    bills = [bill(u, i, c, month=m) for u, i, m, c in lines]
    pays = [paid(u, i, c, D(2026, 10, 1) + dt.timedelta(days=d), n) for n, (u, i, c, d) in enumerate(payments)]
    alloc = fees.allocate(bills, pays)
    billed = {(b.unit, b.item) for b in bills}
    assert sum(ln.paid for ln in alloc.lines) + sum(alloc.credit.values()) == sum(p.amount_cents for p in pays)
    assert all(0 <= ln.paid <= ln.bill.amount_cents for ln in alloc.lines)
    assert all(key in billed or c > 0 for key, c in alloc.credit.items())
    for key in alloc.credit:  # credit only once every line of that unit and item is paid in full
        assert all(ln.remaining == 0 for ln in alloc.lines if (ln.bill.unit, ln.bill.item) == key)
    assert fees.allocate(bills, list(reversed(pays))).credit == alloc.credit  # the order recorded does not matter


def rev(kind: str, unit: str, item: str, *, payment: int | None = None, month: str | None = "2026-11",
        to: int = 0) -> FeeReversal:
    return FeeReversal(kind, unit, item, 0, "记错", NOW, None, month=month if kind == "bill" else None,
                       payment_id=payment, corrected_cents=to)


BILLS = [bill("1栋0101室", "水费", 6300), bill("1栋0101室", "物业管理费", 32000), bill("1栋0102室", "水费", 6300)]
PAID = [paid("1栋0101室", "水费", 6300, D(2026, 11, 5), 1), paid("1栋0102室", "水费", 6300, D(2026, 11, 6), 2)]


@pytest.mark.parametrize(("reversals", "amounts", "payments"), [
    ([], [6300, 32000, 6300], [1, 2]),
    ([rev("payment", "1栋0101室", "水费", payment=1)], [6300, 32000, 6300], [2]),  # paid for the wrong unit
    ([rev("bill", "1栋0101室", "水费", to=5800)], [5800, 32000, 6300], [1, 2]),  # the meter read wrongly
    ([rev("bill", "1栋0102室", "水费")], [6300, 32000], [1, 2]),  # not owed at all
    ([rev("bill", "1栋0101室", "水费", to=5800), rev("bill", "1栋0101室", "水费", to=6000)], [6000, 32000, 6300], [1, 2]),
    ([rev("bill", "1栋0101室", "水费", month="2026-10", to=1)], [6300, 32000, 6300], [1, 2]),  # another month's line
])
def test_the_accounts_stand_after_every_reversal(reversals: list[FeeReversal], amounts: list[int],
                                                 payments: list[int]) -> None:
    bills, pays = fees.standing(BILLS, PAID, reversals)
    assert [b.amount_cents for b in bills] == amounts and [p.id for p in pays] == payments


def test_a_reversed_payment_is_owed_again_and_dunned() -> None:
    """1栋0101室's water was recorded as paid, but it was 1栋0102室 who paid twice: reversing the wrong
    payment makes 1栋0101室 overdue again (and the corrected bill is what it owes)."""
    reversals = [rev("payment", "1栋0101室", "水费", payment=1), rev("bill", "1栋0101室", "水费", to=5800)]
    bills, pays = fees.standing(BILLS, PAID, reversals)
    due = fees.dunning_due(bills, pays, [], D(2026, 11, 20))
    assert [(a.unit, [(ln.item, ln.amount_cents) for ln in a.lines]) for a in due] == [
        ("1栋0101室", [("水费", 5800), ("物业管理费", 32000)])]
