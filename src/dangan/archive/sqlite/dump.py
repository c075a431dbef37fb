"""Reading a whole SQLite catalogue table by table (for ``dangan migrate``): names, columns, rows."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def table_names(path: Path) -> list[str]:
    """The catalogue's own tables (SQLite's internal ones left out)."""
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                            "ORDER BY name").fetchall()
    return [r[0] for r in rows]


def table_rows(path: Path, table: str, *, batch: int = 2000) -> tuple[list[str], Iterator[tuple[Any, ...]]]:
    """(column names, rows in rowid order) of one table, read in batches (the file is opened read-only)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    cur = conn.execute(f'SELECT * FROM "{table}"')  # our own table names, read from sqlite_master
    columns = [d[0] for d in cur.description]

    def rows() -> Iterator[tuple[Any, ...]]:
        try:
            while True:
                chunk = cur.fetchmany(batch)
                if not chunk:
                    return
                yield from chunk
        finally:
            conn.close()

    return columns, rows()


def row_counts(path: Path) -> dict[str, int]:
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
        return {t: int(conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]) for t in table_names(path)}
