"""Forms benchmark: one notice to PDF/DOCX, 2,000 notices from one XLSX, and the soffice route.

    .venv/bin/python bench/bench_forms.py [--n 2000] [--repeats 2] [--soffice-n 200] [--baseline ../main/src]

- single: medians of ``--runs`` (default 9) after 3 warm-up renders, through
  ``render_form`` (numbering, rendering, atomic write: what ``dangan generate`` does).
- batch: ``generate(..., batch=xlsx, formats=("pdf",), merge=True)`` in a fresh
  process (2 workers); peak memory of parent + workers together, sampled from
  /proc every 0.1 s: the sum of RSS (counts pages shared after fork once per
  process, so it over-states) and the sum of PSS (shares them out).  CPU time
  of parent + workers is reported too: divided by 2 it is what the job would
  take alone on the 2 cores, when another process is using them.
- ratio: ``--soffice-n`` (default 200) notices through dangan (PDF each plus the
  merged file), then the same notices the way a user would otherwise make them:
  DOCX from docxtpl (through the same batch pipeline), all of them converted by
  one real ``soffice --headless --convert-to pdf`` call (own profile, built by a
  one-file warm-up call first) and merged with pypdf.  Nothing extrapolated.
  Both wall time and CPU time (soffice's own, from ``RUSAGE_CHILDREN``) are
  compared: on a shared machine the wall-time ratio depends on what else ran
  during each half.

- before/after (``--baseline SRC``): ``--baseline-n`` notices through another
  checkout's dangan (its ``src``, and the templates beside it) and through this
  one, alternating ``--baseline-rounds`` times; medians and CPU/wall ratios.

Results go to bench/out/forms-<timestamp>.json (gitignored).  Machine load
(``/proc/loadavg``) is recorded before and after each phase: another process
may be benchmarking too.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def median_time(fn: Callable[[], Any], *, warmup: int = 3, runs: int = 9) -> tuple[float, list[float]]:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), times


def single(ws: Any, out: Path, runs: int) -> dict[str, Any]:
    from dangan.forms import load_form, render_form

    sample = load_form(ws, "payment-notice").sample
    result: dict[str, Any] = {"load_before": load(), "runs": runs}
    for fmt in ("pdf", "docx"):
        med, times = median_time(lambda f=fmt: render_form(ws, "payment-notice", sample, formats=(f,), out_dir=out),
                                 runs=runs)
        result[f"one_notice_{fmt}_s"] = round(med, 4)
        result[f"one_notice_{fmt}_all_s"] = [round(t, 4) for t in times]
    size = max(out.glob("*.pdf"), key=lambda p: p.stat().st_mtime).stat().st_size
    result["one_notice_pdf_kb"] = round(size / 1024)
    result["load_after"] = load()
    return result


# -- the 2,000 job, in its own process ---------------------------------------------------------


def batch_child(ws_root: str, xlsx: str, out: str, fmt: str) -> None:
    from dangan.config import open_workspace
    from dangan.forms import generate

    ws = open_workspace(ws_root)
    me = resource.getrusage(resource.RUSAGE_SELF)
    cpu0 = me.ru_utime + me.ru_stime
    t = time.perf_counter()
    result = generate(ws, "payment-notice", batch=Path(xlsx), formats=(fmt,), out_dir=Path(out), merge=fmt == "pdf")
    elapsed = time.perf_counter() - t
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime - cpu0
    info: dict[str, Any] = {"documents": len(result.documents), "seconds": round(elapsed, 1),
                            "cpu_seconds": round(cpu, 1),
                            "seconds_if_alone_on_2_cores": round(cpu / min(2, os.cpu_count() or 1), 1)}
    if result.merged is not None:
        info["merged_mb"] = round(result.merged.stat().st_size / 1e6, 1)
        info["merged_pages"] = _pages(result.merged)
        sizes = sorted(d.files["pdf"].stat().st_size for d in result.documents)
        info["unit_pdf_kb_median"] = round(sizes[len(sizes) // 2] / 1024)
        info["unit_pdf_kb_max"] = round(sizes[-1] / 1024)
        info["unit_checks"] = _check_units(result.documents)
    print(json.dumps(info))


def _pages(path: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(str(path)).pages)


def _check_units(docs: list[Any]) -> dict[str, Any]:
    """Every 100th per-unit PDF: opens, one page, its own unit and number in its text."""
    checked = bad = 0
    for d in docs[::100] + docs[-1:]:
        checked += 1
        text = subprocess.run(["pdftotext", str(d.files["pdf"]), "-"], capture_output=True, text=True).stdout
        flat = "".join(text.split())
        if _pages(d.files["pdf"]) != 1 or d.unit not in flat or d.doc_number not in flat or "第1页共1页" not in flat:
            bad += 1
    return {"checked": checked, "bad": bad}


def _tree(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                kids = Path(f"/proc/{p}/task/{task}/children").read_text().split()
                todo.extend(int(k) for k in kids)
        except OSError:
            continue
    return out


def _memory(pids: list[int]) -> tuple[int, int]:
    rss = pss = 0
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if line.startswith("Rss:"):
                    rss += int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss += int(line.split()[1])
        except OSError:
            continue
    return rss, pss


def run_sampled(cmd: list[str], env: dict[str, str] | None = None) -> tuple[str, dict[str, int]]:
    """Run ``cmd``, sampling the memory of its whole process tree."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    peak = {"rss": 0, "pss": 0, "processes": 0}
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            pids = _tree(proc.pid)
            rss, pss = _memory(pids)
            if rss > peak["rss"]:
                peak["rss"], peak["processes"] = rss, len(pids)
            peak["pss"] = max(peak["pss"], pss)
            done.wait(0.1)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    stdout, stderr = proc.communicate()
    done.set()
    thread.join()
    if proc.returncode != 0:
        raise RuntimeError(stderr[-2000:])
    return stdout, {"peak_tree_rss_mb": round(peak["rss"] / 1024), "peak_tree_pss_mb": round(peak["pss"] / 1024),
                    "processes_at_peak": peak["processes"]}


def batch(ws: Any, xlsx: Path, out: Path, fmt: str = "pdf", *, src: Path | None = None) -> dict[str, Any]:
    """The batch job in a fresh process; ``src``: with that source tree's dangan (and its templates)."""
    shutil.rmtree(out, ignore_errors=True)
    before = load()
    env = None if src is None else {**os.environ, "PYTHONPATH": str(src)}
    stdout, mem = run_sampled([sys.executable, __file__, "--child", str(ws.root), str(xlsx), str(out), fmt], env)
    return {**json.loads(stdout.strip().splitlines()[-1]), **mem, "load_before": before, "load_after": load()}


def before_after(ws: Any, xlsx: Path, out: Path, baseline: Path, rounds: int) -> dict[str, Any]:
    """The same batch with ``baseline`` (another checkout's ``src``, e.g. main's) and with this tree,
    alternating, so both halves see the same machine load: medians and the ratio this/baseline."""
    runs: dict[str, list[dict[str, Any]]] = {"baseline": [], "this": []}
    for i in range(rounds):
        runs["baseline"].append(batch(ws, xlsx, out / f"b{i}", src=baseline))
        runs["this"].append(batch(ws, xlsx, out / f"t{i}"))
        print(json.dumps({k: v[-1] for k, v in runs.items()}), flush=True)
    med = {k: {m: statistics.median(r[m] for r in v) for m in ("seconds", "cpu_seconds")} for k, v in runs.items()}
    return {"baseline_src": str(baseline), "runs": runs, "medians": med,
            "cpu_ratio_this_over_baseline": round(med["this"]["cpu_seconds"] / med["baseline"]["cpu_seconds"], 3),
            "wall_ratio_this_over_baseline": round(med["this"]["seconds"] / med["baseline"]["seconds"], 3)}


# -- the LibreOffice route ---------------------------------------------------------------------


def soffice_route(ws: Any, xlsx: Path, out: Path) -> dict[str, Any]:
    """The same notices the way a user would otherwise make them: DOCX from docxtpl (through the same
    batch pipeline), every one converted by one real ``soffice --convert-to pdf`` call (own profile,
    built by a one-file warm-up call first), the PDFs merged with pypdf.  Nothing is extrapolated."""
    soffice = shutil.which("soffice")
    docx = batch(ws, xlsx, out / "docx", fmt="docx")
    result: dict[str, Any] = {"docx_batch": docx}
    if not soffice:
        result["soffice"] = "not installed"
        return result
    files = sorted((out / "docx").glob("*.docx"))
    profile = Path(tempfile.mkdtemp(prefix="dangan-lo-")) / "profile"
    base = [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "pdf"]
    warm = out / "lo-warm"
    subprocess.run([*base, "--outdir", str(warm), str(files[0])], capture_output=True, check=True, timeout=600)
    lo_out = out / "lo-pdf"
    before = load()
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run([*base, "--outdir", str(lo_out), *map(str, files)], capture_output=True, check=True, timeout=7200)
    t_conv = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_conv = after.ru_utime + after.ru_stime - kids.ru_utime - kids.ru_stime
    pdfs = sorted(lo_out.glob("*.pdf"))
    from pypdf import PdfWriter

    t = time.perf_counter()
    writer = PdfWriter()
    for p in pdfs:
        writer.append(str(p))
    with open(out / "lo-merged.pdf", "wb") as fh:
        writer.write(fh)
    t_merge = time.perf_counter() - t
    result.update({
        "soffice_converted": len(files), "soffice_pdfs_written": len(pdfs), "soffice_s": round(t_conv, 1),
        "soffice_per_doc_s": round(t_conv / len(files), 3), "soffice_cpu_s": round(cpu_conv, 1),
        "soffice_load_before": before,
        "soffice_load_after": load(),
        "soffice_unit_pdf_kb_median": round(sorted(p.stat().st_size for p in pdfs)[len(pdfs) // 2] / 1024),
        "pypdf_merge_s": round(t_merge, 2),
        "route_total_s": round(docx["seconds"] + t_conv + t_merge, 1),
        # CPU time: what the route costs whatever else the machine runs (the merge runs in this process)
        "route_cpu_s": round(docx["cpu_seconds"] + cpu_conv + t_merge, 1),
    })
    shutil.rmtree(profile.parent, ignore_errors=True)
    return result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--repeats", type=int, default=2, help="runs of the batch job")
    ap.add_argument("--runs", type=int, default=9, help="timed single-document renders")
    ap.add_argument("--soffice-n", type=int, default=200)
    ap.add_argument("--skip-batch", action="store_true")
    ap.add_argument("--skip-soffice", action="store_true")
    ap.add_argument("--baseline", type=Path, help="another checkout's src/ (e.g. main's) for a same-run before/after")
    ap.add_argument("--baseline-n", type=int, default=200)
    ap.add_argument("--baseline-rounds", type=int, default=2)
    ap.add_argument("--child", nargs=4)
    args = ap.parse_args()
    if args.child:
        batch_child(*args.child)
        return
    from make_notices_xlsx import make

    from dangan.config import init_workspace

    tmp = Path(tempfile.mkdtemp(prefix="dangan-bench-"))
    ws = init_workspace(tmp / "ws")
    xlsx = make(tmp / "notices.xlsx", args.n)
    results: dict[str, Any] = {"when": dt.datetime.now().isoformat(timespec="seconds"), "n": args.n,
                               "cpus": os.cpu_count(), "load_start": load()}
    results["single"] = single(ws, tmp / "single", args.runs)
    print(json.dumps(results["single"]), flush=True)
    if not args.skip_batch:
        runs = []
        for i in range(args.repeats):
            runs.append(batch(ws, xlsx, tmp / f"batch{i}"))
            print(json.dumps(runs[-1]), flush=True)
        results["batch"] = runs
        results["batch_seconds_best"] = min(r["seconds"] for r in runs)
    if not args.skip_soffice:
        # the ratio: the same --soffice-n notices both ways, one after the other in this run
        small = make(tmp / "ratio.xlsx", args.soffice_n)
        ours = batch(ws, small, tmp / "ratio-dangan")
        print(json.dumps(ours), flush=True)
        results["ratio_dangan"] = ours
        results["soffice"] = soffice_route(ws, small, tmp / "lo")
        print(json.dumps(results["soffice"]), flush=True)
        if "route_total_s" in results["soffice"]:
            results["ratio_dangan_over_soffice"] = round(ours["seconds"] / results["soffice"]["route_total_s"], 3)
            results["cpu_ratio_dangan_over_soffice"] = round(ours["cpu_seconds"] / results["soffice"]["route_cpu_s"], 3)
    if args.baseline:
        results["before_after"] = before_after(ws, make(tmp / "ab.xlsx", args.baseline_n), tmp / "ab",
                                               args.baseline.resolve(), args.baseline_rounds)
    results["load_end"] = load()
    out = HERE / "out"
    out.mkdir(exist_ok=True)
    path = out / f"forms-{dt.datetime.now():%Y%m%d-%H%M%S}.json"
    path.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    print(json.dumps(results, ensure_ascii=False, indent=2))
    print(f"written to {path}")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
