"""The company-wide catalogue: PostgreSQL, shared by every node.  All of its SQL is here.

Concurrency rests on PostgreSQL's own locks, never on one database-wide lock
for filing (see :mod:`dangan.archive.catalogue` for the rules):

- 件号: the series' row in ``item_counters`` is updated (so locked) in the
  filing transaction and stays locked until it commits; a rollback gives the
  number back.  Two filers in one series take turns; in two series, they run
  side by side.
- 文号: the same with ``doc_counters`` rows.
- the same bytes filed twice at once: :meth:`find_by_sha256` inside a write
  transaction takes a transaction advisory lock on the digest.
- the audit chain: entries appended in a transaction are sealed at its
  commit, after locking the one ``audit_head`` row; so the head is the last
  lock a transaction takes (no lock cycles through it) and is held only for
  the inserts and the commit.
- every other write (holds, edits, disposal, reconcile) is an ordinary
  transaction: it takes the writers' advisory lock exclusively and so runs as
  if it were the only writer, as on SQLite.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Iterable, Iterator
from typing import Any

from dangan.actor import Actor
from dangan.archive.audit import AuditEntry, seal, stored_entry
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
from dangan.archive.digest import canonical
from dangan.archive.model import FileRole, Record, Source, Status, StoredFile
from dangan.archive.postgres import schema
from dangan.archive.postgres.connections import Connections, OpenTx, connect, translated
from dangan.archive.postgres.ledger import PostgresLedgerTables
from dangan.archive.postgres.queue import QueuePart
from dangan.config import check_database_url, mask_password
from dangan.errors import ArchiveError

_UPDATABLE = (*DESCRIPTIVE, "needs_review", "date", "period", "status")
DEFAULT_POOL_SIZE = 4


def open_url(url: str, *, pool_size: int = DEFAULT_POOL_SIZE) -> PostgresCatalogue:
    """``postgresql://user@host:port/db`` (libpq parameters such as ``passfile`` may follow ``?``)."""
    check_database_url(url.split("?", 1)[0])
    return PostgresCatalogue(url, pool_size=pool_size)


def sha_lock_key(sha256: str) -> int:
    """The advisory lock key of some bytes: 60 bits of their digest (one-key space, apart from dangan's two-key locks)."""
    return int(sha256[:15], 16)


class PostgresCatalogue(PostgresLedgerTables, QueuePart):
    """The :class:`~dangan.archive.catalogue.Catalogue` on a PostgreSQL database."""

    def __init__(self, url: str, *, pool_size: int = DEFAULT_POOL_SIZE) -> None:
        self.url = url
        self.display_url = mask_password(url)
        with contextlib.closing(connect(url)) as conn, translated(url):  # errors surface at open, in words
            schema.require_utf8(conn, self.display_url)
            schema.migrate(conn)
        self._db = Connections(url, pool_size=pool_size)

    # -- connections and transactions ------------------------------------------------

    @contextlib.contextmanager
    def transaction(self, *, shared: bool = False) -> Iterator[None]:
        with self._db.transaction(shared=shared, before_commit=self._seal_audits):
            yield

    def close(self) -> None:
        self._db.close()

    def schema_version(self) -> int:
        row = self._db.one("SELECT version FROM dangan_schema")
        return int(row["version"]) if row else 0

    # -- records ---------------------------------------------------------------

    def records(self, query: RecordQuery = RecordQuery()) -> list[Record]:  # noqa: B008 - frozen dataclass
        where, params = _where(query)
        limit = f" LIMIT {int(query.limit)}" if query.limit is not None else ""
        with self._db.read_conn() as conn, translated(self.url):
            rows = conn.execute(f"SELECT r.* FROM records r WHERE {where} ORDER BY r.id{limit}", params).fetchall()
            if not rows:
                return []
            ids = [r["id"] for r in rows]
            files: dict[int, list[StoredFile]] = {}
            for f in conn.execute("SELECT * FROM files WHERE record_id = ANY(%s) ORDER BY id", (ids,)):
                files.setdefault(f["record_id"], []).append(_stored_file(f))
            meta: dict[int, dict[str, str]] = {}
            for m in conn.execute("SELECT * FROM meta WHERE record_id = ANY(%s) ORDER BY key COLLATE \"C\"",
                                  (ids,)):
                meta.setdefault(m["record_id"], {})[m["key"]] = m["value"]
        return [_record(r, files.get(r["id"], []), meta.get(r["id"], {})) for r in rows]

    def record(self, code: str) -> Record | None:
        found = self.records(RecordQuery(codes=(code.strip(),)))
        return found[0] if found else None

    def find_by_sha256(self, sha256: str) -> Record | None:
        sha256 = sha256.lower()
        if self._db.tx is not None:  # a writer: these bytes are ours until we commit
            self._db.write("SELECT pg_advisory_xact_lock(%s)", (sha_lock_key(sha256),))
        row = self._db.one("SELECT record_id FROM files WHERE sha256 = %s AND NOT destroyed ORDER BY id LIMIT 1",
                           (sha256,))
        return self.records(RecordQuery(ids=(row["record_id"],)))[0] if row else None

    def insert_record(self, new: NewRecord) -> int:
        s = new.series
        row = self._db.write(
            "INSERT INTO records (archival_code, fonds, year, code_period, category, seq, period, title, "
            "doc_number, author, date, security, source, status, building, unit, room, form_id, form_data, "
            "needs_review, text_source, filed_at) VALUES "
            "(%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s::json,%s,%s,%s) RETURNING id",
            (new.archival_code, s.fonds, s.year, s.period, s.category, new.seq, new.period, new.title,
             new.doc_number, new.author, new.date, new.security, str(new.source), str(Status.ACTIVE),
             new.building, new.unit, new.room, new.form_id,
             json.dumps(new.form_data, ensure_ascii=False, default=str) if new.form_data is not None else None,
             bool(new.needs_review), new.text_source, new.filed_at.isoformat()),
        ).fetchone()
        assert row is not None
        record_id = int(row["id"])
        self._db.write_many("INSERT INTO meta (record_id, key, value) VALUES (%s, %s, %s)",
                            [(record_id, str(k), str(v)) for k, v in new.meta.items()])
        return record_id

    def update_record(self, record_id: int, **columns: Any) -> None:
        for key, value in columns.items():
            if key not in _UPDATABLE:
                raise ValueError(f"column {key!r} cannot be updated")
            if key == "needs_review":
                value = bool(value)
            elif value is not None and not isinstance(value, dt.date):
                value = str(value)
            self._db.write(f"UPDATE records SET {key} = %s WHERE id = %s", (value, record_id))

    def set_meta(self, record_id: int, key: str, value: str | None) -> None:
        if value is None:
            self._db.write("DELETE FROM meta WHERE record_id = %s AND key = %s", (record_id, key))
        else:
            self._db.write("INSERT INTO meta (record_id, key, value) VALUES (%s, %s, %s) "
                           "ON CONFLICT (record_id, key) DO UPDATE SET value = excluded.value", (record_id, key, value))

    # -- 件号 ------------------------------------------------------------------

    def next_item_number(self, series: ItemSeries) -> int:
        row = self._db.write(
            "INSERT INTO item_counters AS c (fonds, year, period, category, last) VALUES (%s, %s, %s, %s, 1) "
            "ON CONFLICT (fonds, year, period, category) DO UPDATE SET last = c.last + 1 RETURNING last",
            (series.fonds, series.year, series.period, series.category)).fetchone()
        assert row is not None
        return int(row["last"])

    # -- files and texts -------------------------------------------------------

    def add_file(self, record_id: int, new: NewFile) -> int:
        row = self._db.write(
            "INSERT INTO files (record_id, role, path, sha256, size, format, page_count, original_name) "
            "VALUES (%s,%s,%s,%s,%s,%s,%s,%s) RETURNING id",
            (record_id, str(new.role), new.path, new.sha256.lower(), new.size, new.format, new.page_count,
             new.original_name)).fetchone()
        assert row is not None
        file_id = int(row["id"])
        if new.text:
            self._db.write("INSERT INTO texts (file_id, source, text) VALUES (%s, %s, %s)",
                           (file_id, new.text_source, new.text))
        return file_id

    def file_entries(self) -> list[FileEntry]:
        rows = self._db.all("SELECT f.path, f.destroyed, r.archival_code FROM files f "
                            "JOIN records r ON r.id = f.record_id")
        return [FileEntry(r["path"], r["archival_code"], bool(r["destroyed"])) for r in rows]

    def file_texts(self, record_id: int) -> dict[str, str]:
        rows = self._db.all("SELECT f.path, t.text FROM texts t JOIN files f ON f.id = t.file_id "
                            "WHERE f.record_id = %s AND NOT f.destroyed ORDER BY f.id", (record_id,))
        return {r["path"]: r["text"] for r in rows if r["text"]}

    def set_file_text(self, path: str, text: str) -> None:
        self._db.write("UPDATE texts SET text = %s WHERE file_id = (SELECT id FROM files WHERE path = %s)",
                       (text, path))

    def set_original_name(self, path: str, original_name: str) -> None:
        row = self._db.write("UPDATE files SET original_name = %s WHERE path = %s RETURNING id",
                             (original_name, path)).fetchone()
        if row is None:
            raise ArchiveError(f"目录中没有文件 {path}", path=path)

    def set_form_data(self, record_id: int, form_data: dict[str, Any] | None) -> None:
        self._db.write("UPDATE records SET form_data = %s::json WHERE id = %s",
                       (json.dumps(form_data, ensure_ascii=False, default=str) if form_data is not None else None,
                        record_id))

    def texts_of(self, record_ids: Iterable[int]) -> dict[int, str | None]:
        ids = list(record_ids)
        out: dict[int, list[str]] = {i: [] for i in ids}
        if ids:
            rows = self._db.all("SELECT f.record_id, t.text FROM texts t JOIN files f ON f.id = t.file_id "
                                "WHERE f.record_id = ANY(%s) AND NOT f.destroyed ORDER BY f.id", (ids,))
            for r in rows:
                if r["text"]:
                    out[r["record_id"]].append(r["text"])
        return {i: ("\n\n".join(parts) if parts else None) for i, parts in out.items()}

    # -- holds and disposal ----------------------------------------------------

    def place_hold(self, record_id: int, *, reason: str, at: dt.datetime, by: str | None = None) -> Hold:
        row = self._db.write("INSERT INTO holds (record_id, reason, placed_at, placed_by, sealed) "
                             "VALUES (%s, %s, %s, %s, true) RETURNING id",
                             (record_id, reason, at.isoformat(), by)).fetchone()
        assert row is not None
        return self._holds("h.id = %s", (row["id"],))[0]

    def release_hold(self, hold_id: int, *, reason: str, at: dt.datetime, by: str | None = None) -> Hold:
        self._db.write("UPDATE holds SET released_at = %s, release_reason = %s, released_by = %s WHERE id = %s",
                       (at.isoformat(), reason, by, hold_id))
        return self._holds("h.id = %s", (hold_id,))[0]

    def holds(self, record_id: int, *, active_only: bool = True) -> list[Hold]:
        extra = " AND h.released_at IS NULL" if active_only else ""
        return self._holds("h.record_id = %s" + extra, (record_id,))

    def all_holds(self) -> list[Hold]:
        return self._holds("true", ())

    def unsealed_holds(self) -> list[Hold]:
        return self._holds("NOT h.sealed", ())

    def mark_sealed(self, hold_ids: Iterable[int]) -> None:
        ids = list(hold_ids)
        if ids:
            self._db.write("UPDATE holds SET sealed = true WHERE id = ANY(%s)", (ids,))

    def _holds(self, where: str, params: tuple[Any, ...]) -> list[Hold]:
        rows = self._db.all("SELECT h.*, r.archival_code AS code FROM holds h JOIN records r ON r.id = h.record_id "
                            f"WHERE {where} ORDER BY h.id", params)
        return [hold_of_row(r) for r in rows]

    def mark_disposed(self, record_id: int, *, at: dt.datetime) -> None:
        self._db.write("UPDATE records SET status = %s, disposed_at = %s WHERE id = %s",
                       (str(Status.DISPOSED), at.isoformat(), record_id))
        self._db.write("DELETE FROM texts WHERE file_id IN (SELECT id FROM files WHERE record_id = %s)", (record_id,))
        self._db.write("UPDATE files SET destroyed = true WHERE record_id = %s", (record_id,))

    # -- loans, file roles, imported numbers ------------------------------------

    def open_loan(self, record_id: int, new: NewLoan) -> Loan:
        row = self._db.write(
            "INSERT INTO loans (record_id, borrower, unit, purpose, approver, electronic, lent_at, due) "
            "VALUES (%s,%s,%s,%s,%s,%s,%s,%s) RETURNING id",
            (record_id, new.borrower, new.unit, new.purpose, new.approver, bool(new.electronic),
             new.lent_at.isoformat(), new.due.isoformat())).fetchone()
        assert row is not None
        return self._loans("l.id = %s", (row["id"],))[0]

    def close_loan(self, loan_id: int, *, at: dt.datetime, note: str) -> None:
        self._db.write("UPDATE loans SET returned_at = %s, return_note = %s WHERE id = %s",
                       (at.isoformat(), note, loan_id))

    def loans(self, *, record_id: int | None = None, active_only: bool = False) -> list[Loan]:
        clauses, params = ["true"], []
        if record_id is not None:
            clauses.append("l.record_id = %s")
            params.append(record_id)
        if active_only:
            clauses.append("l.returned_at IS NULL")
        return self._loans(" AND ".join(clauses), tuple(params))

    def _loans(self, where: str, params: tuple[Any, ...]) -> list[Loan]:
        rows = self._db.all("SELECT l.*, r.archival_code AS code FROM loans l JOIN records r ON r.id = l.record_id "
                            f"WHERE {where} ORDER BY l.id", params)
        return [Loan(int(r["id"]), r["code"], r["borrower"], r["purpose"], dt.date.fromisoformat(r["due"]),
                     dt.datetime.fromisoformat(r["lent_at"]), r["unit"], r["approver"], bool(r["electronic"]),
                     dt.datetime.fromisoformat(r["returned_at"]) if r["returned_at"] else None, r["return_note"])
                for r in rows]

    def set_file_role(self, path: str, role: FileRole) -> None:
        row = self._db.write("UPDATE files SET role = %s WHERE path = %s RETURNING id", (str(role), path)).fetchone()
        if row is None:
            raise ArchiveError(f"目录中没有文件 {path}", path=path)

    def adopt_item_number(self, series: ItemSeries, seq: int) -> None:
        self._db.write(
            "INSERT INTO item_counters AS c (fonds, year, period, category, last) VALUES (%s, %s, %s, %s, %s) "
            "ON CONFLICT (fonds, year, period, category) DO UPDATE SET last = GREATEST(c.last, excluded.last)",
            (series.fonds, series.year, series.period, series.category, seq))

    # -- the audit chain -------------------------------------------------------

    def audit_head(self) -> AuditHead | None:
        tx = self._db.tx
        if tx is not None:
            self._seal_audits(tx)  # what this transaction appended comes first
            row = self._db.one("SELECT last_id, last_hash FROM audit_head FOR UPDATE")
        else:
            row = self._db.one("SELECT last_id, last_hash FROM audit_head")
        return AuditHead(int(row["last_id"]), row["last_hash"]) if row and row["last_id"] else None

    def insert_audit(self, entry: AuditEntry) -> None:
        tx = self._db.tx
        if tx is None:
            raise RuntimeError("catalogue writes must run inside catalogue.transaction()")
        self._seal_audits(tx)
        self._insert_entries([entry])

    def append_audit(self, event: str, *, code: str | None, details: dict[str, Any], at: dt.datetime,
                     actor: Actor | None) -> None:
        tx = self._db.tx
        if tx is None:
            raise RuntimeError("catalogue writes must run inside catalogue.transaction()")
        tx.audits.append({"event": str(event), "code": code, "details": details, "at": at, "actor": actor})

    def _seal_audits(self, tx: OpenTx) -> None:
        """Seal what ``tx`` appended after the head (locking it until commit) and insert it."""
        if not tx.audits:
            return
        pending, tx.audits = tx.audits, []
        row = self._db.one("SELECT last_id, last_hash FROM audit_head FOR UPDATE")
        head = (int(row["last_id"]), row["last_hash"]) if row and row["last_id"] else None
        entries = []
        for a in pending:
            entry = seal(head, a["event"], code=a["code"], details=a["details"], at=a["at"], actor=a["actor"])
            entries.append(entry)
            head = (entry.id, entry.hash)
        self._insert_entries(entries)

    def _insert_entries(self, entries: list[AuditEntry]) -> None:
        self._db.write_many(
            "INSERT INTO audit (id, ts, event, code, details, prev_hash, hash, version, actor) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [(e.id, e.ts, e.event, e.code, canonical(e.details), e.prev_hash, e.hash, e.version,
              canonical(e.actor.to_dict()) if e.actor else None) for e in entries])
        last = entries[-1]
        self._db.write("UPDATE audit_head SET last_id = %s, last_hash = %s WHERE last_id < %s",
                       (last.id, last.hash, last.id))

    def audit_entries(self, *, code: str | None = None) -> list[AuditEntry]:
        if code is None:
            rows = self._db.all("SELECT * FROM audit ORDER BY id")
        else:
            rows = self._db.all("SELECT * FROM audit WHERE code = %s ORDER BY id", (code,))
        return [_audit_entry(r) for r in rows]

    # -- document numbers ------------------------------------------------------

    def allocate_doc_numbers(self, prefix: str, year: int, form_id: str, *, count: int,
                             at: dt.datetime) -> list[int]:
        row = self._db.write(
            "INSERT INTO doc_counters AS c (prefix, year, last) VALUES (%s, %s, %s) "
            "ON CONFLICT (prefix, year) DO UPDATE SET last = c.last + excluded.last RETURNING last",
            (prefix, year, count)).fetchone()
        assert row is not None
        last = int(row["last"])
        return list(range(last - count + 1, last + 1))

    def record_issued(self, numbers: Iterable[str], form_id: str, at: dt.datetime) -> None:
        self._db.write_many("INSERT INTO doc_numbers (doc_number, form_id, issued_at) VALUES (%s, %s, %s)",
                            [(n, form_id, at.isoformat()) for n in numbers])

    def note_doc_number(self, prefix: str, year: int, seq: int, *, doc_number: str, form_id: str | None,
                        at: dt.datetime) -> None:
        self._db.write("INSERT INTO doc_numbers (doc_number, form_id, issued_at) VALUES (%s, %s, %s) "
                       "ON CONFLICT (doc_number) DO NOTHING", (doc_number, form_id or "", at.isoformat()))
        self._db.write("INSERT INTO doc_counters AS c (prefix, year, last) VALUES (%s, %s, %s) "
                       "ON CONFLICT (prefix, year) DO UPDATE SET last = greatest(c.last, excluded.last)",
                       (prefix, year, seq))

    def doc_number_form(self, doc_number: str) -> str | None:
        row = self._db.one("SELECT form_id FROM doc_numbers WHERE doc_number = %s", (doc_number,))
        return row["form_id"] if row else None


    # -- accounts, tokens, secrets ---------------------------------------------

    def add_user(self, user: UserAccount) -> None:
        row = self._db.write(
            "INSERT INTO users (name, role, password_hash, created_at, disabled, auth_epoch, failed_logins, "
            "locked_until, last_login) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s) ON CONFLICT (name) DO NOTHING RETURNING name",
            (user.name, user.role, user.password_hash, user.created_at.isoformat(), user.disabled, user.auth_epoch,
             user.failed_logins, _iso(user.locked_until), _iso(user.last_login))).fetchone()
        if row is None:
            raise ArchiveError(f"用户「{user.name}」已存在", field="name")

    def user(self, name: str) -> UserAccount | None:
        row = self._db.one("SELECT * FROM users WHERE name = %s", (name,))
        return _user(row) if row else None

    def users(self) -> list[UserAccount]:
        return [_user(r) for r in self._db.all("SELECT * FROM users ORDER BY name")]

    def update_user(self, name: str, **columns: Any) -> None:
        for key, value in columns.items():
            if key not in USER_UPDATABLE:
                raise ValueError(f"column {key!r} cannot be updated")
            if isinstance(value, dt.datetime):
                value = value.isoformat()
            self._db.write(f"UPDATE users SET {key} = %s WHERE name = %s", (value, name))

    def add_token(self, name: str, *, token_hash: str, scope: str, at: dt.datetime) -> ApiToken:
        row = self._db.write(
            "INSERT INTO api_tokens (name, token_hash, scope, created_at) VALUES (%s, %s, %s, %s) "
            "ON CONFLICT DO NOTHING RETURNING id", (name, token_hash, scope, at.isoformat())).fetchone()
        if row is None:
            raise ArchiveError(f"设备「{name}」已有有效的令牌（先吊销旧令牌）", field="name")
        return ApiToken(int(row["id"]), name, token_hash, scope, at)

    def token_by_hash(self, token_hash: str) -> ApiToken | None:
        row = self._db.one("SELECT * FROM api_tokens WHERE token_hash = %s", (token_hash,))
        return _token(row) if row else None

    def tokens(self) -> list[ApiToken]:
        return [_token(r) for r in self._db.all("SELECT * FROM api_tokens ORDER BY id")]

    def revoke_token(self, token_id: int, *, at: dt.datetime) -> None:
        self._db.write("UPDATE api_tokens SET revoked_at = %s WHERE id = %s AND revoked_at IS NULL",
                       (at.isoformat(), token_id))

    def ensure_secret(self, name: str, value: str) -> str:
        self._db.write("INSERT INTO secrets (name, value) VALUES (%s, %s) ON CONFLICT (name) DO NOTHING", (name, value))
        row = self._db.write("SELECT value FROM secrets WHERE name = %s", (name,)).fetchone()
        assert row is not None
        return str(row["value"])

    # -- disposal proposals ----------------------------------------------------

    def add_proposal(self, codes: Any, *, reason: str, proposer: str, at: dt.datetime) -> DisposalProposal:
        row = self._db.write(
            "INSERT INTO disposal_proposals (codes, reason, proposer, proposed_at) VALUES (%s, %s, %s, %s) RETURNING *",
            (json.dumps(list(codes), ensure_ascii=False), reason, proposer, at.isoformat())).fetchone()
        assert row is not None
        return _proposal(row)

    def proposal(self, proposal_id: int) -> DisposalProposal | None:
        row = self._db.one("SELECT * FROM disposal_proposals WHERE id = %s", (proposal_id,))
        return _proposal(row) if row else None

    def proposals(self, *, status: str | None = None) -> list[DisposalProposal]:
        if status is None:
            return [_proposal(r) for r in self._db.all("SELECT * FROM disposal_proposals ORDER BY id DESC")]
        return [_proposal(r) for r in self._db.all(
            "SELECT * FROM disposal_proposals WHERE status = %s ORDER BY id DESC", (status,))]

    def decide_proposal(self, proposal_id: int, *, status: str, decider: str, at: dt.datetime,
                        note: str | None = None, register_code: str | None = None) -> None:
        self._db.write(
            "UPDATE disposal_proposals SET status = %s, decider = %s, decided_at = %s, note = %s, register_code = %s "
            "WHERE id = %s AND status = 'pending'", (status, decider, at.isoformat(), note, register_code, proposal_id))


# -- rows → objects ----------------------------------------------------------------


def _where(q: RecordQuery) -> tuple[str, list[Any]]:
    clauses: list[str] = ["true"]
    params: list[Any] = []
    if q.codes is not None:
        clauses.append("r.archival_code = ANY(%s)")
        params.append(list(q.codes))
    if q.ids is not None:
        clauses.append("r.id = ANY(%s)")
        params.append(list(q.ids))
    for column, value in (("category", q.category), ("year", q.year), ("doc_number", q.doc_number)):
        if value is not None:
            clauses.append(f"r.{column} = %s")
            params.append(value)
    if q.status is not None:
        clauses.append("r.status = %s")
        params.append(str(q.status))
    if q.needs_review is not None:
        clauses.append("r.needs_review = %s")
        params.append(bool(q.needs_review))
    if q.after_id is not None:
        clauses.append("r.id > %s")
        params.append(q.after_id)
    return " AND ".join(clauses), params


def _stored_file(row: dict[str, Any]) -> StoredFile:
    return StoredFile(role=FileRole(row["role"]), path=row["path"], sha256=row["sha256"], size=row["size"],
                      format=row["format"], page_count=row["page_count"], original_name=row["original_name"],
                      destroyed=bool(row["destroyed"]))


def _record(row: dict[str, Any], files: list[StoredFile], meta: dict[str, str]) -> Record:
    return Record(
        id=row["id"], archival_code=row["archival_code"], title=row["title"], doc_number=row["doc_number"],
        author=row["author"], date=row["date"], year=row["year"], category=row["category"],
        period=row["period"], security=row["security"], source=Source(row["source"]), status=Status(row["status"]),
        building=row["building"], unit=row["unit"], room=row["room"], form_id=row["form_id"],
        form_data=row["form_data"], meta=meta, needs_review=bool(row["needs_review"]),
        text_source=row["text_source"], filed_at=dt.datetime.fromisoformat(row["filed_at"]), files=files,
        disposed_at=dt.datetime.fromisoformat(row["disposed_at"]) if row["disposed_at"] else None,
    )


def _audit_entry(row: dict[str, Any]) -> AuditEntry:
    return stored_entry(row["id"], row["ts"], row["event"], row["code"], row["details"], row["prev_hash"],
                        row["hash"], row["version"], row["actor"])


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _dt(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def _user(row: dict[str, Any]) -> UserAccount:
    return UserAccount(row["name"], row["role"], row["password_hash"], dt.datetime.fromisoformat(row["created_at"]),
                       bool(row["disabled"]), int(row["auth_epoch"]), int(row["failed_logins"]),
                       _dt(row["locked_until"]), _dt(row["last_login"]))


def _token(row: dict[str, Any]) -> ApiToken:
    return ApiToken(int(row["id"]), row["name"], row["token_hash"], row["scope"],
                    dt.datetime.fromisoformat(row["created_at"]), _dt(row["revoked_at"]))


def _proposal(row: dict[str, Any]) -> DisposalProposal:
    return DisposalProposal(int(row["id"]), tuple(json.loads(row["codes"])), row["reason"], row["proposer"],
                            dt.datetime.fromisoformat(row["proposed_at"]), row["status"], row["decider"],
                            _dt(row["decided_at"]), row["note"], row["register_code"])
