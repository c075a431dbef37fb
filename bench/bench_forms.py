"""Forms benchmark: one notice to PDF/DOCX, 2,000 notices from one XLSX, and the soffice route.

    .venv/bin/python bench/bench_forms.py [--n 2000] [--soffice-n 100]

Results go to bench/out/forms-<timestamp>.json (gitignored).  Medians after warm-up.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def median_time(fn, *, warmup: int = 3, runs: int = 15) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def single(ws, out: Path) -> dict:
    from dangan.forms import load_form, render_form

    sample = load_form(ws, "payment-notice").sample
    pdf = median_time(lambda: render_form(ws, "payment-notice", sample, formats=("pdf",), out_dir=out))
    docx = median_time(lambda: render_form(ws, "payment-notice", sample, formats=("docx",), out_dir=out))
    return {"one_notice_pdf_s": round(pdf, 4), "one_notice_docx_s": round(docx, 4)}


def batch_child(ws_root: str, xlsx: str, out: str) -> None:
    """Run in a fresh process so peak RSS (self + workers) is this job's alone."""
    from dangan.config import open_workspace
    from dangan.forms import generate

    ws = open_workspace(ws_root)
    t = time.perf_counter()
    result = generate(ws, "payment-notice", batch=Path(xlsx), formats=("pdf",), out_dir=Path(out), merge=True)
    elapsed = time.perf_counter() - t
    peak_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    peak_children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps({"documents": len(result.documents), "seconds": round(elapsed, 1),
                      "peak_rss_parent_mb": round(peak_self), "peak_rss_worker_mb": round(peak_children),
                      "merged_mb": round(result.merged.stat().st_size / 1e6, 1),
                      "merged_pages": _pages(result.merged)}))


def _pages(path: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(str(path)).pages)


def batch(ws, xlsx: Path, out: Path) -> dict:
    cmd = [sys.executable, __file__, "--child", str(ws.root), str(xlsx), str(out)]
    res = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(res.stdout.strip().splitlines()[-1])


def merge_compare(ws, out: Path, n: int = 100) -> dict:
    """Merging n rendered notices: WeasyPrint Document.copy vs pypdf over the written files."""
    from dangan.forms import load_form
    from dangan.forms.generate import _render_job, prepare
    from dangan.forms.render_pdf import merge_documents, merge_pdfs

    form = load_form(ws, "payment-notice")
    docs, laid = [], []
    for i in range(n):
        job = prepare(ws, form, form.sample)
        job.doc_number = f"JF-2099-{i + 1:04d}"
        d, wp = _render_job(ws, form, job, formats=("pdf",), out_dir=out, strict=False)
        docs.append(d)
        laid.append(wp)
    t = time.perf_counter()
    a = merge_documents(laid)
    t_copy = time.perf_counter() - t
    t = time.perf_counter()
    b = merge_pdfs([d.files["pdf"] for d in docs])
    t_pypdf = time.perf_counter() - t
    return {"n": n, "weasyprint_copy_s": round(t_copy, 2), "weasyprint_copy_mb": round(len(a) / 1e6, 1),
            "pypdf_s": round(t_pypdf, 2), "pypdf_mb": round(len(b) / 1e6, 1)}


def soffice_route(ws, xlsx: Path, out: Path, n_total: int, n_convert: int) -> dict:
    """docxtpl for every notice, then soffice --convert-to pdf for n_convert of them in one call."""
    from dangan.forms import load_form
    from dangan.forms.generate import collect_jobs, render_job

    soffice = shutil.which("soffice")
    form = load_form(ws, "payment-notice")
    jobs, _ = collect_jobs(ws, form, data=None, batch=xlsx, sample=False, keep_going=False)
    for i, j in enumerate(jobs):
        j.doc_number = f"JF-2098-{i + 1:04d}"
    docx_dir = out / "docx"
    t = time.perf_counter()
    for j in jobs:
        render_job(ws, form, j, formats=("docx",), out_dir=docx_dir, strict=False)
    t_docx = time.perf_counter() - t
    result = {"docx_count": len(jobs), "docxtpl_s": round(t_docx, 1)}
    if not soffice:
        result["soffice"] = "not installed"
        return result
    files = sorted(docx_dir.glob("*.docx"))[:n_convert]
    profile = Path(tempfile.mkdtemp()) / "lo"
    cmd = [soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
           "--outdir", str(out / "lo-pdf"), *map(str, files)]
    subprocess.run(cmd, capture_output=True, check=True, timeout=3600)  # warm-up: first start builds the profile
    t = time.perf_counter()
    subprocess.run(cmd, capture_output=True, check=True, timeout=3600)
    t_conv = time.perf_counter() - t
    per_doc = t_conv / len(files)
    result.update({"soffice_converted": len(files), "soffice_s": round(t_conv, 1),
                   "soffice_per_doc_s": round(per_doc, 3),
                   "route_total_extrapolated_s": round(t_docx / len(jobs) * n_total + per_doc * n_total, 1)})
    return result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--soffice-n", type=int, default=100)
    ap.add_argument("--skip-batch", action="store_true")
    ap.add_argument("--child", nargs=3)
    args = ap.parse_args()
    if args.child:
        batch_child(*args.child)
        return
    from make_notices_xlsx import make

    from dangan.config import init_workspace

    tmp = Path(tempfile.mkdtemp(prefix="dangan-bench-"))
    ws = init_workspace(tmp / "ws")
    xlsx = make(tmp / "notices.xlsx", args.n)
    results: dict = {"when": dt.datetime.now().isoformat(timespec="seconds"), "n": args.n}
    results["single"] = single(ws, tmp / "single")
    print(json.dumps(results["single"]), flush=True)
    results["merge_compare"] = merge_compare(ws, tmp / "merge")
    print(json.dumps(results["merge_compare"]), flush=True)
    if not args.skip_batch:
        results["batch"] = batch(ws, xlsx, tmp / "batch")
        print(json.dumps(results["batch"]), flush=True)
    results["soffice"] = soffice_route(ws, xlsx, tmp / "lo", args.n, args.soffice_n)
    if "batch" in results and "route_total_extrapolated_s" in results["soffice"]:
        results["ratio_soffice_over_dangan"] = round(
            results["soffice"]["route_total_extrapolated_s"] / results["batch"]["seconds"], 2)
    print(json.dumps(results["soffice"]), flush=True)
    out = HERE / "out"
    out.mkdir(exist_ok=True)
    path = out / f"forms-{dt.datetime.now():%Y%m%d-%H%M%S}.json"
    path.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    print(json.dumps(results, ensure_ascii=False, indent=2))
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
