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
    import sys, time
    from pathlib import Path
    from dangan.config import open_workspace
    from dangan.archive.service import Archive
    from dangan.archive.model import FilingRequest
    ws = open_workspace(sys.argv[1])
    src = Path(sys.argv[2])
    start_at = float(sys.argv[3])
    with Archive.open(ws) as archive:
        print("ready", flush=True)
        while time.time() < start_at:
            time.sleep(0.001)
        for p in sorted(src.iterdir()):
            archive.file(FilingRequest(path=p, category="TS"))
    print("done", flush=True)
    """
)


def make_docs(folder: Path, prefix: str, n: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        (folder / f"{prefix}-{i:04d}.txt").write_text(f"{prefix} 投诉记录 第{i}号", encoding="utf-8")
    return folder


def spawn(ws: Workspace, src: Path, start_at: float) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", FILER, str(ws.root), str(src), str(start_at)],
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


def test_sigkill_during_filing_never_leaves_half_states(ws: Workspace, tmp_path: Path) -> None:
    rng = random.Random(20261126)
    Archive.open(ws).close()
    killed_mid_run = 0
    reports: list = []
    for run in range(20):
        # far more than can be filed before the kill, so every run is cut off mid-filing
        src = make_docs(tmp_path / f"run{run}", f"r{run}", 200)
        if run:  # some bytes filed (or half-filed) before come back: they must not duplicate
            for old in sorted((tmp_path / f"run{run - 1}").iterdir())[:5]:
                (src / f"again-{old.name}").write_bytes(old.read_bytes())
        proc = spawn(ws, src, 0)
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.0, 0.12))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        killed_mid_run += proc.returncode == -signal.SIGKILL
        assert_consistent(ws, reports)
    assert killed_mid_run >= 15  # most runs really were interrupted
    assert sum(bool(r.removed_temps) for r in reports) >= 5  # ... in the middle of a filing
    print("reconciled:", [(len(r.removed_temps), len(r.orphans)) for r in reports])
