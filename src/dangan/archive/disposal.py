"""Disposal (销毁) rules, as pure functions: what may be disposed of, and the register's rows.

The archive (:meth:`dangan.archive.service.Archive.dispose`) runs the steps:
check (its clock, holds, status) → render the 档案销毁清册 through the
renderer it was given (the forms engine, injected by the app) → in one
transaction: check again, file the register (XH, permanent), mark the
records 已销毁, append the audit entries → commit → delete the files.  A crash
after the commit leaves the filing journal in ``tmp/``; the next start-up's
reconcile finishes deleting the destroyed records' files.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from dangan.archive.model import Record, Status
from dangan.archive.retention import expiry_date, is_expired, period_label
from dangan.errors import RetentionError

REGISTER_FORM = "disposal-register"


@dataclass(frozen=True)
class RenderedRegister:
    """The register document made by the renderer: its PDF, 文号 and data (kept with the record)."""

    pdf: Path
    doc_number: str
    data: dict[str, Any]


class RegisterRenderer(Protocol):
    def __call__(self, data: dict[str, Any], *, out_dir: Path) -> RenderedRegister:
        """Render the 档案销毁清册 form with ``data`` as a PDF in ``out_dir``."""
        ...


def check_request(codes: Sequence[str], *, approver: str, reason: str) -> list[str]:
    """The codes asked for (deduplicated); RetentionError for a request that is not complete."""
    codes = list(dict.fromkeys(c.strip() for c in codes if c.strip()))
    if not codes:
        raise RetentionError("没有指定要销毁的档号")
    if not approver.strip():
        raise RetentionError("销毁必须写明批准人（--approver）", field="approver")
    if not reason.strip():
        raise RetentionError("销毁必须写明原因（--reason）", field="reason")
    return codes


def refusals(codes: Sequence[str], records: Mapping[str, Record], *, today: dt.date,
             period_of: Callable[[Record], str]) -> list[tuple[str, str]]:
    """(code, reason) for every record the date, holds and status forbid disposing of."""
    out: list[tuple[str, str]] = []
    for code in codes:
        record = records.get(code)
        if record is None:
            out.append((code, "档案库中没有这个档号"))
            continue
        period = period_of(record)
        if record.status is Status.DISPOSED:
            out.append((code, "已经销毁过"))
        elif record.status is Status.HELD:
            out.append((code, "处于冻结中，须全部解除冻结后才能销毁"))
        elif record.status is Status.LENT:
            out.append((code, "已借出，须归还后才能销毁"))
        elif not is_expired(record.year, period, today):
            expiry = expiry_date(record.year, period)
            when = f"{expiry:%Y年%m月%d日}起才可销毁" if expiry else "永久保存，不能销毁"
            out.append((code, f"保管期限（{period_label(period)}）未满，{when}"))
    return out


def refusal_error(found: list[tuple[str, str]]) -> RetentionError:
    lines = "；".join(f"{code}：{why}" for code, why in found)
    return RetentionError(f"拒绝销毁（未做任何改动）——{lines}", code=found[0][0] if len(found) == 1 else None)


def register_data(records: Sequence[Record], *, approver: str, reason: str, today: dt.date,
                  period_of: Callable[[Record], str]) -> dict[str, Any]:
    """The data of the disposal-register form (pure)."""
    rows = []
    for r in records:
        period = period_of(r)
        original = r.original
        expiry = expiry_date(r.year, period)
        rows.append({
            "code": r.archival_code, "title": r.title, "doc_number": r.doc_number or "",
            "date": r.date.isoformat(), "period": period_label(period),
            "expiry": expiry.isoformat() if expiry else "",
            "pages": original.page_count if original and original.page_count else "",
            "sha256": original.sha256 if original else "",
        })
    return {"disposal_date": today.isoformat(), "approver": approver, "reason": reason, "rows": rows}
