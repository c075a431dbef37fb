"""Data that crosses the archive's boundary: filing requests, records, events.

These types are the contract between the archive and its neighbours: the
forms generator and the watched folders build :class:`FilingRequest`s; the
search index receives :class:`ArchiveEvent`s through listeners.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol


class Status(StrEnum):
    ACTIVE = "active"  # 在库
    HELD = "held"  # 冻结（至少一项未解除的冻结）
    DISPOSED = "disposed"  # 已销毁
    LENT = "lent"  # 借出（有未归还的借阅；冻结优先显示）


#: Free metadata naming the record filed in a reclassified record's place (DOMAIN.md §3: a code never
#: changes, so reclassifying files the document again under a new code), and, on that one, the record it replaces.
SUPERSEDED_BY = "superseded_by"
SUPERSEDES = "supersedes"


class Source(StrEnum):
    GENERATED = "generated"  # dangan 生成
    SCANNED = "scanned"  # 监视目录/扫描件
    MANUAL = "manual"  # 手工添加


class FileRole(StrEnum):
    ORIGINAL = "original"  # the archival copy (PDF for generated documents)
    ATTACHMENT = "attachment"  # e.g. the DOCX of a generated document
    SIGNED = "signed"  # a scan of the signed paper copy
    RENDITION = "rendition"  # the archival copy with the 归档章 (PDF/A-2b), made from the original
    OLD_RENDITION = "rendition_superseded"  # an earlier rendition, replaced after a metadata change (history)


@dataclass
class FilingRequest:
    """Everything needed to file one 件.  Only ``path`` and ``category`` are required."""

    path: Path
    category: str
    title: str | None = None
    date: dt.date | None = None
    doc_number: str | None = None  # 文号
    author: str | None = None  # 责任者 (defaults to the centre's name)
    security: str = "无"  # 密级
    source: Source = Source.MANUAL
    building: str | None = None
    unit: str | None = None
    room: str | None = None
    form_id: str | None = None
    form_data: dict[str, Any] | None = None
    meta: dict[str, str] = field(default_factory=dict)
    attachments: list[Path] = field(default_factory=list)
    original_name: str | None = None
    # Text for the index.  None: the archive extracts it from the file.
    text: str | None = None
    text_source: str | None = None  # "layer", "docx", "txt", "ocr", "none"
    needs_review: bool = False


@dataclass(frozen=True)
class StoredFile:
    role: FileRole
    path: str  # relative to the archive folder
    sha256: str
    size: int
    format: str  # pdf, docx, jpg, png, tiff, txt
    page_count: int | None
    original_name: str
    destroyed: bool = False  # content destroyed by a disposal; the entry stays


@dataclass
class Record:
    """One catalogue row (one 件) with its files."""

    id: int
    archival_code: str
    title: str
    doc_number: str | None
    author: str
    date: dt.date
    year: int
    category: str
    period: str  # retention period now: Y, D30, D10 or D<years> for custom periods (may be extended)
    security: str
    source: Source
    status: Status
    building: str | None
    unit: str | None
    room: str | None
    form_id: str | None
    form_data: dict[str, Any] | None
    meta: dict[str, str]
    needs_review: bool
    text_source: str | None
    filed_at: dt.datetime
    files: list[StoredFile]
    disposed_at: dt.datetime | None = None

    @property
    def original(self) -> StoredFile | None:
        return next((f for f in self.files if f.role is FileRole.ORIGINAL), None)

    @property
    def rendition(self) -> StoredFile | None:
        """The current archival copy with the 归档章, if one was made."""
        return next((f for f in reversed(self.files) if f.role is FileRole.RENDITION and not f.destroyed), None)

    @property
    def superseded_by(self) -> str | None:
        """The code this record was reclassified to (its entry stays, its files stay; the new one is current)."""
        return self.meta.get(SUPERSEDED_BY) or None

    @property
    def supersedes(self) -> str | None:
        """The code of the record this one was reclassified from."""
        return self.meta.get(SUPERSEDES) or None


@dataclass(frozen=True)
class FilingResult:
    record: Record
    duplicate: bool  # True: these bytes were already filed; record is the existing one


class ArchiveEvent(StrEnum):
    FILED = "filed"
    SIGNED_COPY = "signed_copy"
    DUPLICATE = "duplicate"
    METADATA = "metadata"
    HOLD = "hold"
    RELEASE = "release"
    EXTEND = "extend"
    DISPOSED = "disposed"
    RENDITION = "rendition"  # an archival copy (归档章) was added
    LOAN = "loan"  # lent out (status 借出)
    RETURN = "return"  # returned
    TRANSFER = "transfer"  # handed over in a transfer package (移交)


class ArchiveListener(Protocol):
    """Something that follows the archive, e.g. the search index.

    Called after the catalogue commit.  ``text`` is the record's full stored
    text (original + signed copies) for every event except DISPOSED, where it
    is None: the content is gone.  DUPLICATE is not sent (nothing changed).
    A disposal sends DISPOSED for each record and FILED for the register.
    A listener that fails raises; the archive reports the failure to the
    caller and the drift stays visible to ``dangan index check``.
    """

    def on_archive_event(self, event: ArchiveEvent, record: Record, text: str | None) -> None: ...

    # A listener may also define ``on_archive_events(batch)``, taking a list of
    # (event, record, text); the archive then hands it a whole filing batch at once.
