"""Retention rules (DOMAIN.md §2), as pure functions.

Periods are written ``Y`` (永久, permanent) or ``D<years>`` (定期): the
national tiers are ``D30`` and ``D10``; a period configured as a number of
years ``N`` becomes ``D<N>`` (e.g. 15 → ``D15``), so the 保管期限 segment of
the 档号 stays parseable.

A period starts on 1 January of the year after the document's year, so a
document of 2026 kept D10 may be disposed of from 2037-01-01 on.
"""

from __future__ import annotations

import datetime as dt
import re

from dangan.errors import ConfigError

PERMANENT = "Y"
_PERIOD = re.compile(r"^(?:Y|D([1-9]\d{0,2}))$")
PERIOD_NAMES = {"Y": "永久", "D30": "定期30年", "D10": "定期10年"}


def parse_period(value: str | int) -> str:
    """Canonical period text from config/CLI input: ``Y``, ``D30``, ``30`` or 30 → ``D30``."""
    if isinstance(value, bool):
        raise ConfigError(f"保管期限 {value!r} 无效：应为 Y、D30、D10 或年数")
    if isinstance(value, int):
        text = f"D{value}"
    else:
        text = value.strip().upper()
        if text in ("永久", "PERMANENT"):
            text = PERMANENT
        elif text.isdigit():
            text = f"D{int(text)}"
    if not _PERIOD.match(text):
        raise ConfigError(f"保管期限 {value!r} 无效：应为 Y（永久）、D30、D10 或 1–999 的年数")
    return text


def is_period(text: str) -> bool:
    return bool(_PERIOD.match(text))


def period_years(period: str) -> int | None:
    """Years of a period; None for permanent (Y)."""
    m = _PERIOD.match(period)
    if not m:
        raise ConfigError(f"保管期限 {period!r} 无效")
    return int(m.group(1)) if m.group(1) else None


def period_label(period: str) -> str:
    """永久 / 定期30年 / 定期15年."""
    years = period_years(period)
    return "永久" if years is None else f"定期{years}年"


def period_key(period: str) -> float:
    """Sort key: longer periods compare greater; Y is infinite."""
    years = period_years(period)
    return float("inf") if years is None else float(years)


def is_longer(a: str, b: str) -> bool:
    """True if ``a`` keeps a record strictly longer than ``b``."""
    return period_key(a) > period_key(b)


def longer_of(a: str, b: str) -> str:
    return a if period_key(a) >= period_key(b) else b


def period_start(doc_year: int) -> dt.date:
    """A period starts on 1 January of the year after the document's year."""
    return dt.date(doc_year + 1, 1, 1)


def expiry_date(doc_year: int, period: str) -> dt.date | None:
    """First day the record may be disposed of; None if it is kept forever (or past the calendar)."""
    years = period_years(period)
    if years is None or doc_year + 1 + years > dt.MAXYEAR:
        return None
    start = period_start(doc_year)
    return start.replace(year=start.year + years)


EARLIEST_YEAR = 1900


def document_date_problem(date: dt.date, today: dt.date) -> str | None:
    """Why a document date cannot be filed, or None.

    The year becomes part of the 档号 and starts the retention period, so a
    typo (9999, 0206) would be permanent: accept 1900 up to next year.
    """
    if date.year < EARLIEST_YEAR or date.year > today.year + 1:
        return f"文件日期 {date.isoformat()} 的年度不合理（应在 {EARLIEST_YEAR} 年到 {today.year + 1} 年之间）；年度会写进档号且不能更改，请核对"
    return None


def is_expired(doc_year: int, period: str, as_of: dt.date) -> bool:
    expiry = expiry_date(doc_year, period)
    return expiry is not None and as_of >= expiry


def effective_period(filed: str, current_plan: str | None) -> str:
    """The period that applies to a filed record today.

    A record keeps the period it was filed (or extended) with; the file plan
    may lengthen it later, but changing the plan never shortens it.
    """
    if current_plan is None:
        return filed
    return longer_of(filed, current_plan)


def check_extension(current: str, target: str) -> str | None:
    """None if ``target`` lengthens ``current``; otherwise the reason it is refused."""
    if not is_longer(target, current):
        return (
            f"只能延长保管期限：现为{period_label(current)}，"
            f"目标{period_label(target)}不长于现有期限"
        )
    return None


def shorter_than_minimum(configured: str, minimum: str | None) -> bool:
    """True if a configured period is below the national minimum (gives a warning)."""
    return minimum is not None and is_longer(minimum, configured)
