"""What the rules make due, and when (pure).

- 装修及验收情况周报: every Saturday morning, the week Saturday–Friday before it (第一篇 4.2.1.3).
- 报事统计分析周报: every week (3.13), due once the week (Monday–Sunday) is over.
- 投诉分析报告: once a month (第三篇 第十八条), due on the month's last day.
- 投诉及维修有效率、及时率月报: monthly (4.12), due on the month's last day.
- 特约服务月统计表: on the 28th–30th of each month (4.11.4; in February the 28th, or 28th–29th).
- 标识巡查记录: signs checked twice every day (4.3.5).

A report is listed from the first day it is due until one is filed for its period; after its last due day
it is listed as overdue.  Only periods since a report's registers were first used are listed (a centre
that has not started a register is not told its reports are missing).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from dangan.ledger.periods import MONDAY, SATURDAY, Period, PeriodKind, monthly_window, period_of

SPECIAL_SERVICE_DAYS = (28, 30)
SIGN_FORM = "sign-inspection"
SIGN_ROUNDS = ("第一遍", "第二遍")


@dataclass(frozen=True)
class Schedule:
    report: str  # the report form
    title: str
    kind: PeriodKind
    rule: str
    sources: tuple[str, ...]  # the register forms it counts
    week_start: int = MONDAY
    when: str = ""  # the rhythm in words

    def period_of(self, day: dt.date) -> Period:
        return period_of(self.kind, day, week_start=self.week_start)

    def window(self, period: Period) -> tuple[dt.date, dt.date]:
        """(first day it is due, last day before it is overdue)."""
        if self.report == "special-service-monthly":
            return monthly_window(period.start.year, period.start.month, *SPECIAL_SERVICE_DAYS)
        if self.kind is PeriodKind.WEEK:
            day_after = period.end + dt.timedelta(days=1)
            return day_after, day_after
        return period.end, period.end


SCHEDULES: tuple[Schedule, ...] = (
    Schedule("renovation-weekly", "装修及验收情况周报", PeriodKind.WEEK, "一 4.2.1.3", ("renovation-inspection",),
             week_start=SATURDAY, when="每周六上午"),
    Schedule("incident-weekly", "报事统计分析周报", PeriodKind.WEEK, "一 3.13", ("incident-register",),
             when="每周"),
    Schedule("complaint-analysis", "投诉分析报告", PeriodKind.MONTH, "三 第十八条", ("complaint-register",),
             when="每月月末"),
    Schedule("repair-complaint-monthly", "投诉及维修有效率、及时率月报", PeriodKind.MONTH, "一 4.12",
             ("complaint-register", "incident-register"), when="每月月末"),
    Schedule("special-service-monthly", "特约服务月统计表", PeriodKind.MONTH, "一 4.11.4",
             ("special-service-register",), when="每月28—30日"),
)


@dataclass(frozen=True)
class ReportDue:
    report: str
    title: str
    period: Period
    first_day: dt.date
    last_day: dt.date
    overdue: bool
    rule: str
    when: str

    def to_dict(self) -> dict[str, object]:
        return {"report": self.report, "title": self.title, "period": self.period.key,
                "period_label": self.period.label, "period_kind": str(self.period.kind),
                "due_from": self.first_day.isoformat(), "due_by": self.last_day.isoformat(),
                "overdue": self.overdue, "rule": self.rule, "when": self.when}


def _candidates(s: Schedule, today: dt.date) -> list[Period]:
    """The latest period that is due by ``today``, and the one before it."""
    p = s.period_of(today)
    while s.window(p)[0] > today:
        p = p.previous()
    return [p.previous(), p]


def reports_due(today: dt.date, *, filed: Collection[tuple[str, str]], since: dict[str, dt.date],
                schedules: Iterable[Schedule] = SCHEDULES) -> list[ReportDue]:
    """Reports due ``today`` and not filed: ``filed`` holds (report, period key); ``since`` the day each
    register form was first used (a report whose registers are unused is never due)."""
    out: list[ReportDue] = []
    for s in schedules:
        starts = [since[f] for f in s.sources if f in since]
        if not starts:
            continue
        for p in _candidates(s, today):
            if p.end < min(starts) or (s.report, p.key) in filed:
                continue
            first, last = s.window(p)
            out.append(ReportDue(s.report, s.title, p, first, last, today > last, s.rule, s.when))
    return out


@dataclass(frozen=True)
class SignChecks:
    """Today's sign checks against 每日对辖区标识检查2遍 (4.3.5)."""

    day: dt.date
    recorded: tuple[str, ...]
    entries: tuple[int, ...]

    @property
    def missing(self) -> tuple[str, ...]:
        return tuple(r for r in SIGN_ROUNDS if r not in self.recorded)

    def to_dict(self) -> dict[str, object]:
        return {"date": self.day.isoformat(), "recorded": list(self.recorded), "missing": list(self.missing),
                "entries": list(self.entries), "rule": "一 4.3.5"}


def sign_checks(day: dt.date, rounds: Iterable[tuple[int, str | None]]) -> SignChecks:
    """``rounds``: (entry number, 遍次) of the day's sign-inspection entries."""
    pairs = list(rounds)
    recorded = tuple(r for r in SIGN_ROUNDS if any(v == r for _, v in pairs))
    return SignChecks(day, recorded, tuple(n for n, _ in pairs))
