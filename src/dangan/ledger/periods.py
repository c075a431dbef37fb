"""Periods (pure): the day, week, month, quarter, half-year and year that entries are counted in.

Written the way a clerk names them: ``2026-11-04`` (day), ``2026-W47`` or any date of the week (week),
``2026-11`` (month), ``2026-Q4``, ``2026-H2``, ``2026``; Chinese forms (``2026年11月``, ``2026年第四季度``,
``2026年下半年``) are accepted too.

Weeks run Monday to Sunday (ISO 8601) unless a report's rhythm says otherwise: the renovation figures are
reported every Saturday morning (第一篇 4.2.1.3), so that report's week runs Saturday to Friday, the seven
days before the report.  ``2026-W47`` always names the week that *ends* in ISO week 47: Monday 16 to Sunday
22 November for a Monday week, Saturday 14 to Friday 20 November for a Saturday week.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum

from dangan.errors import InputError


class PeriodKind(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    HALF = "half"
    YEAR = "year"


KIND_NAMES = {PeriodKind.DAY: "日", PeriodKind.WEEK: "周", PeriodKind.MONTH: "月", PeriodKind.QUARTER: "季",
              PeriodKind.HALF: "半年", PeriodKind.YEAR: "年"}
MONDAY, SATURDAY = 0, 5
_QUARTER_NAMES = "一二三四"
_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4}


@dataclass(frozen=True, order=True)
class Period:
    """A run of whole days, ``start`` to ``end`` inclusive."""

    start: dt.date
    end: dt.date
    kind: PeriodKind
    week_start: int = MONDAY  # weeks only: 0 Monday … 5 Saturday

    @property
    def key(self) -> str:
        """The period as written on the command line: ``2026-11``, ``2026-W47``, ``2026-Q4`` …"""
        s = self.start
        if self.kind is PeriodKind.DAY:
            return s.isoformat()
        if self.kind is PeriodKind.WEEK:
            year, week, _ = self.end.isocalendar()
            return f"{year}-W{week:02d}"
        if self.kind is PeriodKind.MONTH:
            return f"{s.year}-{s.month:02d}"
        if self.kind is PeriodKind.QUARTER:
            return f"{s.year}-Q{(s.month - 1) // 3 + 1}"
        if self.kind is PeriodKind.HALF:
            return f"{s.year}-H{1 if s.month <= 6 else 2}"
        return str(s.year)

    @property
    def label(self) -> str:
        """The period in words, as printed on a register or report: ``2026年11月``, ``2026年第四季度`` …"""
        s, e = self.start, self.end
        if self.kind is PeriodKind.DAY:
            return f"{s.year}年{s.month}月{s.day}日"
        if self.kind is PeriodKind.WEEK:
            year, week, _ = e.isocalendar()
            span = (f"{s.month}月{s.day}日—{e.month}月{e.day}日" if s.year == e.year
                    else f"{s.year}年{s.month}月{s.day}日—{e.year}年{e.month}月{e.day}日")
            return f"{year}年第{week}周（{span}）"
        if self.kind is PeriodKind.MONTH:
            return f"{s.year}年{s.month}月"
        if self.kind is PeriodKind.QUARTER:
            return f"{s.year}年第{_QUARTER_NAMES[(s.month - 1) // 3]}季度"
        if self.kind is PeriodKind.HALF:
            return f"{s.year}年{'上' if s.month <= 6 else '下'}半年"
        return f"{s.year}年"

    @property
    def kind_name(self) -> str:
        return KIND_NAMES[self.kind]

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def contains(self, when: dt.date) -> bool:
        day = when.date() if isinstance(when, dt.datetime) else when
        return self.start <= day <= self.end

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """[first moment, first moment after) as wall-clock times (what entries' times are compared with)."""
        return (dt.datetime.combine(self.start, dt.time()),
                dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time()))

    def next(self) -> Period:
        return period_of(self.kind, self.end + dt.timedelta(days=1), week_start=self.week_start)

    def previous(self) -> Period:
        return period_of(self.kind, self.start - dt.timedelta(days=1), week_start=self.week_start)

    def months(self) -> list[str]:
        """The months (``2026-11``) this period covers, whole or in part."""
        out, y, m = [], self.start.year, self.start.month
        while (y, m) <= (self.end.year, self.end.month):
            out.append(f"{y}-{m:02d}")
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return out


def last_day(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def period_of(kind: PeriodKind | str, day: dt.date, *, week_start: int = MONDAY) -> Period:
    """The period of ``kind`` that contains ``day``."""
    kind = PeriodKind(kind)
    if isinstance(day, dt.datetime):
        day = day.date()
    y, m = day.year, day.month
    if kind is PeriodKind.DAY:
        return Period(day, day, kind)
    if kind is PeriodKind.WEEK:
        start = day - dt.timedelta(days=(day.weekday() - week_start) % 7)
        return Period(start, start + dt.timedelta(days=6), kind, week_start)
    if kind is PeriodKind.MONTH:
        return Period(dt.date(y, m, 1), dt.date(y, m, last_day(y, m)), kind)
    if kind is PeriodKind.QUARTER:
        first = 3 * ((m - 1) // 3) + 1
        return Period(dt.date(y, first, 1), dt.date(y, first + 2, last_day(y, first + 2)), kind)
    if kind is PeriodKind.HALF:
        first = 1 if m <= 6 else 7
        return Period(dt.date(y, first, 1), dt.date(y, first + 5, last_day(y, first + 5)), kind)
    return Period(dt.date(y, 1, 1), dt.date(y, 12, 31), kind)


def iso_week(year: int, week: int, *, week_start: int = MONDAY) -> Period:
    """The week (starting on ``week_start``) whose last day falls in ISO week ``year``-W``week``."""
    try:
        monday = dt.date.fromisocalendar(year, week, 1)
    except ValueError as e:
        raise ValueError(f"{year} 年没有第 {week} 周") from e
    sunday = monday + dt.timedelta(days=6)
    end = next(sunday - dt.timedelta(days=i) for i in range(7)
               if (sunday - dt.timedelta(days=i)).weekday() == (week_start - 1) % 7)
    return Period(end - dt.timedelta(days=6), end, PeriodKind.WEEK, week_start)


_OPTION = {PeriodKind.DAY: "--day", PeriodKind.WEEK: "--week", PeriodKind.MONTH: "--month",
           PeriodKind.QUARTER: "--quarter", PeriodKind.HALF: "--half", PeriodKind.YEAR: "--year"}
_NOUN = {PeriodKind.DAY: "日期", PeriodKind.WEEK: "周", PeriodKind.MONTH: "月份", PeriodKind.QUARTER: "季度",
         PeriodKind.HALF: "半年", PeriodKind.YEAR: "年份"}
_EXAMPLE = {PeriodKind.DAY: "2026-11-04", PeriodKind.WEEK: "2026-W47 或该周任一天 2026-11-18",
            PeriodKind.MONTH: "2026-11", PeriodKind.QUARTER: "2026-Q4", PeriodKind.HALF: "2026-H2",
            PeriodKind.YEAR: "2026"}


def _date(text: str) -> dt.date | None:
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y年%m月%d日"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def parse_period(kind: PeriodKind | str, text: str, *, week_start: int = MONDAY) -> Period:
    """The period a clerk wrote; InputError naming the option and an example otherwise."""
    kind = PeriodKind(kind)
    s = str(text).strip().upper().replace(" ", "")
    try:
        found = _parse(kind, s, week_start)
    except ValueError as e:
        raise InputError(f"{e}（应写成 {_EXAMPLE[kind]}）", field=_OPTION[kind]) from e
    if found is None:
        raise InputError(f"「{text}」不是有效的{_NOUN[kind]}（应写成 {_EXAMPLE[kind]}）", field=_OPTION[kind])
    return found


def _parse(kind: PeriodKind, s: str, week_start: int) -> Period | None:
    day = _date(s)
    if kind is PeriodKind.DAY:
        return period_of(kind, day) if day else None
    if kind is PeriodKind.WEEK:
        m = re.fullmatch(r"(\d{4})-?W(\d{1,2})", s) or re.fullmatch(r"(\d{4})年第(\d{1,2})周", s)
        if m:
            return iso_week(int(m[1]), int(m[2]), week_start=week_start)
        return period_of(kind, day, week_start=week_start) if day else None
    if day is not None and kind is not PeriodKind.YEAR:
        return period_of(kind, day)
    return _parse_named(kind, s)


def _year(text: str) -> int:
    year = int(text)
    if not 1900 <= year <= 9998:
        raise ValueError(f"年份 {year} 不可用")
    return year


def _parse_named(kind: PeriodKind, s: str) -> Period | None:
    if kind is PeriodKind.MONTH:
        m = re.fullmatch(r"(\d{4})(?:[-/.]|年)?(\d{1,2})月?", s)
        if not m or not 1 <= int(m[2]) <= 12:
            return None
        return period_of(kind, dt.date(_year(m[1]), int(m[2]), 1))
    if kind is PeriodKind.QUARTER:
        m = re.fullmatch(r"(\d{4})-?Q([1-4])", s) or re.fullmatch(r"(\d{4})年?第?([1-4一二三四])季度?", s)
        if not m:
            return None
        q = _CN_DIGITS.get(m[2]) or int(m[2])
        return period_of(kind, dt.date(_year(m[1]), 3 * q - 2, 1))
    if kind is PeriodKind.HALF:
        m = re.fullmatch(r"(\d{4})-?H([12])", s) or re.fullmatch(r"(\d{4})年?([上下])半年", s)
        if not m:
            return None
        first = m[2] in ("1", "上")
        return period_of(kind, dt.date(_year(m[1]), 1 if first else 7, 1))
    m = re.fullmatch(r"(\d{4})年?", s)
    return period_of(kind, dt.date(_year(m[1]), 1, 1)) if m else None


def monthly_window(year: int, month: int, first: int, last: int) -> tuple[dt.date, dt.date]:
    """The days ``first``–``last`` of a month, cut at the month's end (28–30 in February is 28 or 28–29)."""
    end = last_day(year, month)
    return dt.date(year, month, min(first, end)), dt.date(year, month, min(last, end))


def from_key(key: str) -> Period:
    """The period a key names (``2026-11``, ``2026-W47``, ``2026-Q4``, ``2026-H2``, ``2026``, ``2026-11-04``)."""
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", key):
        kind = PeriodKind.DAY
    elif "W" in key:
        kind = PeriodKind.WEEK
    elif "Q" in key:
        kind = PeriodKind.QUARTER
    elif "H" in key:
        kind = PeriodKind.HALF
    elif re.fullmatch(r"\d{4}-\d{2}", key):
        kind = PeriodKind.MONTH
    else:
        kind = PeriodKind.YEAR
    return parse_period(kind, key)
