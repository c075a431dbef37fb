"""Connections to the PostgreSQL catalogue: the pool, the transaction a thread is in, and errors in words.

One pool per catalogue (psycopg-pool).  A thread inside ``transaction()``
holds one connection until it ends; reads outside a transaction borrow one
for the statement (autocommit).  Every transaction takes the writers' lock
first: shared for filing transactions, exclusive for every other write, so
an ordinary transaction sees the catalogue exactly as if it were the only
writer (as on SQLite) while filing runs in parallel on row locks.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import errors as pgerrors
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool, PoolTimeout

from dangan.archive.catalogue import TransactionConflict
from dangan.archive.postgres.schema import WRITERS_KEY
from dangan.config import mask_password
from dangan.errors import ArchiveError

CONNECT_TIMEOUT = 10  # seconds to reach the server before giving up with the reason
POOL_TIMEOUT = 60  # seconds a thread waits for a free connection of the pool


@dataclass
class OpenTx:
    """The transaction a thread is in."""

    conn: psycopg.Connection[dict[str, Any]]
    shared: bool
    depth: int = 1
    audits: list[dict[str, Any]] = field(default_factory=list)  # appended, sealed at commit


def connect(url: str) -> psycopg.Connection[dict[str, Any]]:
    """One connection (autocommit, rows as dicts); a failure names the server, never the password."""
    try:
        return psycopg.connect(url, autocommit=True, row_factory=dict_row, connect_timeout=CONNECT_TIMEOUT)
    except psycopg.Error as e:
        raise ArchiveError(f"无法连接档案目录数据库 {mask_password(url)}：{_reason(e)}") from e


def _reason(error: BaseException) -> str:
    return mask_password(str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__)


@contextlib.contextmanager
def translated(url: str) -> Iterator[None]:
    """psycopg errors → TransactionConflict (a deadlock: run again) or ArchiveError in words."""
    try:
        yield
    except (pgerrors.DeadlockDetected, pgerrors.SerializationFailure) as e:
        raise TransactionConflict(f"与另一个写入同时进行而被数据库回滚，可重试：{_reason(e)}") from e
    except psycopg.OperationalError as e:
        raise ArchiveError(f"档案目录数据库 {mask_password(url)} 连接中断或不可用：{_reason(e)}") from e
    except PoolTimeout as e:
        raise ArchiveError(f"档案目录数据库 {mask_password(url)} 没有可用的连接（{POOL_TIMEOUT} 秒内）：{_reason(e)}") from e


class Connections:
    """The pool and the per-thread transaction of one catalogue."""

    def __init__(self, url: str, *, pool_size: int) -> None:
        self.url = url
        self._local = threading.local()
        self.pool: ConnectionPool[psycopg.Connection[dict[str, Any]]] = ConnectionPool(
            url, min_size=1, max_size=max(1, pool_size), open=False, name="dangan-catalogue", timeout=POOL_TIMEOUT,
            kwargs={"autocommit": True, "row_factory": dict_row, "connect_timeout": CONNECT_TIMEOUT},
        )
        self.pool.open(wait=False)

    @property
    def tx(self) -> OpenTx | None:
        tx: OpenTx | None = getattr(self._local, "tx", None)
        return tx

    def close(self) -> None:
        self.pool.close()

    @contextlib.contextmanager
    def transaction(self, *, shared: bool, before_commit: Any) -> Iterator[OpenTx]:
        """Begin (or join) this thread's transaction; ``before_commit(tx)`` runs last, inside it."""
        tx = self.tx
        if tx is not None:
            if tx.shared and not shared:
                raise RuntimeError("an ordinary transaction cannot run inside a filing (shared) transaction")
            tx.depth += 1
            try:
                yield tx
            finally:
                tx.depth -= 1
            return
        with translated(self.url), self.pool.connection() as conn:
            tx = OpenTx(conn, shared)
            self._local.tx = tx
            try:
                with conn.transaction():
                    lock = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
                    conn.execute(f"SELECT {lock}(%s, %s)", WRITERS_KEY)
                    yield tx
                    before_commit(tx)
            finally:
                self._local.tx = None

    def write_conn(self) -> psycopg.Connection[dict[str, Any]]:
        tx = self.tx
        if tx is None:
            raise RuntimeError("catalogue writes must run inside catalogue.transaction()")
        return tx.conn

    @contextlib.contextmanager
    def read_conn(self) -> Iterator[psycopg.Connection[dict[str, Any]]]:
        """The transaction's connection (it sees its own writes), else one from the pool."""
        tx = self.tx
        if tx is not None:
            yield tx.conn
            return
        with translated(self.url), self.pool.connection() as conn:
            yield conn

    def all(self, sql: str, params: Any = ()) -> list[dict[str, Any]]:
        with self.read_conn() as conn, translated(self.url):
            return conn.execute(sql, params).fetchall()  # type: ignore[arg-type]

    def one(self, sql: str, params: Any = ()) -> dict[str, Any] | None:
        with self.read_conn() as conn, translated(self.url):
            return conn.execute(sql, params).fetchone()  # type: ignore[arg-type]

    def write(self, sql: str, params: Any = ()) -> psycopg.Cursor[dict[str, Any]]:
        conn = self.write_conn()
        with translated(self.url):
            return conn.execute(sql, params)  # type: ignore[arg-type]

    def write_many(self, sql: str, rows: list[Any]) -> None:
        if not rows:
            return
        conn = self.write_conn()
        with translated(self.url), conn.cursor() as cur:
            cur.executemany(sql, rows)  # type: ignore[arg-type]
