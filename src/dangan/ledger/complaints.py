"""The 30-minute clock of complaints (pure): 第三篇 第十六条.

"在接到投诉30分钟内提出处理方案或者解决办法，并尽快回复客户处理结果。"  A complaint's 接诉时间 starts the
clock; its 提出处理方案时间 stops it.  Whether a complaint met the rule is computed here from those two
times (the same judgement as the forms' ``within_minutes``), never typed.  A complaint is open until its
结案时间 (the result replied to the client) is filled in.

Times are wall-clock times of the centre (naive): "now" is the app clock's wall time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from dangan.forms.derive import fn_within_minutes

FORM = "complaint-register"
LIMIT_MINUTES = 30
RULE = "三 第十六条"


class Answer(StrEnum):
    IN_TIME = "in_time"  # a solution proposed within 30 minutes
    LATE = "late"  # proposed, but after more than 30 minutes
    WAITING = "waiting"  # none yet, still within the 30 minutes
    OVERDUE = "overdue"  # none yet, and the 30 minutes are past


ANSWER_NAMES = {Answer.IN_TIME: "30分钟内已提出方案", Answer.LATE: "超过30分钟才提出方案",
                Answer.WAITING: "待提出方案", Answer.OVERDUE: "超过30分钟未提出方案"}


def deadline(received_at: dt.datetime) -> dt.datetime:
    """The last moment a solution may be proposed."""
    return received_at + dt.timedelta(minutes=LIMIT_MINUTES)


def answer(received_at: dt.datetime, proposed_at: dt.datetime | None, now: dt.datetime) -> Answer:
    """Where a complaint stands against the 30-minute rule at wall-clock ``now``."""
    if proposed_at is not None:
        return Answer.IN_TIME if fn_within_minutes(received_at, proposed_at, LIMIT_MINUTES) else Answer.LATE
    return Answer.WAITING if now <= deadline(received_at) else Answer.OVERDUE


def minutes_taken(received_at: dt.datetime, proposed_at: dt.datetime | None, now: dt.datetime) -> int:
    """Whole minutes from receipt to the proposal (or to now, while there is none)."""
    end = proposed_at if proposed_at is not None else now
    return int((end - received_at).total_seconds() // 60)


@dataclass(frozen=True)
class ComplaintState:
    number: int
    received_at: dt.datetime
    proposed_at: dt.datetime | None
    closed_at: dt.datetime | None
    answer: Answer
    minutes: int  # taken (or waited so far)

    @property
    def open(self) -> bool:
        return self.closed_at is None

    @property
    def in_time(self) -> bool:
        return self.answer is Answer.IN_TIME

    @property
    def needs_attention(self) -> bool:
        """Listed by ``register overdue``: no solution after 30 minutes, or not closed yet."""
        return self.answer is Answer.OVERDUE or self.open


def state(number: int, values: Mapping[str, Any], now: dt.datetime) -> ComplaintState:
    """The state of one complaint entry (typed values) at ``now``."""
    received, proposed = values["received_at"], values.get("proposed_at")
    return ComplaintState(number=number, received_at=received, proposed_at=proposed,
                          closed_at=values.get("closed_at"), answer=answer(received, proposed, now),
                          minutes=minutes_taken(received, proposed, now))
