"""Reclassification (改类) of a record under review: the rules, and what the new record is made of (pure).

A 档号 never changes once given and 件号 run without gaps (DOMAIN.md §3), so a
document filed under the wrong category — a scan the rules could not place,
filed to 其他资料 (QT) and waiting for review — cannot be moved.  It is filed
again: a **new record** in the right category, with a new code, copies of its
files and its text, and ``supersedes`` naming the old code; the **old record**
keeps its code, its 件号 and its files (an archival copy with the 归档章 shows
the old code, so it is not copied: the new record is stamped anew), leaves the review queue and names the
new code in ``superseded_by``.  Both changes are audited in one transaction
(:meth:`dangan.archive.service.Archive.reclassify`).  The old entry is shown
as 已改类 with a link; the search index keeps only its metadata (its text is
found under the new code); the 归档文件目录 notes the link in 备注 both ways.

Only a record still under review may be reclassified: once an archivist has
confirmed it, its category is part of a permanent code and stays.
"""

from __future__ import annotations

from pathlib import Path

from dangan.archive.model import SUPERSEDED_BY, SUPERSEDES, FilingRequest, Record, Status
from dangan.archive.plan import DISPOSAL_CATEGORY, Category


def refusal(record: Record, target: Category, *, active_holds: int, active_loans: int = 0) -> str | None:
    """Why ``record`` may not be reclassified to ``target`` (None: it may)."""
    if record.status is Status.DISPOSED:
        return "该档案已销毁，不能改类"
    if record.superseded_by:
        return f"该档案已改类为 {record.superseded_by}，不能再改类"
    if active_holds:
        return "该档案已冻结：冻结不会随改类转到新档号，请先解除冻结再改类"
    if active_loans or record.status is Status.LENT:
        return "该档案借出未还：归还后再改类"
    if not record.needs_review:
        return "只有待审核的档案可以改类：已审核确认的档案，类别是档号的一部分，不再改变"
    if target.code == record.category:
        return f"该档案已在「{target.name}」类，无需改类"
    if DISPOSAL_CATEGORY in (target.code, record.category):
        return "档案销毁清册类只收销毁清册，不能改入或改出"
    return None


def new_request(record: Record, path: Path, *, category: str, title: str | None, text: str | None) -> FilingRequest:
    """The filing request of the record that replaces ``record`` in ``category``; ``path``: its original's copy."""
    meta = {k: v for k, v in record.meta.items() if k not in (SUPERSEDED_BY, SUPERSEDES)}
    meta[SUPERSEDES] = record.archival_code
    original = record.original
    return FilingRequest(
        path=path, category=category, title=(title or "").strip() or record.title, date=record.date,
        doc_number=record.doc_number, author=record.author, security=record.security, source=record.source,
        building=record.building, unit=record.unit, room=record.room, form_id=record.form_id,
        form_data=record.form_data, meta=meta, original_name=original.original_name if original else None,
        text=text, text_source=record.text_source, needs_review=False,
    )


def remarks(record: Record) -> str:
    """The 备注 of a record in the 归档文件目录 that names a reclassification."""
    if record.superseded_by:
        return f"已改类，见 {record.superseded_by}"
    if record.supersedes:
        return f"由 {record.supersedes} 改类"
    return ""
