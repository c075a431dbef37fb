"""The catalogue database: connection settings and versioned migrations.

The catalogue (``archive/catalog.sqlite``) is the source of truth.  Its schema
version is ``PRAGMA user_version``; :data:`MIGRATIONS` is an ordered list, and
opening a catalogue applies the ones it has not seen, each in a transaction.
Add a migration by appending to the list; never edit a published one.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from dangan.errors import ArchiveError

BUSY_TIMEOUT_MS = 120_000

MIGRATIONS: tuple[str, ...] = (
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
)


def connect(path: Path) -> sqlite3.Connection:
    """Open (creating and migrating) the catalogue; autocommit mode, explicit transactions."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
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
        for number, sql in enumerate(MIGRATIONS[version:], start=version + 1):
            for statement in _statements(sql):
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
