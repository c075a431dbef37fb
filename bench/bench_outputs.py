#!/usr/bin/env python3
"""Benchmarks of what the archive hands over (issue 14).

    .venv/bin/python bench/bench_outputs.py [--single 20] [--multi 5] [--records 10000] [--runs 3]\n                                            [--file-list 2000] [--skip-renditions] [--skip-transfer]

1. Renditions per second (the 归档章 on a PDF/A copy, filed on the record: what ``dangan archive stamp``
   does), for single-page generated forms and for 20-page PDFs (20 forms bound into one), against a plain
   pikepdf rewrite of the same file in the same run (the floor: open, save).
2. ``dangan transfer export`` of ``--records`` records (small text records of one year, through the command
   line in a child process): wall time and the child's peak memory, against ``cp -r`` of the same files
   followed by ``sha256sum`` on the copies (what a clerk would otherwise do, without metadata or register).

3. The 归档文件目录 of ``--file-list`` rows (what the export writes for a year, and ``dangan archive
   catalogue``), laid out in pieces of 400 rows (what dangan does) against laid out at once (what it did, and
   what a plain WeasyPrint render does): wall time and peak memory, each in a child process of its own.

Medians go to bench/out/outputs.json and are printed with the machine's load (``uptime``).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from dangan.app import Dangan, FilingRequest
from dangan.config import init_workspace

OUT = Path(__file__).resolve().parent / "out"
ROOT = Path(__file__).resolve().parent.parent


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def bind(pdf_bytes: list[bytes]) -> bytes:
    import pikepdf

    out = pikepdf.new()
    for data in pdf_bytes:
        with pikepdf.open(io.BytesIO(data)) as src:
            out.pages.extend(src.pages)
    buf = io.BytesIO()
    out.save(buf)
    return buf.getvalue()


def rewrite_seconds(data: bytes) -> float:
    import pikepdf

    start = time.perf_counter()
    with pikepdf.open(io.BytesIO(data)) as pdf:
        pdf.save(io.BytesIO())
    return time.perf_counter() - start


def bench_renditions(base: Path, *, single: int, multi: int) -> dict:
    ws = init_workspace(base / "ws-stamp")
    with Dangan.open(ws, index=False) as app:
        forms = app.generate("renovation-violation", batch=None, sample=True, formats=("pdf",)).documents
        page = forms[0].files["pdf"].read_bytes()
        more = [app.generate("renovation-violation", sample=True, formats=("pdf",)).documents[0].files["pdf"].read_bytes()
                for _ in range(19)]
        twenty = bind([page, *more])
        codes_1, codes_20 = [], []
        for i in range(single):
            path = base / f"one-{i}.pdf"
            path.write_bytes(bind([page]) + f"\n% {i}\n".encode())  # distinct bytes, same page
            [filed] = app.file([path], category="ZX", title=f"单页 {i}")
            codes_1.append(filed.result.record.archival_code)
        for i in range(multi):
            path = base / f"twenty-{i}.pdf"
            path.write_bytes(twenty + f"\n% {i}\n".encode())
            [filed] = app.file([path], category="ZX", title=f"二十页 {i}")
            codes_20.append(filed.result.record.archival_code)
        app.outputs.stamp(codes_1[:1], force=True)  # fonts and WeasyPrint loaded once, as in a long run
        out = {}
        for label, codes, data in (("single_page", codes_1, page), ("twenty_pages", codes_20, twenty)):
            times = []
            for code in codes:
                start = time.perf_counter()
                app.outputs.stamp([code], force=True)
                times.append(time.perf_counter() - start)
            floor = statistics.median(rewrite_seconds(data) for _ in range(5))
            median = statistics.median(times)
            out[label] = {"records": len(codes), "median_s": round(median, 4),
                          "renditions_per_s": round(1 / median, 2), "pikepdf_rewrite_s": round(floor, 4),
                          "ratio_to_rewrite": round(median / floor, 1)}
    return out


def make_year(base: Path, n: int) -> Path:
    ws = init_workspace(base / "ws-transfer")
    src = base / "src"
    src.mkdir()
    reqs = []
    categories = ("ZB", "QJ", "LH", "XJ")  # at most 9,999 件 a year in one category
    for i in range(n):
        path = src / f"r{i:05d}.txt"
        path.write_text(f"2026年值班记录 第 {i} 号：前台交接，巡查正常。" * 8, encoding="utf-8")
        reqs.append(FilingRequest(path=path, category=categories[i % len(categories)], title=f"值班记录 {i}"))
    with Dangan.open(ws, index=False) as app:
        app.file_requests(reqs)
        app.rebuild_index()  # the index a user's filings would have built (export checks it)
    shutil.rmtree(src)
    return ws.root


def child_run(cmd: list[str]) -> tuple[float, float]:
    """Wall seconds and the peak RSS (MB) of this child process alone (wait4: RUSAGE_CHILDREN would give the
    largest of all children so far)."""
    start = time.perf_counter()
    child = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        raise subprocess.CalledProcessError(child.returncode, cmd)
    return seconds, usage.ru_maxrss / 1024


def file_list_rows(n: int) -> list[dict]:
    return [{"seq": i, "code": f"Z001-2026-Y-{'ZBQJLHXJ'[i % 4 * 2:i % 4 * 2 + 2]}-{i:04d}", "doc_number": "",
             "author": "客服中心", "title": f"2026年值班记录 {i}" + ("（前台交接、巡查与报修跟进）" if i % 9 == 0 else ""),
             "date": "20260301", "security": "无", "pages": 1, "remarks": ""} for i in range(1, n + 1)]


def file_list_child(mode: str, rows: int, ws_root: str, out: str) -> None:
    """In a child process: write the 归档文件目录 of ``rows`` rows at once or in pieces."""
    import datetime as dt

    from dangan.archive import filelist
    from dangan.config import open_workspace
    from dangan.forms import render_form, render_in_pieces

    ws = open_workspace(ws_root)
    data = filelist.file_list_data("2026年度 全部类别", file_list_rows(rows), printed_on=dt.date(2026, 12, 1))
    if mode == "pieces":
        render_in_pieces(ws, filelist.FORM_ID, data, out_dir=Path(out))
    else:
        render_form(ws, filelist.FORM_ID, data, formats=("pdf",), out_dir=Path(out))


def bench_file_list(base: Path, *, rows: int) -> dict:
    ws = init_workspace(base / "ws-file-list")
    out: dict = {"rows": rows}
    for mode in ("pieces", "at_once"):
        target = base / f"list-{mode}"
        target.mkdir()
        seconds, peak = child_run([sys.executable, __file__, "--file-list-child", mode, str(rows), str(ws.root),
                                   str(target)])
        [pdf] = target.glob("*.pdf")
        out[mode] = {"s": round(seconds, 1), "peak_rss_mb": round(peak), "ms_per_row": round(seconds / rows * 1000, 1),
                     "mb": round(pdf.stat().st_size / 1e6, 2)}
    out["time_ratio_pieces_to_at_once"] = round(out["pieces"]["s"] / out["at_once"]["s"], 2)
    out["memory_ratio_pieces_to_at_once"] = round(out["pieces"]["peak_rss_mb"] / out["at_once"]["peak_rss_mb"], 2)
    return out


def bench_transfer(base: Path, *, records: int, runs: int) -> dict:
    start = time.perf_counter()
    ws = make_year(base, records)
    setup = time.perf_counter() - start
    dangan = str(ROOT / ".venv" / "bin" / "dangan")
    exports, baselines, peaks = [], [], []
    for run in range(runs):
        target = base / f"pkg-{run}"
        seconds, peak = child_run([dangan, "-w", str(ws), "transfer", "export", "--year", "2026", "--to", str(target)])
        exports.append(seconds)
        peaks.append(peak)
        copy = base / f"cp-{run}"
        start = time.perf_counter()
        subprocess.run(["cp", "-r", str(ws / "archive" / "files"), str(copy)], check=True)
        files = [str(p) for p in copy.rglob("*") if p.is_file()]
        for i in range(0, len(files), 2000):
            subprocess.run(["sha256sum", *files[i:i + 2000]], check=True, stdout=subprocess.DEVNULL)
        baselines.append(time.perf_counter() - start)
        shutil.rmtree(copy)
        subprocess.run([dangan, "-w", str(ws), "transfer", "verify", str(target)], check=True,
                       stdout=subprocess.DEVNULL)
        shutil.rmtree(target)
        # each export files a register and marks the records: the next run exports one more record (the
        # register is of the same year) and rewrites the marks; that is what a user repeating it would see
    return {"records": records, "setup_s": round(setup, 1), "export_s": [round(x, 1) for x in exports],
            "export_median_s": round(statistics.median(exports), 1),
            "records_per_s": round(records / statistics.median(exports), 1),
            "peak_rss_mb": round(max(peaks), 1),
            "cp_and_sha256sum_median_s": round(statistics.median(baselines), 1),
            "ratio_to_cp_sha256sum": round(statistics.median(exports) / statistics.median(baselines), 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--single", type=int, default=20)
    parser.add_argument("--multi", type=int, default=5)
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip-transfer", action="store_true")
    parser.add_argument("--skip-renditions", action="store_true")
    parser.add_argument("--file-list", type=int, default=0, help="rows of the 归档文件目录 part (0: left out)")
    parser.add_argument("--file-list-child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.file_list_child:
        mode, rows, ws_root, out_dir = args.file_list_child
        return file_list_child(mode, int(rows), ws_root, out_dir)
    OUT.mkdir(exist_ok=True)
    result: dict = {"load_before": uptime()}
    with tempfile.TemporaryDirectory(prefix="dangan-bench-outputs-") as tmp:
        base = Path(tmp)
        os.environ.pop("DANGAN_WORKSPACE", None)
        if not args.skip_renditions:
            result["renditions"] = bench_renditions(base, single=args.single, multi=args.multi)
            print(json.dumps(result["renditions"], ensure_ascii=False, indent=2), flush=True)
        if not args.skip_transfer:
            result["transfer"] = bench_transfer(base, records=args.records, runs=args.runs)
            print(json.dumps(result["transfer"], ensure_ascii=False, indent=2), flush=True)
        if args.file_list:
            result["file_list"] = bench_file_list(base, rows=args.file_list)
            print(json.dumps(result["file_list"], ensure_ascii=False, indent=2), flush=True)
    result["load_after"] = uptime()
    out = OUT / "outputs.json"
    if out.is_file():  # keep the part not run this time
        result = {**json.loads(out.read_text(encoding="utf-8")), **result}
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    print(result["load_before"], "→", result["load_after"])


if __name__ == "__main__":
    sys.exit(main())
