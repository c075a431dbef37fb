"""Derived values (pure): totals, 大写, due dates, late fees, rates, targets.

A form's ``derive`` list names these functions; :func:`apply_derivations`
runs them in order over validated values.  See docs/FORMS.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from dangan.forms import money

MANAGEMENT_FEES = ("物业管理费", "物业服务费", "管理费")


def fn_sum(*values: Any) -> Decimal | int:
    items: list[Any] = []
    for v in values:
        items.extend(v if isinstance(v, list) else [v])
    items = [v for v in items if v is not None]
    if items and all(isinstance(v, int) and not isinstance(v, bool) for v in items):
        return sum(items)
    return sum((Decimal(str(v)) for v in items), Decimal("0.00"))


def fn_count(rows: list[Mapping[str, Any]] | None, column: str | None = None, value: Any = None) -> int:
    rows = rows or []
    if column is None:
        return len(rows)
    column = column.split(".")[-1]
    if value is None:
        return sum(1 for r in rows if r.get(column) not in (None, "", False))
    return sum(1 for r in rows if _same(r.get(column), value))


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return bool(a) == (b if isinstance(b, bool) else str(b) in ("是", "true", "1"))
    return str(a) == str(b)


def fn_rmb_upper(amount: Decimal | None) -> str | None:
    return None if amount is None else money.rmb_upper(amount)


def fn_add_days(date: dt.date | None, days: Any) -> dt.date | None:
    if date is None or days is None:
        return None
    return date + dt.timedelta(days=int(days))


def fn_days_between(start: dt.date | None, end: dt.date | None) -> int | None:
    if start is None or end is None:
        return None
    return max(0, (_as_date(end) - _as_date(start)).days)


def _as_date(value: dt.date) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def fn_late_fee(principal: Decimal | None, due: dt.date | None, as_of: dt.date | None, rate: Any) -> Decimal | None:
    days = fn_days_between(due, as_of)
    if principal is None or days is None:
        return None
    return money.late_fee(Decimal(principal), days, rate)


def fn_rate(numerator: Any, denominator: Any) -> Decimal | None:
    if numerator is None or denominator is None:
        return None
    return money.percentage(Decimal(str(numerator)), Decimal(str(denominator)))


def fn_collection_target(fee_type: str | None) -> int:
    """95 % for the management fee, 100 % for utilities and special services."""
    text = fee_type or ""
    return 95 if any(name in text for name in MANAGEMENT_FEES) else 100


def fn_at_least(value: Any, threshold: Any) -> bool | None:
    if value is None or threshold is None:
        return None
    return Decimal(str(value)) >= Decimal(str(threshold))


def fn_minutes_between(start: dt.datetime | None, end: dt.datetime | None) -> int | None:
    if start is None or end is None:
        return None
    return int((end - start).total_seconds() // 60)


def fn_within_minutes(start: dt.datetime | None, end: dt.datetime | None, limit: Any) -> bool | None:
    """``end`` no earlier than ``start`` and at most ``limit`` whole minutes after it (30 min 1 s is late)."""
    if start is None or end is None:
        return None
    return dt.timedelta(0) <= end - start <= dt.timedelta(minutes=int(limit))


@dataclass(frozen=True)
class DeriveFn:
    fn: Callable[..., Any]
    min_args: int
    max_args: int
    literal_from: int | None = None  # args from this index on are literals, not paths
    setting_default: tuple[int, str] | None = None  # (index, setting) when the arg is omitted


FUNCTIONS: dict[str, DeriveFn] = {
    "sum": DeriveFn(fn_sum, 1, 99),
    "count": DeriveFn(fn_count, 1, 3, literal_from=1),
    "rmb_upper": DeriveFn(fn_rmb_upper, 1, 1),
    "add_days": DeriveFn(fn_add_days, 2, 2),
    "days_between": DeriveFn(fn_days_between, 2, 2),
    "late_fee": DeriveFn(fn_late_fee, 3, 4, setting_default=(3, "fees.late_fee_rate")),
    "rate": DeriveFn(fn_rate, 2, 2),
    "collection_target": DeriveFn(fn_collection_target, 1, 1),
    "at_least": DeriveFn(fn_at_least, 2, 2),
    "minutes_between": DeriveFn(fn_minutes_between, 2, 2),
    "within_minutes": DeriveFn(fn_within_minutes, 3, 3),
}


@dataclass(frozen=True)
class Derivation:
    id: str
    fn: str
    args: tuple[Any, ...]

    @property
    def table(self) -> str | None:
        return self.id.split(".", 1)[0] if "." in self.id else None

    @property
    def column(self) -> str:
        return self.id.split(".", 1)[-1]


def _resolve(arg: Any, values: Mapping[str, Any], settings: Mapping[str, Any], row: Mapping[str, Any] | None,
             table: str | None) -> Any:
    if isinstance(arg, bool) or not isinstance(arg, str):
        return Decimal(str(arg)) if isinstance(arg, float) else arg
    if arg.startswith("setting:"):
        return settings[arg.removeprefix("setting:")]
    if "." in arg:
        tname, col = arg.split(".", 1)
        if row is not None and tname == table:
            return row.get(col)
        return [r.get(col) for r in values.get(tname) or []]
    return values.get(arg)


def _call(d: Derivation, values: Mapping[str, Any], settings: Mapping[str, Any],
          row: Mapping[str, Any] | None) -> Any:
    spec = FUNCTIONS[d.fn]
    args: list[Any] = []
    for i, a in enumerate(d.args):
        literal = spec.literal_from is not None and i >= spec.literal_from
        args.append(a if literal else _resolve(a, values, settings, row, d.table))
    if spec.setting_default and len(args) <= spec.setting_default[0]:
        args.append(settings[spec.setting_default[1]])
    return spec.fn(*args)


def apply_derivations(derivations: tuple[Derivation, ...], values: dict[str, Any],
                      settings: Mapping[str, Any]) -> dict[str, Any]:
    """``values`` plus every derived value, computed in order (pure).

    A derived value that is also a field of the form keeps the value given for it: a figure computed
    elsewhere (the ledger counts a month of entries itself and lists only the cases that need attention);
    left blank, it is computed here."""
    out = dict(values)
    for d in derivations:
        if d.table is None:
            if values.get(d.id) is None:
                out[d.id] = _call(d, out, settings, None)
            continue
        rows = [dict(r) for r in out.get(d.table) or []]
        for r in rows:
            r[d.column] = _call(d, out, settings, r)
        out[d.table] = rows
    return out
