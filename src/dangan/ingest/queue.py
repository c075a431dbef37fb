"""Intake jobs through the catalogue's queue: any watcher or web server on any machine takes them.

A job is a file copied into the archive folder's ``spool/<key>/<name>`` (on
the storage every node mounts) plus a queued row (:func:`enqueue`); a worker
(:class:`QueueWorker`, run by ``dangan watch`` and ``dangan queue work``)
claims the oldest free job and puts its file through the same intake steps
as a watched folder, acting as the person or device that submitted it.

Exactly once, whatever dies where: the catalogue commit files the record;
the spool copy is removed after it; the job is marked done last.  A worker
killed in between leaves the job queued, and the next one finds the bytes
already filed (:meth:`~dangan.archive.catalogue.Records.find_by_sha256`)
and only marks it done.  A job that was never filed is simply taken again.
"""

from __future__ import annotations

import contextlib
import copy
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dangan.actor import Actor
from dangan.archive.catalogue import IntakeJob, IntakeState, NewIntakeJob
from dangan.archive.store import SPOOL
from dangan.content.hashing import sha256_file
from dangan.errors import DanganError, IngestError
from dangan.fsutil import fsync_dir, safe_filename
from dangan.ingest.config import OnSuccess, WatchEntry
from dangan.ingest.pipeline import IntakeStatus, Outcome, Pipeline

MAX_ATTEMPTS = 3  # a job whose worker died this many times is given up (marked failed)
WORKER = f"{socket.gethostname()}:{os.getpid()}"

_DONE = (IntakeStatus.FILED, IntakeStatus.SIGNED, IntakeStatus.DUPLICATE)
_FAILED = (IntakeStatus.QUARANTINED, IntakeStatus.GONE)


def enqueue(archive: Any, path: Path, *, original_name: str | None = None, category: str = "auto",
            meta: dict[str, str] | None = None, actor: Actor | None = None) -> int:
    """Copy ``path`` into the spool (write, fsync, check, rename) and queue it; the job's id.

    The source is left alone (the caller removes an upload's temporary file).
    """
    path = Path(path)
    if not path.is_file():
        raise IngestError("找不到要提交的文件", path=path)
    name = safe_filename(original_name or path.name)
    store = archive.store
    sha, _ = sha256_file(path)
    tmp = store.copy_to_temp(path, expected_sha256=sha)
    folder = store.root / SPOOL / uuid.uuid4().hex
    try:
        folder.mkdir(parents=True)
        target = folder / name
        os.rename(tmp, target)
        fsync_dir(folder)
        fsync_dir(folder.parent)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise IngestError(f"无法把文件放入共享存储的队列目录：{e.strerror or e}", path=path) from e
    try:
        with archive.catalogue.transaction(shared=True):
            return int(archive.catalogue.enqueue_intake(NewIntakeJob(
                path=str(target.relative_to(store.root)), sha256=sha, original_name=name,
                submitted_at=archive.clock.now(), category=category, meta=dict(meta or {}), submitted_by=actor)))
    except BaseException:
        target.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            folder.rmdir()
        raise


#: a spool folder this old without a queue row was left by an enqueue that died between its rename and its
#: commit (a younger one may be an enqueue still running on another node)
ORPHAN_GRACE_SECONDS = 3600


def requeue_orphans(archive: Any, *, grace_seconds: float = ORPHAN_GRACE_SECONDS, now: float | None = None) -> list[int]:
    """Queue the spool files that no job names (their enqueue died before its commit); the new jobs' ids.

    Nothing is lost: the bytes were accepted into the shared storage, so they are taken in like any job
    (the pipeline finds a copy filed since, e.g. a retried upload, to be a duplicate).  Run at a watcher's start.
    """
    store = archive.store
    spool = store.root / SPOOL
    if not spool.is_dir():
        return []
    named = {job.path for job in archive.catalogue.intake_jobs()}
    now = time.time() if now is None else now  # a file's age by the storage's clock, as its mtime is
    added: list[int] = []
    for folder in sorted(spool.iterdir()):
        files = sorted(p for p in folder.iterdir() if p.is_file()) if folder.is_dir() else []
        for path in files:
            rel = str(path.relative_to(store.root))
            if rel in named or now - path.lstat().st_mtime < grace_seconds:
                continue
            sha, _ = sha256_file(path)
            with archive.catalogue.transaction(shared=True):
                added.append(int(archive.catalogue.enqueue_intake(NewIntakeJob(
                    path=rel, sha256=sha, original_name=path.name, submitted_at=archive.clock.now(),
                    meta={"note": "队列记录缺失（提交中断），启动时重新排队"}))))
    return added


class QueueWorker:
    """Takes queued jobs one at a time into the archive of ``pipeline``."""

    def __init__(self, pipeline: Pipeline, *, on_outcome: Callable[[Outcome], None] | None = None,
                 worker: str = WORKER, max_attempts: int = MAX_ATTEMPTS) -> None:
        self.pipeline = pipeline
        self.max_attempts = max_attempts
        self.on_outcome = on_outcome
        self.worker = worker

    @property
    def archive(self) -> Any:
        return self.pipeline.archive

    def take_one(self) -> Outcome | None:
        """Claim the oldest free job and take it in (None: the queue is empty)."""
        with self.archive.catalogue.claim_intake(max_attempts=self.max_attempts) as claim:
            if claim is None:
                return None
            outcome = self._process(claim.job)
            state = IntakeState.DONE if outcome.status in _DONE else IntakeState.FAILED if outcome.status in _FAILED else None
            if state is not None:  # CHANGED / ERROR: left queued, taken again later
                where = f"（隔离区：{outcome.quarantined_to}）" if outcome.quarantined_to else ""
                claim.finish(state=state, code=outcome.code, message=(outcome.message or "") + where or None,
                             worker=self.worker, at=self.archive.clock.now())
        if self.on_outcome:
            self.on_outcome(outcome)
        return outcome

    def drain(self, stop: threading.Event | None = None) -> list[Outcome]:
        """Take jobs until the queue is empty (or ``stop`` is set)."""
        out: list[Outcome] = []
        while stop is None or not stop.is_set():
            outcome = self.take_one()
            if outcome is None:
                break
            out.append(outcome)
        return out

    def _process(self, job: IntakeJob) -> Outcome:
        store = self.archive.store
        path = store.abs(job.path)
        filed = self.archive.find_by_sha256(job.sha256)
        if filed is not None and (job.attempts > 1 or not path.exists()):
            # an earlier attempt filed it and died before marking the job: finish its work only
            self._remove_spool(path, job.sha256)
            return Outcome(path, IntakeStatus.FILED, code=filed.archival_code, how="先前一次处理已归档（该次处理中断）")
        if not path.exists():
            return Outcome(path, IntakeStatus.GONE, message="队列中的文件不存在（可能已被移入某个节点的隔离区）")
        entry = WatchEntry(folder=path.parent, category=job.category, meta=dict(job.meta),
                           on_success=OnSuccess.DELETE)
        pipeline = copy.copy(self.pipeline)
        pipeline.archive = self.archive.acting_as(job.submitted_by) if job.submitted_by else self.archive
        try:
            outcome = pipeline.process(path, entry)
        except DanganError as e:  # the archive refused (database away…): the job stays queued
            outcome = Outcome(path, IntakeStatus.ERROR, message=str(e))
        if outcome.status is not IntakeStatus.CHANGED:
            with contextlib.suppress(OSError):
                path.parent.rmdir()  # the spool folder, once empty
        return outcome

    @staticmethod
    def _remove_spool(path: Path, sha256: str) -> None:
        if path.exists() and sha256_file(path)[0] == sha256:
            path.unlink()
            fsync_dir(path.parent)
        with contextlib.suppress(OSError):
            path.parent.rmdir()
