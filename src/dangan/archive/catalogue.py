"""The catalogue interface: what the archive needs from the database that holds its records.

The catalogue is the archive's source of truth.  :class:`Catalogue` is the
whole contract, made of cohesive parts so that a backend (or a later issue)
can be read part by part: transactions, records, gap-free 件号, files and
their texts, holds, disposal marks, the audit chain and document numbers.
Every backend passes the contract suite in ``tests/contracts/``.

Rules every backend keeps:

- Writes happen inside ``with catalogue.transaction():``; a transaction that
  raises is rolled back entirely (item and document numbers included).
  ``transaction()`` nests: an inner block joins the outer transaction.
- A write transaction is serialised against every other writer (all
  processes and machines): what it reads inside is current until it commits.
- ``transaction(shared=True)`` is a *filing* transaction: it runs alongside
  other filing transactions (never alongside an ordinary one) and may only
  add records and files, take numbers and append audit entries.  Its
  correctness rests on the parts' own locks, held until commit: a series'
  件号 counter (:meth:`ItemNumbers.next_item_number`), a (prefix, year)'s 文号
  counter, the bytes looked up by :meth:`Records.find_by_sha256` and the
  audit head (:meth:`AuditLog.append_audit` seals at commit).  On SQLite
  every transaction is exclusive, so ``shared`` changes nothing there.
- A backend that detects two transactions waiting for each other raises
  :class:`TransactionConflict` from one of them (rolled back; run it again).
- Reads may happen inside or outside a transaction.

Backends are opened by URL (:func:`open_catalogue`): ``sqlite:///path`` and
``postgresql://user@host/db`` (:data:`BACKENDS`).
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol

from dangan.actor import Actor
from dangan.archive.audit import AuditEntry
from dangan.archive.model import FileRole, Record, Source, Status
from dangan.errors import ArchiveError

# -- the data that crosses the interface ---------------------------------------------------------------


@dataclass(frozen=True)
class RecordQuery:
    """Which records: every given criterion must hold.  Results come in id order."""

    codes: Sequence[str] | None = None
    ids: Sequence[int] | None = None
    category: str | None = None
    year: int | None = None
    status: Status | None = None
    needs_review: bool | None = None
    doc_number: str | None = None
    after_id: int | None = None  # paging: only ids greater than this
    limit: int | None = None


@dataclass(frozen=True)
class ItemSeries:
    """The run of 件号 one archival code belongs to: 全宗, 年度, 保管期限 (of the code), 问题."""

    fonds: str
    year: int
    period: str
    category: str


@dataclass(frozen=True)
class NewRecord:
    archival_code: str
    series: ItemSeries
    seq: int
    period: str
    title: str
    doc_number: str | None
    author: str
    date: dt.date
    security: str
    source: Source
    form_id: str | None
    form_data: dict[str, Any] | None
    needs_review: bool
    text_source: str | None
    filed_at: dt.datetime
    building: str | None = None
    unit: str | None = None
    room: str | None = None
    meta: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class NewFile:
    role: FileRole
    path: str  # relative to the archive folder
    sha256: str
    size: int
    format: str
    page_count: int | None
    original_name: str
    text: str | None = None
    text_source: str | None = None


@dataclass(frozen=True)
class FileEntry:
    """A stored path as the catalogue knows it (for reconcile)."""

    path: str
    code: str
    destroyed: bool


@dataclass(frozen=True)
class Hold:
    id: int
    code: str
    reason: str
    placed_at: dt.datetime
    released_at: dt.datetime | None = None
    release_reason: str | None = None

    @property
    def active(self) -> bool:
        return self.released_at is None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "code": self.code, "reason": self.reason, "placed_at": self.placed_at.isoformat(),
                "released_at": self.released_at.isoformat() if self.released_at else None,
                "release_reason": self.release_reason}


@dataclass(frozen=True)
class NewLoan:
    """A loan (借阅) being issued: who, why, until when."""

    borrower: str
    purpose: str
    due: dt.date
    lent_at: dt.datetime
    unit: str = ""  # the borrower's department or company
    approver: str = ""
    electronic: bool = False  # a watermarked electronic copy was handed out


@dataclass(frozen=True)
class Loan:
    id: int
    code: str
    borrower: str
    purpose: str
    due: dt.date
    lent_at: dt.datetime
    unit: str = ""
    approver: str = ""
    electronic: bool = False
    returned_at: dt.datetime | None = None
    return_note: str | None = None

    @property
    def active(self) -> bool:
        return self.returned_at is None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "code": self.code, "borrower": self.borrower, "unit": self.unit,
                "purpose": self.purpose, "approver": self.approver, "electronic": self.electronic,
                "lent_at": self.lent_at.isoformat(), "due": self.due.isoformat(),
                "returned_at": self.returned_at.isoformat() if self.returned_at else None,
                "return_note": self.return_note}


#: Descriptive columns of a record that a metadata change may set (everything else is meta).
DESCRIPTIVE = ("title", "doc_number", "author", "security", "building", "unit", "room")


@dataclass(frozen=True)
class AuditHead:
    id: int
    hash: str


# -- the parts of the contract ----------------------------------------------------------------------


class TransactionConflict(ArchiveError):
    """Two writers waited for each other (a deadlock); this one was rolled back and may simply run again."""


class Transactions(Protocol):
    def transaction(self, *, shared: bool = False) -> AbstractContextManager[None]:
        """A write transaction; ``shared=True`` for filing (see the module's rules)."""
        ...

    def close(self) -> None: ...


class Records(Protocol):
    def records(self, query: RecordQuery = ...) -> list[Record]:
        """Records (with files and metadata) matching ``query``, by id."""
        ...

    def record(self, code: str) -> Record | None: ...

    def find_by_sha256(self, sha256: str) -> Record | None:
        """The record holding a live (not destroyed) file with these bytes, oldest first.

        Inside a write transaction the bytes stay locked until it ends: no
        other writer files them meanwhile (so they are never filed twice).
        """
        ...

    def insert_record(self, new: NewRecord) -> int:
        """Insert a record (status active) with its metadata; returns its id."""
        ...

    def update_record(self, record_id: int, **columns: Any) -> None:
        """Set descriptive columns (:data:`DESCRIPTIVE`), ``needs_review``, ``date``, ``period`` or ``status``."""
        ...

    def set_meta(self, record_id: int, key: str, value: str | None) -> None:
        """Set free metadata; None removes the key."""
        ...


class ItemNumbers(Protocol):
    def next_item_number(self, series: ItemSeries) -> int:
        """The next 件号 of ``series`` (1, 2, …), consumed when the transaction commits, returned on rollback."""
        ...


class Files(Protocol):
    def add_file(self, record_id: int, new: NewFile) -> int: ...

    def file_entries(self) -> list[FileEntry]: ...


class Texts(Protocol):
    def texts_of(self, record_ids: Iterable[int]) -> dict[int, str | None]:
        """The full text of each record: its live files' texts in file order, or None."""
        ...


class Holds(Protocol):
    def place_hold(self, record_id: int, *, reason: str, at: dt.datetime) -> Hold: ...

    def release_hold(self, hold_id: int, *, reason: str, at: dt.datetime) -> None: ...

    def holds(self, record_id: int, *, active_only: bool = True) -> list[Hold]: ...


class DisposalMarks(Protocol):
    def mark_disposed(self, record_id: int, *, at: dt.datetime) -> None:
        """Status 已销毁 with its time, every file marked destroyed, the stored text deleted."""
        ...


class Loans(Protocol):
    """借阅: loans of records, open until returned.  A record's status says 借出 while one is open."""

    def open_loan(self, record_id: int, new: NewLoan) -> Loan: ...

    def close_loan(self, loan_id: int, *, at: dt.datetime, note: str) -> None: ...

    def loans(self, *, record_id: int | None = None, active_only: bool = False) -> list[Loan]:
        """Loans (of one record, or all), oldest first."""
        ...


class FileRoles(Protocol):
    def set_file_role(self, path: str, role: FileRole) -> None:
        """Change the role of a stored file (a rendition replaced by a newer one stays, as history)."""
        ...


class Imports(Protocol):
    def adopt_item_number(self, series: ItemSeries, seq: int) -> None:
        """A record with 件号 ``seq`` came in from a transfer package: the series goes on after it (never back)."""
        ...


class AuditLog(Protocol):
    def audit_head(self) -> AuditHead | None:
        """The newest entry; inside a write transaction it stays the head until commit."""
        ...

    def insert_audit(self, entry: AuditEntry) -> None:
        """Append an entry sealed after :meth:`audit_head` (see :func:`dangan.archive.audit.seal`); copies too."""
        ...

    def append_audit(self, event: str, *, code: str | None, details: dict[str, Any], at: dt.datetime,
                     actor: Actor | None) -> None:
        """Append a new entry after the head, inside the current transaction.

        The backend seals it (id, previous hash) by the time the transaction
        commits, under its hold on the audit head; a backend may wait until
        the commit, so concurrent filing serialises only there.
        """
        ...

    def audit_entries(self, *, code: str | None = None) -> list[AuditEntry]: ...


class DocumentNumbers(Protocol):
    def allocate_doc_numbers(self, prefix: str, year: int, form_id: str, *, count: int,
                             at: dt.datetime) -> list[int]:
        """``count`` new consecutive sequence numbers of (prefix, year); consumed when the transaction commits."""
        ...

    def record_issued(self, numbers: Iterable[str], form_id: str, at: dt.datetime) -> None:
        """Remember the numbers just allocated (as text) and the form they were issued for."""
        ...

    def note_doc_number(self, prefix: str, year: int, seq: int, *, doc_number: str, form_id: str | None,
                        at: dt.datetime) -> None:
        """A number given from outside (a record filed with it): never issue it again."""
        ...

    def doc_number_form(self, doc_number: str) -> str | None:
        """The form a number was issued for, or None."""
        ...


class Catalogue(Transactions, Records, ItemNumbers, Files, Texts, Holds, DisposalMarks, AuditLog, DocumentNumbers,
                Loans, FileRoles, Imports, Protocol):
    """The whole catalogue contract."""


# -- opening a backend ------------------------------------------------------------------------------

#: URL scheme → "module:function" that opens a catalogue from a URL.
BACKENDS: dict[str, str] = {
    "sqlite": "dangan.archive.sqlite:open_url",
    "postgresql": "dangan.archive.postgres:open_url",
    "postgres": "dangan.archive.postgres:open_url",
}


def open_catalogue(url: str, **options: Any) -> Catalogue:
    """Open (creating and migrating) the catalogue at ``url``; ``options`` go to the backend (``pool_size``)."""
    scheme = url.split(":", 1)[0].split("+", 1)[0]
    target = BACKENDS.get(scheme)
    if target is None:
        raise ArchiveError(f"不支持的档案目录数据库：{scheme}（可用：{'、'.join(BACKENDS)}）", field="database.url")
    module, func = target.split(":")
    opener = getattr(importlib.import_module(module), func)
    catalogue: Catalogue = opener(url, **options)
    return catalogue
