"""What the archive does with records beyond filing them: lend, add archival copies, hand over, take in.

:class:`Custody` is part of :class:`~dangan.archive.service.Archive` (a mixin:
it uses the facade's catalogue, store, clock, audit and listeners).  Each
change is one catalogue transaction with its audit entry, and listeners (the
search index) hear of it after the commit:

- loans (借阅): :meth:`lend`, :meth:`return_loans`; the record's status is 借出 while a loan is open;
- renditions: :meth:`add_rendition` files the archival copy with the 归档章 (made by the app from the
  original) as a file of role ``rendition``; an earlier one stays, as ``rendition_superseded``;
- transfer (移交): :meth:`mark_transferred` marks records handed over; :meth:`import_record` files a
  record from a transfer package under its own archival code, with its history.
"""

from __future__ import annotations

import builtins
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dangan.archive import lending
from dangan.archive.audit import AuditEvent
from dangan.archive.catalogue import ItemSeries, Loan, NewFile, NewLoan, NewRecord
from dangan.archive.codes import parse_code
from dangan.archive.model import ArchiveEvent, FileRole, Record, Source, Status
from dangan.content.hashing import sha256_file
from dangan.errors import ArchiveError

if TYPE_CHECKING:
    import contextlib

    from dangan.archive.catalogue import Catalogue
    from dangan.archive.plan import FilePlan
    from dangan.archive.store import Store
    from dangan.clock import Clock

TRANSFER_META = "transfer"  # meta key: the transfer register (移交与接收登记表) that handed the record over


@dataclass(frozen=True)
class ImportedFile:
    role: FileRole
    rel_path: str  # the path the source archive stored it under (files/<year>/<period>/<category>/<name>)
    source: Path | None  # the file in the package; None for a destroyed file (disposed record)
    sha256: str
    size: int
    format: str
    page_count: int | None
    original_name: str


@dataclass(frozen=True)
class ImportedRecord:
    """A record as a transfer package describes it (see :mod:`dangan.outputs.transfer`)."""

    archival_code: str
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
    disposed_at: dt.datetime | None
    building: str | None = None
    unit: str | None = None
    room: str | None = None
    meta: Mapping[str, str] = field(default_factory=dict)
    files: tuple[ImportedFile, ...] = ()
    text: str | None = None
    history: tuple[dict[str, Any], ...] = ()  # the source's audit entries of this record, as written there
    package: str = ""


class Custody:
    """Loans, renditions and transfers (mixed into Archive)."""

    if TYPE_CHECKING:  # what the facade provides
        catalogue: Catalogue
        store: Store
        clock: Clock
        plan: FilePlan

        def get(self, code: str) -> Record: ...
        def _audit_change(self, event: AuditEvent, record: Record, **details: Any) -> None: ...
        def _notify(self, events: Sequence[tuple[ArchiveEvent, Record]]) -> None: ...
        def _filing_tx(self) -> contextlib.AbstractContextManager[Any]: ...
        def _prepare_file(self, path: Path, *, with_text: bool, name: str | None) -> Any: ...
        def _store_file(self, p: Any, record_id: int, series: ItemSeries, *, role: FileRole, name: str,
                        published: builtins.list[Path], text: str | None = None,
                        text_source: str | None = None) -> None: ...
        def _note_doc_number(self, doc_number: str, form_id: str | None) -> None: ...

    # -------------------------------------------------------------------- loans

    def lend(self, req: lending.LoanRequest) -> builtins.list[Loan]:
        """Lend records: each gets an open loan and the status 借出; refused all together if one cannot go."""
        lending.check_request(req, today=self.clock.today())
        with self.catalogue.transaction():
            records = [self.get(c) for c in dict.fromkeys(req.codes)]
            refusals = []
            for record in records:
                why = lending.refusal(record, self.catalogue.loans(record_id=record.id, active_only=True), req)
                if why:
                    refusals.append(f"{record.archival_code}：{why}")
            if refusals:
                raise ArchiveError("拒绝借出（未做任何改动）——" + "；".join(refusals))
            loans = []
            for record in records:
                loan = self.catalogue.open_loan(record.id, NewLoan(
                    borrower=req.borrower.strip(), purpose=req.purpose.strip(), due=req.due, lent_at=self.clock.now(),
                    unit=req.unit.strip(), approver=req.approver.strip(), electronic=req.electronic))
                loans.append(loan)
                self._restatus(record, AuditEvent.LOAN, loan=loan.id, borrower=loan.borrower, unit=loan.unit,
                               purpose=loan.purpose, approver=loan.approver, due=loan.due.isoformat(),
                               electronic=loan.electronic)
        self._notify([(ArchiveEvent.LOAN, self.get(r.archival_code)) for r in records])
        return loans

    def return_loans(self, codes: Sequence[str], *, note: str = "") -> builtins.list[Loan]:
        """Close the open loan of each record (returned, condition checked: ``note``)."""
        with self.catalogue.transaction():
            closed = []
            records = [self.get(c) for c in dict.fromkeys(c.strip() for c in codes)]
            for record in records:
                active = self.catalogue.loans(record_id=record.id, active_only=True)
                if not active:
                    raise ArchiveError("该档案没有未归还的借阅", code=record.archival_code)
                for loan in active:
                    self.catalogue.close_loan(loan.id, at=self.clock.now(), note=note.strip())
                    closed.append(loan.id)
                self._restatus(record, AuditEvent.RETURN, loans=[loan.id for loan in active], note=note.strip())
            out = [loan for loan in self.catalogue.loans() if loan.id in set(closed)]
        self._notify([(ArchiveEvent.RETURN, self.get(r.archival_code)) for r in records])
        return out

    def loans(self, code: str | None = None, *, active_only: bool = False) -> builtins.list[Loan]:
        record_id = self.get(code).id if code else None
        return self.catalogue.loans(record_id=record_id, active_only=active_only)

    def _restatus(self, record: Record, event: AuditEvent, **details: Any) -> Record:
        """Set the status from the open holds and loans, and audit ``event`` with the new digest."""
        holds = len(self.catalogue.holds(record.id, active_only=True))
        loans = len(self.catalogue.loans(record_id=record.id, active_only=True))
        status = lending.status_for(holds=holds, loans=loans, disposed=record.status is Status.DISPOSED)
        self.catalogue.update_record(record.id, status=status)
        updated = self.get(record.archival_code)
        self._audit_change(event, updated, **details)
        return updated

    # --------------------------------------------------------------- renditions

    def add_rendition(self, code: str, path: Path, *, inputs: Mapping[str, Any]) -> Record:
        """File ``path`` (a PDF made from the record's original) as the record's archival copy.

        The previous copy, if any, stays in the record as ``rendition_superseded``.
        ``inputs`` (what the stamp and metadata were made from) go into the audit entry.
        """
        p = self._prepare_file(Path(path), with_text=False, name=None)
        with self._filing_tx() as tx:
            record = self.get(code)
            if record.status is Status.DISPOSED:
                raise ArchiveError("该档案已销毁，不能制作归档副本", code=code)
            previous = [f for f in record.files if f.role is FileRole.RENDITION]
            for f in previous:
                self.catalogue.set_file_role(f.path, FileRole.OLD_RENDITION)
            n = 1 + sum(1 for f in record.files if f.role in (FileRole.RENDITION, FileRole.OLD_RENDITION))
            parsed = parse_code(record.archival_code)
            series = ItemSeries(parsed.fonds, parsed.year, parsed.period, parsed.category)
            p.original_name = f"{record.archival_code}-归档副本-{n}.pdf"
            self._store_file(p, record.id, series, role=FileRole.RENDITION,
                             name=f"{record.archival_code}-rendition-{n}", published=tx.published)
            record = self.get(code)
            self._audit_change(AuditEvent.RENDITION, record, sha256=p.sha256, inputs=dict(inputs),
                               replaces=[f.path for f in previous])
        self._notify([(ArchiveEvent.RENDITION, record)])
        return record

    def rendition_inputs(self, code: str) -> dict[str, Any] | None:
        """What the record's current rendition was made from (its audit entry), or None."""
        record = self.get(code)
        current = record.rendition
        if current is None:
            return None
        for entry in reversed(self.catalogue.audit_entries(code=code)):
            details = entry.details or {}
            if entry.event == AuditEvent.RENDITION and details.get("sha256") == current.sha256:
                inputs = details.get("inputs")
                return dict(inputs) if isinstance(inputs, dict) else None
        return None

    # ----------------------------------------------------------------- transfer

    def mark_transferred(self, codes: Sequence[str], *, register: str, details: Mapping[str, Any]
                         ) -> builtins.list[Record]:
        """Mark records as handed over by the transfer whose register is ``register`` (audited)."""
        with self.catalogue.transaction():
            out = []
            for code in codes:
                record = self.get(code)
                self.catalogue.set_meta(record.id, TRANSFER_META, register)
                updated = self.get(code)
                self._audit_change(AuditEvent.TRANSFER, updated, register=register, **dict(details))
                out.append(updated)
        self._notify([(ArchiveEvent.TRANSFER, r) for r in out])
        return out

    def import_record(self, item: ImportedRecord) -> Record:
        """File a record from a transfer package under its own archival code, files checked by hash."""
        for f in item.files:
            if f.source is not None and sha256_file(f.source)[0] != f.sha256:
                raise ArchiveError("移交包中的文件与其元数据登记的哈希不符", code=item.archival_code, path=f.source)
        with self._filing_tx() as tx:
            record = self._import_in_tx(item, tx.published)
        self._notify([(ArchiveEvent.DISPOSED if record.status is Status.DISPOSED else ArchiveEvent.FILED, record)])
        return record

    def _import_in_tx(self, item: ImportedRecord, published: builtins.list[Path]) -> Record:
        code = item.archival_code
        if self.catalogue.record(code) is not None:
            raise ArchiveError("本档案库中已有这个档号，不能重复接收", code=code)
        parsed = parse_code(code)
        self.plan.get(parsed.category)
        series = ItemSeries(parsed.fonds, parsed.year, parsed.period, parsed.category)
        record_id = self.catalogue.insert_record(NewRecord(
            archival_code=code, series=series, seq=parsed.seq, period=item.period, title=item.title,
            doc_number=item.doc_number, author=item.author, date=item.date, security=item.security,
            source=item.source, form_id=item.form_id, form_data=item.form_data, needs_review=item.needs_review,
            text_source=item.text_source, filed_at=item.filed_at, building=item.building, unit=item.unit,
            room=item.room, meta=dict(item.meta)))
        self.catalogue.adopt_item_number(series, parsed.seq)
        if item.doc_number:
            self._note_doc_number(item.doc_number, item.form_id)
        first_text = item.text
        for f in item.files:
            if f.source is not None:
                tmp = self.store.copy_to_temp(f.source, expected_sha256=f.sha256)
                try:
                    published.append(self.store.publish(tmp, f.rel_path))
                finally:
                    tmp.unlink(missing_ok=True)
            text = first_text if f.role is FileRole.ORIGINAL else None
            first_text = None if text else first_text
            self.catalogue.add_file(record_id, NewFile(
                role=f.role, path=f.rel_path, sha256=f.sha256, size=f.size, format=f.format,
                page_count=f.page_count, original_name=f.original_name, text=text,
                text_source=item.text_source if text else None))
        if item.disposed_at is not None:
            self.catalogue.mark_disposed(record_id, at=item.disposed_at)
        record = self.get(code)
        self._audit_change(AuditEvent.IMPORTED, record, package=item.package, history=list(item.history),
                           sha256=[f.sha256 for f in item.files])
        return record
