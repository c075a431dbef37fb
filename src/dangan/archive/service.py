"""The archive: filing, lookup, holds, retention, disposal, export, verification.

:class:`Archive` is the one entry point.  It owns the catalogue connection
and the file store; every change happens inside one ``BEGIN IMMEDIATE``
transaction that also appends the audit entry, and listeners (the search
index) are told after the commit.

Filing order (no half-states): copy into ``archive/tmp/``, fsync, check the
hash, rename into place, commit the row.  A filing journal in ``tmp/`` lives
until the commit; finding one at start-up triggers :meth:`Archive.reconcile`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dangan.archive import audit, digest
from dangan.archive.audit import AuditEvent
from dangan.archive.catalog import load_records
from dangan.archive.codes import MAX_SEQ, format_code
from dangan.archive.db import connect, transaction
from dangan.archive.model import (
    ArchiveEvent,
    ArchiveListener,
    FileRole,
    FilingRequest,
    FilingResult,
    Record,
    Source,
    Status,
)
from dangan.archive.plan import FilePlan, load_plan
from dangan.archive.retention import (
    check_extension,
    document_date_problem,
    effective_period,
    expiry_date,
    is_expired,
    parse_period,
    period_label,
)
from dangan.archive.store import Store
from dangan.config import Workspace
from dangan.content.extract import Extraction, extract_bytes
from dangan.content.formats import suffix_for
from dangan.content.hashing import sha256_bytes
from dangan.errors import ArchiveError, ConfigError, RetentionError, SearchIndexError
from dangan.fsutil import atomic_copy, fsync_dir, unique_path

BATCH = 200  # filings per transaction in file_many

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
    removed_temps: list[str] = field(default_factory=list)
    orphans: list[str] = field(default_factory=list)  # files without a row, moved to orphans/
    missing: list[tuple[str, str]] = field(default_factory=list)  # (code, path): rows without a file
    finished_disposals: list[str] = field(default_factory=list)  # destroyed content removed late

    @property
    def clean(self) -> bool:
        return not (self.orphans or self.missing)


@dataclass(frozen=True)
class DueItem:
    record: Record
    period: str  # the effective period
    expiry: dt.date
    held: bool


@dataclass(frozen=True)
class DisposalResult:
    register: Record
    disposed: list[Record]


@dataclass
class _Tx:
    published: list[Path] = field(default_factory=list)
    after_commit: list[Callable[[], object]] = field(default_factory=list)


@dataclass
class _Prepared:
    req: FilingRequest
    src: Path
    sha256: str
    size: int
    extraction: Extraction
    original_name: str
    attachments: list[_Prepared] = field(default_factory=list)


class Archive:
    """The archive of one workspace.  Opening it migrates the catalogue and reconciles."""

    def __init__(self, ws: Workspace, *, listeners: Sequence[ArchiveListener] = ()) -> None:
        self.ws = ws
        self.listeners = list(listeners)
        self.plan: FilePlan = load_plan(ws)
        self.fonds: str = str(ws.config["company.fonds_code"])
        self.store = Store(ws.archive_dir)
        self.store.ensure()
        self._lock = threading.RLock()
        self._conn = connect(self.store.catalog_path)
        self._today: Callable[[], dt.date] = dt.date.today  # the real clock; tests never change it for disposal
        self.reconcile_report: ReconcileReport = ReconcileReport()
        if self.store.temp_entries():
            self.reconcile_report = self.reconcile()

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ lookup

    def get(self, code: str) -> Record:
        with self._lock:
            found = load_records(self._conn, "r.archival_code = ?", (code.strip(),))
        if not found:
            raise ArchiveError("档案库中没有这个档号", code=code)
        return found[0]

    def find_by_doc_number(self, doc_number: str) -> Record | None:
        with self._lock:
            found = load_records(self._conn, "r.doc_number = ?", (doc_number.strip(),))
        return found[0] if found else None

    def find_by_sha256(self, sha256: str) -> Record | None:
        with self._lock:
            return self._find_sha(sha256.lower())

    def _find_sha(self, sha256: str) -> Record | None:
        row = self._conn.execute(
            "SELECT record_id FROM files WHERE sha256 = ? AND destroyed = 0 ORDER BY id LIMIT 1", (sha256,)
        ).fetchone()
        if row is None:
            return None
        return load_records(self._conn, "r.id = ?", (row["record_id"],))[0]

    def list(
        self,
        *,
        category: str | None = None,
        year: int | None = None,
        status: Status | str | None = None,
        needs_review: bool | None = None,
    ) -> list[Record]:
        clauses, params = ["1"], []
        if category:
            clauses.append("r.category = ?")
            params.append(self.plan.get(category).code)
        if year is not None:
            clauses.append("r.year = ?")
            params.append(int(year))
        if status:
            clauses.append("r.status = ?")
            params.append(str(Status(status)))
        if needs_review is not None:
            clauses.append("r.needs_review = ?")
            params.append(int(needs_review))
        with self._lock:
            records = load_records(self._conn, " AND ".join(clauses), tuple(params))
        return sorted(records, key=lambda r: (r.year, r.category, r.archival_code))

    def text_of(self, code: str) -> str | None:
        record = self.get(code)
        with self._lock:
            return self._text_of_id(record.id)

    def _text_of_id(self, record_id: int) -> str | None:
        rows = self._conn.execute(
            "SELECT t.text FROM texts t JOIN files f ON f.id = t.file_id "
            "WHERE f.record_id = ? AND f.destroyed = 0 ORDER BY f.id",
            (record_id,),
        ).fetchall()
        parts = [r["text"] for r in rows if r["text"]]
        return "\n\n".join(parts) if parts else None

    def iter_index_documents(self, *, batch: int = 500) -> Iterator[tuple[Record, str | None]]:
        """Every record with its text, by id (disposed records come with text None)."""
        last = 0
        while True:
            with self._lock:
                ids = [
                    r["id"]
                    for r in self._conn.execute(
                        "SELECT id FROM records WHERE id > ? ORDER BY id LIMIT ?", (last, batch)
                    )
                ]
                if not ids:
                    return
                records = load_records(self._conn, "r.id BETWEEN ? AND ?", (ids[0], ids[-1]))
                texts = {r.id: self._text_of_id(r.id) for r in records}
            yield from ((r, texts[r.id]) for r in records)
            last = ids[-1]

    def categories(self) -> FilePlan:
        return self.plan

    def holds_of(self, code: str, *, active_only: bool = True) -> list[dict[str, Any]]:
        record = self.get(code)
        sql = "SELECT * FROM holds WHERE record_id = ?" + (" AND released_at IS NULL" if active_only else "")
        with self._lock:
            return [dict(r) for r in self._conn.execute(sql + " ORDER BY id", (record.id,))]

    def audit_trail(self, code: str | None = None) -> list[audit.AuditEntry]:
        with self._lock:
            return audit.entries(self._conn, code=code)

    # ------------------------------------------------------------------ filing

    def file(self, req: FilingRequest) -> FilingResult:
        """File one 件.  Identical bytes already filed give the existing record, ``duplicate=True``."""
        return self.file_many([req])[0]

    def file_many(self, reqs: Sequence[FilingRequest], *, progress: Progress | None = None) -> list[FilingResult]:
        """File several 件, many per transaction.  Every file is checked before any is filed."""
        prepared = [self._prepare(r) for r in reqs]
        results: list[FilingResult] = []
        failures: list[tuple[str, Exception]] = []
        for start in range(0, len(prepared), BATCH):
            chunk = prepared[start : start + BATCH]
            with self._lock:
                chunk_results = self._file_chunk(chunk)
            results.extend(chunk_results)
            events = [(ArchiveEvent.FILED, r.record) for r in chunk_results if not r.duplicate]
            failures.extend(self._notify_quietly(events))
            if progress:
                progress(len(results), len(prepared))
        if failures:
            raise self._listener_error(failures, results)
        return results

    def _prepare(self, req: FilingRequest) -> _Prepared:
        self.plan.get(req.category)  # unknown category fails before anything is read
        problem = document_date_problem(req.date, self._today()) if req.date else None
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
        extraction = extract_bytes(data, name=str(path), with_text=with_text)
        return _Prepared(
            req=FilingRequest(path=path, category=""),
            src=path,
            sha256=sha256_bytes(data),
            size=len(data),
            extraction=extraction,
            original_name=name or path.name,
        )

    def _file_chunk(self, chunk: list[_Prepared]) -> list[FilingResult]:
        with self._filing_tx() as tx:
            return self._file_chunk_in_tx(chunk, tx.published)

    @contextlib.contextmanager
    def _filing_tx(self) -> Iterator[_Tx]:
        """A write transaction that publishes files.

        Under the write lock: a journal is written to tmp/ (so a crash is
        noticed at the next start-up), files are published, the row is
        committed, ``after_commit`` actions run, then the journal goes.  On an
        error before the commit, the files published so far are removed while
        the lock is still held (their codes were never given out).
        """
        tx = _Tx()
        journal: Path | None = None
        with self._lock:
            try:
                with transaction(self._conn):
                    journal = self._begin_journal()
                    try:
                        yield tx
                        self.store.sync_dirs(tx.published)
                    except BaseException:
                        self._unpublish(tx.published)
                        raise
                for action in tx.after_commit:
                    action()
            finally:
                if journal is not None:
                    journal.unlink(missing_ok=True)

    def _file_chunk_in_tx(self, chunk: list[_Prepared], published: list[Path]) -> list[FilingResult]:
        seen: dict[str, Record] = {}
        results: list[FilingResult] = []
        for p in chunk:
            existing = seen.get(p.sha256) or self._find_sha(p.sha256)
            if existing is not None:
                self._audit_duplicate(existing, source_name=p.original_name, sha256=p.sha256)
                results.append(FilingResult(record=existing, duplicate=True))
                continue
            record = self._file_one(p, published)
            seen[p.sha256] = record
            results.append(FilingResult(record=record, duplicate=False))
        return results

    def _begin_journal(self) -> Path:
        journal = self.store.new_temp(".journal")
        journal.write_bytes(b"filing\n")
        fsync_dir(journal.parent)
        return journal

    def _unpublish(self, paths: list[Path]) -> None:
        for path in paths:
            path.unlink(missing_ok=True)

    def _file_one(self, p: _Prepared, published: list[Path]) -> Record:
        req = p.req
        cat = self.plan.get(req.category)
        date = req.date or self._today()
        seq = self._next_seq(date.year, cat.period, cat.code)
        code = format_code(self.fonds, date.year, cat.period, cat.code, seq)
        record_id = self._insert_record(req, code=code, date=date, period=cat.period, seq=seq, category=cat.code, p=p)
        self._store_file(p, record_id, code=code, role=FileRole.ORIGINAL, name=code, published=published)
        for n, att in enumerate(p.attachments, start=1):
            self._store_file(att, record_id, code=code, role=FileRole.ATTACHMENT, name=f"{code}-att-{n}",
                             published=published)
        record = load_records(self._conn, "r.id = ?", (record_id,))[0]
        self._audit_change(AuditEvent.FILED, record, original_name=p.original_name, sha256=p.sha256,
                           source=str(record.source))
        return record

    def _next_seq(self, year: int, period: str, category: str) -> int:
        row = self._conn.execute(
            "SELECT COALESCE(MAX(seq), 0) + 1 FROM records "
            "WHERE fonds = ? AND year = ? AND code_period = ? AND category = ?",
            (self.fonds, year, period, category),
        ).fetchone()
        seq = int(row[0])
        if seq > MAX_SEQ:
            raise ArchiveError(f"{year} 年度 {category} 类 {period} 的件号已用完（最多 {MAX_SEQ} 件）")
        return seq

    def _insert_record(
        self, req: FilingRequest, *, code: str, date: dt.date, period: str, seq: int, category: str, p: _Prepared
    ) -> int:
        title = (req.title or "").strip() or Path(p.original_name).stem
        author = (req.author or "").strip() or self._default_author()
        text_source = req.text_source or (p.extraction.source if req.text is None else "ocr")
        cur = self._conn.execute(
            "INSERT INTO records (archival_code, fonds, year, code_period, category, seq, period, title, "
            "doc_number, author, date, security, source, status, building, unit, room, form_id, form_data, "
            "needs_review, text_source, filed_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                code, self.fonds, date.year, period, category, seq, period, title,
                req.doc_number or None, author, date.isoformat(), req.security or "无", str(Source(req.source)),
                str(Status.ACTIVE), req.building, req.unit, req.room, req.form_id,
                json.dumps(req.form_data, ensure_ascii=False, default=str) if req.form_data is not None else None,
                int(req.needs_review), text_source, _now().isoformat(),
            ),
        )
        record_id = int(cur.lastrowid or 0)
        self._conn.executemany(
            "INSERT INTO meta (record_id, key, value) VALUES (?, ?, ?)",
            [(record_id, str(k), str(v)) for k, v in req.meta.items()],
        )
        return record_id

    def _default_author(self) -> str:
        return str(self.ws.config.get("company.centre") or self.ws.config.get("company.name") or "客服中心")

    def _store_file(
        self, p: _Prepared, record_id: int, *, code: str, role: FileRole, name: str, published: list[Path],
        text: str | None = None, text_source: str | None = None,
    ) -> None:
        rec = self._conn.execute("SELECT year, code_period, category FROM records WHERE id = ?", (record_id,)).fetchone()
        rel = self.store.rel_path(
            year=rec["year"], period=rec["code_period"], category=rec["category"],
            name=name + suffix_for(p.extraction.format),
        )
        tmp = self.store.copy_to_temp(p.src, expected_sha256=p.sha256)
        try:
            published.append(self.store.publish(tmp, rel))
        finally:
            tmp.unlink(missing_ok=True)
        cur = self._conn.execute(
            "INSERT INTO files (record_id, role, path, sha256, size, format, page_count, original_name) "
            "VALUES (?,?,?,?,?,?,?,?)",
            (record_id, str(role), rel, p.sha256, p.size, p.extraction.format, p.extraction.page_count,
             p.original_name),
        )
        if role is FileRole.ORIGINAL:
            text, text_source = (p.req.text, p.req.text_source or "ocr") if p.req.text is not None else (
                p.extraction.text, p.extraction.source)
        if text:
            self._conn.execute(
                "INSERT INTO texts (file_id, source, text) VALUES (?, ?, ?)", (cur.lastrowid, text_source, text)
            )

    def attach_signed_copy(
        self, code: str, path: Path, *, text: str | None = None, text_source: str | None = None,
        original_name: str | None = None,
    ) -> FilingResult:
        """Add a scan of the signed paper copy to a (generated) record."""
        p = self._prepare_file(Path(path), with_text=text is None, name=original_name)
        with self._filing_tx() as tx:
            result = self._attach_in_tx(code, p, text=text, text_source=text_source, published=tx.published)
        if not result.duplicate:
            failures = self._notify_quietly([(ArchiveEvent.SIGNED_COPY, result.record)])
            if failures:  # committed: the caller gets the result with the error
                raise self._listener_error(failures, [result])
        return result

    def _attach_in_tx(
        self, code: str, p: _Prepared, *, text: str | None, text_source: str | None, published: list[Path]
    ) -> FilingResult:
        existing = self._find_sha(p.sha256)
        if existing is not None:
            self._audit_duplicate(existing, source_name=p.original_name, sha256=p.sha256)
            return FilingResult(record=existing, duplicate=True)
        record = self._get_in_tx(code)
        if record.status is Status.DISPOSED:
            raise ArchiveError("该档案已销毁，不能再添加签字扫描件", code=code)
        n = 1 + sum(1 for f in record.files if f.role is FileRole.SIGNED)
        if text is None:
            text, text_source = p.extraction.text, p.extraction.source
        self._store_file(p, record.id, code=code, role=FileRole.SIGNED, name=f"{code}-signed-{n}",
                         published=published, text=text, text_source=text_source or "ocr")
        record = self._get_in_tx(code)
        self._audit_change(AuditEvent.SIGNED_COPY, record, original_name=p.original_name, sha256=p.sha256)
        return FilingResult(record=record, duplicate=False)

    def record_duplicate(self, record: Record, *, source_name: str) -> None:
        """Note in the audit trail that ``source_name`` repeated an already filed record."""
        with self._lock, transaction(self._conn):
            self._audit_duplicate(record, source_name=source_name, sha256=record.original.sha256 if record.original else "")

    def _audit_duplicate(self, record: Record, *, source_name: str, sha256: str) -> None:
        audit.append(self._conn, AuditEvent.DUPLICATE, code=record.archival_code,
                     details={"source_name": source_name, "sha256": sha256})

    def _get_in_tx(self, code: str) -> Record:
        found = load_records(self._conn, "r.archival_code = ?", (code.strip(),))
        if not found:
            raise ArchiveError("档案库中没有这个档号", code=code)
        return found[0]

    def _audit_change(self, event: str, record: Record, **details: Any) -> None:
        audit.append(self._conn, event, code=record.archival_code,
                     details={**details, "digest": digest.record_digest(record),
                              "digest_version": digest.CURRENT})

    # ---------------------------------------------------------------- metadata

    _COLUMNS = ("title", "doc_number", "author", "security", "building", "unit", "room")

    def update_metadata(self, code: str, changes: dict[str, str], *, reason: str) -> Record:
        """Change descriptive metadata (not the code, category, period or files).

        Keys: title, doc_number, author, security, building, unit, room,
        needs_review (true/false), date (same year only); any other key is
        free metadata (an empty value removes it).
        """
        if not reason.strip():
            raise ArchiveError("修改元数据必须填写原因", code=code, field="reason")
        with self._lock, transaction(self._conn):
            record = self._get_in_tx(code)
            if record.status is Status.DISPOSED:
                raise ArchiveError("该档案已销毁，元数据不能再修改", code=code)
            before = {k: _meta_value(record, k) for k in changes}
            for key, value in changes.items():
                self._apply_change(record, key, value)
            record = self._get_in_tx(code)
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
        if key in self._COLUMNS:
            self._conn.execute(f"UPDATE records SET {key} = ? WHERE id = ?", (value or None, record.id))
        elif key == "needs_review":
            flag = value.lower() in ("1", "true", "yes", "是")
            self._conn.execute("UPDATE records SET needs_review = ? WHERE id = ?", (int(flag), record.id))
        elif key == "date":
            self._change_date(record, value)
        elif value:
            self._conn.execute("INSERT OR REPLACE INTO meta (record_id, key, value) VALUES (?, ?, ?)",
                               (record.id, key, value))
        else:
            self._conn.execute("DELETE FROM meta WHERE record_id = ? AND key = ?", (record.id, key))

    def _change_date(self, record: Record, value: str) -> None:
        try:
            date = dt.date.fromisoformat(value)
        except ValueError as e:
            raise ArchiveError(f"日期「{value}」格式不对，应为 YYYY-MM-DD", code=record.archival_code,
                               field="date") from e
        if date.year != record.year:
            raise ArchiveError("日期只能在同一年度内更正（年度是档号的一部分，不能改变）",
                               code=record.archival_code, field="date")
        self._conn.execute("UPDATE records SET date = ? WHERE id = ?", (date.isoformat(), record.id))

    # ------------------------------------------------------------------ holds

    def hold(self, codes: Sequence[str], *, reason: str) -> list[Record]:
        """Place a hold (冻结) on each record; a record may carry several."""
        _require_reason(reason)
        with self._lock, transaction(self._conn):
            records = [self._get_in_tx(c) for c in codes]
            for record in records:
                if record.status is Status.DISPOSED:
                    raise RetentionError("该档案已销毁，不能冻结", code=record.archival_code)
            out = []
            for record in records:
                self._conn.execute("INSERT INTO holds (record_id, reason, placed_at) VALUES (?, ?, ?)",
                                   (record.id, reason, _now().isoformat()))
                out.append(self._set_status(record, AuditEvent.HOLD, reason=reason))
        self._notify([(ArchiveEvent.HOLD, r) for r in out])
        return out

    def release(self, codes: Sequence[str], *, reason: str, all_holds: bool = False) -> list[Record]:
        """Release the oldest active hold of each record (or all with ``all_holds=True``)."""
        _require_reason(reason)
        with self._lock, transaction(self._conn):
            records = [self._get_in_tx(c) for c in codes]
            out = []
            for record in records:
                active = self._conn.execute(
                    "SELECT id FROM holds WHERE record_id = ? AND released_at IS NULL ORDER BY id", (record.id,)
                ).fetchall()
                if not active:
                    raise RetentionError("该档案没有未解除的冻结", code=record.archival_code)
                for row in active if all_holds else active[:1]:
                    self._conn.execute(
                        "UPDATE holds SET released_at = ?, release_reason = ? WHERE id = ?",
                        (_now().isoformat(), reason, row["id"]),
                    )
                out.append(self._set_status(record, AuditEvent.RELEASE, reason=reason))
        self._notify([(ArchiveEvent.RELEASE, r) for r in out])
        return out

    def _set_status(self, record: Record, event: str, **details: Any) -> Record:
        active = self._conn.execute(
            "SELECT COUNT(*) FROM holds WHERE record_id = ? AND released_at IS NULL", (record.id,)
        ).fetchone()[0]
        status = Status.HELD if active else Status.ACTIVE
        self._conn.execute("UPDATE records SET status = ? WHERE id = ?", (str(status), record.id))
        updated = self._get_in_tx(record.archival_code)
        self._audit_change(event, updated, active_holds=active, **details)
        return updated

    # -------------------------------------------------------------- retention

    def effective_period(self, record: Record) -> str:
        cat = self.plan.find(record.category)
        return effective_period(record.period, cat.period if cat else None)

    def expiry_of(self, record: Record) -> dt.date | None:
        return expiry_date(record.year, self.effective_period(record))

    def extend(self, codes: Sequence[str], *, to: str | int, reason: str) -> list[Record]:
        """Lengthen the retention period of records after appraisal; never shortens."""
        _require_reason(reason)
        try:
            target = parse_period(to)
        except ConfigError as e:
            raise RetentionError(e.message, field="to") from e
        with self._lock, transaction(self._conn):
            records = [self._get_in_tx(c) for c in codes]
            for record in records:
                if record.status is Status.DISPOSED:
                    raise RetentionError("该档案已销毁，不能延长保管期限", code=record.archival_code)
                problem = check_extension(self.effective_period(record), target)
                if problem:
                    raise RetentionError(problem, code=record.archival_code)
            out = []
            for record in records:
                self._conn.execute("UPDATE records SET period = ? WHERE id = ?", (target, record.id))
                updated = self._get_in_tx(record.archival_code)
                self._audit_change(AuditEvent.EXTEND, updated, reason=reason, before=record.period, after=target)
                out.append(updated)
        self._notify([(ArchiveEvent.EXTEND, r) for r in out])
        return out

    def due(self, as_of: dt.date | None = None) -> list[DueItem]:
        """Records whose period has expired on ``as_of`` (default today).  Only a report."""
        as_of = as_of or self._today()
        items = []
        for record in self.list():
            if record.status is Status.DISPOSED:
                continue
            period = self.effective_period(record)
            expiry = expiry_date(record.year, period)
            if expiry is not None and as_of >= expiry:
                items.append(DueItem(record, period, expiry, held=record.status is Status.HELD))
        return items

    def disposal_refusals(self, codes: Sequence[str]) -> list[tuple[str, str]]:
        """(code, reason) for every record the real clock and holds forbid disposing of."""
        today = self._today()
        refusals: list[tuple[str, str]] = []
        for code in codes:
            found = load_records(self._conn, "r.archival_code = ?", (code.strip(),))
            if not found:
                refusals.append((code, "档案库中没有这个档号"))
                continue
            record = found[0]
            period = self.effective_period(record)
            if record.status is Status.DISPOSED:
                refusals.append((code, "已经销毁过"))
            elif record.status is Status.HELD:
                refusals.append((code, "处于冻结中，须全部解除冻结后才能销毁"))
            elif not is_expired(record.year, period, today):
                expiry = expiry_date(record.year, period)
                when = f"{expiry:%Y年%m月%d日}起才可销毁" if expiry else "永久保存，不能销毁"
                refusals.append((code, f"保管期限（{period_label(period)}）未满，{when}"))
        return refusals

    def dispose(self, codes: Sequence[str], *, approver: str, reason: str) -> DisposalResult:
        """Dispose of expired, unheld records: file a 档案销毁清册 (Y), then destroy the content."""
        from dangan.archive.disposal import dispose

        return dispose(self, codes, approver=approver, reason=reason)

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
        copies: list[Path] = []
        for f in record.files:
            name = Path(f.path).name
            target = unique_path(to_dir, name)
            atomic_copy(self.store.abs(f.path), target)
            copies.append(target)
        with self._lock, transaction(self._conn):
            audit.append(self._conn, AuditEvent.EXPORT, code=code, details={"to": str(to_dir),
                                                                            "files": [p.name for p in copies]})
        return copies[0]

    # -------------------------------------------------------------- reconcile

    def reconcile(self) -> ReconcileReport:
        """Clean up after a crash: remove temp files, set aside files without a row, report rows without a file.

        Runs under the write lock, so no other process is filing meanwhile.
        """
        with self._lock, transaction(self._conn):
            removed = [p.name for p in self.store.clear_temp()]
            rows = {r["path"]: (r["code"], bool(r["destroyed"])) for r in self._conn.execute(
                "SELECT f.path, f.destroyed, r.archival_code AS code FROM files f JOIN records r ON r.id = f.record_id"
            )}
            on_disk = set(self.store.walk_files())
            orphans = [str(self.store.move_to_orphans(self.store.abs(rel)).relative_to(self.store.root))
                       for rel in sorted(on_disk - rows.keys())]
            finished = [rel for rel in sorted(on_disk & rows.keys()) if rows[rel][1] and self.store.destroy(rel)]
            missing = [(rows[rel][0], rel) for rel in sorted(rows.keys() - on_disk) if not rows[rel][1]]
            report = ReconcileReport(removed, orphans, missing, finished)
            if orphans or missing or finished:
                audit.append(self._conn, AuditEvent.RECONCILE, code=None, details={
                    "orphans": orphans, "missing": [list(m) for m in missing], "finished_disposals": finished,
                })
        return report

    # ---------------------------------------------------------------- verify

    def verify(self, *, extra_checks: Sequence[Any] = (), progress: Progress | None = None) -> Any:
        """四性检测; see :mod:`dangan.archive.verify`.  Records its run in the audit trail."""
        from dangan.archive.verify import run_verify

        return run_verify(self, extra_checks=extra_checks, progress=progress)

    # -------------------------------------------------------------- listeners

    def _notify(self, events: Sequence[tuple[ArchiveEvent, Record]]) -> None:
        failures = self._notify_quietly(events)
        if failures:
            raise self._listener_error(failures, [])

    def _notify_quietly(self, events: Sequence[tuple[ArchiveEvent, Record]]) -> list[tuple[str, Exception]]:
        """Call every listener for every event; collect (code, error) instead of stopping.

        A listener with ``on_archive_events`` gets the whole batch in one call
        (the index writes it in one commit); others get one call per event.
        """
        failures: list[tuple[str, Exception]] = []
        if not self.listeners:
            return failures
        batch = [
            (event, record, None if event is ArchiveEvent.DISPOSED else self._text_for(record))
            for event, record in events
        ]
        for listener in self.listeners:
            failures += _deliver(listener, batch)
        return failures

    def _text_for(self, record: Record) -> str | None:
        with self._lock:
            return self._text_of_id(record.id)

    @staticmethod
    def _listener_error(failures: list[tuple[str, Exception]], results: Sequence[Any]) -> ListenerError:
        codes = list(dict.fromkeys(code for code, _ in failures))
        detail = "; ".join(f"{code}: {err}" for code, err in failures[:5])
        err = ListenerError(
            f"档案已归档（{'、'.join(codes[:10])}{' 等' if len(codes) > 10 else ''}），"
            "但全文索引没有更新成功；请运行 dangan index rebuild 重建索引",
            codes=codes, results=results,
        )
        err.detail = detail
        first = failures[0][1]
        err.__cause__ = first
        return err


def _deliver(
    listener: ArchiveListener, batch: Sequence[tuple[ArchiveEvent, Record, str | None]]
) -> list[tuple[str, Exception]]:
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


def _meta_value(record: Record, key: str) -> Any:
    if hasattr(record, key) and key not in ("meta", "files"):
        value = getattr(record, key)
        return value.isoformat() if isinstance(value, dt.date) else value
    return record.meta.get(key)


def _now() -> dt.datetime:
    return dt.datetime.now().astimezone()


__all__ = ["Archive", "DisposalResult", "DueItem", "ListenerError", "ReconcileReport"]
