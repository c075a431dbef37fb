"""Filling an empty PostgreSQL catalogue with another catalogue's tables, as they are (``dangan migrate``).

Both backends keep the same tables and columns, so a table is copied by
name, column by column (``COPY``), with each value adapted to the PostgreSQL
column's type (SQLite's 0/1 → boolean, ISO text → date, JSON text → json).
Tables are filled parents first (foreign keys), the sequences of identity and
serial columns are moved past the copied ids, and the audit head row is set
to the copied chain's last entry.  Everything happens in one transaction: a
failed copy leaves the target empty.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import psycopg
from psycopg.rows import tuple_row

from dangan.archive.postgres.connections import connect, translated
from dangan.errors import ArchiveError

#: Tables of the PostgreSQL catalogue that are its own bookkeeping (never copied, never "content").
OWN_TABLES = frozenset({"dangan_schema", "audit_head"})
#: Derived data kept in the same database (the search index): rebuilt, not copied.
DERIVED_PREFIX = "search_"

Rows = Callable[[str], tuple[list[str], Iterator[tuple[Any, ...]]]]


def catalogue_tables(conn: psycopg.Connection[Any]) -> dict[str, dict[str, str]]:
    """table → column → data type, for the catalogue's tables in the public schema."""
    cur = conn.cursor(row_factory=tuple_row)
    out: dict[str, dict[str, str]] = {}
    for table, column, dtype in cur.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position"):
        if table not in OWN_TABLES and not table.startswith(DERIVED_PREFIX):
            out.setdefault(table, {})[column] = dtype
    return out


def row_counts(url: str) -> dict[str, int]:
    with contextlib.closing(connect(url)) as conn, translated(url):
        cur = conn.cursor(row_factory=tuple_row)
        return {t: int(cur.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0])  # type: ignore[arg-type, index]
                for t in catalogue_tables(conn)}


def non_empty(url: str) -> list[str]:
    """The catalogue tables that hold rows (a migration target must have none)."""
    return [t for t, n in row_counts(url).items() if n]


def _parents_first(conn: psycopg.Connection[Any], tables: Iterable[str]) -> list[str]:
    cur = conn.cursor(row_factory=tuple_row)
    deps: dict[str, set[str]] = {t: set() for t in tables}
    for child, parent in cur.execute(
            "SELECT c.conrelid::regclass::text, c.confrelid::regclass::text FROM pg_constraint c "
            "WHERE c.contype = 'f' AND c.connamespace = current_schema()::regnamespace"):
        if child in deps and parent in deps and child != parent:
            deps[child].add(parent)
    order: list[str] = []
    while deps:
        ready = sorted(t for t, d in deps.items() if not d - set(order))
        if not ready:
            raise ArchiveError(f"目录表之间的外键有循环，无法迁移：{'、'.join(sorted(deps))}")
        for t in ready:
            order.append(t)
            del deps[t]
    return order


def _adapt(dtype: str) -> Callable[[Any], Any]:
    if dtype == "boolean":
        return lambda v: None if v is None else bool(v)
    if dtype == "date":
        return lambda v: dt.date.fromisoformat(v) if isinstance(v, str) else v
    return lambda v: v


def load(url: str, source_tables: list[str], rows: Rows, *, progress: Callable[[str, int], None] | None = None
         ) -> dict[str, int]:
    """Copy every table of the source into the (empty) catalogue at ``url``; rows copied per table."""
    with contextlib.closing(connect(url)) as conn, translated(url):
        target = catalogue_tables(conn)
        missing = sorted(set(source_tables) - set(target))
        if missing:
            raise ArchiveError("PostgreSQL 目录中没有这些表，本版本的 PostgreSQL 后端还不支持它们，未迁移："
                               + "、".join(missing))
        copied: dict[str, int] = {}
        with conn.transaction():
            for table in _parents_first(conn, source_tables):
                columns, data = rows(table)
                unknown = [c for c in columns if c not in target[table]]
                if unknown:
                    raise ArchiveError(f"PostgreSQL 目录的表 {table} 没有这些列，未迁移：{'、'.join(unknown)}")
                adapt = [_adapt(target[table][c]) for c in columns]
                names = ", ".join(f'"{c}"' for c in columns)
                n = 0
                with conn.cursor().copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:  # type: ignore[arg-type]
                    for row in data:
                        copy.write_row([f(v) for f, v in zip(adapt, row, strict=True)])
                        n += 1
                copied[table] = n
                if progress:
                    progress(table, n)
            _move_sequences(conn, source_tables)
            conn.execute("UPDATE audit_head SET last_id = coalesce(a.id, 0), last_hash = coalesce(a.hash, '') "
                         "FROM (SELECT max(id) AS id FROM audit) m LEFT JOIN audit a ON a.id = m.id")
        return copied


def numbered_columns(conn: psycopg.Connection[Any]) -> dict[str, list[str]]:
    """table → its columns numbered by a sequence of their own (identity or serial)."""
    cur = conn.cursor(row_factory=tuple_row)
    out: dict[str, list[str]] = {}
    for table, column in cur.execute(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND pg_get_serial_sequence(quote_ident(table_name), column_name) IS NOT NULL "
            "ORDER BY table_name, ordinal_position").fetchall():
        out.setdefault(table, []).append(column)
    return out


def _move_sequences(conn: psycopg.Connection[Any], tables: Iterable[str]) -> None:
    numbered = numbered_columns(conn)
    for table in tables:
        for column in numbered.get(table, []):
            conn.execute(f"SELECT setval(pg_get_serial_sequence(quote_ident(%s), %s), "  # type: ignore[arg-type]
                         f'(SELECT coalesce(max("{column}"), 0) + 1 FROM "{table}"), false)', (table, column))
