"""The fee-collection chain (pure): bill → 缴费通知单 → payment → 催缴通知书 → 限期缴费通知书 with 滞纳金,
and the 收费情况统计表 (第一篇 4.1).

- 4.1.2: the cashier bills each month (缴费清单); the area administrator sends the 缴费通知单; whoever has
  not paid by the due date gets a 催缴通知书.
- 4.1.3.1: whoever received a 催缴通知书 and still has not paid by its deadline gets a 限期缴费通知书, which
  says the late fee (滞纳金) is accruing: the arrears × the daily rate × the days since the original due
  date (the deadline form's own ``late_fee`` rule).
- 4.1.4–4.1.5: statistics by month, quarter, half-year and year; utilities and special services must be
  collected in full (100 %), the management fee at 95 % or more, judged on the exact amounts.

A wrongly recorded payment or bill line is never deleted: a 冲正 (:class:`FeeReversal`, with its reason)
undoes it, and every rule here reads the accounts as they stand after them (:func:`standing`).

Money is integer fen here (``int``), Decimal yuan at the edges; never float.  A payment (房号, 项目,
实收金额, 缴费日期) goes to the oldest unpaid month of that unit and item first.  A line is overdue on a
day when its due date is before that day and part of it is still unpaid by that day's payments: paying
on the due date is on time.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from dangan.archive.catalogue import BillLine, FeeNotice, FeeReversal, NoticeLine, Payment
from dangan.forms import derive, money

PAYMENT, DUNNING, DEADLINE = "payment", "dunning", "deadline"
NOTICE_NAMES = {PAYMENT: "缴费通知单", DUNNING: "催缴通知书", DEADLINE: "限期缴费通知书"}
NOTICE_FORMS = {PAYMENT: "payment-notice", DUNNING: "dunning-notice", DEADLINE: "deadline-payment-notice"}


def cents(amount: Decimal) -> int:
    """Yuan (exact, at most 2 places) → fen."""
    value = Decimal(amount) * 100
    if value != value.to_integral_value():
        raise ValueError(f"金额最多两位小数：{amount}")
    return int(value)


def yuan(amount_cents: int) -> Decimal:
    return (Decimal(amount_cents) / 100).quantize(money.CENT)


def month_label(month: str) -> str:
    year, m = month.split("-")
    return f"{int(year)}年{int(m)}月"


def days_overdue(due: dt.date, as_of: dt.date) -> int:
    """Days from the due date to ``as_of`` (0 on the due date itself): the 滞纳金 day count."""
    return derive.fn_days_between(due, as_of) or 0


def late_fee_cents(arrears_cents: int, due: dt.date, as_of: dt.date, daily_rate: Decimal) -> int:
    """滞纳金 in fen: the deadline form's rule (arrears × daily rate × days overdue, to the fen)."""
    return cents(money.late_fee(yuan(arrears_cents), days_overdue(due, as_of), daily_rate))


REVERSE_PAYMENT, REVERSE_BILL = "payment", "bill"


def standing(bills: Iterable[BillLine], payments: Iterable[Payment], reversals: Iterable[FeeReversal]
             ) -> tuple[list[BillLine], list[Payment]]:
    """The bills and payments as they stand after every 冲正: a reversed payment counts for nothing; a
    reversed bill line stands at its last corrected amount (oldest reversal first), and is gone at 0."""
    voided: set[int] = set()
    amounts: dict[tuple[str | None, str, str], int] = {}
    for r in reversals:
        if r.kind == REVERSE_PAYMENT and r.payment_id is not None:
            voided.add(r.payment_id)
        elif r.kind == REVERSE_BILL:
            amounts[(r.month, r.unit, r.item)] = r.corrected_cents
    kept: list[BillLine] = []
    for b in bills:
        amount = amounts.get((b.month, b.unit, b.item), b.amount_cents)
        if amount > 0:
            kept.append(b if amount == b.amount_cents else replace(b, amount_cents=amount))
    return kept, [p for p in payments if p.id not in voided]


@dataclass
class LineState:
    """One bill line with what has been paid towards it (by some day)."""

    bill: BillLine
    paid: int = 0
    settled_on: dt.date | None = None  # the day it was paid in full
    payments: list[tuple[dt.date, int]] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.bill.unit, self.bill.month, self.bill.item)

    @property
    def remaining(self) -> int:
        return self.bill.amount_cents - self.paid

    def overdue(self, on: dt.date) -> bool:
        return self.bill.due_date < on and self.remaining > 0

    @property
    def paid_late(self) -> bool:
        return self.settled_on is not None and self.settled_on > self.bill.due_date

    def to_dict(self) -> dict[str, Any]:
        b = self.bill
        return {"month": b.month, "unit": b.unit, "owner": b.owner, "item": b.item, "amount": str(yuan(b.amount_cents)),
                "paid": str(yuan(self.paid)), "remaining": str(yuan(self.remaining)),
                "due_date": b.due_date.isoformat(), "settled_on": self.settled_on.isoformat() if self.settled_on else None}


@dataclass(frozen=True)
class Allocation:
    lines: list[LineState]
    credit: dict[tuple[str, str], int]  # (unit, item) → fen paid beyond every bill


def allocate(bills: Iterable[BillLine], payments: Iterable[Payment], *, as_of: dt.date | None = None) -> Allocation:
    """What each bill line has been paid, by ``as_of`` (every payment when None): oldest month first."""
    by_key: dict[tuple[str, str], list[LineState]] = defaultdict(list)
    lines = [LineState(b) for b in sorted(bills, key=lambda b: (b.unit, b.month, b.item))]
    for ln in lines:
        by_key[(ln.bill.unit, ln.bill.item)].append(ln)
    credit: dict[tuple[str, str], int] = defaultdict(int)
    for p in sorted(payments, key=lambda p: (p.paid_on, p.id)):
        if as_of is not None and p.paid_on > as_of:
            continue
        left = p.amount_cents
        for ln in by_key.get((p.unit, p.item), []):
            if left <= 0:
                break
            take = min(left, ln.remaining)
            if take <= 0:
                continue
            ln.paid += take
            ln.payments.append((p.paid_on, take))
            left -= take
            if ln.remaining == 0:
                ln.settled_on = p.paid_on
        if left > 0:
            credit[(p.unit, p.item)] += left
    return Allocation(lines, dict(credit))


@dataclass(frozen=True)
class Arrears:
    """A unit selected for a notice: the lines it asks for, as of a day."""

    unit: str
    owner: str
    lines: tuple[NoticeLine, ...]  # amount_cents = what is still unpaid of each line
    as_of: dt.date
    dunning: FeeNotice | None = None  # for a 限期缴费通知书: the 催缴通知书 it follows
    late_fee_cents: int = 0

    @property
    def total_cents(self) -> int:
        return sum(ln.amount_cents for ln in self.lines)

    def to_dict(self) -> dict[str, Any]:
        return {"unit": self.unit, "owner": self.owner, "as_of": self.as_of.isoformat(),
                "arrears": str(yuan(self.total_cents)), "late_fee": str(yuan(self.late_fee_cents)),
                "lines": [{"month": ln.month, "item": ln.item, "amount": str(yuan(ln.amount_cents)),
                           "due_date": ln.due_date.isoformat()} for ln in self.lines],
                "dunning": {"doc_number": self.dunning.doc_number, "archival_code": self.dunning.archival_code,
                            "issued_on": self.dunning.issued_on.isoformat(),
                            "deadline": self.dunning.deadline.isoformat() if self.dunning.deadline else None}
                if self.dunning else None}


def _covered(notices: Iterable[FeeNotice], kind: str) -> set[tuple[str, str, str]]:
    return {(n.unit, ln.month, ln.item) for n in notices if n.kind == kind for ln in n.lines}


def dunning_due(bills: Sequence[BillLine], payments: Sequence[Payment], notices: Sequence[FeeNotice],
                as_of: dt.date) -> list[Arrears]:
    """Units with anything unpaid after its due date (as of ``as_of``) not already in a 催缴通知书: one each."""
    dunned = _covered(notices, DUNNING)
    per_unit: dict[str, list[LineState]] = defaultdict(list)
    for ln in allocate(bills, payments, as_of=as_of).lines:
        if ln.overdue(as_of) and ln.key not in dunned:
            per_unit[ln.bill.unit].append(ln)
    return [Arrears(unit, lines[-1].bill.owner, tuple(
        NoticeLine(ln.bill.month, ln.bill.item, ln.remaining, ln.bill.due_date) for ln in lines), as_of)
        for unit, lines in sorted(per_unit.items())]


def deadline_due(bills: Sequence[BillLine], payments: Sequence[Payment], notices: Sequence[FeeNotice],
                 as_of: dt.date, daily_rate: Decimal) -> list[Arrears]:
    """Units that received a 催缴通知书 and still owe part of it after its deadline (4.1.3.1): one 限期缴费通知书
    each, for the dunned lines still unpaid, with the 滞纳金 accrued by ``as_of``."""
    done = _covered(notices, DEADLINE)
    state = {ln.key: ln for ln in allocate(bills, payments, as_of=as_of).lines}
    out: list[Arrears] = []
    for unit in sorted({n.unit for n in notices if n.kind == DUNNING}):
        lines: list[NoticeLine] = []
        last: FeeNotice | None = None
        for n in (n for n in notices if n.kind == DUNNING and n.unit == unit):
            if n.deadline is None or not n.deadline < as_of:
                continue
            for ln in n.lines:
                st = state.get((unit, ln.month, ln.item))
                if st is None or st.remaining <= 0 or (unit, ln.month, ln.item) in done:
                    continue
                if all((x.month, x.item) != (ln.month, ln.item) for x in lines):
                    lines.append(NoticeLine(ln.month, ln.item, st.remaining, st.bill.due_date))
                    last = n
        if lines and last is not None:
            fee = sum(late_fee_cents(ln.amount_cents, ln.due_date, as_of, daily_rate) for ln in lines)
            owner = state[(unit, lines[0].month, lines[0].item)].bill.owner
            out.append(Arrears(unit, owner, tuple(lines), as_of, dunning=last, late_fee_cents=fee))
    return out


@dataclass(frozen=True)
class FeeRow:
    """One row of the 收费情况统计表: a fee item over the period."""

    fee_type: str
    households: int
    due_cents: int
    collected_cents: int

    @property
    def rate(self) -> Decimal | None:
        return derive.fn_rate(yuan(self.collected_cents), yuan(self.due_cents))

    @property
    def target(self) -> int:
        return derive.fn_collection_target(self.fee_type)

    @property
    def met(self) -> bool | None:
        """达标: the forms' judgement (the 收费情况统计表 prints the same), exact, never on a rounded rate."""
        return derive.fn_at_least(self.rate, self.target)

    def to_dict(self) -> dict[str, Any]:
        return {"fee_type": self.fee_type, "households": self.households, "due": str(yuan(self.due_cents)),
                "collected": str(yuan(self.collected_cents)), "rate": str(self.rate) if self.rate is not None else None,
                "target": self.target, "met": self.met}


def _item_order(item: str) -> tuple[int, str]:
    return (0 if any(m in item for m in derive.MANAGEMENT_FEES) else 1, item)


def collection_rows(bills: Sequence[BillLine], payments: Sequence[Payment], months: Sequence[str],
                    *, as_of: dt.date | None = None) -> list[FeeRow]:
    """Per fee item, the months' amounts billed and what has been paid towards them (by ``as_of``)."""
    wanted = set(months)
    lines = [ln for ln in allocate(bills, payments, as_of=as_of).lines if ln.bill.month in wanted]
    by_item: dict[str, list[LineState]] = defaultdict(list)
    for ln in lines:
        by_item[ln.bill.item].append(ln)
    return [FeeRow(item, len({ln.bill.unit for ln in group}), sum(ln.bill.amount_cents for ln in group),
                   sum(ln.paid for ln in group)) for item, group in sorted(by_item.items(), key=lambda kv: _item_order(kv[0]))]
