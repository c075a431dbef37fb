"""Cross-field checks of a form (``checks:`` in form.yaml): values that cannot be true together (pure).

Each entry names one rule; a field path ``table.col`` makes it a check of
every row of that table (the other paths may name the form's own fields)::

    checks:
      - {not_before: [rows.proposed_at, rows.received_at]}      # a >= b (times, dates)
      - {before: [arrears.due_date, issue_date], message: 尚未到期的费用不能列入}   # a < b
      - {not_more: [rows.returned, rows.issued]}                 # a <= b (numbers)
      - {when: {rows.validity: 有效}, allowed: {rows.severity: [恶性, 一般]}}
      - {nonzero: total, level: warning, message: 应缴合计为 0.00 元}

A check whose values are not all given (an optional field left empty) does
not apply.  ``level: warning`` reports instead of refusing.  Checks naming
only input fields run while the data is validated (so ``--keep-going`` can
leave a bad row out); a check naming a derived value runs after derivation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

COMPARISONS: dict[str, tuple[Callable[[Any, Any], bool], str]] = {
    # rule: (holds when, what is wrong when it does not)
    "not_before": (lambda a, b: a >= b, "不能早于"),
    "before": (lambda a, b: a < b, "应早于"),
    "not_after": (lambda a, b: a <= b, "不能晚于"),
    "not_more": (lambda a, b: a <= b, "不能大于"),
}
RULES = (*COMPARISONS, "allowed", "nonzero")
LEVELS = ("error", "warning")


@dataclass(frozen=True)
class Check:
    rule: str  # one of RULES
    paths: tuple[str, ...]  # the compared fields (comparisons: two; nonzero: one; allowed: the allowed field)
    when: tuple[tuple[str, str], ...] = ()  # allowed: (path, value) that must all hold
    choices: tuple[str, ...] = ()  # allowed: the values allowed then
    level: str = "error"
    message: str = ""

    @property
    def all_paths(self) -> tuple[str, ...]:
        return self.paths + tuple(p for p, _ in self.when)

    @property
    def table(self) -> str | None:
        """The table whose rows this check runs over (None: once per document)."""
        return next((p.split(".", 1)[0] for p in self.all_paths if "." in p), None)


class CheckSyntaxError(ValueError):
    pass


def parse_check(raw: Any) -> Check:
    """One entry of ``checks:`` (CheckSyntaxError in Chinese when malformed)."""
    if not isinstance(raw, Mapping):
        raise CheckSyntaxError("每项应写成 {规则: [字段, 字段]}，如 {not_before: [end, start]}")
    level = str(raw.get("level", "error"))
    if level not in LEVELS:
        raise CheckSyntaxError(f"level 应为 error 或 warning：{level!r}")
    message = str(raw.get("message") or "")
    rules = [r for r in RULES if r in raw] + (["allowed"] if "when" in raw and "allowed" not in raw else [])
    if len(rules) != 1:
        raise CheckSyntaxError(f"每项只能写一个规则，可用：{'、'.join(RULES)}")
    rule = rules[0]
    extra = set(raw) - {rule, "level", "message", "when"}
    if extra:
        raise CheckSyntaxError(f"未知的键：{'、'.join(sorted(map(str, extra)))}")
    if rule in COMPARISONS:
        args = raw[rule]
        if not isinstance(args, list) or len(args) != 2 or not all(isinstance(a, str) for a in args):
            raise CheckSyntaxError(f"{rule} 需要两个字段：{{{rule}: [字段, 字段]}}")
        return Check(rule, tuple(args), level=level, message=message)
    if rule == "nonzero":
        if not isinstance(raw[rule], str):
            raise CheckSyntaxError("nonzero 需要一个字段：{nonzero: 字段}")
        return Check(rule, (raw[rule],), level=level, message=message)
    when, allowed = raw.get("when"), raw.get("allowed")
    if not isinstance(when, Mapping) or not when or not isinstance(allowed, Mapping) or len(allowed) != 1:
        raise CheckSyntaxError("写成 {when: {字段: 值}, allowed: {字段: [可选值, …]}}")
    (target, choices), = allowed.items()
    if not isinstance(choices, list) or not choices:
        raise CheckSyntaxError("allowed 的可选值应为列表")
    return Check("allowed", (str(target),), when=tuple((str(k), str(v)) for k, v in when.items()),
                 choices=tuple(str(c) for c in choices), level=level, message=message)


# -- evaluation ------------------------------------------------------------------------------------


def _value(path: str, values: Mapping[str, Any], row: Mapping[str, Any] | None) -> Any:
    if "." in path:
        return (row or {}).get(path.split(".", 1)[1])
    return values.get(path)


def shown(value: Any) -> str:
    """A value as the clerk typed or sees it."""
    if isinstance(value, dt.datetime):
        return f"{value.year}年{value.month}月{value.day}日 {value:%H:%M}"
    if isinstance(value, dt.date):
        return f"{value.year}年{value.month}月{value.day}日"
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    return str(value)


def problem(check: Check, values: Mapping[str, Any], row: Mapping[str, Any] | None,
            label: Callable[[str], str]) -> str | None:
    """What is wrong with one document (``row`` None) or one row of its table; None if the check holds."""
    got = [_value(p, values, row) for p in check.paths]
    if any(v is None for v in got):
        return None
    note = f"（{check.message}）" if check.message else ""
    if check.rule in COMPARISONS:
        holds, wrong = COMPARISONS[check.rule]
        a, b = got
        if isinstance(a, dt.datetime) != isinstance(b, dt.datetime):  # a date against a date-time
            a, b = (x.date() if isinstance(x, dt.datetime) else x for x in (a, b))
        if holds(a, b):
            return None
        return f"「{label(check.paths[0])}」（{shown(got[0])}）{wrong}「{label(check.paths[1])}」（{shown(got[1])}）{note}"
    if check.rule == "nonzero":
        return None if got[0] else (check.message or f"「{label(check.paths[0])}」为 {shown(got[0])}")
    if any(str(_value(p, values, row)) != v for p, v in check.when):
        return None
    if str(got[0]) in check.choices:
        return None
    cond = "、".join(f"「{label(p)}」为「{v}」" for p, v in check.when)
    return f"{cond}时，「{label(check.paths[0])}」只能是 {'、'.join(check.choices)}，实际为「{got[0]}」{note}"
