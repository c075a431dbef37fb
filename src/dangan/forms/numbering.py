"""Document numbers (文号) ``PREFIX-YYYY-NNNN``, unique in the workspace.

Sequences live in ``<workspace>/.dangan/numbers.sqlite``.  Allocation takes
the database's write lock (``BEGIN IMMEDIATE``), so processes that generate
at the same time never get the same number.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from contextlib import closing
from pathlib import Path

from dangan.config import Workspace
from dangan.docnumber import is_doc_number

DB_NAME = "numbers.sqlite"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS sequence (prefix TEXT NOT NULL, year INTEGER NOT NULL, last INTEGER NOT NULL,
                                     PRIMARY KEY (prefix, year));
CREATE TABLE IF NOT EXISTS issued (doc_number TEXT PRIMARY KEY, form_id TEXT NOT NULL,
                                   issued_at TEXT NOT NULL DEFAULT (datetime('now')));
"""


def format_number(prefix: str, year: int, seq: int) -> str:
    """``JF``, 2026, 7 → ``JF-2026-0007`` (more digits past 9999)."""
    number = f"{prefix}-{year:04d}-{seq:04d}"
    if not is_doc_number(number):
        raise ValueError(f"无效的文号：{number}")
    return number


def _connect(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=30, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.executescript(_SCHEMA)
    return conn


MAX_OPEN = 4
_OPEN: dict[tuple[int, int, str], tuple[tuple[int, int], sqlite3.Connection]] = {}


def _shared(path: Path) -> sqlite3.Connection:
    """A connection kept open for this process (closing the last connection to a WAL
    database checkpoints it, which cost more than the allocation itself).  A new one
    after a fork, in another thread, or when the file was replaced or removed."""
    key = (os.getpid(), threading.get_ident(), str(path))
    try:
        st = path.stat()
        ident = (st.st_dev, st.st_ino)
    except OSError:
        ident = (0, 0)
    held = _OPEN.get(key)
    if held is not None and held[0] == ident:
        return held[1]
    if held is not None:
        held[1].close()
    conn = _connect(path)
    st = path.stat()
    _OPEN[key] = ((st.st_dev, st.st_ino), conn)
    while len(_OPEN) > MAX_OPEN:  # many workspaces in one process (tests): close the oldest
        _OPEN.pop(next(iter(_OPEN)))[1].close()
    return conn


def allocate(ws: Workspace, prefix: str, year: int, form_id: str, *, count: int = 1) -> list[str]:
    """``count`` new consecutive numbers for (prefix, year), recorded as issued."""
    conn = _shared(ws.state_dir / DB_NAME)
    conn.execute("BEGIN IMMEDIATE")
    try:
        row = conn.execute("SELECT last FROM sequence WHERE prefix=? AND year=?", (prefix, year)).fetchone()
        start = (row[0] if row else 0) + 1
        numbers = [format_number(prefix, year, n) for n in range(start, start + count)]
        conn.execute(
            "INSERT INTO sequence(prefix, year, last) VALUES (?, ?, ?) "
            "ON CONFLICT(prefix, year) DO UPDATE SET last=excluded.last",
            (prefix, year, start + count - 1),
        )
        conn.executemany("INSERT INTO issued(doc_number, form_id) VALUES (?, ?)", [(n, form_id) for n in numbers])
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return numbers


def issued_form(ws: Workspace, doc_number: str) -> str | None:
    """The form id a number was issued for, or None."""
    path = ws.state_dir / DB_NAME
    if not path.exists():
        return None
    with closing(_connect(path)) as conn:
        row = conn.execute("SELECT form_id FROM issued WHERE doc_number=?", (doc_number,)).fetchone()
    return row[0] if row else None
