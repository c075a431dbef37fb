"""Two processes filing at once, and SIGKILL at random points during filing."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from collections import Counter
from pathlib import Path

import pytest

from dangan.archive.service import Archive
from dangan.config import Workspace

pytestmark = pytest.mark.timeout(180)

FILER = textwrap.dedent(
    """
    import contextlib, sys, time
    from pathlib import Path
    from dangan.config import open_workspace
    from dangan.archive.service import Archive
    from dangan.archive.model import FilingRequest
    ws = open_workspace(sys.argv[1])
    src = Path(sys.argv[2])
    start_at = float(sys.argv[3])
    phase, nth = (sys.argv[4], int(sys.argv[5])) if len(sys.argv) > 5 else ("", 0)
    filing = 0

    def reached(here, *, block=True):
        # at the chosen point of the chosen filing: say so, then wait to be killed
        if here == phase and filing == nth:
            print("at", here, flush=True)
            while block:
                time.sleep(60)

    def after(name, obj, attr):
        orig = getattr(obj, attr)
        def wrapped(*a, **kw):
            out = orig(*a, **kw)
            reached(name)
            return out
        setattr(obj, attr, wrapped)

    with Archive.open(ws) as archive:
        after("journal", archive, "_begin_journal")  # in the transaction, the journal written
        after("temp", archive.store, "copy_to_temp")  # ... and the copy in tmp/ checked
        after("published", archive.store, "publish")  # ... and the file in place, its row not committed
        transaction, depth = archive.catalogue.transaction, [0]

        @contextlib.contextmanager
        def committed(*a, **kw):  # the row committed, the journal not yet removed
            depth[0] += 1
            try:
                with transaction(*a, **kw):
                    yield
            finally:
                depth[0] -= 1
            if not depth[0]:
                reached("committed")

        archive.catalogue.transaction = committed
        print("ready", flush=True)
        while time.time() < start_at:
            time.sleep(0.001)
        for p in sorted(src.iterdir()):
            filing += 1
            archive.file(FilingRequest(path=p, category="TS"))
            reached("between")  # between two filings
            reached("running", block=False)  # the kill lands wherever the next filing is by then
    print("done", flush=True)
    """
)


def make_docs(folder: Path, prefix: str, n: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        (folder / f"{prefix}-{i:04d}.txt").write_text(f"{prefix} 投诉记录 第{i}号", encoding="utf-8")
    return folder


def spawn(ws: Workspace, src: Path, start_at: float, *stop: str) -> subprocess.Popen:
    """A process filing every file of ``src`` (from ``start_at``); ``stop``: (phase, n) where it waits to be killed."""
    return subprocess.Popen([sys.executable, "-c", FILER, str(ws.root), str(src), str(start_at), *stop],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def assert_consistent(ws: Workspace, reports: list | None = None) -> list:
    """Every record has its file with the right hash; no duplicate content; no gap in 件号."""
    import hashlib

    with Archive.open(ws) as archive:
        if reports is not None:
            reports.append(archive.reconcile_report)
        records = archive.list()
        for r in records:
            for f in r.files:
                path = archive.store.abs(f.path)
                assert path.is_file(), f"{r.archival_code}: file missing"
                assert hashlib.sha256(path.read_bytes()).hexdigest() == f.sha256
        shas = Counter(r.original.sha256 for r in records)
        assert not [s for s, n in shas.items() if n > 1], "duplicate records"
        seqs = sorted(int(r.archival_code[-4:]) for r in records)
        assert seqs == list(range(1, len(seqs) + 1))
        assert list(archive.store.tmp_dir.iterdir()) == []
        report = archive.verify()
        assert report.ok, report.problems
    return records


def test_two_processes_file_400_documents_without_gaps(ws: Workspace, tmp_path: Path) -> None:
    a = make_docs(tmp_path / "a", "甲", 200)
    b = make_docs(tmp_path / "b", "乙", 200)
    Archive.open(ws).close()  # create the catalogue once
    start_at = time.time() + 1.5
    procs = [spawn(ws, a, start_at), spawn(ws, b, start_at)]
    outputs = [p.communicate(timeout=150) for p in procs]
    for p, (out, err) in zip(procs, outputs, strict=True):
        assert p.returncode == 0, err
        assert out.split() == ["ready", "done"]
    records = assert_consistent(ws)
    assert len(records) == 400
    assert [r.archival_code for r in records][0].endswith("-0001")
    assert {r.archival_code[-4:] for r in records} == {f"{n:04d}" for n in range(1, 401)}


# where a run is killed: inside the filing transaction at each step, between two filings, and (running)
# wherever the filing after an observed one has got to
KILL_POINTS = ["journal", "temp", "published", "committed", "between", "running"]


def test_sigkill_during_filing_never_leaves_half_states(ws: Workspace, tmp_path: Path) -> None:
    rng = random.Random(20261126)
    Archive.open(ws).close()
    killed: list[tuple[str, int]] = []
    reports: list = []
    for run in range(20):
        # far more than can be filed before the kill, so every run is cut off mid-filing
        src = make_docs(tmp_path / f"run{run}", f"r{run}", 200)
        if run:  # some bytes filed (or half-filed) before come back: they must not duplicate
            for old in sorted((tmp_path / f"run{run - 1}").iterdir())[:5]:
                (src / f"again-{old.name}").write_bytes(old.read_bytes())
        phase = KILL_POINTS[run % len(KILL_POINTS)]
        proc = spawn(ws, src, 0, phase, str(rng.randint(6, 20)))  # past the 5 files that came back
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
        assert proc.stdout.readline().strip() == f"at {phase}"  # the test kills at a point it saw reached
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
        killed.append((phase, proc.returncode))
        assert_consistent(ws, reports)
        report = reports[-1]
        temps = report.removed_temps
        if phase in ("journal", "temp", "published", "committed"):  # killed inside a filing: its journal is found
            assert any(t.endswith(".journal") for t in temps), (phase, temps)
        if phase == "temp":
            assert any(t.endswith(".part") for t in temps), temps
        if phase == "published":  # the file was in place without its row: set aside, its number not given out
            assert report.orphans, report
        if phase == "between":
            assert temps == [] and report.orphans == [], report
    assert all(rc == -signal.SIGKILL for phase, rc in killed if phase != "running"), killed
    assert sum(rc == -signal.SIGKILL for _, rc in killed) >= 15  # the runs really were interrupted
    print("reconciled:", [(len(r.removed_temps), len(r.orphans)) for r in reports])
