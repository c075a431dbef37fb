"""The intake queue on PostgreSQL: ``FOR UPDATE SKIP LOCKED`` on ``intake_jobs``.

A claim is an open transaction on a connection of its own that holds the
job's row lock until the claim ends; other workers skip the locked row.  If
the worker dies, its connection closes, the lock goes, and the job (still
``queued``) is taken by the next worker.  Attempts are counted in
``intake_attempts`` from another connection (autocommit), so an interrupted
attempt still counts.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any

import psycopg

from dangan.archive.catalogue import IntakeJob, IntakeState, NewIntakeJob, stored_intake_job
from dangan.archive.digest import canonical
from dangan.archive.postgres.connections import Connections, translated


class PgClaim:
    def __init__(self, conn: psycopg.Connection[dict[str, Any]], job: IntakeJob) -> None:
        self._conn = conn
        self.job = job

    def finish(self, *, state: str, code: str | None, message: str | None, worker: str, at: dt.datetime) -> None:
        self._conn.execute("UPDATE intake_jobs SET state = %s, code = %s, message = %s, worker = %s, finished_at = %s "
                           "WHERE id = %s", (state, code, message, worker, at.isoformat(), self.job.id))


class QueuePart:
    """Mixed into :class:`~dangan.archive.postgres.PostgresCatalogue`."""

    _db: Connections
    url: str

    def enqueue_intake(self, new: NewIntakeJob) -> int:
        row = self._db.write(
            "INSERT INTO intake_jobs (path, sha256, original_name, category, meta, submitted_by, submitted_at, state) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
            (new.path, new.sha256, new.original_name, new.category, canonical(dict(new.meta)),
             canonical(new.submitted_by.to_dict()) if new.submitted_by else None, new.submitted_at.isoformat(),
             IntakeState.QUEUED)).fetchone()
        assert row is not None
        return int(row["id"])

    @contextlib.contextmanager
    def claim_intake(self, *, max_attempts: int) -> Iterator[PgClaim | None]:
        if self._db.tx is not None:
            raise RuntimeError("claim_intake runs outside any catalogue transaction")
        with translated(self.url), self._db.pool.connection() as conn:
            while True:
                with conn.transaction():
                    row = conn.execute("SELECT * FROM intake_jobs WHERE state = %s ORDER BY id LIMIT 1 "
                                       "FOR UPDATE SKIP LOCKED", (IntakeState.QUEUED,)).fetchone()
                    if row is not None:
                        attempts = self._count_attempt(row["id"])
                        if attempts > max_attempts:
                            conn.execute("UPDATE intake_jobs SET state = %s, message = %s, finished_at = %s WHERE id = %s",
                                         (IntakeState.FAILED, f"处理了 {attempts - 1} 次都中断了（文件可能损坏），已停止重试",
                                          dt.datetime.now(dt.UTC).isoformat(), row["id"]))
                            continue
                        yield PgClaim(conn, stored_intake_job(row, attempts))
                        return
                yield None
                return

    def _count_attempt(self, job_id: int) -> int:
        with self._db.pool.connection() as other:  # autocommit: counted even if the worker dies
            other.execute("INSERT INTO intake_attempts (job_id, at) VALUES (%s, %s)",
                          (job_id, dt.datetime.now(dt.UTC).isoformat()))
            row = other.execute("SELECT count(*) AS n FROM intake_attempts WHERE job_id = %s", (job_id,)).fetchone()
        return int(row["n"]) if row else 1

    def intake_jobs(self, *, state: str | None = None, ids: Sequence[int] | None = None) -> list[IntakeJob]:
        clauses: list[str] = ["true"]
        params: list[Any] = []
        if state is not None:
            clauses.append("j.state = %s")
            params.append(state)
        if ids is not None:
            clauses.append("j.id = ANY(%s)")
            params.append(list(ids))
        rows = self._db.all("SELECT j.*, (SELECT count(*) FROM intake_attempts a WHERE a.job_id = j.id) AS attempts "
                            f"FROM intake_jobs j WHERE {' AND '.join(clauses)} ORDER BY j.id", params)
        return [stored_intake_job(r, int(r["attempts"])) for r in rows]

    def requeue_intake(self, job_id: int) -> bool:
        cur = self._db.write("UPDATE intake_jobs SET state = %s, message = NULL, finished_at = NULL, worker = NULL "
                             "WHERE id = %s AND state = %s", (IntakeState.QUEUED, job_id, IntakeState.FAILED))
        if cur.rowcount:
            self._db.write("DELETE FROM intake_attempts WHERE job_id = %s", (job_id,))
        return bool(cur.rowcount)
