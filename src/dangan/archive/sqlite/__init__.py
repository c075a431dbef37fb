"""The embedded catalogue: SQLite, one file beside the archived files.  All of dangan's SQL is here.

One connection per thread (WAL mode: readers never wait for the writer).
``transaction()`` is ``BEGIN IMMEDIATE``: it takes SQLite's write lock at
once, which serialises every writer of every process, so 件号, 文号 and the
audit head read inside it are current.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from dangan.actor import Actor
from dangan.archive.audit import AuditEntry, stored_entry
from dangan.archive.catalogue import (
    DESCRIPTIVE,
    USER_UPDATABLE,
    ApiToken,
    AuditHead,
    DisposalProposal,
    FileEntry,
    Hold,
    ItemSeries,
    Loan,
    NewFile,
    NewLoan,
    NewRecord,
    RecordQuery,
    UserAccount,
    hold_of_row,
)
from dangan.archive.model import FileRole, Record, Source, Status, StoredFile
from dangan.archive.sqlite.ledger import LedgerTables
from dangan.archive.sqlite.queue import QueuePart
from dangan.archive.sqlite.schema import connect
from dangan.errors import ArchiveError

_UPDATABLE = (*DESCRIPTIVE, "needs_review", "date", "period", "status")


def open_url(url: str) -> SqliteCatalogue:
    """``sqlite:///abs/path/catalog.sqlite`` (or ``sqlite:relative/path``)."""
    path = url.split(":", 1)[1]
    if path.startswith("//"):
        path = path[2:]
    return SqliteCatalogue(Path(path))


class SqliteCatalogue(LedgerTables, QueuePart):
    """The :class:`~dangan.archive.catalogue.Catalogue` on one SQLite file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.url = f"sqlite://{path.resolve()}"
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._guard = threading.Lock()
        self._conn()  # create and migrate now, so errors surface at open

    # -- connections and transactions ------------------------------------------------

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = connect(self.path)
            self._local.conn = conn
            self._local.depth = 0
            with self._guard:
                self._all.append(conn)
        return conn

    @contextlib.contextmanager
    def transaction(self, *, shared: bool = False) -> Iterator[None]:
        """``BEGIN IMMEDIATE``: every transaction is exclusive here, so ``shared`` changes nothing."""
        conn = self._conn()
        if self._local.depth:
            self._local.depth += 1
            try:
                yield
            finally:
                self._local.depth -= 1
            return
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.DatabaseError as e:
            raise ArchiveError(f"档案目录数据库被占用或不可写：{e}", path=self.path) from e
        self._local.depth = 1
        try:
            yield
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        else:
            conn.execute("COMMIT")
        finally:
            self._local.depth = 0

    def _write(self) -> sqlite3.Connection:
        conn = self._conn()
        if not conn.in_transaction:
            raise RuntimeError("catalogue writes must run inside catalogue.transaction()")
        return conn

    def close(self) -> None:
        with self._guard:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()

    def schema_version(self) -> int:
        return int(self._conn().execute("PRAGMA user_version").fetchone()[0])

    def pragma(self, name: str) -> Any:
        """A connection setting (tests of the SQLite backend only)."""
        return self._conn().execute(f"PRAGMA {name}").fetchone()[0]

    # -- records ---------------------------------------------------------------

    def records(self, query: RecordQuery = RecordQuery()) -> list[Record]:  # noqa: B008 - frozen dataclass
        where, params = _where(query)
        limit = f" LIMIT {int(query.limit)}" if query.limit is not None else ""
        conn = self._conn()
        rows = conn.execute(f"SELECT r.* FROM records r WHERE {where} ORDER BY r.id{limit}", params).fetchall()
        if not rows:
            return []
        ids = [r["id"] for r in rows]
        marks = ",".join("?" * len(ids))
        files: dict[int, list[StoredFile]] = {}
        for f in conn.execute(f"SELECT * FROM files WHERE record_id IN ({marks}) ORDER BY id", ids):
            files.setdefault(f["record_id"], []).append(_stored_file(f))
        meta: dict[int, dict[str, str]] = {}
        for m in conn.execute(f"SELECT * FROM meta WHERE record_id IN ({marks}) ORDER BY key", ids):
            meta.setdefault(m["record_id"], {})[m["key"]] = m["value"]
        return [_record(r, files.get(r["id"], []), meta.get(r["id"], {})) for r in rows]

    def record(self, code: str) -> Record | None:
        found = self.records(RecordQuery(codes=(code.strip(),)))
        return found[0] if found else None

    def find_by_sha256(self, sha256: str) -> Record | None:
        row = self._conn().execute(
            "SELECT record_id FROM files WHERE sha256 = ? AND destroyed = 0 ORDER BY id LIMIT 1", (sha256.lower(),)
        ).fetchone()
        return self.records(RecordQuery(ids=(row[0],)))[0] if row else None

    def insert_record(self, new: NewRecord) -> int:
        conn = self._write()
        s = new.series
        cur = conn.execute(
            "INSERT INTO records (archival_code, fonds, year, code_period, category, seq, period, title, "
            "doc_number, author, date, security, source, status, building, unit, room, form_id, form_data, "
            "needs_review, text_source, filed_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (new.archival_code, s.fonds, s.year, s.period, s.category, new.seq, new.period, new.title,
             new.doc_number, new.author, new.date.isoformat(), new.security, str(new.source), str(Status.ACTIVE),
             new.building, new.unit, new.room, new.form_id,
             json.dumps(new.form_data, ensure_ascii=False, default=str) if new.form_data is not None else None,
             int(new.needs_review), new.text_source, new.filed_at.isoformat()),
        )
        record_id = int(cur.lastrowid or 0)
        conn.executemany("INSERT INTO meta (record_id, key, value) VALUES (?, ?, ?)",
                         [(record_id, str(k), str(v)) for k, v in new.meta.items()])
        return record_id

    def update_record(self, record_id: int, **columns: Any) -> None:
        conn = self._write()
        for key, value in columns.items():
            if key not in _UPDATABLE:
                raise ValueError(f"column {key!r} cannot be updated")
            if isinstance(value, dt.date):
                value = value.isoformat()
            elif isinstance(value, bool):
                value = int(value)
            elif value is not None:
                value = str(value)
            conn.execute(f"UPDATE records SET {key} = ? WHERE id = ?", (value, record_id))

    def set_meta(self, record_id: int, key: str, value: str | None) -> None:
        conn = self._write()
        if value is None:
            conn.execute("DELETE FROM meta WHERE record_id = ? AND key = ?", (record_id, key))
        else:
            conn.execute("INSERT OR REPLACE INTO meta (record_id, key, value) VALUES (?, ?, ?)",
                         (record_id, key, value))

    # -- 件号 ------------------------------------------------------------------

    def next_item_number(self, series: ItemSeries) -> int:
        conn = self._write()
        key = (series.fonds, series.year, series.period, series.category)
        row = conn.execute(
            "INSERT INTO item_counters (fonds, year, period, category, last) VALUES (?, ?, ?, ?, 1) "
            "ON CONFLICT (fonds, year, period, category) DO UPDATE SET last = last + 1 RETURNING last", key
        ).fetchone()
        return int(row[0])

    # -- files and texts -------------------------------------------------------

    def add_file(self, record_id: int, new: NewFile) -> int:
        conn = self._write()
        cur = conn.execute(
            "INSERT INTO files (record_id, role, path, sha256, size, format, page_count, original_name) "
            "VALUES (?,?,?,?,?,?,?,?)",
            (record_id, str(new.role), new.path, new.sha256, new.size, new.format, new.page_count,
             new.original_name),
        )
        file_id = int(cur.lastrowid or 0)
        if new.text:
            conn.execute("INSERT INTO texts (file_id, source, text) VALUES (?, ?, ?)",
                         (file_id, new.text_source, new.text))
        return file_id

    def file_entries(self) -> list[FileEntry]:
        rows = self._conn().execute(
            "SELECT f.path, f.destroyed, r.archival_code FROM files f JOIN records r ON r.id = f.record_id")
        return [FileEntry(r[0], r[2], bool(r[1])) for r in rows]

    def file_texts(self, record_id: int) -> dict[str, str]:
        rows = self._conn().execute(
            "SELECT f.path, t.text FROM texts t JOIN files f ON f.id = t.file_id "
            "WHERE f.record_id = ? AND f.destroyed = 0 ORDER BY f.id", (record_id,))
        return {r[0]: r[1] for r in rows if r[1]}

    def set_file_text(self, path: str, text: str) -> None:
        self._write().execute("UPDATE texts SET text = ? WHERE file_id = (SELECT id FROM files WHERE path = ?)",
                              (text, path))

    def set_original_name(self, path: str, original_name: str) -> None:
        cur = self._write().execute("UPDATE files SET original_name = ? WHERE path = ?", (original_name, path))
        if cur.rowcount != 1:
            raise ArchiveError(f"目录中没有文件 {path}", path=path)

    def set_form_data(self, record_id: int, form_data: dict[str, Any] | None) -> None:
        self._write().execute(
            "UPDATE records SET form_data = ? WHERE id = ?",
            (json.dumps(form_data, ensure_ascii=False, default=str) if form_data is not None else None, record_id))

    def texts_of(self, record_ids: Iterable[int]) -> dict[int, str | None]:
        ids = list(record_ids)
        out: dict[int, list[str]] = {i: [] for i in ids}
        for start in range(0, len(ids), 500):
            part = ids[start:start + 500]
            rows = self._conn().execute(
                "SELECT f.record_id, t.text FROM texts t JOIN files f ON f.id = t.file_id "
                f"WHERE f.record_id IN ({','.join('?' * len(part))}) AND f.destroyed = 0 ORDER BY f.id", part)
            for record_id, text in rows:
                if text:
                    out[record_id].append(text)
        return {i: ("\n\n".join(parts) if parts else None) for i, parts in out.items()}

    # -- holds and disposal ----------------------------------------------------

    def place_hold(self, record_id: int, *, reason: str, at: dt.datetime, by: str | None = None) -> Hold:
        conn = self._write()
        cur = conn.execute("INSERT INTO holds (record_id, reason, placed_at, placed_by, sealed) VALUES (?, ?, ?, ?, 1)",
                           (record_id, reason, at.isoformat(), by))
        return self._holds("h.id = ?", (cur.lastrowid,))[0]

    def release_hold(self, hold_id: int, *, reason: str, at: dt.datetime, by: str | None = None) -> Hold:
        self._write().execute("UPDATE holds SET released_at = ?, release_reason = ?, released_by = ? WHERE id = ?",
                              (at.isoformat(), reason, by, hold_id))
        return self._holds("h.id = ?", (hold_id,))[0]

    def holds(self, record_id: int, *, active_only: bool = True) -> list[Hold]:
        extra = " AND h.released_at IS NULL" if active_only else ""
        return self._holds("h.record_id = ?" + extra, (record_id,))

    def all_holds(self) -> list[Hold]:
        return self._holds("1 = 1", ())

    def unsealed_holds(self) -> list[Hold]:
        return self._holds("h.sealed = 0", ())

    def mark_sealed(self, hold_ids: Iterable[int]) -> None:
        self._write().executemany("UPDATE holds SET sealed = 1 WHERE id = ?", [(i,) for i in hold_ids])

    def _holds(self, where: str, params: tuple[Any, ...]) -> list[Hold]:
        rows = self._conn().execute(
            "SELECT h.*, r.archival_code AS code FROM holds h JOIN records r ON r.id = h.record_id "
            f"WHERE {where} ORDER BY h.id", params)
        return [hold_of_row(r) for r in rows]

    def mark_disposed(self, record_id: int, *, at: dt.datetime) -> None:
        conn = self._write()
        conn.execute("UPDATE records SET status = ?, disposed_at = ? WHERE id = ?",
                     (str(Status.DISPOSED), at.isoformat(), record_id))
        conn.execute("DELETE FROM texts WHERE file_id IN (SELECT id FROM files WHERE record_id = ?)", (record_id,))
        conn.execute("UPDATE files SET destroyed = 1 WHERE record_id = ?", (record_id,))

    # -- loans, file roles, imported numbers ------------------------------------

    def open_loan(self, record_id: int, new: NewLoan) -> Loan:
        cur = self._write().execute(
            "INSERT INTO loans (record_id, borrower, unit, purpose, approver, electronic, lent_at, due) "
            "VALUES (?,?,?,?,?,?,?,?)",
            (record_id, new.borrower, new.unit, new.purpose, new.approver, int(new.electronic),
             new.lent_at.isoformat(), new.due.isoformat()))
        return self._loans("l.id = ?", (cur.lastrowid,))[0]

    def close_loan(self, loan_id: int, *, at: dt.datetime, note: str) -> None:
        self._write().execute("UPDATE loans SET returned_at = ?, return_note = ? WHERE id = ?",
                              (at.isoformat(), note, loan_id))

    def loans(self, *, record_id: int | None = None, active_only: bool = False) -> list[Loan]:
        clauses, params = ["1"], []
        if record_id is not None:
            clauses.append("l.record_id = ?")
            params.append(record_id)
        if active_only:
            clauses.append("l.returned_at IS NULL")
        return self._loans(" AND ".join(clauses), tuple(params))

    def _loans(self, where: str, params: tuple[Any, ...]) -> list[Loan]:
        rows = self._conn().execute(
            "SELECT l.*, r.archival_code AS code FROM loans l JOIN records r ON r.id = l.record_id "
            f"WHERE {where} ORDER BY l.id", params)
        return [Loan(r["id"], r["code"], r["borrower"], r["purpose"], dt.date.fromisoformat(r["due"]),
                     dt.datetime.fromisoformat(r["lent_at"]), r["unit"], r["approver"], bool(r["electronic"]),
                     dt.datetime.fromisoformat(r["returned_at"]) if r["returned_at"] else None, r["return_note"])
                for r in rows]

    def set_file_role(self, path: str, role: FileRole) -> None:
        cur = self._write().execute("UPDATE files SET role = ? WHERE path = ?", (str(role), path))
        if cur.rowcount != 1:
            raise ArchiveError(f"目录中没有文件 {path}", path=path)

    def adopt_item_number(self, series: ItemSeries, seq: int) -> None:
        self._write().execute(
            "INSERT INTO item_counters (fonds, year, period, category, last) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (fonds, year, period, category) DO UPDATE SET last = max(last, excluded.last)",
            (series.fonds, series.year, series.period, series.category, seq))

    # -- the audit chain -------------------------------------------------------

    def audit_head(self) -> AuditHead | None:
        row = self._conn().execute("SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()
        return AuditHead(row[0], row[1]) if row else None

    def insert_audit(self, entry: AuditEntry) -> None:
        self._write().execute(
            "INSERT INTO audit (id, ts, event, code, details, prev_hash, hash, version, actor) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (entry.id, entry.ts, entry.event, entry.code, _canonical(entry.details), entry.prev_hash, entry.hash,
             entry.version, _canonical(entry.actor.to_dict()) if entry.actor else None),
        )

    def append_audit(self, event: str, *, code: str | None, details: dict[str, Any], at: dt.datetime,
                     actor: Actor | None) -> None:
        from dangan.archive.audit import seal

        self._write()
        head = self.audit_head()  # current: the transaction holds the write lock
        self.insert_audit(seal((head.id, head.hash) if head else None, event, code=code, details=details, at=at,
                               actor=actor))

    def audit_entries(self, *, code: str | None = None) -> list[AuditEntry]:
        conn = self._conn()
        if code is None:
            rows = conn.execute("SELECT * FROM audit ORDER BY id")
        else:
            rows = conn.execute("SELECT * FROM audit WHERE code = ? ORDER BY id", (code,))
        return [_audit_entry(r) for r in rows]

    # -- document numbers ------------------------------------------------------

    def allocate_doc_numbers(self, prefix: str, year: int, form_id: str, *, count: int,
                             at: dt.datetime) -> list[int]:
        conn = self._write()
        last = conn.execute(
            "INSERT INTO doc_counters (prefix, year, last) VALUES (?, ?, ?) "
            "ON CONFLICT (prefix, year) DO UPDATE SET last = last + excluded.last RETURNING last",
            (prefix, year, count)).fetchone()[0]
        seqs = list(range(last - count + 1, last + 1))
        return seqs

    def record_issued(self, numbers: Iterable[str], form_id: str, at: dt.datetime) -> None:
        self._write().executemany("INSERT INTO doc_numbers (doc_number, form_id, issued_at) VALUES (?, ?, ?)",
                                  [(n, form_id, at.isoformat()) for n in numbers])

    def note_doc_number(self, prefix: str, year: int, seq: int, *, doc_number: str, form_id: str | None,
                        at: dt.datetime) -> None:
        conn = self._write()
        conn.execute("INSERT OR IGNORE INTO doc_numbers (doc_number, form_id, issued_at) VALUES (?, ?, ?)",
                     (doc_number, form_id or "", at.isoformat()))
        conn.execute("INSERT INTO doc_counters (prefix, year, last) VALUES (?, ?, ?) "
                     "ON CONFLICT (prefix, year) DO UPDATE SET last = max(last, excluded.last)", (prefix, year, seq))

    def doc_number_form(self, doc_number: str) -> str | None:
        row = self._conn().execute("SELECT form_id FROM doc_numbers WHERE doc_number = ?", (doc_number,)).fetchone()
        return row[0] if row else None

    # -- accounts, tokens, secrets ---------------------------------------------

    def add_user(self, user: UserAccount) -> None:
        try:
            self._write().execute(
                "INSERT INTO users (name, role, password_hash, created_at, disabled, auth_epoch, failed_logins, "
                "locked_until, last_login) VALUES (?,?,?,?,?,?,?,?,?)",
                (user.name, user.role, user.password_hash, user.created_at.isoformat(), int(user.disabled),
                 user.auth_epoch, user.failed_logins, _iso(user.locked_until), _iso(user.last_login)))
        except sqlite3.IntegrityError as e:
            raise ArchiveError(f"用户「{user.name}」已存在", field="name") from e

    def user(self, name: str) -> UserAccount | None:
        row = self._conn().execute("SELECT * FROM users WHERE name = ?", (name,)).fetchone()
        return _user(row) if row else None

    def users(self) -> list[UserAccount]:
        return [_user(r) for r in self._conn().execute("SELECT * FROM users ORDER BY name")]

    def update_user(self, name: str, **columns: Any) -> None:
        conn = self._write()
        for key, value in columns.items():
            if key not in USER_UPDATABLE:
                raise ValueError(f"column {key!r} cannot be updated")
            if isinstance(value, dt.datetime):
                value = value.isoformat()
            elif isinstance(value, bool):
                value = int(value)
            conn.execute(f"UPDATE users SET {key} = ? WHERE name = ?", (value, name))

    def add_token(self, name: str, *, token_hash: str, scope: str, at: dt.datetime) -> ApiToken:
        try:
            cur = self._write().execute(
                "INSERT INTO api_tokens (name, token_hash, scope, created_at) VALUES (?, ?, ?, ?)",
                (name, token_hash, scope, at.isoformat()))
        except sqlite3.IntegrityError as e:
            raise ArchiveError(f"设备「{name}」已有有效的令牌（先吊销旧令牌）", field="name") from e
        return ApiToken(int(cur.lastrowid or 0), name, token_hash, scope, at)

    def token_by_hash(self, token_hash: str) -> ApiToken | None:
        row = self._conn().execute("SELECT * FROM api_tokens WHERE token_hash = ?", (token_hash,)).fetchone()
        return _token(row) if row else None

    def tokens(self) -> list[ApiToken]:
        return [_token(r) for r in self._conn().execute("SELECT * FROM api_tokens ORDER BY id")]

    def revoke_token(self, token_id: int, *, at: dt.datetime) -> None:
        self._write().execute("UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                              (at.isoformat(), token_id))

    def ensure_secret(self, name: str, value: str) -> str:
        conn = self._write()
        conn.execute("INSERT OR IGNORE INTO secrets (name, value) VALUES (?, ?)", (name, value))
        return str(conn.execute("SELECT value FROM secrets WHERE name = ?", (name,)).fetchone()[0])

    # -- disposal proposals ----------------------------------------------------

    def add_proposal(self, codes: Any, *, reason: str, proposer: str, at: dt.datetime) -> DisposalProposal:
        cur = self._write().execute(
            "INSERT INTO disposal_proposals (codes, reason, proposer, proposed_at) VALUES (?, ?, ?, ?)",
            (json.dumps(list(codes), ensure_ascii=False), reason, proposer, at.isoformat()))
        found = self.proposal(int(cur.lastrowid or 0))
        assert found is not None
        return found

    def proposal(self, proposal_id: int) -> DisposalProposal | None:
        row = self._conn().execute("SELECT * FROM disposal_proposals WHERE id = ?", (proposal_id,)).fetchone()
        return _proposal(row) if row else None

    def proposals(self, *, status: str | None = None) -> list[DisposalProposal]:
        if status is None:
            rows = self._conn().execute("SELECT * FROM disposal_proposals ORDER BY id DESC")
        else:
            rows = self._conn().execute("SELECT * FROM disposal_proposals WHERE status = ? ORDER BY id DESC",
                                        (status,))
        return [_proposal(r) for r in rows]

    def decide_proposal(self, proposal_id: int, *, status: str, decider: str, at: dt.datetime,
                        note: str | None = None, register_code: str | None = None) -> None:
        self._write().execute(
            "UPDATE disposal_proposals SET status = ?, decider = ?, decided_at = ?, note = ?, register_code = ? "
            "WHERE id = ? AND status = 'pending'", (status, decider, at.isoformat(), note, register_code, proposal_id))


# -- rows → objects ----------------------------------------------------------------


def _where(q: RecordQuery) -> tuple[str, list[Any]]:
    clauses: list[str] = ["1"]
    params: list[Any] = []
    if q.codes is not None:
        clauses.append(f"r.archival_code IN ({','.join('?' * len(q.codes))})" if q.codes else "0")
        params += list(q.codes)
    if q.ids is not None:
        clauses.append(f"r.id IN ({','.join('?' * len(q.ids))})" if q.ids else "0")
        params += list(q.ids)
    for column, value in (("category", q.category), ("year", q.year), ("doc_number", q.doc_number)):
        if value is not None:
            clauses.append(f"r.{column} = ?")
            params.append(value)
    if q.status is not None:
        clauses.append("r.status = ?")
        params.append(str(q.status))
    if q.needs_review is not None:
        clauses.append("r.needs_review = ?")
        params.append(int(q.needs_review))
    if q.after_id is not None:
        clauses.append("r.id > ?")
        params.append(q.after_id)
    return " AND ".join(clauses), params


def _canonical(obj: Any) -> str:
    from dangan.archive.digest import canonical

    return canonical(obj)


def _stored_file(row: sqlite3.Row) -> StoredFile:
    return StoredFile(role=FileRole(row["role"]), path=row["path"], sha256=row["sha256"], size=row["size"],
                      format=row["format"], page_count=row["page_count"], original_name=row["original_name"],
                      destroyed=bool(row["destroyed"]))


def _record(row: sqlite3.Row, files: list[StoredFile], meta: dict[str, str]) -> Record:
    return Record(
        id=row["id"], archival_code=row["archival_code"], title=row["title"], doc_number=row["doc_number"],
        author=row["author"], date=dt.date.fromisoformat(row["date"]), year=row["year"], category=row["category"],
        period=row["period"], security=row["security"], source=Source(row["source"]), status=Status(row["status"]),
        building=row["building"], unit=row["unit"], room=row["room"], form_id=row["form_id"],
        form_data=json.loads(row["form_data"]) if row["form_data"] else None, meta=meta,
        needs_review=bool(row["needs_review"]), text_source=row["text_source"],
        filed_at=dt.datetime.fromisoformat(row["filed_at"]), files=files,
        disposed_at=dt.datetime.fromisoformat(row["disposed_at"]) if row["disposed_at"] else None,
    )


def _audit_entry(row: sqlite3.Row) -> AuditEntry:
    return stored_entry(row["id"], row["ts"], row["event"], row["code"], row["details"], row["prev_hash"],
                        row["hash"], row["version"], row["actor"])


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _dt(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def _user(row: sqlite3.Row) -> UserAccount:
    return UserAccount(row["name"], row["role"], row["password_hash"], dt.datetime.fromisoformat(row["created_at"]),
                       bool(row["disabled"]), int(row["auth_epoch"]), int(row["failed_logins"]),
                       _dt(row["locked_until"]), _dt(row["last_login"]))


def _token(row: sqlite3.Row) -> ApiToken:
    return ApiToken(row["id"], row["name"], row["token_hash"], row["scope"],
                    dt.datetime.fromisoformat(row["created_at"]), _dt(row["revoked_at"]))


def _proposal(row: sqlite3.Row) -> DisposalProposal:
    return DisposalProposal(row["id"], tuple(json.loads(row["codes"])), row["reason"], row["proposer"],
                            dt.datetime.fromisoformat(row["proposed_at"]), row["status"], row["decider"],
                            _dt(row["decided_at"]), row["note"], row["register_code"])
