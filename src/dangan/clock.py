"""The clock: what time it is, as a parameter.

Everything that asks "what day is it" (filing dates, audit times, disposal,
quarantine reasons, generated documents) takes a :class:`Clock`.  The product
runs on :class:`SystemClock`; tests pass a :class:`FixedClock`, so nothing in
the suite changes its result with the calendar.  Disposal always goes by the
clock the archive was opened with: there is no option to dispose "as of"
another date.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol


class Clock(Protocol):
    def now(self) -> dt.datetime:
        """The current time, timezone-aware."""
        ...

    def today(self) -> dt.date: ...


class SystemClock:
    """The real clock (local time zone)."""

    def now(self) -> dt.datetime:
        return dt.datetime.now().astimezone()

    def today(self) -> dt.date:
        return self.now().date()


class FixedClock:
    """A clock that stands still until moved (tests, simulations)."""

    def __init__(self, when: dt.datetime | dt.date) -> None:
        self._now = _aware(when)

    def now(self) -> dt.datetime:
        return self._now

    def today(self) -> dt.date:
        return self._now.date()

    def set(self, when: dt.datetime | dt.date) -> None:
        self._now = _aware(when)

    def advance(self, **delta: float) -> None:
        """``clock.advance(days=1)``, ``clock.advance(seconds=5)``."""
        self._now += dt.timedelta(**delta)


def _aware(when: dt.datetime | dt.date) -> dt.datetime:
    if not isinstance(when, dt.datetime):
        when = dt.datetime(when.year, when.month, when.day, 9, 0)
    return when if when.tzinfo else when.replace(tzinfo=dt.timezone(dt.timedelta(hours=8)))


SYSTEM = SystemClock()
