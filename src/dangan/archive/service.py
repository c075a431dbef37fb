"""The archive: filing, lookup, holds, retention, disposal, export, reconcile and verification.

:class:`Archive` is a facade over its collaborators: the catalogue (the
:class:`~dangan.archive.catalogue.Catalogue` interface), the file store, the
clock, the acting user and the listeners (the search index).  Every change
happens inside one catalogue transaction that also appends the audit entry;
listeners are told after the commit.

Filing order (no half-states): copy into ``archive/tmp/``, fsync, check the
hash, rename into place, commit the row.  A filing journal in ``tmp/`` lives
until the commit; finding one at start-up triggers :meth:`Archive.reconcile`.
"""

from __future__ import annotations

import builtins
import contextlib
import copy
import dataclasses
import datetime as dt
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dangan.actor import Actor
from dangan.archive import anchor, digest, disposal, holdcheck, reclassify, remask
from dangan.archive.audit import AuditEntry, AuditEvent
from dangan.archive.catalogue import (
    DESCRIPTIVE,
    Catalogue,
    Hold,
    ItemSeries,
    NewFile,
    NewRecord,
    RecordQuery,
    TransactionConflict,
    open_catalogue,
)
from dangan.archive.codes import MAX_SEQ, format_code, parse_code
from dangan.archive.custody import Custody
from dangan.archive.model import (
    SUPERSEDED_BY,
    ArchiveEvent,
    ArchiveListener,
    FileRole,
    FilingRequest,
    FilingResult,
    Record,
    Source,
    Status,
)
from dangan.archive.plan import DISPOSAL_CATEGORY, FilePlan, load_plan
from dangan.archive.retention import (
    check_extension,
    document_date_problem,
    effective_period,
    expiry_date,
    parse_period,
)
from dangan.archive.store import Store
from dangan.clock import SYSTEM, Clock
from dangan.config import Workspace
from dangan.content.formats import TextSource, suffix_for
from dangan.content.hashing import sha256_bytes
from dangan.dates import parse_date
from dangan.docnumber import split_doc_number
from dangan.errors import ArchiveError, ConfigError, InputError, RetentionError, SearchIndexError
from dangan.fsutil import atomic_copy, fsync_dir, unique_path
from dangan.masking import NUMBER_KEYS_META, mask_text, masked_values, number_keys
from dangan.names import readable

if TYPE_CHECKING:
    from dangan.content.extract import Extraction

BATCH = 200  # filings per transaction in file_many
CONFLICT_RETRIES = 5  # a filing transaction rolled back by a deadlock runs again this many times at most

Progress = Callable[[int, int], None]


class ListenerError(SearchIndexError):
    """The catalogue change was committed, but a listener (the index) failed.

    ``results`` holds what was filed, so the caller can still report codes.
    """

    def __init__(self, message: str, *, codes: Sequence[str], results: Sequence[Any] = ()) -> None:
        super().__init__(message)
        self.codes = list(codes)
        self.results = list(results)


@dataclass(frozen=True)
class ReconcileReport:
    removed_temps: builtins.list[str] = field(default_factory=list)
    orphans: builtins.list[str] = field(default_factory=list)  # files without a row, moved to orphans/
    missing: builtins.list[tuple[str, str]] = field(default_factory=list)  # (code, path): rows without a file
    finished_disposals: builtins.list[str] = field(default_factory=list)  # destroyed content removed late
    #: copies in orphans/ whose bytes the archive holds under a record (filed again after the crash): removed
    removed_copies: builtins.list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not (self.orphans or self.missing)

    def warnings(self) -> builtins.list[str]:
        """What a front end must show the user after start-up, in words (once: the audit trail keeps it)."""
        out = [f"启动核对：发现没有目录记录的文件，已移到 {rel}" for rel in self.orphans]
        out += [f"启动核对：{rel} 与已归档的档案内容相同（崩溃后已重新归档），多余的副本已删除"
                for rel in self.removed_copies]
        out += [f"启动核对：档案 {code} 的文件 {rel} 不存在，请运行 dangan verify" for code, rel in self.missing]
        return out


@dataclass(frozen=True)
class DueItem:
    record: Record
    period: str  # the effective period
    expiry: dt.date
    held: bool


@dataclass(frozen=True)
class DisposalResult:
    register: Record
    disposed: builtins.list[Record]


@dataclass(frozen=True)
class Reclassified:
    old: Record  # the record under review: same code, now naming ``new`` (superseded_by)
    new: Record  # filed in the right category, with a new code


@dataclass
class _Tx:
    published: builtins.list[Path] = field(default_factory=list)
    after_commit: builtins.list[Callable[[], object]] = field(default_factory=list)


@dataclass
class _Prepared:
    req: FilingRequest
    src: Path
    sha256: str
    size: int
    extraction: Extraction  # dangan.content.extract
    original_name: str
    attachments: builtins.list[_Prepared] = field(default_factory=list)
    role: FileRole = FileRole.ATTACHMENT  # what an attached file is (a signed copy keeps its role when copied)


class Archive(Custody):
    """The archive of one workspace.  Opening it reconciles after a crash.  Loans, renditions and
    transfers are in :class:`~dangan.archive.custody.Custody`."""

    def __init__(self, catalogue: Catalogue, store: Store, *, plan: FilePlan, fonds: str, default_author: str,
                 work_dir: Path, clock: Clock = SYSTEM, actor: Actor | None = None,
                 listeners: Sequence[ArchiveListener] = (),
                 register_renderer: disposal.RegisterRenderer | None = None,
                 number_key: bytes | None = None, audit_key: bytes | None = None,
                 audit_key_problem: str | None = None) -> None:
        self.catalogue = catalogue
        # phone, ID and card numbers are masked in everything stored; with the key, each full number
        # leaves a keyed term (record meta NUMBER_KEYS_META) by which search still finds the record
        self.number_key = number_key
        # the audit chain's head is anchored outside the catalogue (archive.anchor), signed with audit_key
        self.audit_key = audit_key
        self.audit_key_problem = audit_key_problem
        self.store = store
        self.plan = plan
        self.fonds = fonds
        self.default_author = default_author
        self.work_dir = work_dir  # private scratch space outside archive/ (rendering the disposal register)
        self.clock = clock
        self.actor = actor
        self.listeners = list(listeners)
        self.register_renderer = register_renderer
        self.store.ensure()
        self.reconcile_report = ReconcileReport()
        if self.store.stale_temp_entries():  # a filing died here, or tmp/ holds a file not dangan's
            self.reconcile_report = self.reconcile()
        if self.store.orphan_files():
            removed = self.remove_filed_orphans()
            if removed:
                self.reconcile_report = dataclasses.replace(self.reconcile_report, removed_copies=removed)
        self.seal_legacy_holds()
        self._anchor_first_of_day()

    @classmethod
    def open(cls, ws: Workspace, *, clock: Clock = SYSTEM, actor: Actor | None = None,
             listeners: Sequence[ArchiveListener] = (),
             register_renderer: disposal.RegisterRenderer | None = None,
             catalogue: Catalogue | None = None) -> Archive:
        """The archive of ``ws`` on its catalogue: PostgreSQL when ``[database] url`` is set, else SQLite.

        (``catalogue`` replaces it.)
        """
        from dangan.archive.sqlite import legacy

        store = Store(ws.archive_dir, clock=clock)
        store.ensure()
        if catalogue is not None:
            cat = catalogue
        elif ws.database_url:
            cat = open_catalogue(ws.database_url, pool_size=ws.config.settings.database.pool_size)
        else:
            cat = open_catalogue(f"sqlite://{store.catalog_path}")
        legacy.adopt_number_cache(cat, ws.state_dir, clock=clock)
        company = ws.config.settings.company
        author = company.centre or company.name or "客服中心"
        from dangan.numberkey import load_key

        audit_key, key_problem = _audit_key(ws)
        return cls(cat, store, plan=load_plan(ws), fonds=company.fonds_code, default_author=author,
                   work_dir=ws.state_dir, clock=clock, actor=actor, listeners=listeners,
                   register_renderer=register_renderer, number_key=load_key(ws.state_dir),
                   audit_key=audit_key, audit_key_problem=key_problem)

    def acting_as(self, actor: Actor | None) -> Archive:
        """The same archive (same catalogue and listeners) acting for ``actor``."""
        other = copy.copy(self)
        other.actor = actor
        return other

    def close(self) -> None:
        self.catalogue.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ lookup

    def get(self, code: str) -> Record:
        record = self.catalogue.record(code.strip())
        if record is None:
            raise ArchiveError("档案库中没有这个档号", code=code)
        return record

    def find_by_doc_number(self, doc_number: str) -> Record | None:
        found = self.catalogue.records(RecordQuery(doc_number=doc_number.strip(), limit=1))
        return found[0] if found else None

    def find_by_sha256(self, sha256: str) -> Record | None:
        return self._holder_of(sha256.lower())

    def _holder_of(self, sha256: str) -> Record | None:
        """The current record holding these bytes: a reclassified record's bytes belong to its successor."""
        found = self.catalogue.find_by_sha256(sha256)
        seen: set[str] = set()
        while found is not None and found.superseded_by and found.archival_code not in seen:
            seen.add(found.archival_code)
            found = self.catalogue.record(found.superseded_by) or found
        return found

    def list(self, *, category: str | None = None, year: int | None = None, status: Status | str | None = None,
             needs_review: bool | None = None) -> builtins.list[Record]:
        query = RecordQuery(category=self.plan.get(category).code if category else None,
                            year=int(year) if year is not None else None,
                            status=Status(status) if status else None, needs_review=needs_review)
        return sorted(self.catalogue.records(query), key=lambda r: (r.year, r.category, r.archival_code))

    def text_of(self, code: str) -> str | None:
        record = self.get(code)
        return self.catalogue.texts_of([record.id])[record.id]

    def iter_index_documents(self, *, batch: int = 500) -> Iterator[tuple[Record, str | None]]:
        """Every record with its text, by id (disposed records come with text None)."""
        last = 0
        while True:
            records = self.catalogue.records(RecordQuery(after_id=last, limit=batch))
            if not records:
                return
            texts = self.catalogue.texts_of(r.id for r in records)
            yield from ((r, texts[r.id]) for r in records)
            last = records[-1].id

    def categories(self) -> FilePlan:
        return self.plan

    def holds_of(self, code: str, *, active_only: bool = True) -> builtins.list[Hold]:
        return self.catalogue.holds(self.get(code).id, active_only=active_only)

    def audit_trail(self, code: str | None = None) -> builtins.list[AuditEntry]:
        return self.catalogue.audit_entries(code=code)

    # ------------------------------------------------------------------ filing

    def file(self, req: FilingRequest) -> FilingResult:
        """File one 件.  Identical bytes already filed give the existing record, ``duplicate=True``."""
        return self.file_many([req])[0]

    def file_many(self, reqs: Sequence[FilingRequest], *, progress: Progress | None = None,
                  within: Callable[[builtins.list[FilingResult]], object] | None = None) -> builtins.list[FilingResult]:
        """File several 件, many per transaction.  Every file is checked before any is filed.

        ``within(results)`` runs inside each transaction, after its records are in: what another part
        records about them (a notice linked to its unit) commits with them, or neither does."""
        prepared = [self._prepare(r) for r in reqs]
        results: builtins.list[FilingResult] = []
        failures: builtins.list[tuple[str, Exception]] = []
        for start in range(0, len(prepared), BATCH):
            chunk_results = self._file_chunk(prepared[start : start + BATCH], within=within)
            results.extend(chunk_results)
            events = [(ArchiveEvent.FILED, r.record) for r in chunk_results if not r.duplicate]
            failures.extend(self._notify_quietly(events))
            if progress:
                progress(len(results), len(prepared))
        if failures:
            raise self._listener_error(failures, results)
        return results

    def _file_chunk(self, chunk: builtins.list[_Prepared], *,
                    within: Callable[[builtins.list[FilingResult]], object] | None = None) -> builtins.list[FilingResult]:
        """One filing transaction (alongside other processes' filing); run again if it met a deadlock.

        With ``within`` the transaction is an exclusive one: what ``within`` writes besides the records
        (a notice's link, a close) is more than a shared filing transaction may do."""
        for attempt in range(1, CONFLICT_RETRIES + 1):
            try:
                with self._filing_tx(shared=within is None) as tx:
                    results = self._file_chunk_in_tx(chunk, tx.published)
                    if within is not None:
                        within(results)
                    return results
            except TransactionConflict:
                if attempt == CONFLICT_RETRIES:
                    raise
        raise AssertionError("unreachable")

    def _prepare(self, req: FilingRequest) -> _Prepared:
        self.plan.get(req.category)  # unknown category fails before anything is read
        problem = document_date_problem(req.date, self.clock.today()) if req.date else None
        if problem:
            raise ArchiveError(problem, path=req.path, field="日期")
        p = self._prepare_file(Path(req.path), with_text=req.text is None, name=req.original_name)
        p.req = req
        p.attachments = [self._prepare_file(Path(a), with_text=False, name=None) for a in req.attachments]
        return p

    @staticmethod
    def _prepare_file(path: Path, *, with_text: bool, name: str | None) -> _Prepared:
        if not path.is_file():
            raise ArchiveError("找不到要归档的文件", path=path)
        try:
            data = path.read_bytes()
        except OSError as e:
            raise ArchiveError(f"无法读取要归档的文件：{e.strerror or e}", path=path) from e
        from dangan.content.extract import extract_bytes

        return _Prepared(req=FilingRequest(path=path, category=""), src=path, sha256=sha256_bytes(data),
                         size=len(data), extraction=extract_bytes(data, name=str(path), with_text=with_text),
                         original_name=readable(name or path.name))

    @contextlib.contextmanager
    def _filing_tx(self, *, shared: bool = False) -> Iterator[_Tx]:
        """A write transaction that publishes files.

        Under the write lock: a journal is written to tmp/ (so a crash is
        noticed at the next start-up), files are published, the row is
        committed, ``after_commit`` actions run, then the journal goes.  On an
        error before the commit, the files published so far are removed while
        the lock is still held (their codes were never given out).
        """
        tx = _Tx()
        journal: Path | None = None
        try:
            with self.catalogue.transaction(shared=shared):
                journal = self._begin_journal()
                try:
                    yield tx
                    self.store.sync_dirs(tx.published)
                except BaseException:
                    for path in tx.published:
                        path.unlink(missing_ok=True)
                    raise
            for action in tx.after_commit:
                action()
        finally:
            if journal is not None:
                journal.unlink(missing_ok=True)

    def _begin_journal(self) -> Path:
        journal = self.store.new_temp(".journal")
        journal.write_bytes(b"filing\n")
        fsync_dir(journal.parent)
        return journal

    def _file_chunk_in_tx(self, chunk: builtins.list[_Prepared], published: builtins.list[Path]) -> builtins.list[FilingResult]:
        seen: dict[str, Record] = {}
        results: builtins.list[FilingResult] = []
        for p in chunk:
            existing = seen.get(p.sha256) or self._holder_of(p.sha256)
            if existing is not None:
                self._audit_duplicate(existing, source_name=p.original_name, sha256=p.sha256)
                results.append(FilingResult(record=existing, duplicate=True))
                continue
            record = self._file_one(p, published)
            seen[p.sha256] = record
            results.append(FilingResult(record=record, duplicate=False))
        return results

    def _file_one(self, p: _Prepared, published: builtins.list[Path], **audit: Any) -> Record:
        req = p.req
        cat = self.plan.get(req.category)
        date = req.date or self.clock.today()
        series = ItemSeries(self.fonds, date.year, cat.period, cat.code)
        seq = self.catalogue.next_item_number(series)
        if seq > MAX_SEQ:
            raise ArchiveError(f"{date.year} 年度 {cat.code} 类 {cat.period} 的件号已用完（最多 {MAX_SEQ} 件）")
        code = format_code(self.fonds, date.year, cat.period, cat.code, seq)
        text_source = req.text_source or (p.extraction.source if req.text is None else TextSource.OCR)
        text: str | None
        if req.text is not None:
            text, source = req.text, str(req.text_source or TextSource.OCR)
        else:
            text, source = p.extraction.text, str(p.extraction.source)
        title = (req.title or "").strip() or Path(p.original_name).stem
        meta = {str(k): str(v) for k, v in req.meta.items()}
        keys = self._number_keys(title, p.original_name, text, *meta.values(), *remask.strings_in(req.form_data))
        if keys:
            meta[NUMBER_KEYS_META] = " ".join(keys)
        record_id = self.catalogue.insert_record(NewRecord(
            archival_code=code, series=series, seq=seq, period=cat.period,
            title=mask_text(title), doc_number=req.doc_number or None,
            author=(req.author or "").strip() or self.default_author, date=date, security=req.security or "无",
            source=Source(req.source), form_id=req.form_id, form_data=masked_values(req.form_data), needs_review=req.needs_review,
            text_source=str(text_source), filed_at=self.clock.now(), building=req.building, unit=req.unit,
            room=req.room, meta=masked_values(meta),
        ))
        if req.doc_number:
            self._note_doc_number(req.doc_number, req.form_id)
        self._store_file(p, record_id, series, role=FileRole.ORIGINAL, name=code, published=published,
                         text=text, text_source=source)
        numbers: dict[FileRole, int] = {}
        for att in p.attachments:
            n = numbers[att.role] = numbers.get(att.role, 0) + 1
            kind = "signed" if att.role is FileRole.SIGNED else "att"
            self._store_file(att, record_id, series, role=att.role, name=f"{code}-{kind}-{n}", published=published)
        record = self.get(code)
        self._audit_change(AuditEvent.FILED, record, original_name=mask_text(p.original_name), sha256=p.sha256,
                           source=str(record.source), hold_rows=(), **audit)  # a new record has no holds
        return record

    def _number_keys(self, *texts: str | None) -> builtins.list[str]:
        """The keyed terms of the full numbers in ``texts`` (none without a key)."""
        if self.number_key is None:
            return []
        return list(dict.fromkeys(k for t in texts for k in number_keys(t, self.number_key)))

    def _note_doc_number(self, doc_number: str, form_id: str | None) -> None:
        parts = split_doc_number(doc_number)
        if parts is not None:
            self.catalogue.note_doc_number(*parts, doc_number=doc_number, form_id=form_id, at=self.clock.now())

    def _store_file(self, p: _Prepared, record_id: int, series: ItemSeries, *, role: FileRole, name: str,
                    published: builtins.list[Path], text: str | None = None, text_source: str | None = None) -> None:
        rel = self.store.rel_path(year=series.year, period=series.period, category=series.category,
                                  name=name + suffix_for(p.extraction.format))
        tmp = self.store.copy_to_temp(p.src, expected_sha256=p.sha256)
        try:
            published.append(self.store.publish(tmp, rel))
        finally:
            tmp.unlink(missing_ok=True)
        self.catalogue.add_file(record_id, NewFile(
            role=role, path=rel, sha256=p.sha256, size=p.size, format=p.extraction.format,
            page_count=p.extraction.page_count, original_name=mask_text(p.original_name),
            text=mask_text(text) if text else text, text_source=text_source))

    def attach_signed_copy(self, code: str, path: Path, *, text: str | None = None, text_source: str | None = None,
                           original_name: str | None = None) -> FilingResult:
        """Add a scan of the signed paper copy to a (generated) record."""
        p = self._prepare_file(Path(path), with_text=text is None, name=original_name)
        with self._filing_tx() as tx:
            result = self._attach_in_tx(code, p, text=text, text_source=text_source, published=tx.published)
        if not result.duplicate:
            failures = self._notify_quietly([(ArchiveEvent.SIGNED_COPY, result.record)])
            if failures:  # committed: the caller gets the result with the error
                raise self._listener_error(failures, [result])
        return result

    def _attach_in_tx(self, code: str, p: _Prepared, *, text: str | None, text_source: str | None,
                      published: builtins.list[Path]) -> FilingResult:
        existing = self._holder_of(p.sha256)
        if existing is not None:
            self._audit_duplicate(existing, source_name=p.original_name, sha256=p.sha256)
            return FilingResult(record=existing, duplicate=True)
        record = self.get(code)
        if record.status is Status.DISPOSED:
            raise ArchiveError("该档案已销毁，不能再添加签字扫描件", code=code)
        n = 1 + sum(1 for f in record.files if f.role is FileRole.SIGNED)
        if text is None:
            text, text_source = p.extraction.text, str(p.extraction.source)
        parsed = parse_code(record.archival_code)
        series = ItemSeries(parsed.fonds, parsed.year, parsed.period, parsed.category)
        self._store_file(p, record.id, series, role=FileRole.SIGNED, name=f"{record.archival_code}-signed-{n}",
                         published=published, text=text, text_source=text_source or str(TextSource.OCR))
        record = self.get(code)
        self._audit_change(AuditEvent.SIGNED_COPY, record, original_name=p.original_name, sha256=p.sha256)
        return FilingResult(record=record, duplicate=False)

    def record_duplicate(self, record: Record, *, source_name: str) -> None:
        """Note in the audit trail that ``source_name`` repeated an already filed record."""
        with self.catalogue.transaction(shared=True):
            self._audit_duplicate(record, source_name=source_name,
                                  sha256=record.original.sha256 if record.original else "")

    # ------------------------------------------------------------------ audit

    def log(self, event: AuditEvent, *, details: dict[str, Any], code: str | None = None) -> None:
        """Append an audit entry for a change another part makes in the catalogue (the ledger's entries),
        inside that change's transaction, by this archive's clock and acting user."""
        self._audit(event, code=code, details=details)

    def record_event(self, event: AuditEvent, *, code: str | None = None, details: dict[str, Any]) -> None:
        """Append an audit entry for a change made beside the archive (an account, a disposal proposal).

        Call it inside the ``catalogue.transaction()`` that makes the change, so both commit together.
        """
        with self.catalogue.transaction():
            self.log(event, code=code, details=details)

    def _audit(self, event: AuditEvent, *, code: str | None, details: dict[str, Any]) -> None:
        """Append an entry (inside the transaction that makes the change; the catalogue seals it)."""
        self.catalogue.append_audit(str(event), code=code, details=details, at=self.clock.now(), actor=self.actor)

    def _audit_duplicate(self, record: Record, *, source_name: str, sha256: str) -> None:
        self._audit(AuditEvent.DUPLICATE, code=record.archival_code,
                    details={"source_name": source_name, "sha256": sha256})

    def _audit_change(self, event: AuditEvent, record: Record, *, hold_rows: Sequence[Hold] | None = None,
                      **details: Any) -> None:
        """Audit a change of ``record`` with its digest, which covers its holds (``hold_rows``: all of them,
        released ones included; None: read from the catalogue)."""
        if hold_rows is None:
            hold_rows = self.catalogue.holds(record.id, active_only=False)
        self._audit(event, code=record.archival_code, details={
            **details, "digest": digest.record_digest(record, holds=hold_rows), "digest_version": digest.CURRENT})

    # ---------------------------------------------------------------- metadata

    def update_metadata(self, code: str, changes: dict[str, str], *, reason: str) -> Record:
        """Change descriptive metadata (not the code, category, period or files).

        Keys: title, doc_number, author, security, building, unit, room,
        needs_review (true/false), date (same year only); any other key is
        free metadata (an empty value removes it).
        """
        if not reason.strip():
            raise ArchiveError("修改元数据必须填写原因", code=code, field="reason")
        with self.catalogue.transaction():
            record = self.get(code)
            if record.status is Status.DISPOSED:
                raise ArchiveError("该档案已销毁，元数据不能再修改", code=code)
            before = {k: _meta_value(record, k) for k in changes}
            for key, value in changes.items():
                self._apply_change(record, key, value)
            record = self.get(code)
            after = {k: _meta_value(record, k) for k in changes}
            self._audit_change(AuditEvent.METADATA, record, reason=reason, before=before, after=after)
        self._notify([(ArchiveEvent.METADATA, record)])
        return record

    def _apply_change(self, record: Record, key: str, value: str) -> None:
        value = str(value).strip()
        if key in ("archival_code", "category", "period", "year", "status", "source", "sha256"):
            raise ArchiveError(f"「{key}」不能修改（档号一经给出不再改变；保管期限请用 retention extend）",
                               code=record.archival_code, field=key)
        if key == "title" and not value:
            raise ArchiveError("题名不能为空", code=record.archival_code, field=key)
        if key in DESCRIPTIVE:
            self.catalogue.update_record(record.id, **{key: value or None})
        elif key == "needs_review":
            self.catalogue.update_record(record.id, needs_review=value.lower() in ("1", "true", "yes", "是"))
        elif key == "date":
            self.catalogue.update_record(record.id, date=_same_year_date(record, value))
        else:
            self.catalogue.set_meta(record.id, key, value or None)

    # ---------------------------------------------------------- reclassification

    def reclassify(self, code: str, category: str, *, reason: str, title: str | None = None) -> Reclassified:
        """File a record under review again in the right category (see :mod:`dangan.archive.reclassify`).

        One transaction: the new record (new code, copies of the files and the
        text, ``supersedes``) is filed, and the old one leaves the review queue
        naming it (``superseded_by``); its 文号 moves with the document.  The old
        code, its 件号 and its files stay.  Both changes are audited.
        """
        if not (reason or "").strip():
            raise ArchiveError("改类必须填写原因", code=code, field="reason")
        target = self.plan.get(category)
        with self._filing_tx() as tx:
            old = self.get(code)
            problem = reclassify.refusal(old, target, active_holds=len(self.catalogue.holds(old.id)),
                                         active_loans=len(self.catalogue.loans(record_id=old.id, active_only=True)))
            if problem:
                raise ArchiveError(problem, code=code, field="category")
            prepared = self._copy_for_reclassify(old, target.code, title=title)
            if old.doc_number:  # a 文号 names one document: it goes with it to the new record
                self.catalogue.update_record(old.id, doc_number=None)
            new = self._file_one(prepared, tx.published, supersedes=old.archival_code, reason=reason)
            self.catalogue.set_meta(old.id, SUPERSEDED_BY, new.archival_code)
            self.catalogue.update_record(old.id, needs_review=False)
            updated = self.get(code)
            self._audit_change(AuditEvent.RECLASSIFIED, updated, reason=reason, to=new.archival_code,
                               category=target.code, before={"category": old.category, "doc_number": old.doc_number},
                               after={"category": target.code, "doc_number": None})
        self._notify([(ArchiveEvent.FILED, new), (ArchiveEvent.METADATA, updated)])
        return Reclassified(old=updated, new=new)

    def _copy_for_reclassify(self, old: Record, category: str, *, title: str | None) -> _Prepared:
        """The old record's stored files (checked against the catalogue) prepared as a new filing."""
        files = []
        for f in old.files:
            if f.destroyed or f.role is FileRole.RENDITION:  # the 归档章 names the old code
                continue
            p = self._prepare_file(self.store.abs(f.path), with_text=False, name=f.original_name)
            if p.sha256 != f.sha256:
                raise ArchiveError("存储的文件与目录记录不符，不能改类（请运行 dangan verify）", code=old.archival_code,
                                   path=f.path)
            p.role = f.role
            files.append(p)
        original = next((p for p in files if p.role is FileRole.ORIGINAL), None)
        if original is None:
            raise ArchiveError("该档案没有归档文件，不能改类", code=old.archival_code)
        text = self.catalogue.texts_of([old.id])[old.id]
        original.req = reclassify.new_request(old, original.src, category=category, title=title, text=text)
        original.attachments = [p for p in files if p is not original]
        return original

    # ------------------------------------------------------------------ holds

    def hold(self, codes: Sequence[str], *, reason: str) -> builtins.list[Record]:
        """Place a hold (冻结) on each record; a record may carry several."""
        _require_reason(reason)
        with self.catalogue.transaction():
            records = [self.get(c) for c in codes]
            for record in records:
                if record.status is Status.DISPOSED:
                    raise RetentionError("该档案已销毁，不能冻结", code=record.archival_code)
            out = []
            for record in records:
                hold = self.catalogue.place_hold(record.id, reason=reason, at=self.clock.now(), by=self._actor_name)
                out.append(self._set_status(record, AuditEvent.HOLD, reason=reason,
                                            holds=[digest.hold_statement(hold)]))
        self._notify([(ArchiveEvent.HOLD, r) for r in out])
        return out

    def release(self, codes: Sequence[str], *, reason: str, all_holds: bool = False) -> builtins.list[Record]:
        """Release the oldest active hold of each record (or all with ``all_holds=True``)."""
        _require_reason(reason)
        with self.catalogue.transaction():
            out = []
            for record in [self.get(c) for c in codes]:
                active = self.catalogue.holds(record.id, active_only=True)
                if not active:
                    raise RetentionError("该档案没有未解除的冻结", code=record.archival_code)
                released = [self.catalogue.release_hold(hold.id, reason=reason, at=self.clock.now(),
                                                        by=self._actor_name)
                            for hold in (active if all_holds else active[:1])]
                out.append(self._set_status(record, AuditEvent.RELEASE, reason=reason,
                                            holds=[digest.hold_statement(h) for h in released]))
        self._notify([(ArchiveEvent.RELEASE, r) for r in out])
        return out

    @property
    def _actor_name(self) -> str | None:
        return self.actor.name if self.actor else None

    def seal_legacy_holds(self) -> int:
        """State in the audit trail, once, the holds placed before dangan stated each hold there (dangan
        0.2 and earlier); from then on verify finds them edited or deleted like any other.  The number
        sealed (0: none were waiting).  Runs when the archive opens; what was changed before it cannot be
        seen (the README says so)."""
        if not self.catalogue.unsealed_holds():
            return 0
        with self.catalogue.transaction():
            holds = self.catalogue.unsealed_holds()
            if holds:
                self._audit(AuditEvent.HOLDS_SEALED, code=None,
                            details={"holds": [digest.hold_statement(h) for h in holds]})
                self.catalogue.mark_sealed(h.id for h in holds)
        return len(holds)

    def _set_status(self, record: Record, event: AuditEvent, **details: Any) -> Record:
        active = len(self.catalogue.holds(record.id, active_only=True))
        return self._restatus(record, event, active_holds=active, **details)

    # -------------------------------------------------------------- retention

    def effective_period(self, record: Record) -> str:
        cat = self.plan.find(record.category)
        return effective_period(record.period, cat.period if cat else None)

    def expiry_of(self, record: Record) -> dt.date | None:
        return expiry_date(record.year, self.effective_period(record))

    def extend(self, codes: Sequence[str], *, to: str | int, reason: str) -> builtins.list[Record]:
        """Lengthen the retention period of records after appraisal; never shortens."""
        _require_reason(reason)
        try:
            target = parse_period(to)
        except ConfigError as e:
            raise RetentionError(e.message, field="to") from e
        with self.catalogue.transaction():
            records = [self.get(c) for c in codes]
            for record in records:
                if record.status is Status.DISPOSED:
                    raise RetentionError("该档案已销毁，不能延长保管期限", code=record.archival_code)
                problem = check_extension(self.effective_period(record), target)
                if problem:
                    raise RetentionError(problem, code=record.archival_code)
            out = []
            for record in records:
                self.catalogue.update_record(record.id, period=target)
                updated = self.get(record.archival_code)
                self._audit_change(AuditEvent.EXTEND, updated, reason=reason, before=record.period, after=target)
                out.append(updated)
        self._notify([(ArchiveEvent.EXTEND, r) for r in out])
        return out

    def due(self, as_of: dt.date | None = None) -> builtins.list[DueItem]:
        """Records whose period has expired on ``as_of`` (default: the clock's today).  Only a report."""
        as_of = as_of or self.clock.today()
        items = []
        for record in self.list():
            if record.status is Status.DISPOSED:
                continue
            period = self.effective_period(record)
            expiry = expiry_date(record.year, period)
            if expiry is not None and as_of >= expiry:
                items.append(DueItem(record, period, expiry, held=record.status is Status.HELD))
        return items

    def disposal_refusals(self, codes: Sequence[str]) -> builtins.list[tuple[str, str]]:
        """(code, reason) for every record the clock and holds forbid disposing of."""
        codes = [c.strip() for c in codes]
        found = {r.archival_code: r for r in self.catalogue.records(RecordQuery(codes=tuple(codes)))}
        refused = disposal.refusals(codes, found, today=self.clock.today(), period_of=self.effective_period)
        # the holds as the audit trail states them, not only as the catalogue has them: a hold row deleted or
        # released behind dangan's back must not free a record for destruction
        wanted = set(codes)
        for code, problem in holdcheck.check(self.catalogue.all_holds(), self.catalogue.audit_entries()):
            if code in wanted or code is None:
                refused.append((code or codes[0], f"{problem}，请先运行 dangan verify 核查"))
        return refused

    def dispose(self, codes: Sequence[str], *, approver: str, reason: str) -> DisposalResult:
        """Dispose of expired, unheld records: file a 档案销毁清册 (Y), then destroy the content."""
        codes = disposal.check_request(codes, approver=approver, reason=reason)
        found = self.disposal_refusals(codes)
        if found:
            raise disposal.refusal_error(found)
        if self.register_renderer is None:
            raise ArchiveError("没有配置销毁清册的生成程序，不能销毁（请通过 dangan 应用接口调用）")
        records = [self.get(c) for c in codes]
        today = self.clock.today()
        data = disposal.register_data(records, approver=approver, reason=reason, today=today,
                                      period_of=self.effective_period)
        self.work_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=self.work_dir, prefix="register-") as tmp:
            doc = self.register_renderer(data, out_dir=Path(tmp))
            prepared = self._prepare(FilingRequest(
                path=doc.pdf, category=DISPOSAL_CATEGORY, title=f"档案销毁清册（{len(records)} 件）", date=today,
                doc_number=doc.doc_number, author=self.default_author, source=Source.GENERATED,
                form_id=disposal.REGISTER_FORM, form_data=doc.data,
                meta={"approver": approver, "reason": reason, "disposed_codes": " ".join(codes)},
            ))
            register, disposed = self._commit_disposal(prepared, codes, approver=approver, reason=reason)
        self._notify([(ArchiveEvent.DISPOSED, r) for r in disposed] + [(ArchiveEvent.FILED, register)])
        return DisposalResult(register=register, disposed=disposed)

    def _commit_disposal(self, prepared: _Prepared, codes: builtins.list[str], *, approver: str, reason: str
                         ) -> tuple[Record, builtins.list[Record]]:
        destroyed: builtins.list[str] = []
        with self._filing_tx() as tx:
            found = self.disposal_refusals(codes)  # again, under the write lock
            if found:
                raise disposal.refusal_error(found)
            register = self._file_chunk_in_tx([prepared], tx.published)[0].record
            disposed = []
            for code in codes:
                record = self.get(code)
                self.catalogue.mark_disposed(record.id, at=self.clock.now())
                destroyed.extend(f.path for f in record.files)
                updated = self.get(code)
                self._audit_change(AuditEvent.DISPOSED, updated, register=register.archival_code,
                                   approver=approver, reason=reason, sha256=[f.sha256 for f in record.files])
                disposed.append(updated)
            tx.after_commit.append(lambda: [self.store.destroy(rel) for rel in destroyed])
        return register, disposed

    # ------------------------------------------------------------------ export

    def export(self, code: str, to_dir: Path) -> Path:
        """Copy a record's files to ``to_dir`` (never into the archive).  Returns the original's copy."""
        record = self.get(code)
        if record.status is Status.DISPOSED:
            raise ArchiveError("该档案已销毁，文件内容已不存在", code=code)
        to_dir = Path(to_dir).resolve()
        archive_root = self.store.root.resolve()
        if to_dir == archive_root or archive_root in to_dir.parents:
            raise ArchiveError("不能导出到档案库目录内", path=to_dir)
        to_dir.mkdir(parents=True, exist_ok=True)
        copies: builtins.list[Path] = []
        for f in record.files:
            target = unique_path(to_dir, Path(f.path).name)
            atomic_copy(self.store.abs(f.path), target)
            copies.append(target)
        with self.catalogue.transaction(shared=True):
            self._audit(AuditEvent.EXPORT, code=code, details={"to": str(to_dir), "files": [p.name for p in copies]})
        return copies[0]

    # --------------------------------------------------------- stored numbers

    def mask_stored(self) -> remask.MaskReport:
        """Mask the phone, ID and card numbers the catalogue still stores from before masking at filing
        (titles, meta, form data, original names, texts; :mod:`dangan.archive.remask`), adding their keyed
        terms.  One exclusive transaction and one audit entry with the counts and, per record rewritten, the
        digest it had (which must be the audited one: a record not as audited is left alone and named) and
        the digest it has now.  The archived files are not touched.  Idempotent."""
        from dangan.archive.verify import audited_digests, holds_by_code, matches

        report = remask.MaskReport()
        digests: dict[str, builtins.list[str]] = {}
        with self.catalogue.transaction():
            audited, _ = audited_digests(self.catalogue.audit_entries())
            holds = holds_by_code(self.catalogue.all_holds())
            for record in self.catalogue.records():
                report.records += 1
                rewrite = remask.plan(record, self.catalogue.file_texts(record.id), self.number_key)
                if not rewrite.changed:
                    continue
                code = record.archival_code
                expected = audited.get(code)
                if rewrite.changes_record and (expected is None or not matches(record, expected,
                                                                               holds.get(code, []))):
                    report.refused.append(code)
                    continue
                self._apply_rewrite(record, rewrite)
                report.add(rewrite)
                if rewrite.changes_record and expected is not None:
                    after = digest.record_digest(self.get(code), holds=holds.get(code, []))
                    digests[code] = [expected[0], after]
            self._audit(AuditEvent.MASKED, code=None, details={
                **report.counts(), "refused_codes": report.refused, "digests": digests,
                "digest_version": digest.CURRENT})
        return report

    def _apply_rewrite(self, record: Record, rewrite: remask.Rewrite) -> None:
        if rewrite.title is not None:
            self.catalogue.update_record(record.id, title=rewrite.title)
        for key, value in rewrite.meta.items():
            self.catalogue.set_meta(record.id, key, value)
        if rewrite.number_keys is not None:
            self.catalogue.set_meta(record.id, NUMBER_KEYS_META, rewrite.number_keys)
        if rewrite.form_data is not None:
            self.catalogue.set_form_data(record.id, rewrite.form_data)
        for path, name in rewrite.names.items():
            self.catalogue.set_original_name(path, name)
        for path, text in rewrite.texts.items():
            self.catalogue.set_file_text(path, text)

    # -------------------------------------------------------------- reconcile

    def reconcile(self) -> ReconcileReport:
        """Clean up after a crash: remove temp files, set aside files without a row, report rows without a file.

        Runs in an exclusive transaction, so no process on any machine is filing meanwhile; the temporary
        files removed are the stale ones (a dead process's, or old): an upload being queued keeps its copy.
        """
        with self.catalogue.transaction():
            removed = [p.name for p in self.store.clear_temp()]
            rows = {e.path: e for e in self.catalogue.file_entries()}
            on_disk = set(self.store.walk_files())
            # files without a row, and whatever someone else put into tmp/: set aside and named, once
            orphans = [str(self.store.move_to_orphans(self.store.abs(rel)).relative_to(self.store.root))
                       for rel in sorted(on_disk - rows.keys())]
            orphans += [str(self.store.move_to_orphans(p).relative_to(self.store.root))
                        for p in self.store.foreign_temp_entries()]
            finished = [rel for rel in sorted(on_disk & rows.keys()) if rows[rel].destroyed and self.store.destroy(rel)]
            missing = [(rows[rel].code, rel) for rel in sorted(rows.keys() - on_disk) if not rows[rel].destroyed]
            report = ReconcileReport(removed, orphans, missing, finished)
            if orphans or missing or finished:
                self._audit(AuditEvent.RECONCILE, code=None, details={
                    "orphans": orphans, "missing": [list(m) for m in missing], "finished_disposals": finished})
        return report

    def remove_filed_orphans(self) -> builtins.list[str]:
        """Remove the copies in orphans/ whose bytes are filed under a record (a crash before the commit
        left the copy; the source was then filed again), with an audit entry naming them.  Copies of
        bytes the archive does not hold stay, named once by the reconcile entry that moved them there."""
        from dangan.content.hashing import sha256_file

        def filed(rel: str) -> bool:
            try:
                sha = sha256_file(self.store.abs(rel))[0]
            except OSError:
                return False
            record = self.catalogue.find_by_sha256(sha)
            return record is not None and any(f.sha256 == sha and not f.destroyed for f in record.files)

        removed: builtins.list[str] = []
        if not any(filed(rel) for rel in self.store.orphan_files()):
            return removed  # (no write transaction for copies that stay)
        with self.catalogue.transaction():
            for rel in self.store.orphan_files():
                if filed(rel):
                    self.store.abs(rel).unlink(missing_ok=True)
                    removed.append(rel)
            if removed:
                self._audit(AuditEvent.RECONCILE, code=None, details={"removed_orphan_copies": removed})
        for d in sorted({self.store.abs(r).parent for r in removed}, reverse=True):
            with contextlib.suppress(OSError):
                d.rmdir()  # an emptied orphans/<time>/ folder
        return removed

    # ---------------------------------------------------------------- verify

    def verify(self, *, extra_checks: Sequence[Any] = (), progress: Progress | None = None) -> Any:
        """四性检测 (see :mod:`dangan.archive.verify`); the run is recorded in the audit trail, and the chain's
        new head anchored outside the catalogue (:mod:`dangan.archive.anchor`)."""
        from dangan.archive.verify import run_verify

        report = run_verify(self.catalogue, self.store, extra_checks=extra_checks, progress=progress,
                            anchor_check=self._check_anchors)
        details = {"ok": report.ok, "records": report.records, "files": report.files,
                   "problems": len(report.problems), "at": self.clock.now().isoformat(), "anchored": True}
        with self.catalogue.transaction(shared=True):
            self._audit(AuditEvent.VERIFY, code=None, details=details)
        head = self._anchor()
        if head is not None:
            report.audit_entries, report.audit_head = head.id, head.hash
        return report

    @property
    def anchor_path(self) -> Path:
        return self.store.root / anchor.FILE_NAME

    def _check_anchors(self, entries: Sequence[Any]) -> builtins.list[str]:
        anchors, problems = anchor.read(self.anchor_path)
        if self.audit_key_problem:
            problems.append(self.audit_key_problem)
        verified_before = any(e.event == AuditEvent.VERIFY and isinstance(e.details, dict)
                              and e.details.get("anchored") for e in entries)
        return problems + anchor.check(anchors, entries, key=self.audit_key, verified_before=verified_before)

    def _anchor(self) -> Any:
        """Append the chain's head to the anchor file; the head (None for an empty chain)."""
        head = self.catalogue.audit_head()
        if head is not None:
            anchor.append(self.anchor_path, anchor.make(head.id, head.hash, self.clock.now().isoformat(),
                                                        self.audit_key))
        return head

    def _anchor_first_of_day(self) -> None:
        """The first opening of the archive each day anchors the chain's head (so a day's truncation shows
        even without a verify that day)."""
        anchors, _ = anchor.read(self.anchor_path)
        if anchors and anchors[-1].at[:10] == self.clock.today().isoformat():
            return
        if self.catalogue.audit_head() is None:
            return
        if not anchors and self._anchored_before():
            return  # the anchor file went missing: left for verify to report, not papered over
        with contextlib.suppress(OSError):  # a read-only archive copy: the next verify anchors
            self._anchor()

    def _anchored_before(self) -> bool:
        return any(e.event == AuditEvent.VERIFY and isinstance(e.details, dict) and e.details.get("anchored")
                   for e in self.catalogue.audit_entries())

    # -------------------------------------------------------------- listeners

    def _notify(self, events: Sequence[tuple[ArchiveEvent, Record]]) -> None:
        failures = self._notify_quietly(events)
        if failures:
            raise self._listener_error(failures, [])

    def _notify_quietly(self, events: Sequence[tuple[ArchiveEvent, Record]]) -> builtins.list[tuple[str, Exception]]:
        """Call every listener for every event; collect (code, error) instead of stopping.

        A listener with ``on_archive_events`` gets the whole batch in one call
        (the index writes it in one commit); others get one call per event.
        """
        failures: builtins.list[tuple[str, Exception]] = []
        if not self.listeners or not events:
            return failures
        texts = self.catalogue.texts_of(r.id for e, r in events if e is not ArchiveEvent.DISPOSED)
        batch = [(event, record, None if event is ArchiveEvent.DISPOSED else texts.get(record.id))
                 for event, record in events]
        for listener in self.listeners:
            failures += _deliver(listener, batch)
        return failures

    @staticmethod
    def _listener_error(failures: builtins.list[tuple[str, Exception]], results: Sequence[Any]) -> ListenerError:
        codes = list(dict.fromkeys(code for code, _ in failures))
        detail = "; ".join(f"{code}: {err}" for code, err in failures[:5])
        err = ListenerError(
            f"档案已归档（{'、'.join(codes[:10])}{' 等' if len(codes) > 10 else ''}），"
            "但全文索引（或归档副本）没有更新成功；请运行 dangan index rebuild 重建索引（归档副本：dangan archive stamp）",
            codes=codes, results=results,
        )
        err.detail = detail
        err.__cause__ = failures[0][1]
        return err


def _deliver(listener: ArchiveListener, batch: Sequence[tuple[ArchiveEvent, Record, str | None]]
             ) -> builtins.list[tuple[str, Exception]]:
    """Hand ``batch`` to one listener; return (code, error) for what it could not take."""
    many = getattr(listener, "on_archive_events", None)
    if many is not None:
        try:
            many(batch)
        except Exception as e:  # noqa: BLE001 - reported by the caller, never swallowed
            return [(record.archival_code, e) for _, record, _ in batch]
        return []
    failures = []
    for event, record, text in batch:
        try:
            listener.on_archive_event(event, record, text)
        except Exception as e:  # noqa: BLE001 - reported by the caller, never swallowed
            failures.append((record.archival_code, e))
    return failures


def _require_reason(reason: str) -> None:
    if not (reason or "").strip():
        raise RetentionError("必须填写原因（--reason）", field="reason")


def _same_year_date(record: Record, value: str) -> dt.date:
    try:
        date = parse_date(value, field="date")
    except InputError as e:
        raise ArchiveError(e.message, code=record.archival_code, field="date") from e
    if date.year != record.year:
        raise ArchiveError("日期只能在同一年度内更正（年度是档号的一部分，不能改变）", code=record.archival_code,
                           field="date")
    return date


def _meta_value(record: Record, key: str) -> Any:
    if hasattr(record, key) and key not in ("meta", "files"):
        value = getattr(record, key)
        return value.isoformat() if isinstance(value, dt.date) else value
    return record.meta.get(key)


__all__ = ["Archive", "DisposalResult", "DueItem", "ListenerError", "ReconcileReport", "Reclassified"]


def _audit_key(ws: Workspace) -> tuple[bytes | None, str | None]:
    """The anchor's HMAC key from ``[audit] key_file`` (relative to the workspace), or the problem with it."""
    name = ws.config.settings.audit.key_file
    if not name:
        return None, None
    path = Path(name) if Path(name).is_absolute() else ws.root / name
    try:
        key = anchor.read_key(path)
    except OSError as e:
        return None, f"审计密钥文件 {path} 无法读取（{e.strerror or e}），审计锚点的签名无法核对"
    if not key:
        return None, f"审计密钥文件 {path} 是空的，审计锚点的签名无法核对"
    return key, None
