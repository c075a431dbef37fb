"""Background jobs of one web server: batches and uploads, one at a time, with progress.

A job is a function of a progress callback; its state (queued, running, done,
failed), progress and result are kept in memory for the pages that poll it.
Jobs run on one worker thread, in order: a 500-notice batch and the scans
uploaded meanwhile never fight over the renderer or pdfium, and searches
(on the request threads) go on beside them.
"""

from __future__ import annotations

import itertools
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from dangan.errors import DanganError

Progress = Callable[[int, int], None]
KEEP = 500  # finished jobs remembered (the oldest are forgotten)


@dataclass
class Job:
    id: int
    kind: str  # "batch", "upload"
    owner: str  # who started it (only they, or an archivist, see it)
    label: str
    state: str = "queued"  # queued, running, done, failed
    done: int = 0
    total: int = 0
    result: Any = None
    error: str | None = None
    problems: list[Any] = field(default_factory=list)  # an error's problems (rows and fields), if it has them
    started: float = field(default_factory=time.time)
    finished: float | None = None

    @property
    def percent(self) -> int:
        if self.state == "done":
            return 100
        return int(100 * self.done / self.total) if self.total else 0

    @property
    def finished_ok(self) -> bool:
        return self.state == "done"


class JobRunner:
    def __init__(self) -> None:
        self._jobs: dict[int, Job] = {}
        self._queue: queue.Queue[tuple[Job, Callable[[Progress], Any]] | None] = queue.Queue()
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="dangan-jobs", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Finish the running job, then stop (queued jobs are dropped; their uploads are taken at the next start)."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout)
            self._thread = None

    def submit(self, kind: str, label: str, owner: str, work: Callable[[Progress], Any]) -> Job:
        job = Job(next(self._ids), kind, owner, label)
        with self._lock:
            self._jobs[job.id] = job
            for old in sorted(self._jobs)[:-KEEP]:
                if self._jobs[old].finished is not None:
                    del self._jobs[old]
        self.start()
        self._queue.put((job, work))
        return job

    def get(self, job_id: int) -> Job | None:
        return self._jobs.get(job_id)

    def jobs(self, *, kind: str | None = None, owner: str | None = None) -> list[Job]:
        with self._lock:
            found = list(self._jobs.values())
        return sorted((j for j in found if (kind is None or j.kind == kind) and (owner is None or j.owner == owner)),
                      key=lambda j: -j.id)

    def wait(self, job: Job, timeout: float) -> Job:
        deadline = time.monotonic() + timeout
        while job.finished is None and time.monotonic() < deadline:
            time.sleep(0.05)
        return job

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            job, work = item
            job.state = "running"

            def progress(done: int, total: int, job: Job = job) -> None:
                job.done, job.total = done, total

            try:
                job.result = work(progress)
                job.state = "done"
            except DanganError as e:
                job.error = str(e)
                job.problems = list(getattr(e, "problems", []) or [])
                job.state = "failed"
            except Exception as e:  # noqa: BLE001 - shown on the job's page, the cause kept in the message
                job.error = f"内部错误：{type(e).__name__}: {e}"
                job.state = "failed"
            finally:
                job.finished = time.time()
