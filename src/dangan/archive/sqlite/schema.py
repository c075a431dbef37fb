"""The SQLite catalogue's schema: connection settings and versioned migrations.

The schema version is ``PRAGMA user_version``; :data:`MIGRATIONS` is an
ordered list (SQL text, or a function of the connection), and opening a
catalogue applies the ones it has not seen, all in one transaction.  Add a
migration by appending to the list; never edit a published one.
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

from dangan.errors import ArchiveError

Migration = str | Callable[[sqlite3.Connection], None]

BUSY_TIMEOUT_MS = 120_000

def _seed_document_numbers(conn: sqlite3.Connection) -> None:
    """Document numbers already on records are issued: the sequences go on after them."""
    pattern = re.compile(r"^([A-Z][A-Z0-9]{0,7})-(\d{4})-(\d{4,6})$")
    for row in conn.execute("SELECT doc_number, form_id, filed_at FROM records WHERE doc_number IS NOT NULL"):
        m = pattern.match(row[0])
        if not m:
            continue
        prefix, year, seq = m[1], int(m[2]), int(m[3])
        conn.execute("INSERT OR IGNORE INTO doc_numbers (doc_number, form_id, issued_at) VALUES (?, ?, ?)",
                     (row[0], row[1] or "", row[2]))
        conn.execute("INSERT INTO doc_counters (prefix, year, last) VALUES (?, ?, ?) "
                     "ON CONFLICT (prefix, year) DO UPDATE SET last = max(last, excluded.last)", (prefix, year, seq))


MIGRATIONS: tuple[Migration, ...] = (
    # 1: the initial catalogue
    """
    CREATE TABLE records (
        id INTEGER PRIMARY KEY,
        archival_code TEXT NOT NULL UNIQUE,
        fonds TEXT NOT NULL,
        year INTEGER NOT NULL,
        code_period TEXT NOT NULL,      -- period segment of the code (never changes)
        category TEXT NOT NULL,
        seq INTEGER NOT NULL,
        period TEXT NOT NULL,           -- retention period now (filed or extended)
        title TEXT NOT NULL,
        doc_number TEXT,
        author TEXT NOT NULL,
        date TEXT NOT NULL,
        security TEXT NOT NULL,
        source TEXT NOT NULL,
        status TEXT NOT NULL,
        building TEXT,
        unit TEXT,
        room TEXT,
        form_id TEXT,
        form_data TEXT,
        needs_review INTEGER NOT NULL DEFAULT 0,
        text_source TEXT,
        filed_at TEXT NOT NULL,
        disposed_at TEXT,
        UNIQUE (fonds, year, code_period, category, seq)
    );
    CREATE INDEX records_doc_number ON records (doc_number);
    CREATE INDEX records_category_year ON records (category, year);
    CREATE TABLE files (
        id INTEGER PRIMARY KEY,
        record_id INTEGER NOT NULL REFERENCES records (id),
        role TEXT NOT NULL,
        path TEXT NOT NULL UNIQUE,
        sha256 TEXT NOT NULL,
        size INTEGER NOT NULL,
        format TEXT NOT NULL,
        page_count INTEGER,
        original_name TEXT NOT NULL,
        destroyed INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX files_record ON files (record_id);
    CREATE INDEX files_sha256 ON files (sha256);
    CREATE TABLE meta (
        record_id INTEGER NOT NULL REFERENCES records (id),
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (record_id, key)
    );
    CREATE TABLE texts (
        file_id INTEGER PRIMARY KEY REFERENCES files (id),
        source TEXT,
        text TEXT NOT NULL
    );
    CREATE TABLE holds (
        id INTEGER PRIMARY KEY,
        record_id INTEGER NOT NULL REFERENCES records (id),
        reason TEXT NOT NULL,
        placed_at TEXT NOT NULL,
        released_at TEXT,
        release_reason TEXT
    );
    CREATE INDEX holds_record ON holds (record_id);
    CREATE TABLE audit (
        id INTEGER PRIMARY KEY,
        ts TEXT NOT NULL,
        event TEXT NOT NULL,
        code TEXT,
        details TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
    );
    CREATE INDEX audit_code ON audit (code);
    """,
    # 2: the acting user in the audit chain (entries of version 2); counters for 件号 and 文号 in the catalogue
    """
    ALTER TABLE audit ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE audit ADD COLUMN actor TEXT;
    CREATE TABLE item_counters (
        fonds TEXT NOT NULL, year INTEGER NOT NULL, period TEXT NOT NULL, category TEXT NOT NULL,
        last INTEGER NOT NULL,
        PRIMARY KEY (fonds, year, period, category)
    );
    INSERT INTO item_counters (fonds, year, period, category, last)
        SELECT fonds, year, code_period, category, MAX(seq) FROM records GROUP BY fonds, year, code_period, category;
    CREATE TABLE doc_counters (prefix TEXT NOT NULL, year INTEGER NOT NULL, last INTEGER NOT NULL,
                               PRIMARY KEY (prefix, year));
    CREATE TABLE doc_numbers (doc_number TEXT PRIMARY KEY, form_id TEXT NOT NULL, issued_at TEXT NOT NULL);
    """,
    _seed_document_numbers,
    # 4: loans (借阅)
    """
    CREATE TABLE loans (
        id INTEGER PRIMARY KEY,
        record_id INTEGER NOT NULL REFERENCES records (id),
        borrower TEXT NOT NULL,
        unit TEXT NOT NULL DEFAULT '',
        purpose TEXT NOT NULL,
        approver TEXT NOT NULL DEFAULT '',
        electronic INTEGER NOT NULL DEFAULT 0,
        lent_at TEXT NOT NULL,
        due TEXT NOT NULL,
        returned_at TEXT,
        return_note TEXT
    );
    CREATE INDEX loans_record ON loans (record_id);
    """,
    # 5: the live registers (entries, their versions, closes, report runs) and the fee-collection chain
    """
    CREATE TABLE ledger_counters (form_id TEXT PRIMARY KEY, last INTEGER NOT NULL);
    CREATE TABLE ledger_closes (
        id INTEGER PRIMARY KEY,
        form_id TEXT NOT NULL,
        period TEXT NOT NULL,
        start TEXT NOT NULL,
        "end" TEXT NOT NULL,
        archival_code TEXT NOT NULL,
        closed_at TEXT NOT NULL,
        closed_by TEXT,
        amendment_code TEXT,
        entries INTEGER NOT NULL
    );
    CREATE INDEX ledger_closes_form ON ledger_closes (form_id, start);
    CREATE TABLE ledger_entries (
        id INTEGER PRIMARY KEY,
        form_id TEXT NOT NULL,
        number INTEGER NOT NULL,
        at TEXT NOT NULL,               -- wall-clock time, ISO 8601 (sorts as text)
        data TEXT NOT NULL,             -- the validated values, JSON
        entered_at TEXT NOT NULL,
        entered_by TEXT,
        version INTEGER NOT NULL DEFAULT 1,
        changed_at TEXT,
        changed_by TEXT,
        close_id INTEGER REFERENCES ledger_closes (id),
        UNIQUE (form_id, number)
    );
    CREATE INDEX ledger_entries_at ON ledger_entries (form_id, at);
    CREATE TABLE ledger_changes (
        form_id TEXT NOT NULL,
        number INTEGER NOT NULL,
        version INTEGER NOT NULL,
        at TEXT NOT NULL,
        data TEXT NOT NULL,
        changed_at TEXT NOT NULL,
        changed_by TEXT,
        reason TEXT,
        amends INTEGER REFERENCES ledger_closes (id),
        filed_with INTEGER REFERENCES ledger_closes (id),
        PRIMARY KEY (form_id, number, version)
    );
    CREATE TABLE ledger_reports (
        id INTEGER PRIMARY KEY,
        form_id TEXT NOT NULL,
        period TEXT NOT NULL,
        digest TEXT NOT NULL,
        archival_code TEXT NOT NULL,
        filed_at TEXT NOT NULL,
        counted TEXT NOT NULL
    );
    CREATE INDEX ledger_reports_period ON ledger_reports (form_id, period);
    CREATE TABLE fee_bills (
        month TEXT NOT NULL,
        unit TEXT NOT NULL,
        owner TEXT NOT NULL,
        item TEXT NOT NULL,
        amount_cents INTEGER NOT NULL,
        issue_date TEXT NOT NULL,
        due_date TEXT NOT NULL,
        imported_at TEXT NOT NULL,
        PRIMARY KEY (month, unit, item)
    );
    CREATE INDEX fee_bills_unit ON fee_bills (unit);
    CREATE TABLE fee_payments (
        id INTEGER PRIMARY KEY,
        unit TEXT NOT NULL,
        item TEXT NOT NULL,
        amount_cents INTEGER NOT NULL,
        paid_on TEXT NOT NULL,
        imported_at TEXT NOT NULL,
        source TEXT NOT NULL
    );
    CREATE INDEX fee_payments_unit ON fee_payments (unit);
    CREATE TABLE fee_notices (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        unit TEXT NOT NULL,
        issued_on TEXT NOT NULL,
        archival_code TEXT NOT NULL,
        doc_number TEXT NOT NULL,
        deadline TEXT,
        late_fee_cents INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX fee_notices_unit ON fee_notices (unit);
    CREATE TABLE fee_notice_lines (
        notice_id INTEGER NOT NULL REFERENCES fee_notices (id),
        month TEXT NOT NULL,
        item TEXT NOT NULL,
        amount_cents INTEGER NOT NULL,
        due_date TEXT NOT NULL
    );
    CREATE INDEX fee_notice_lines_notice ON fee_notice_lines (notice_id);
    """,
    # 6: web accounts, device tokens (hashed), shared secrets, disposal proposals (the two-person rule)
    """
    CREATE TABLE users (
        name TEXT PRIMARY KEY,
        role TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        created_at TEXT NOT NULL,
        disabled INTEGER NOT NULL DEFAULT 0,
        auth_epoch INTEGER NOT NULL DEFAULT 0,
        failed_logins INTEGER NOT NULL DEFAULT 0,
        locked_until TEXT,
        last_login TEXT
    );
    CREATE TABLE api_tokens (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        token_hash TEXT NOT NULL UNIQUE,
        scope TEXT NOT NULL,
        created_at TEXT NOT NULL,
        revoked_at TEXT
    );
    CREATE UNIQUE INDEX api_tokens_active_name ON api_tokens (name) WHERE revoked_at IS NULL;
    CREATE TABLE secrets (name TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE disposal_proposals (
        id INTEGER PRIMARY KEY,
        codes TEXT NOT NULL,            -- JSON list of archival codes
        reason TEXT NOT NULL,
        proposer TEXT NOT NULL,
        proposed_at TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'pending',
        decider TEXT,
        decided_at TEXT,
        note TEXT,
        register_code TEXT
    );
    """,
    # 7: the intake queue (files waiting to be filed, taken by any worker; attempts counted apart)
    """
    CREATE TABLE intake_jobs (
        id INTEGER PRIMARY KEY, path TEXT NOT NULL, sha256 TEXT NOT NULL, original_name TEXT NOT NULL,
        category TEXT NOT NULL, meta TEXT NOT NULL, submitted_by TEXT, submitted_at TEXT NOT NULL,
        state TEXT NOT NULL, worker TEXT, finished_at TEXT, code TEXT, message TEXT
    );
    CREATE INDEX intake_jobs_state ON intake_jobs (state, id);
    CREATE TABLE intake_attempts (job_id INTEGER NOT NULL, at TEXT NOT NULL);
    CREATE INDEX intake_attempts_job ON intake_attempts (job_id);
    """,
    # 8: who placed and released each hold; whether the audit trail states the hold (holds placed before
    #    this are stated once, by the archive's legacy seal: Archive.seal_legacy_holds)
    """
    ALTER TABLE holds ADD COLUMN placed_by TEXT;
    ALTER TABLE holds ADD COLUMN released_by TEXT;
    ALTER TABLE holds ADD COLUMN sealed INTEGER NOT NULL DEFAULT 0;
    """,
    # 9: 冲正 of a wrongly recorded payment or bill line (a payment is reversed once; nothing is deleted)
    """
    CREATE TABLE fee_reversals (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        unit TEXT NOT NULL,
        item TEXT NOT NULL,
        month TEXT,
        payment_id INTEGER UNIQUE REFERENCES fee_payments (id),
        amount_cents INTEGER NOT NULL,
        corrected_cents INTEGER NOT NULL,
        reason TEXT NOT NULL,
        reversed_at TEXT NOT NULL,
        reversed_by TEXT
    );
    CREATE INDEX fee_reversals_unit ON fee_reversals (unit);
    """,
)


def connect(path: Path) -> sqlite3.Connection:
    """Open (creating and migrating) the catalogue; autocommit mode, explicit transactions."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        migrate(conn)
    except sqlite3.DatabaseError as e:
        raise ArchiveError(f"档案目录数据库无法打开：{e}", path=path) from e
    return conn


def migrate(conn: sqlite3.Connection) -> int:
    """Apply pending migrations; returns the schema version.

    A current catalogue is not locked at all (readers never wait for a writer).
    """
    if conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS):
        return len(MIGRATIONS)
    with transaction(conn):
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > len(MIGRATIONS):
            raise ArchiveError(
                f"档案目录数据库的版本（{version}）比本程序新（{len(MIGRATIONS)}），请升级 dangan"
            )
        for number, step in enumerate(MIGRATIONS[version:], start=version + 1):
            if callable(step):
                step(conn)
            else:
                for statement in _statements(step):
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number}")
        return len(MIGRATIONS)


def _statements(sql: str) -> list[str]:
    return [s.strip() for s in sql.split(";") if s.strip()]


@contextlib.contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE … COMMIT: takes the write lock at once, so reads inside are current."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
