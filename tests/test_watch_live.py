"""The running watcher: a file written slowly is taken once, complete; and
after SIGKILL at random moments nothing is lost or filed twice."""

from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from dangan.app import Dangan
from dangan.config import Workspace
from dangan.ingest import quarantine as q
from watch_helpers import backdate, configure, records, run_once


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize("polling", [False, True], ids=["events", "polling"])
def test_file_written_slowly_is_filed_once_and_complete(ws: Workspace, tmp_path: Path, polling: bool) -> None:
    inbox = tmp_path / "inbox"
    ws = configure(ws, inbox, settings={"stability_seconds": 1.0}, extra=f"polling = {str(polling).lower()}")
    stop = threading.Event()
    outcomes = []

    def watch() -> None:
        with Dangan.open(ws) as app:
            app.watcher(on_outcome=outcomes.append).run(stop)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    chunks = [f"第{i}段 空置房巡查记录 门窗完好 水电关闭\n".encode() * 400 for i in range(12)]
    target = inbox / "slow.txt"
    with open(target, "wb") as fh:
        for chunk in chunks:  # 12 chunks, 0.15 s apart: never a second unchanged
            fh.write(chunk)
            fh.flush()
            time.sleep(0.15)
    deadline = time.monotonic() + 20
    while not outcomes and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(1.5)  # any second (wrong) pick-up would happen now
    stop.set()
    thread.join(timeout=20)
    assert not thread.is_alive()
    assert [o.status for o in outcomes] == ["filed"]
    [rec] = records(ws)
    assert rec.original.sha256 == _sha(b"".join(chunks))
    assert not target.exists()


def _spawn_watcher(ws: Workspace) -> subprocess.Popen:
    """The continuous watcher; its stdout and stderr in one pipe (one line per file, and "正在监视" once its stop
    handlers are installed)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    return subprocess.Popen(
        [sys.executable, "-m", "dangan", "-w", str(ws.root), "watch"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
        text=True,
    )


def _read_until(proc: subprocess.Popen, *, watching: bool = False, handled: int = 0) -> None:
    """Read the watcher's lines until it says it is watching (``watching``) and has reported ``handled`` files.

    The test acts on what the watcher has observably done, never after a sleep, so a loaded machine only makes
    it slower (a hang is ended by the test's timeout)."""
    assert proc.stdout is not None
    seen_watching, seen = False, 0
    while (watching and not seen_watching) or seen < handled:
        line = proc.stdout.readline()
        assert line, f"the watcher exited ({proc.wait()}) before it got there"
        seen_watching = seen_watching or "正在监视" in line
        seen += " → " in line


def _inventory(ws: Workspace, inbox: Path) -> tuple[list[str], set[str], set[str]]:
    """(sha of every archived file, sha of files waiting in the inbox, sha in quarantine)."""
    with Dangan.open(ws) as app:
        archived = [f.sha256 for r in app.records() for f in r.files]
    waiting = {_sha(p.read_bytes()) for p in inbox.iterdir() if p.is_file()}
    quarantined = {_sha(e.path.read_bytes()) for e in q.entries(ws.quarantine_dir)}
    return archived, waiting, quarantined


@pytest.mark.slow
@pytest.mark.timeout(1800)  # only a guard against a hang: the test waits on what the watcher reports
def test_sigkill_at_random_moments_loses_nothing_and_files_nothing_twice(ws: Workspace, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    ws = configure(ws, inbox, settings={"stability_seconds": 0.2})
    rng = random.Random(20261126)
    inputs: set[str] = set()
    runs = 20
    kills: list[object] = []
    for run in range(runs):
        batch = []
        for i in range(8):
            data = f"空置房巡查记录 第{run}批 第{i}号 {rng.random()}\n".encode() * rng.randint(1, 300)
            p = inbox / f"r{run:02}-{i}.txt"
            p.write_bytes(data)
            batch.append(p)
            inputs.add(_sha(data))
        backdate(*batch)
        proc = _spawn_watcher(ws)
        # where to kill: at once (start-up), once it watches (first filing, index load), or after k files
        # (mid-batch: the kill lands in the next file's filing, wherever it is)
        point = rng.choice(["start", "watching", 1, 2, 3, 5, 7])
        if point != "start":
            _read_until(proc, watching=True, handled=0 if point == "watching" else int(point))
        kills.append(point)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        assert proc.stdout is not None
        proc.stdout.close()
        archived, waiting, quarantined = _inventory(ws, inbox)
        assert len(archived) == len(set(archived)), f"run {run}: a file was filed twice"
        assert inputs <= set(archived) | waiting | quarantined, f"run {run}: a file was lost"
    assert {"start", "watching"} <= set(kills) and any(isinstance(k, int) for k in kills)
    proc = _spawn_watcher(ws)  # a clean stop with SIGTERM also works, once its stop handlers are installed
    _read_until(proc, watching=True)
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=120)
    assert proc.returncode == 0
    run_once(ws)
    archived, waiting, quarantined = _inventory(ws, inbox)
    assert sorted(archived) == sorted(inputs)  # each exactly once
    assert waiting == set() and quarantined == set()
