"""The period options shared by ``register close``, ``report`` and ``fees stats``: exactly one of
--day, --week, --month, --quarter, --half, --year."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import click

HELP = {
    "day": "日，如 2026-11-04",
    "week": "周，如 2026-W47 或该周任一天（装修周报为周六至周五）",
    "month": "月，如 2026-11",
    "quarter": "季度，如 2026-Q4",
    "half": "半年，如 2026-H2（上半年 H1）",
    "year": "年，如 2026",
}


def period_options(*, kinds: Sequence[str] = tuple(HELP)) -> Callable[[Any], Any]:
    """Add one option per period kind (all optional; :func:`chosen_period` checks exactly one is given)."""
    def decorate(f: Any) -> Any:
        for kind in reversed(kinds):
            f = click.option(f"--{kind}", f"period_{kind}", default=None, metavar="PERIOD", help=HELP[kind])(f)
        return f
    return decorate


def chosen_period(options: Mapping[str, str | None]) -> tuple[str, str]:
    """(kind, text) of the one period option given."""
    given = [(k.removeprefix("period_"), v) for k, v in options.items() if k.startswith("period_") and v]
    if len(given) != 1:
        names = "、".join(f"--{k.removeprefix('period_')}" for k in options if k.startswith("period_"))
        raise click.UsageError(f"请指定一个统计期间：{names} 中的一个")
    return given[0][0], str(given[0][1])
