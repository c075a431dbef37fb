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


def _spawn_watcher(ws: Workspace, *, stderr: int = subprocess.DEVNULL) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    return subprocess.Popen(
        [sys.executable, "-m", "dangan", "-w", str(ws.root), "watch"],
        stdout=subprocess.DEVNULL,
        stderr=stderr,
        env=env,
        text=True,
    )


def _wait_until_watching(proc: subprocess.Popen, timeout: float = 120) -> None:
    """Until the watcher says it is watching (its stop handlers are installed by then), however loaded the machine."""
    deadline = time.monotonic() + timeout
    assert proc.stderr is not None
    for line in proc.stderr:
        if "正在监视" in line:
            return
        assert time.monotonic() < deadline, "the watcher did not start"
    raise AssertionError(f"the watcher exited before watching ({proc.wait()})")


def _inventory(ws: Workspace, inbox: Path) -> tuple[list[str], set[str], set[str]]:
    """(sha of every archived file, sha of files waiting in the inbox, sha in quarantine)."""
    with Dangan.open(ws) as app:
        archived = [f.sha256 for r in app.records() for f in r.files]
    waiting = {_sha(p.read_bytes()) for p in inbox.iterdir() if p.is_file()}
    quarantined = {_sha(e.path.read_bytes()) for e in q.entries(ws.quarantine_dir)}
    return archived, waiting, quarantined


@pytest.mark.slow
def test_sigkill_at_random_moments_loses_nothing_and_files_nothing_twice(ws: Workspace, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    ws = configure(ws, inbox, settings={"stability_seconds": 0.2})
    rng = random.Random(20261126)
    inputs: set[str] = set()
    runs = 20
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
        time.sleep(rng.uniform(0.5, 3.5))  # start-up, first filing (index load), mid-batch
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        archived, waiting, quarantined = _inventory(ws, inbox)
        assert len(archived) == len(set(archived)), f"run {run}: a file was filed twice"
        assert inputs <= set(archived) | waiting | quarantined, f"run {run}: a file was lost"
    proc = _spawn_watcher(ws, stderr=subprocess.PIPE)  # a clean stop with SIGTERM also works
    _wait_until_watching(proc)
    time.sleep(1)
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=60)
    assert proc.returncode == 0
    run_once(ws)
    archived, waiting, quarantined = _inventory(ws, inbox)
    assert sorted(archived) == sorted(inputs)  # each exactly once
    assert waiting == set() and quarantined == set()
