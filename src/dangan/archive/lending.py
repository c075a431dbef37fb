"""借阅 (lending) rules, as pure functions: who may borrow what, until when, and what is overdue.

Practice (DOMAIN.md §6): application, approval graded by 密级, issue against a
signature with a due date, reminders, return with a check of the record's
condition.  A record on loan may not be disposed of (:mod:`dangan.archive.disposal`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from dangan.archive.catalogue import Loan
from dangan.archive.model import Record, Status
from dangan.errors import ArchiveError

#: 密级 values that need no approver.  Anything else (内部, 秘密 …) is lent only with an approver named.
OPEN_LEVELS = ("", "无", "公开")
MAX_DAYS = 366  # a loan longer than a year is a transfer, not a loan


@dataclass(frozen=True)
class LoanRequest:
    codes: tuple[str, ...]
    borrower: str
    purpose: str
    due: dt.date
    unit: str = ""
    approver: str = ""
    electronic: bool = False


def check_request(req: LoanRequest, *, today: dt.date) -> None:
    """ArchiveError in words for an incomplete or impossible request (pure)."""
    if not req.codes:
        raise ArchiveError("没有指定要借出的档号")
    if not req.borrower.strip():
        raise ArchiveError("必须写明借阅人（--to）", field="to")
    if not req.purpose.strip():
        raise ArchiveError("必须写明借阅目的（--purpose）", field="purpose")
    if req.due < today:
        raise ArchiveError(f"应还日期 {req.due.isoformat()} 早于今天 {today.isoformat()}", field="due")
    if (req.due - today).days > MAX_DAYS:
        raise ArchiveError(f"借期不能超过 {MAX_DAYS} 天（应还日期 {req.due.isoformat()}）", field="due")


def refusal(record: Record, active: Sequence[Loan], req: LoanRequest) -> str | None:
    """Why ``record`` cannot be lent for ``req`` (None: it can)."""
    if record.status is Status.DISPOSED:
        return "已销毁，不能借出"
    if active:
        loan = active[0]
        return f"已借给 {loan.borrower}（应还 {loan.due.isoformat()}），须先归还"
    if record.security.strip() not in OPEN_LEVELS and not req.approver.strip():
        return f"密级为「{record.security}」，借出须写明批准人（--approver）"
    return None


def status_for(*, holds: int, loans: int, disposed: bool = False) -> Status:
    """A record's status from its open holds and loans: 冻结 over 借出 over 在库 (pure)."""
    if disposed:
        return Status.DISPOSED
    if holds:
        return Status.HELD
    if loans:
        return Status.LENT
    return Status.ACTIVE


def days_overdue(loan: Loan, today: dt.date) -> int:
    """Days past the due date of an open loan (0 when not overdue or returned)."""
    if not loan.active:
        return 0
    return max(0, (today - loan.due).days)


def is_overdue(loan: Loan, today: dt.date) -> bool:
    return days_overdue(loan, today) > 0


def in_month(loan: Loan, year: int, month: int) -> bool:
    """The loan was issued in that month, or was out during it (the monthly register lists both)."""
    first = dt.date(year, month, 1)
    last = dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)
    lent = loan.lent_at.date()
    returned = loan.returned_at.date() if loan.returned_at else None
    return lent <= last and (returned is None or returned >= first)
