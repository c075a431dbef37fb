#!/usr/bin/env python3
"""Ledger benchmarks (issue 12, "Tests and measurements").

    .venv/bin/python bench/bench_ledger.py [--entries 10000] [--adds 15] [--runs 3]

1. Adding an entry through the command a clerk uses (``dangan register add complaint-register --set …``,
   a new process each time): the median, beside ``dangan --help`` (the floor of every command) in the
   same run.  Also the library call alone (``app.ledger.add``).
2. The monthly 投诉分析报告 over ``--entries`` complaint entries (``dangan report complaint-analysis
   --month M``, M the month before last, so that every time in it has happened: read the month's entries, compute, render the PDF, file and index it).  Target
   ≤ 2 s.  Against what the centre did before the ledger, measured in the same run: the same month's
   complaints exported to a sheet and given to ``dangan generate complaint-analysis --batch``.
   Each run sets a different ``analysis`` text, so each one really renders and files a report.
   Also the same command for a month of 3 complaints (the floor every report pays: a new Python, the
   imports, WeasyPrint's set-up, laying out and filing one document).

Each command's CPU time (user + system, ``RUSAGE_CHILDREN``) is given beside its wall time: the machine
is shared, and wall time depends on what else runs.

Medians (and the load) are written to bench/out/ledger.json and printed.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
DANGAN = str(Path(sys.executable).with_name("dangan"))
_LAST = dt.date.today().replace(day=1) - dt.timedelta(days=1)
#: The month the bench's complaints fall in: the month before last (cases close up to two days later).
MONTH = (_LAST.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
COMMON = {"target": "保洁员", "facts": "楼道卫生未及时清理", "type": "服务投诉", "channel": "电话", "validity": "有效",
          "severity": "一般", "handler": "陈美玲"}


#: CPU seconds of every command run so far (user + system of the finished children), beside wall time.
CPU: dict[str, list[float]] = {}


def run(*args: str, label: str | None = None) -> float:
    """Wall seconds of ``dangan ARGS`` in a new process; its CPU seconds go to ``CPU[label]``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([DANGAN, *args], check=True, capture_output=True, env={**os.environ, "LC_ALL": "C.UTF-8"})
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU.setdefault(label or args[0], []).append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return wall


def cpu(label: str) -> float:
    return statistics.median(CPU[label])


def load() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def complaint_rows(n: int, rng: random.Random) -> list[dict[str, str]]:
    """A month of complaints: most answered within 30 minutes and closed, about 1 % open or late."""
    start = dt.datetime(MONTH.year, MONTH.month, 1)
    rows = []
    for i in range(n):
        received = start + dt.timedelta(minutes=rng.randrange(28 * 24 * 60))
        late = rng.random() < 0.01
        proposed = received + dt.timedelta(minutes=rng.randrange(31, 90) if late else rng.randrange(1, 30))
        closed = received + dt.timedelta(hours=rng.randrange(1, 48))
        row = {"received_at": received.strftime("%Y-%m-%d %H:%M"), "complainant": f"业主{i % 800}",
               "phone": f"139{i:08d}", "unit": f"{i % 12 + 1}栋{i % 30 + 1:02d}01室", **COMMON,
               "proposed_at": proposed.strftime("%Y-%m-%d %H:%M")}
        if rng.random() > 0.01:
            row |= {"closed_at": closed.strftime("%Y-%m-%d %H:%M"), "result": "已处理，回访满意"}
        rows.append(row)
    return rows


def write_csv(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]) + [k for k in ("closed_at", "result") if k not in rows[0]])
        w.writeheader()
        w.writerows(rows)


def bench_add(ws: Path, adds: int) -> dict:
    helps = [run("--help", label="help") for _ in range(adds)]
    times = []
    for i in range(adds):
        sets = [x for k, v in {**COMMON, "received_at": f"{MONTH:%Y-%m}-{i % 28 + 1:02d} 09:{i % 60:02d}",
                               "complainant": f"住户{i}"}.items() for x in ("--set", f"{k}={v}")]
        times.append(run("-w", str(ws), "register", "add", "complaint-register", *sets, label="add"))
    from dangan.app import Dangan

    lib = []
    with Dangan.open(ws) as app:
        for i in range(adds):
            start = time.perf_counter()
            app.ledger.add("complaint-register", {**COMMON, "received_at": f"{MONTH:%Y-%m}-02 10:{i % 60:02d}",
                                                  "complainant": f"住户{i}"})
            lib.append(time.perf_counter() - start)
    return {"register_add_s": statistics.median(times), "register_add_cpu_s": cpu("add"),
            "help_s": statistics.median(helps), "help_cpu_s": cpu("help"),
            "add_over_help": statistics.median(times) / statistics.median(helps),
            "library_add_ms": statistics.median(lib) * 1000, "runs": adds}


def bench_report(tmp: Path, n: int, runs: int) -> dict:
    from dangan.app import Actor, Dangan
    from dangan.config import init_workspace

    ws = init_workspace(tmp / "ws-report").root
    rows = complaint_rows(n, random.Random(12))
    sheet = tmp / "complaints.csv"
    write_csv(sheet, rows)
    start = time.perf_counter()
    with Dangan.open(ws) as app:
        made = app.ledger.import_sheet("complaint-register", sheet)
    import_s = time.perf_counter() - start
    assert len(made.entries) == n
    run("-w", str(ws), "search", "投诉")  # build the (empty) index once, as any first command would
    report = [run("-w", str(ws), "report", "complaint-analysis", "--month", f"{MONTH:%Y-%m}", "--set", f"analysis=第{i}次",
                  label="report") for i in range(runs)]
    floor = bench_floor(tmp, runs)
    # before the ledger: the month's complaints as a sheet for the report's own batch
    cases = tmp / "cases.csv"
    with cases.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["number", "received_at", "summary", "type", "channel", "validity", "severity", "proposed_at",
                    "closed", "status"])
        for i, r in enumerate(rows, start=1):
            w.writerow([i, r["received_at"], r["facts"], r["type"], r["channel"], r["validity"], r["severity"],
                        r["proposed_at"], "是" if "closed_at" in r else "否", r.get("result", "处理中")])
    data = tmp / "report.json"
    data.write_text(json.dumps({"month": f"{MONTH.year}年{MONTH.month}月", "preparer": "陈美玲",
                                "report_date": _LAST.isoformat()},
                               ensure_ascii=False), encoding="utf-8")
    batch = [run("-w", str(ws), "generate", "complaint-analysis", "--batch", str(cases), "--data", str(data),
                 "--format", "pdf", label="batch") for _ in range(runs)]
    with Dangan.open(ws, actor=Actor.local_user(), index=False) as app:  # as the command: the same 编制人
        last = app.ledger.report("complaint-analysis", ("month", f"{MONTH:%Y-%m}"), values={"analysis": f"第{runs - 1}次"})
    assert last.reused and last.figures["total"] == n
    return {"entries": n, "import_s": import_s, "import_rows_per_s": n / import_s,
            "report_s": statistics.median(report), "report_runs": report, "report_cpu_s": cpu("report"),
            "generate_batch_s": statistics.median(batch), "generate_batch_cpu_s": cpu("batch"),
            "batch_over_report": statistics.median(batch) / statistics.median(report),
            **floor, "within_30_rate": last.figures["within_30_rate"], "listed_cases": len(last.rows),
            "target_s": 2.0}


def bench_floor(tmp: Path, runs: int) -> dict:
    """The same command for a month of 3 complaints: what any report costs before counting anything
    (a new Python, the imports, WeasyPrint's set-up, one page laid out, filing)."""
    from dangan.app import Dangan
    from dangan.config import init_workspace

    ws = init_workspace(tmp / "ws-floor").root
    with Dangan.open(ws) as app:
        for i in range(3):
            app.ledger.add("complaint-register", {**COMMON, "received_at": f"{MONTH:%Y-%m}-0{i + 1} 09:00",
                                                  "proposed_at": f"{MONTH:%Y-%m}-0{i + 1} 09:20", "complainant": "业主"})
    run("-w", str(ws), "search", "投诉", label="search")
    small = [run("-w", str(ws), "report", "complaint-analysis", "--month", f"{MONTH:%Y-%m}", "--set", f"analysis=第{i}次",
                 label="floor") for i in range(runs)]
    return {"report_3_entries_s": statistics.median(small), "report_3_entries_cpu_s": cpu("floor")}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--entries", type=int, default=10_000)
    ap.add_argument("--adds", type=int, default=15)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args(argv)
    from dangan.config import init_workspace

    result: dict = {"load_before": load()}
    with tempfile.TemporaryDirectory(prefix="bench-ledger-") as tmp:
        ws = init_workspace(Path(tmp) / "ws-add").root
        result["add"] = bench_add(ws, args.adds)
        print(json.dumps(result["add"], ensure_ascii=False), flush=True)
        result["report"] = bench_report(Path(tmp), args.entries, args.runs)
        print(json.dumps(result["report"], ensure_ascii=False), flush=True)
    result["load_after"] = load()
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "ledger.json").write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
