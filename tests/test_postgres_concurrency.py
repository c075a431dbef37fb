"""Several processes — several nodes — on one PostgreSQL catalogue and one shared archive folder.

* 4 processes filing 500 documents each, one transaction per document: 0001–2000, no gap, one chain;
* 3 watchers (3 nodes, each its own inbox) and 2 uploaders (the web servers' entry point, ``app.enqueue``)
  at once while an index check runs: every file filed once, the index in step, verify clean;
* a queue worker SIGKILLed 20 times in the middle of filing: every input is filed exactly once or still
  queued, never half-filed; a last worker finishes the rest.
"""

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

from dangan.app import Dangan
from dangan.config import Workspace, init_workspace, open_workspace

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(900)]

FILER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from dangan.config import open_workspace
    from dangan.archive.service import Archive
    from dangan.archive.model import FilingRequest
    ws = open_workspace(sys.argv[1])
    src, start_at = Path(sys.argv[2]), float(sys.argv[3])
    with Archive.open(ws) as archive:
        print("ready", flush=True)
        while time.time() < start_at:
            time.sleep(0.001)
        for p in sorted(src.iterdir()):
            archive.file(FilingRequest(path=p, category="TS"))
    print("done", flush=True)
""")

UPLOADER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from dangan.app import Dangan, Actor
    src, start_at = Path(sys.argv[2]), float(sys.argv[3])
    with Dangan.open(sys.argv[1], actor=Actor(sys.argv[4])) as app:
        print("ready", flush=True)
        while time.time() < start_at:
            time.sleep(0.001)
        for p in sorted(src.iterdir()):
            app.enqueue(p, category="WX")
    print("done", flush=True)
""")

WATCHER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from dangan.app import Dangan
    stop = Path(sys.argv[2])
    with Dangan.open(sys.argv[1]) as app:
        watcher = app.watcher()
        print("ready", flush=True)
        while not stop.exists():
            if not watcher.run_once(max_wait=0):
                time.sleep(0.2)
    print("done", flush=True)
""")

WORKER = textwrap.dedent("""
    import sys
    from dangan.app import Dangan
    with Dangan.open(sys.argv[1]) as app:
        worker = app.queue_worker(max_attempts=1000)
        print("ready", flush=True)
        worker.drain()
    print("done", flush=True)
""")


def _py(script: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", script, *map(str, args)], stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _docs(folder: Path, prefix: str, n: int, text: str = "{p} 投诉记录 第{i}号") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        (folder / f"{prefix}-{i:04d}.txt").write_text(text.format(p=prefix, i=i), encoding="utf-8")
    return folder


def _finish(procs: list[subprocess.Popen[str]], timeout: float) -> None:
    for p in procs:
        out, err = p.communicate(timeout=timeout)
        assert p.returncode == 0, err[-3000:]
        assert out.split()[-1] == "done", out


def _node(tmp_path: Path, name: str, url: str, shared: Path, inbox: Path | None = None) -> Workspace:
    """One front desk's machine: its own workspace, the company's database and the shared archive folder."""
    ws = init_workspace(tmp_path / name, database=url)
    toml = ws.root / "dangan.toml"
    text = toml.read_text(encoding="utf-8").replace('archive = "archive"', f'archive = "{shared}"')
    text = text.replace("stability_seconds = 5.0", "stability_seconds = 0.0")
    if inbox is not None:
        text += f'\n[[watch]]\npath = "{inbox}"\ncategory = "WX"\n'
    toml.write_text(text, encoding="utf-8")
    return open_workspace(ws.root)


def _check_whole(ws: Workspace, expected: int, *, index: bool = True) -> list:
    """Every record once with its file; 件号 without gaps per series; the chain and verify clean."""
    import hashlib

    with Dangan.open(ws) as app:
        records = app.records()
        assert len(records) == expected
        assert not [s for s, n in Counter(r.original.sha256 for r in records).items() if n > 1]
        series: dict[str, list[int]] = {}
        for r in records:
            series.setdefault(r.archival_code.rsplit("-", 1)[0], []).append(int(r.archival_code[-4:]))
            assert hashlib.sha256(app.archive.store.abs(r.original.path).read_bytes()).hexdigest() == r.original.sha256
        for seqs in series.values():
            assert sorted(seqs) == list(range(1, len(seqs) + 1))
        report = app.verify(index=index)
        assert report.ok, report.problems
    return records


def test_four_processes_file_500_documents_each_without_gaps(pg_ws: Workspace, tmp_path: Path) -> None:
    Dangan.open(pg_ws, index=False).close()
    start = time.time() + 3
    procs = [_py(FILER, pg_ws.root, _docs(tmp_path / f"p{n}", f"进程{n}", 500), start) for n in range(4)]
    _finish(procs, timeout=800)
    records = _check_whole(pg_ws, 2000, index=False)  # the filers ran without the search listener
    assert sorted(int(r.archival_code[-4:]) for r in records) == list(range(1, 2001))
    with Dangan.open(pg_ws, index=False) as app:
        trail = app.audit_trail()
        assert [e.id for e in trail] == list(range(1, len(trail) + 1)) and len(trail) == 2001  # 2000 filed + verify


def test_three_watchers_and_two_uploaders_at_once_while_the_index_is_checked(pg_url: str, tmp_path: Path) -> None:
    shared = tmp_path / "nas" / "archive"
    inboxes = [_docs(tmp_path / f"inbox{n}", f"前台{n}", 40, "{p} 报修 {i}栋{i:02d}01室 电梯异响") for n in range(3)]
    nodes = [_node(tmp_path, f"node{n}", pg_url, shared, inbox) for n, inbox in enumerate(inboxes)]
    servers = [_node(tmp_path, f"web{n}", pg_url, shared) for n in range(2)]
    Dangan.open(nodes[0], index=False).close()
    start = time.time() + 3
    uploads = [_py(UPLOADER, ws.root, _docs(tmp_path / f"up{n}", f"上传{n}", 30, "{p} 上传 {i}号 漏水报修"), start,
                   f"网页用户{n}") for n, ws in enumerate(servers)]
    stop = tmp_path / "stop"
    watchers = [_py(WATCHER, ws.root, stop) for ws in nodes]
    checks = 0
    with Dangan.open(servers[0]) as app:
        deadline = time.time() + 600
        while time.time() < deadline:
            report = app.check_index()  # runs while the others file: must never fail
            assert report.problem is None, report.problem
            checks += 1
            if all(p.poll() is not None for p in uploads) and not app.intake_jobs(state="queued") and not any(
                    p.is_file() for inbox in inboxes for p in inbox.iterdir()):
                break
            time.sleep(0.5)
    stop.touch()
    _finish(uploads, timeout=60)
    _finish(watchers, timeout=120)
    assert checks >= 2
    records = _check_whole(servers[1], 3 * 40 + 2 * 30)
    with Dangan.open(servers[1]) as app:
        assert app.check_index().ok
        jobs = app.intake_jobs()
        assert len(jobs) == 60 and {j.state for j in jobs} == {"done"}
        assert app.search("电梯异响").total == 120 and app.search("漏水报修").total == 60
    assert not any(p for inbox in inboxes for p in inbox.iterdir() if p.is_file())
    assert {r.archival_code.split("-")[3] for r in records} == {"WX"}


def test_a_worker_killed_twenty_times_mid_filing_never_files_twice_or_loses_a_file(pg_ws: Workspace,
                                                                                   tmp_path: Path) -> None:
    rng = random.Random(20261202)
    src = _docs(tmp_path / "src", "扫描", 120, "{p} 第{i}号 装修违规整改通知回执")
    with Dangan.open(pg_ws) as app:
        jobs = [app.enqueue(p, category="ZX") for p in sorted(src.iterdir())]
    killed = 0
    for _ in range(20):
        proc = _py(WORKER, pg_ws.root)
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.05, 0.4))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        killed += proc.returncode == -signal.SIGKILL
        with Dangan.open(pg_ws, index=False) as app:  # after every kill: filed once, or still queued
            filed = Counter(r.original.sha256 for r in app.records())
            assert not [s for s, n in filed.items() if n > 1]
            for job in app.intake_jobs():
                assert job.state in ("done", "queued"), job
                if job.state == "done":
                    assert filed[job.sha256] == 1
    assert killed >= 15  # most runs really were cut off mid-queue
    _finish([_py(WORKER, pg_ws.root)], timeout=300)
    records = _check_whole(pg_ws, len(jobs))
    with Dangan.open(pg_ws) as app:
        assert {j.state for j in app.intake_jobs()} == {"done"}
        assert app.check_index().ok
        assert not any((pg_ws.archive_dir / "spool").iterdir())
    assert len(records) == 120
