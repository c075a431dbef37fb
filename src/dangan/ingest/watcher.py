"""The observer loop: watched folders → stability tracker → pipeline.

Events come from watchdog (``Observer``, or ``PollingObserver`` for network
shares) but are only hints: a catch-up scan at start and a periodic rescan
find whatever the events missed.  Files are processed one at a time in the
loop's thread, so the same file is never processed twice at once; a lock
file keeps a second watcher off the same workspace.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import queue
import signal
import threading
import time
from collections.abc import Callable, Collection, Iterator
from pathlib import Path

from dangan.config import Workspace
from dangan.errors import DanganError, IngestError
from dangan.ingest import quarantine as q
from dangan.ingest.config import OnSuccess, WatchEntry, watch_entries
from dangan.ingest.pipeline import IntakeStatus, Outcome, Pipeline, restore_claims
from dangan.ingest.queue import QueueWorker, requeue_orphans
from dangan.ingest.stability import StabilityTracker, can_open, file_signature, is_settled
from dangan.names import readable

log = logging.getLogger(__name__)

OutcomeCallback = Callable[[Outcome], None]
Maintenance = Callable[..., None]  # maintenance(starting=bool): the app's turn (the index catch-up)
IDLE_TICK = 0.5  # seconds between loop turns when nothing is due
MAINTENANCE_SECONDS = 30.0  # at most this often between files (at start-up: at once)


@contextlib.contextmanager
def watch_lock(ws: Workspace) -> Iterator[None]:
    """One watcher per workspace.  The OS drops the lock if the process dies."""
    ws.state_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(ws.state_dir / "watch.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as e:
            raise IngestError("另一个 dangan watch 正在处理这个工作区，请等它结束后再运行", path=ws.root) from e
        yield
    finally:
        os.close(fd)


def install_stop_handlers(stop: threading.Event) -> None:
    """SIGINT and SIGTERM set ``stop``; the loop finishes the file in hand, then returns."""

    def handler(signum: int, _frame: object) -> None:
        log.info("signal %d: stopping after the current file", signum)
        stop.set()

    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)


class Watcher:
    def __init__(
        self,
        ws: Workspace,
        pipeline: Pipeline,
        *,
        entries: list[WatchEntry] | None = None,
        on_outcome: OutcomeCallback | None = None,
        clock: Callable[[], float] = time.monotonic,
        maintenance: Maintenance | None = None,
        on_notice: Callable[[str], None] | None = None,
        queue: bool = True,
    ) -> None:
        self.ws = ws
        self.pipeline = pipeline
        self.entries = watch_entries(ws) if entries is None else entries
        settings = ws.config.settings.ingest
        self.window = settings.stability_seconds
        self.rescan_seconds = settings.rescan_minutes * 60
        self.on_outcome = on_outcome or (lambda o: log.info("%s", o.line()))
        self.clock = clock
        self.tracker = StabilityTracker(self.window, clock=clock)
        self.maintenance = maintenance
        self._next_maintenance = 0.0
        self.notices: list[str] = []  # what start-up found (leftovers of a crash), said once
        self.on_notice = on_notice
        pipeline.check_categories(self.entries)
        # jobs from the catalogue's intake queue (uploads, `dangan queue add`), taken between inbox files
        self.queue = QueueWorker(pipeline, on_outcome=self.on_outcome) if queue else None

    install_stop_handlers = staticmethod(install_stop_handlers)

    # -- finding files ---------------------------------------------------

    def _deepest_first(self) -> list[WatchEntry]:
        return sorted(self.entries, key=lambda e: len(e.folder.parts), reverse=True)

    def entry_for(self, path: Path) -> WatchEntry | None:
        """The watch entry (deepest folder first) that accepts ``path``."""
        for entry in self._deepest_first():
            if entry.accepts(path):
                return entry
        return None

    def scan(self) -> list[Path]:
        """Every file currently waiting in the watched folders."""
        found: list[Path] = []
        for entry in self.entries:
            if not entry.folder.is_dir():
                log.debug("watched folder %s does not exist", entry.folder)
                continue
            found.extend(p for p in _walk(entry.folder, recursive=entry.recursive) if self.entry_for(p) is entry)
        return sorted(found)

    # -- processing --------------------------------------------------------

    def process(self, path: Path) -> Outcome | None:
        """One file, whatever happens: no exception while processing it stops the watcher.

        A bad file's content is quarantined by the pipeline; any other failure (the archive refused, a
        network share went away, an error nobody foresaw) is reported and the file stays in the inbox,
        to be taken again at the next scan.
        """
        entry = self.entry_for(path)
        if entry is None:
            return None
        outcome = guarded(path, lambda: self.pipeline.process(path, entry))
        self._report(outcome)
        return outcome

    def _report(self, outcome: Outcome) -> None:
        try:
            self.on_outcome(outcome)
        except Exception:  # noqa: BLE001 - a failing report (e.g. the terminal) must not stop the loop
            log.exception("could not report the outcome of %s", readable(outcome.source))

    def run_once(self, *, max_wait: float | None = None) -> list[Outcome]:
        """Process what is there now and return.

        A file whose mtime is older than the stability window is taken at once;
        a newer one is tracked for at most ``max_wait`` seconds (default: twice
        the window plus 5 s) and left in the inbox if it never settles.
        """
        with watch_lock(self.ws):
            self._recover()
            outcomes: list[Outcome] = []
            for path in self.scan():
                sig = file_signature(path)
                if sig is not None and is_settled(sig, self.window) and can_open(path):
                    outcomes += self._take(path)
                else:
                    self.tracker.observe(path)
                self._maintain()
            deadline = self.clock() + (2 * self.window + 5 if max_wait is None else max_wait)
            while self.tracker.pending() and self.clock() < deadline:
                time.sleep(min(IDLE_TICK, self.tracker.next_due() or IDLE_TICK))
                for path in self.tracker.ready():
                    outcomes += self._take(path)
            if self.queue is not None:
                outcomes += self.queue.drain()
            return outcomes

    def _recover(self) -> None:
        """After a crash (under the watch lock): drop staging copies, give claimed sources their names back,
        remove half-written copies in the quarantine, and let the index catch up with the catalogue."""
        self.pipeline.clear_staging()
        restore_claims([e.folder for e in self.entries])
        left = q.clear_partial(self.pipeline.quarantine_dir)
        if left:
            self._note(f"启动时清除了隔离区中 {len(left)} 个未写完的临时文件（其原文件仍在原处）")
        if self.queue is not None:
            try:
                requeued = requeue_orphans(self.queue.archive)
            except Exception:  # noqa: BLE001 - the catalogue is away: tried again at the next start
                log.exception("requeueing spool files failed")
            else:
                if requeued:
                    self._note(f"启动时为共享存储中 {len(requeued)} 个缺少队列记录的文件重新排队（提交时中断）")
        self._maintain(starting=True)

    def _maintain(self, *, starting: bool = False) -> None:
        if self.maintenance is None or (not starting and self.clock() < self._next_maintenance):
            return
        self._next_maintenance = self.clock() + MAINTENANCE_SECONDS
        try:
            self.maintenance(starting=starting, on_notice=self._note)
        except Exception:  # noqa: BLE001 - maintenance never stops the watcher
            log.exception("maintenance failed")

    def _note(self, text: str) -> None:
        self.notices.append(text)
        log.warning("%s", text)
        if self.on_notice is not None:
            try:
                self.on_notice(text)
            except Exception:  # noqa: BLE001 - a failing report must not stop the loop
                log.exception("could not report a notice")

    def _take(self, path: Path) -> list[Outcome]:
        outcome = self.process(path)
        if outcome is None:
            return []
        if outcome.status is IntakeStatus.CHANGED:
            self.tracker.observe(path)
        return [outcome]

    def run(self, stop: threading.Event) -> None:
        """Watch until ``stop`` is set (see :func:`install_stop_handlers`)."""
        with watch_lock(self.ws):
            self._recover()
            events: queue.Queue[Path] = queue.Queue()
            observers = self._start_observers(events)
            try:
                self._loop(stop, events)
            finally:
                for obs in observers:
                    obs.stop()
                for obs in observers:
                    obs.join(timeout=5)

    def _loop(self, stop: threading.Event, events: queue.Queue[Path]) -> None:
        next_rescan = self.clock()  # catch-up scan at start
        while not stop.is_set():
            if self.clock() >= next_rescan:
                for path in self.scan():
                    self.tracker.observe(path)
                next_rescan = self.clock() + self.rescan_seconds
            due = self.tracker.next_due()
            timeout = IDLE_TICK if due is None else min(IDLE_TICK, max(due, 0.02))
            self._drain(events, timeout)
            for path in self.tracker.ready():
                if stop.is_set():
                    self.tracker.observe(path)  # not now: next start takes it
                    break
                self._take(path)
            if self.queue is not None and not stop.is_set():
                self._take_jobs()
            self._maintain()

    def _take_jobs(self) -> None:
        """Queued jobs, as long as no inbox file is due (a database error is logged, and tried next turn)."""
        while self.tracker.next_due() is None or self.tracker.next_due() > 0:  # type: ignore[operator]
            try:
                if self.queue is None or self.queue.take_one() is None:
                    return
            except DanganError as e:
                log.warning("intake queue: %s", e)
                return

    def _drain(self, events: queue.Queue[Path], timeout: float) -> None:
        try:
            path = events.get(timeout=timeout)
        except queue.Empty:
            return
        while True:
            if self.entry_for(path) is not None:
                self.tracker.observe(path)
            try:
                path = events.get_nowait()
            except queue.Empty:
                return

    def _start_observers(self, events: queue.Queue[Path]) -> list:
        from watchdog.events import FileSystemEvent, FileSystemEventHandler
        from watchdog.observers import Observer
        from watchdog.observers.polling import PollingObserver

        class Handler(FileSystemEventHandler):
            def on_any_event(self, event: FileSystemEvent) -> None:
                if event.is_directory:
                    return
                for p in (getattr(event, "dest_path", ""), event.src_path):
                    if p:
                        events.put(Path(os.fsdecode(p)))

        observers = []
        for entry in self.entries:
            if not entry.folder.is_dir():
                log.warning("watched folder %s does not exist", entry.folder)
                continue
            obs = PollingObserver(timeout=1) if entry.polling else Observer()
            obs.schedule(Handler(), str(entry.folder), recursive=entry.recursive)
            obs.start()
            observers.append(obs)
        return observers

    # -- quarantine --------------------------------------------------------

    def retry_quarantine(self, names: Collection[str] | None = None) -> list[Outcome]:
        """Put every quarantined file (or those named) through the pipeline again."""
        with watch_lock(self.ws):
            outcomes = []
            for item in q.entries(self.pipeline.quarantine_dir):
                if names is not None and item.path.name not in names:
                    continue
                entry = self._entry_for_origin(item.origin)
                outcome = guarded(item.path, lambda: self.pipeline.process(item.path, entry))  # noqa: B023
                q.release(item)
                self._report(outcome)
                outcomes.append(outcome)
            return outcomes

    def _entry_for_origin(self, origin: str) -> WatchEntry:
        """The entry the file came from; else an ``auto`` entry that keeps the source in processed/."""
        if origin:
            for entry in self._deepest_first():  # nested watch folders: the innermost one
                if entry.folder == Path(origin).parent or entry.folder in Path(origin).parents:
                    return entry
        return WatchEntry(folder=self.pipeline.quarantine_dir, on_success=OnSuccess.MOVE)


def guarded(path: Path, process: Callable[[], Outcome]) -> Outcome:
    """``process()``, with any exception turned into an ERROR outcome for ``path`` (the per-file boundary)."""
    try:
        return process()
    except DanganError as e:  # e.g. the archive refused: the file stays in the inbox
        return Outcome(path, IntakeStatus.ERROR, message=str(e))
    except OSError as e:  # e.g. a network share went away: retried at the next scan
        return Outcome(path, IntakeStatus.ERROR, message=readable(f"文件系统错误：{e}"))
    except Exception as e:  # noqa: BLE001 - nothing one file does may stop the watcher
        log.exception("unexpected error on %s", readable(path))
        return Outcome(path, IntakeStatus.ERROR,
                       message=readable(f"处理时出现意外错误，文件留在监视目录稍后重试：{type(e).__name__}: {e}"))


def _walk(folder: Path, *, recursive: bool) -> Iterator[Path]:
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(".") and d.lower() not in ("processed", "quarantine")]
        for name in files:
            yield Path(root) / name
        if not recursive:
            return


