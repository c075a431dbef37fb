"""The intake queue on SQLite (one machine): a job is held by an exclusive ``flock`` on its lock file.

SQLite cannot keep a transaction open for the length of a job (it would stop
every writer), so a claim locks ``<catalogue>.queue-locks/<id>.lock``; the
operating system drops the lock when the worker dies, and the job (still
``queued``) is taken again.  The outcome is written when the claim ends.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dangan.archive.catalogue import IntakeJob, IntakeState, NewIntakeJob, stored_intake_job
from dangan.archive.digest import canonical

LOCKS_SUFFIX = ".queue-locks"


class SqliteClaim:
    def __init__(self, job: IntakeJob) -> None:
        self.job = job
        self.outcome: tuple[Any, ...] | None = None

    def finish(self, *, state: str, code: str | None, message: str | None, worker: str, at: dt.datetime) -> None:
        self.outcome = (state, code, message, worker, at.isoformat())


class QueuePart:
    """Mixed into :class:`~dangan.archive.sqlite.SqliteCatalogue`."""

    path: Path

    if TYPE_CHECKING:  # provided by SqliteCatalogue
        def _conn(self) -> sqlite3.Connection: ...
        def _write(self) -> sqlite3.Connection: ...
        def transaction(self, *, shared: bool = False) -> Any: ...

    def enqueue_intake(self, new: NewIntakeJob) -> int:
        cur = self._write().execute(
            "INSERT INTO intake_jobs (path, sha256, original_name, category, meta, submitted_by, submitted_at, state) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (new.path, new.sha256, new.original_name, new.category, canonical(dict(new.meta)),
             canonical(new.submitted_by.to_dict()) if new.submitted_by else None, new.submitted_at.isoformat(),
             IntakeState.QUEUED))
        return int(cur.lastrowid or 0)

    @contextlib.contextmanager
    def claim_intake(self, *, max_attempts: int) -> Iterator[SqliteClaim | None]:
        locks = self.path.with_name(self.path.name + LOCKS_SUFFIX)
        locks.mkdir(parents=True, exist_ok=True)
        ids = [r[0] for r in self._conn().execute("SELECT id FROM intake_jobs WHERE state = ? ORDER BY id",
                                                  (IntakeState.QUEUED,))]
        for job_id in ids:
            lock = locks / f"{job_id}.lock"
            fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue
                found = self.intake_jobs(state=IntakeState.QUEUED, ids=[job_id])  # still waiting, under the lock
                if not found:
                    continue
                with self.transaction():
                    self._write().execute("INSERT INTO intake_attempts (job_id, at) VALUES (?, ?)",
                                          (job_id, dt.datetime.now(dt.UTC).isoformat()))
                attempts = found[0].attempts + 1
                if attempts > max_attempts:
                    self._finish(job_id, (IntakeState.FAILED, None, f"处理了 {attempts - 1} 次都中断了（文件可能损坏），已停止重试",
                                          None, dt.datetime.now(dt.UTC).isoformat()))
                    lock.unlink(missing_ok=True)
                    continue
                claim = SqliteClaim(_replace_attempts(found[0], attempts))
                yield claim
                if claim.outcome is not None:
                    self._finish(job_id, claim.outcome)
                    if claim.outcome[0] != IntakeState.QUEUED:
                        lock.unlink(missing_ok=True)
                return
            finally:
                os.close(fd)
        yield None

    def _finish(self, job_id: int, outcome: tuple[Any, ...]) -> None:
        with self.transaction():
            self._write().execute("UPDATE intake_jobs SET state = ?, code = ?, message = ?, worker = ?, finished_at = ? "
                                  "WHERE id = ?", (*outcome, job_id))

    def intake_jobs(self, *, state: str | None = None, ids: Sequence[int] | None = None) -> list[IntakeJob]:
        clauses: list[str] = ["1"]
        params: list[Any] = []
        if state is not None:
            clauses.append("j.state = ?")
            params.append(state)
        if ids is not None:
            clauses.append(f"j.id IN ({','.join('?' * len(ids))})" if ids else "0")
            params += list(ids)
        rows = self._conn().execute(
            "SELECT j.*, (SELECT count(*) FROM intake_attempts a WHERE a.job_id = j.id) AS attempts "
            f"FROM intake_jobs j WHERE {' AND '.join(clauses)} ORDER BY j.id", params).fetchall()
        return [stored_intake_job(r, int(r["attempts"])) for r in rows]

    def requeue_intake(self, job_id: int) -> bool:
        conn = self._write()
        cur = conn.execute("UPDATE intake_jobs SET state = ?, message = NULL, finished_at = NULL, worker = NULL "
                           "WHERE id = ? AND state = ?", (IntakeState.QUEUED, job_id, IntakeState.FAILED))
        if cur.rowcount:
            conn.execute("DELETE FROM intake_attempts WHERE job_id = ?", (job_id,))
        return bool(cur.rowcount)


def _replace_attempts(job: IntakeJob, attempts: int) -> IntakeJob:
    from dataclasses import replace

    return replace(job, attempts=attempts)
