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
    placed_by: str | None = None  # who placed it (None: placed before dangan recorded it)
    released_by: str | None = None

    @property
    def active(self) -> bool:
        return self.released_at is None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "code": self.code, "reason": self.reason, "placed_at": self.placed_at.isoformat(),
                "placed_by": self.placed_by,
                "released_at": self.released_at.isoformat() if self.released_at else None,
                "release_reason": self.release_reason, "released_by": self.released_by}


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
class UserAccount:
    """A person who logs in to the web interface (``dangan user add``).  The password is stored hashed only."""

    name: str
    role: str  # staff, archivist, approver, admin (dangan.app.roles)
    password_hash: str
    created_at: dt.datetime
    disabled: bool = False
    auth_epoch: int = 0  # raised by a password change or disable: sessions made before it no longer count
    failed_logins: int = 0  # consecutive failed logins (login throttling)
    locked_until: dt.datetime | None = None
    last_login: dt.datetime | None = None


#: Columns of a user account that :meth:`Accounts.update_user` may set.
USER_UPDATABLE = ("role", "password_hash", "disabled", "auth_epoch", "failed_logins", "locked_until", "last_login")


@dataclass(frozen=True)
class ApiToken:
    """A device's API token (a scanner workstation): only its hash is stored."""

    id: int
    name: str
    token_hash: str
    scope: str  # what it may do: "upload"
    created_at: dt.datetime
    revoked_at: dt.datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


@dataclass(frozen=True)
class DisposalProposal:
    """An archivist's proposal to dispose of records, waiting for a different approver's decision."""

    id: int
    codes: tuple[str, ...]
    reason: str
    proposer: str
    proposed_at: dt.datetime
    status: str = "pending"  # pending, approved, rejected, withdrawn
    decider: str | None = None
    decided_at: dt.datetime | None = None
    note: str | None = None  # the approver's remark (why rejected)
    register_code: str | None = None  # the 档案销毁清册 filed on approval


@dataclass(frozen=True)
class AuditHead:
    id: int
    hash: str


# -- ledger entries, closes and report runs (the live registers, issue 12) ---------------------------


@dataclass(frozen=True)
class NewEntry:
    """A register entry as it happens.  ``at`` places it in a period: a wall-clock time (naive)."""

    form_id: str
    at: dt.datetime
    data: Mapping[str, Any]  # the validated values, JSON-able (dates as ISO text, money as "447.50")
    entered_at: dt.datetime
    entered_by: Actor | None
    reason: str | None = None  # a late entry (its period already closed) says why
    amends: int | None = None  # the close whose period the entry falls in, when already closed


@dataclass(frozen=True)
class Entry:
    """One entry, as it stands now (its latest version)."""

    form_id: str
    number: int  # 1, 2, … per form, gap-free
    at: dt.datetime
    data: dict[str, Any]
    entered_at: dt.datetime
    entered_by: Actor | None
    version: int = 1
    changed_at: dt.datetime | None = None
    changed_by: Actor | None = None
    close_id: int | None = None  # the close that froze it (None: its period is open)

    @property
    def frozen(self) -> bool:
        return self.close_id is not None


@dataclass(frozen=True)
class EntryChange:
    """One version of an entry: version 1 is the entry as entered, every later one a correction."""

    form_id: str
    number: int
    version: int
    at: dt.datetime
    data: dict[str, Any]
    changed_at: dt.datetime
    changed_by: Actor | None
    reason: str | None
    amends: int | None = None  # the close it corrects (the entry was frozen): an amendment
    filed_with: int | None = None  # the close that filed the amendment (None: not filed yet)


@dataclass(frozen=True)
class EntryQuery:
    """Entries of one form; ``start`` ≤ at < ``end``.  Results by time, then number."""

    form_id: str
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    numbers: Sequence[int] | None = None
    open_only: bool = False  # only entries not frozen by a close


@dataclass(frozen=True)
class NewClose:
    """Closing a period of one register: the sheet filed, the entries of [start, end) frozen."""

    form_id: str
    period: str  # the period's key: 2026-11, 2026-W47, 2026-11-04
    start: dt.datetime
    end: dt.datetime
    archival_code: str  # the register sheet filed
    closed_at: dt.datetime
    closed_by: Actor | None
    amendment_code: str | None = None  # the 登记更正单 filed with it, for corrections of earlier closes


@dataclass(frozen=True)
class Close:
    id: int
    form_id: str
    period: str
    start: dt.datetime
    end: dt.datetime
    archival_code: str
    closed_at: dt.datetime
    closed_by: Actor | None
    amendment_code: str | None
    entries: int  # how many entries it froze


@dataclass(frozen=True)
class ReportRun:
    """A report computed from entries and filed: the same figures for the same period file once."""

    form_id: str
    period: str
    digest: str  # of the computed data (what was counted and how)
    archival_code: str
    filed_at: dt.datetime
    counted: Mapping[str, Sequence[int]] = field(default_factory=dict)  # register form → entry numbers


# -- fees: the cashier's list, payments and the notices of the chain (第一篇 4.1) -------------------------


@dataclass(frozen=True)
class BillLine:
    """One fee item of one unit's bill for a month (the cashier's 缴费清单).  Money in fen (integer)."""

    month: str  # 2026-11
    unit: str
    owner: str
    item: str
    amount_cents: int
    issue_date: dt.date  # the list was printed / the notices are dated
    due_date: dt.date  # the last day to pay without a 催缴通知书
    imported_at: dt.datetime


@dataclass(frozen=True)
class Payment:
    unit: str
    item: str
    amount_cents: int
    paid_on: dt.date
    imported_at: dt.datetime
    source: str = ""  # the file (and row) it came from
    id: int = 0


@dataclass(frozen=True)
class FeeReversal:
    """A 冲正: a payment or a bill line recorded wrongly, undone with a reason (nothing is deleted).

    A reversed payment counts for nothing; a reversed bill line stands at ``corrected_cents`` from then on
    (0: not owed at all).  ``amount_cents`` is what had been recorded."""

    kind: str  # "payment" | "bill"
    unit: str
    item: str
    amount_cents: int
    reason: str
    reversed_at: dt.datetime
    reversed_by: Actor | None = None
    month: str | None = None  # a bill line's month
    payment_id: int | None = None  # the reversed payment
    corrected_cents: int = 0
    id: int = 0


@dataclass(frozen=True)
class NoticeLine:
    month: str
    item: str
    amount_cents: int  # what the notice asked for (the arrears of the item then)
    due_date: dt.date


@dataclass(frozen=True)
class FeeNotice:
    """A notice of the chain, filed: 缴费通知单 (payment), 催缴通知书 (dunning), 限期缴费通知书 (deadline)."""

    kind: str  # payment | dunning | deadline
    unit: str
    issued_on: dt.date
    archival_code: str
    doc_number: str
    lines: tuple[NoticeLine, ...]
    deadline: dt.date | None = None  # dunning / deadline: the new last day to pay
    late_fee_cents: int = 0  # deadline: the 滞纳金 accrued when it was issued
    id: int = 0


class IntakeState:
    QUEUED = "queued"
    DONE = "done"  # filed (or found already filed): ``code`` names the record
    FAILED = "failed"  # quarantined, or given up after too many interrupted attempts: ``message`` says why


@dataclass(frozen=True)
class NewIntakeJob:
    """A file waiting to be taken in: a copy under the archive folder (``spool/…``) and how to file it."""

    path: str  # relative to the archive folder
    sha256: str
    original_name: str
    submitted_at: dt.datetime
    category: str = "auto"
    meta: Mapping[str, str] = field(default_factory=dict)
    submitted_by: Actor | None = None


@dataclass(frozen=True)
class IntakeJob:
    id: int
    path: str
    sha256: str
    original_name: str
    category: str
    meta: dict[str, str]
    submitted_by: Actor | None
    submitted_at: dt.datetime
    state: str
    attempts: int  # times a worker took it (one more than the interrupted ones, while it runs)
    worker: str | None = None  # who finished it
    finished_at: dt.datetime | None = None
    code: str | None = None
    message: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "state": self.state, "original_name": self.original_name, "category": self.category,
                "submitted_at": self.submitted_at.isoformat(),
                "submitted_by": self.submitted_by.name if self.submitted_by else None, "attempts": self.attempts,
                "worker": self.worker, "finished_at": self.finished_at.isoformat() if self.finished_at else None,
                "archival_code": self.code, "message": self.message}


def stored_intake_job(row: Mapping[str, Any], attempts: int) -> IntakeJob:
    """A job as a backend stored it (meta and submitter as JSON text, times as ISO text)."""
    import json

    return IntakeJob(
        id=int(row["id"]), path=row["path"], sha256=row["sha256"], original_name=row["original_name"],
        category=row["category"], meta=json.loads(row["meta"] or "{}"),
        submitted_by=Actor.from_dict(json.loads(row["submitted_by"])) if row["submitted_by"] else None,
        submitted_at=dt.datetime.fromisoformat(row["submitted_at"]), state=row["state"], attempts=attempts,
        worker=row["worker"], finished_at=dt.datetime.fromisoformat(row["finished_at"]) if row["finished_at"] else None,
        code=row["code"], message=row["message"])


class IntakeClaim(Protocol):
    """A job one worker holds; nobody else can take it until the claim ends."""

    job: IntakeJob

    def finish(self, *, state: str, code: str | None, message: str | None, worker: str, at: dt.datetime) -> None:
        """Record the outcome; it is committed when the claim ends without an error."""
        ...


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


class StoredText(Protocol):
    """Rewriting the text a record keeps, in place (``dangan archive mask`` masks numbers stored before
    masking): the files' texts, the original file names, the form data.  Title and meta go through
    :meth:`Records.update_record` and :meth:`Records.set_meta`."""

    def file_texts(self, record_id: int) -> dict[str, str]:
        """Stored path → stored text, for the record's live files that have a text."""
        ...

    def set_file_text(self, path: str, text: str) -> None: ...

    def set_original_name(self, path: str, original_name: str) -> None: ...

    def set_form_data(self, record_id: int, form_data: dict[str, Any] | None) -> None: ...


def hold_of_row(row: Any) -> Hold:
    """A hold from a catalogue row (``holds.*`` with the record's ``code``), either backend."""
    return Hold(row["id"], row["code"], row["reason"], dt.datetime.fromisoformat(row["placed_at"]),
                dt.datetime.fromisoformat(row["released_at"]) if row["released_at"] else None,
                row["release_reason"], row["placed_by"], row["released_by"])


class Holds(Protocol):
    """Holds (冻结).  Each hold placed or released is stated in the audit trail (its fields, see
    :func:`dangan.archive.digest.hold_statement`); holds placed before dangan did so are *unsealed* until
    the archive states them once (:meth:`unsealed_holds`, :meth:`mark_sealed`)."""

    def place_hold(self, record_id: int, *, reason: str, at: dt.datetime, by: str | None = None) -> Hold:
        """A new hold (sealed: its placing is audited in the same transaction)."""
        ...

    def release_hold(self, hold_id: int, *, reason: str, at: dt.datetime, by: str | None = None) -> Hold:
        """The hold, released."""
        ...

    def holds(self, record_id: int, *, active_only: bool = True) -> list[Hold]: ...

    def all_holds(self) -> list[Hold]:
        """Every hold of every record, released ones included, in id order (for verify)."""
        ...

    def unsealed_holds(self) -> list[Hold]:
        """Holds the audit trail has never stated (placed before it did), in id order."""
        ...

    def mark_sealed(self, hold_ids: Iterable[int]) -> None: ...


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


class LedgerEntries(Protocol):
    """Register entries, their versions, the closes that freeze them, and the report runs filed."""

    def add_entry(self, new: NewEntry) -> Entry:
        """Store an entry under the form's next number (1, 2, …; gap-free, consumed at commit).

        Its version 1 is kept as an :class:`EntryChange` too (``amends`` set for a late entry)."""
        ...

    def change_entry(self, form_id: str, number: int, *, at: dt.datetime, data: Mapping[str, Any],
                     changed_at: dt.datetime, changed_by: Actor | None, reason: str, amends: int | None) -> Entry:
        """A correction: the next version becomes the entry; the earlier versions stay."""
        ...

    def entries(self, query: EntryQuery) -> list[Entry]: ...

    def entry(self, form_id: str, number: int) -> Entry | None: ...

    def entry_changes(self, form_id: str, number: int | None = None, *, unfiled_amendments: bool = False
                      ) -> list[EntryChange]:
        """Versions of one entry (or of every entry of the form), oldest first; with ``unfiled_amendments``
        only the amendments no close has filed yet."""
        ...

    def close_period(self, new: NewClose) -> Close:
        """Record a close: every open entry of the form in [start, end) is frozen by it, and every unfiled
        amendment of the form is filed with it."""
        ...

    def closes(self, form_id: str | None = None) -> list[Close]: ...

    def add_report_run(self, run: ReportRun) -> None: ...

    def report_runs(self, form_id: str | None = None, period: str | None = None) -> list[ReportRun]:
        """Report runs filed, oldest first."""
        ...


class FeeAccounts(Protocol):
    """The fee-collection chain's data: bills per month, payments, the notices filed."""

    def add_bill_lines(self, lines: Sequence[BillLine]) -> None:
        """Raises ArchiveError if a (month, unit, item) is already billed."""
        ...

    def bill_lines(self, *, months: Sequence[str] | None = None, unit: str | None = None) -> list[BillLine]:
        """By month, unit, item."""
        ...

    def add_payments(self, payments: Sequence[Payment]) -> None: ...

    def payments(self, *, unit: str | None = None) -> list[Payment]:
        """By payment date, then the order they were recorded in."""
        ...

    def add_fee_notice(self, notice: FeeNotice) -> FeeNotice:
        """Link a filed notice to its unit and months; returns it with its id."""
        ...

    def fee_notices(self, *, unit: str | None = None, kind: str | None = None) -> list[FeeNotice]:
        """Oldest first."""

    def add_fee_reversal(self, reversal: FeeReversal) -> FeeReversal:
        """Record a 冲正; returns it with its id.  Raises ArchiveError for a payment already reversed."""
        ...

    def fee_reversals(self, *, unit: str | None = None) -> list[FeeReversal]:
        """Oldest first."""
        ...


class IntakeQueue(Protocol):
    """Files waiting to be filed, taken by any worker on any machine (``dangan watch``, web servers).

    A claim holds its job until the block ends: a worker that dies (killed, machine lost) lets go of it
    and the job is taken again; it is never held by two workers, never lost.
    """

    def enqueue_intake(self, new: NewIntakeJob) -> int:
        """Queue a job (inside a transaction); its id."""
        ...

    def claim_intake(self, *, max_attempts: int) -> AbstractContextManager[IntakeClaim | None]:
        """The oldest queued job no worker holds (None: none), outside any transaction.

        Each claim counts as an attempt (kept even if the worker dies); a job whose attempts reached
        ``max_attempts`` is marked failed instead of being handed out again (a file that kills workers).
        """
        ...

    def intake_jobs(self, *, state: str | None = None, ids: Sequence[int] | None = None) -> list[IntakeJob]:
        """Jobs by id (all, or of one state, or these ids)."""
        ...

    def requeue_intake(self, job_id: int) -> bool:
        """A failed job queued again (inside a transaction); False if it was not failed."""
        ...


class Accounts(Protocol):
    """Web users, device tokens and the server's secrets (shared by every web server of the archive)."""

    def add_user(self, user: UserAccount) -> None:
        """Add an account; an existing name raises ArchiveError."""
        ...

    def user(self, name: str) -> UserAccount | None: ...

    def users(self) -> list[UserAccount]:
        """Every account, by name."""
        ...

    def update_user(self, name: str, **columns: Any) -> None:
        """Set :data:`USER_UPDATABLE` columns of an account."""
        ...

    def add_token(self, name: str, *, token_hash: str, scope: str, at: dt.datetime) -> ApiToken:
        """Add a device token; a name with an active token raises ArchiveError."""
        ...

    def token_by_hash(self, token_hash: str) -> ApiToken | None:
        """The token (active or revoked) with this hash."""
        ...

    def tokens(self) -> list[ApiToken]:
        """Every token, by id."""
        ...

    def revoke_token(self, token_id: int, *, at: dt.datetime) -> None: ...

    def ensure_secret(self, name: str, value: str) -> str:
        """The secret stored under ``name``; stores ``value`` first if there is none (the first writer wins)."""
        ...


class DisposalProposals(Protocol):
    """Disposal proposals (archivist) and their decisions (approver): the two-person rule's state."""

    def add_proposal(self, codes: Sequence[str], *, reason: str, proposer: str, at: dt.datetime) -> DisposalProposal:
        ...

    def proposal(self, proposal_id: int) -> DisposalProposal | None: ...

    def proposals(self, *, status: str | None = None) -> list[DisposalProposal]:
        """Proposals (of one status), newest first."""
        ...

    def decide_proposal(self, proposal_id: int, *, status: str, decider: str, at: dt.datetime,
                        note: str | None = None, register_code: str | None = None) -> None:
        """Record the decision on a pending proposal."""
        ...


class Catalogue(Transactions, Records, ItemNumbers, Files, Texts, StoredText, Holds, DisposalMarks, AuditLog, DocumentNumbers,
                Loans, FileRoles, Imports, LedgerEntries, FeeAccounts, Accounts, DisposalProposals, IntakeQueue,
                Protocol):
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
