"""Disposal (销毁): refuse what the rules forbid, file a 档案销毁清册, destroy the content.

Order: check (real clock, holds, status) → render the register PDF through
the forms engine → in one transaction, under the write lock: check again,
file the register (category XH, permanent), mark the records 已销毁, delete
their stored text, append the audit entries → commit → delete the files.
A crash after the commit leaves the filing journal in ``tmp/``; the next
start-up's reconcile finishes deleting the destroyed records' files.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dangan.archive.audit import AuditEvent
from dangan.archive.catalog import load_records
from dangan.archive.model import ArchiveEvent, FilingRequest, Record, Source, Status
from dangan.archive.plan import DISPOSAL_CATEGORY
from dangan.archive.retention import expiry_date, period_label
from dangan.errors import RetentionError

if TYPE_CHECKING:
    from dangan.archive.service import Archive, DisposalResult

REGISTER_FORM = "disposal-register"


def refusal_error(refusals: list[tuple[str, str]]) -> RetentionError:
    lines = "；".join(f"{code}：{why}" for code, why in refusals)
    return RetentionError(f"拒绝销毁（未做任何改动）——{lines}", code=refusals[0][0] if len(refusals) == 1 else None)


def dispose(archive: Archive, codes: Sequence[str], *, approver: str, reason: str) -> DisposalResult:
    from dangan.archive.service import DisposalResult

    codes = list(dict.fromkeys(c.strip() for c in codes if c.strip()))
    if not codes:
        raise RetentionError("没有指定要销毁的档号")
    if not approver.strip():
        raise RetentionError("销毁必须写明批准人（--approver）", field="approver")
    if not reason.strip():
        raise RetentionError("销毁必须写明原因（--reason）", field="reason")
    with archive._lock:
        refusals = archive.disposal_refusals(codes)
    if refusals:
        raise refusal_error(refusals)
    records = [archive.get(c) for c in codes]
    today = archive._today()
    state_dir = archive.ws.state_dir
    state_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=state_dir, prefix="register-") as tmp:
        doc = _render_register(archive, records, approver=approver, reason=reason, today=today, out_dir=Path(tmp))
        req = FilingRequest(
            path=doc.files["pdf"], category=DISPOSAL_CATEGORY, title=f"档案销毁清册（{len(records)} 件）",
            date=today, doc_number=doc.doc_number, author=archive._default_author(), source=Source.GENERATED,
            form_id=REGISTER_FORM, form_data=doc.data,
            meta={"approver": approver, "reason": reason, "disposed_codes": " ".join(codes)},
        )
        prepared = archive._prepare(req)
        register, disposed = _commit(archive, prepared, codes, approver=approver, reason=reason)
    events = [(ArchiveEvent.DISPOSED, r) for r in disposed] + [(ArchiveEvent.FILED, register)]
    archive._notify(events)
    return DisposalResult(register=register, disposed=disposed)


def _render_register(archive: Archive, records: list[Record], *, approver: str, reason: str, today: dt.date,
                     out_dir: Path) -> Any:
    from dangan.forms import render_form

    rows = []
    for r in records:
        period = archive.effective_period(r)
        original = r.original
        expiry = expiry_date(r.year, period)
        rows.append({
            "code": r.archival_code, "title": r.title, "doc_number": r.doc_number or "",
            "date": r.date.isoformat(), "period": period_label(period),
            "expiry": expiry.isoformat() if expiry else "",
            "pages": original.page_count if original and original.page_count else "",
            "sha256": original.sha256 if original else "",
        })
    data = {"disposal_date": today.isoformat(), "approver": approver, "reason": reason, "rows": rows}
    return render_form(archive.ws, REGISTER_FORM, data, formats=("pdf",), out_dir=out_dir)


def _commit(archive: Archive, prepared: Any, codes: list[str], *, approver: str, reason: str
            ) -> tuple[Record, list[Record]]:
    destroyed_paths: list[str] = []
    with archive._filing_tx() as tx:
        refusals = archive.disposal_refusals(codes)  # again, under the write lock
        if refusals:
            raise refusal_error(refusals)
        register = archive._file_chunk_in_tx([prepared], tx.published)[0].record
        disposed = [_mark_disposed(archive, code, register, approver=approver, reason=reason,
                                   paths=destroyed_paths) for code in codes]
        tx.after_commit.append(lambda: [archive.store.destroy(rel) for rel in destroyed_paths])
    return register, disposed


def _mark_disposed(archive: Archive, code: str, register: Record, *, approver: str, reason: str,
                   paths: list[str]) -> Record:
    conn = archive._conn
    record = load_records(conn, "r.archival_code = ?", (code,))[0]
    now = dt.datetime.now().astimezone().isoformat()
    conn.execute("UPDATE records SET status = ?, disposed_at = ? WHERE id = ?", (str(Status.DISPOSED), now, record.id))
    conn.execute("DELETE FROM texts WHERE file_id IN (SELECT id FROM files WHERE record_id = ?)", (record.id,))
    conn.execute("UPDATE files SET destroyed = 1 WHERE record_id = ?", (record.id,))
    paths.extend(f.path for f in record.files)
    updated = load_records(conn, "r.id = ?", (record.id,))[0]
    archive._audit_change(AuditEvent.DISPOSED, updated, register=register.archival_code, approver=approver,
                          reason=reason, sha256=[f.sha256 for f in record.files])
    return updated
