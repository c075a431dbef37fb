#!/usr/bin/env python3
"""Archive benchmarks (issue 3, "Speed").

    .venv/bin/python bench/bench_archive.py [--files 10000] [--gb 1.0] [--runs 3]

1. Filing throughput: N small PDFs filed through ``Archive.file_many`` (what
   ``dangan archive add FILE...`` calls; 200 filings per transaction, each file
   copied, fsynced, hash-checked and renamed before its row is committed).
   Target: >= 100 files/s.
2. ``verify`` throughput in MB/s on ~1 GB of stored PDFs, against
   ``sha256sum`` on the same files in the same run (warm cache for both).
   Target: >= 60 % of sha256sum.

Medians of ``--runs`` runs are written to bench/out/archive.json and printed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from dangan.archive.model import FilingRequest
from dangan.archive.service import Archive
from dangan.archive.testing import minimal_pdf
from dangan.config import init_workspace

OUT = Path(__file__).resolve().parent / "out"


def big_pdf(seed: int, size: int) -> bytes:
    """A valid PDF padded with an unreferenced random stream to ``size`` bytes."""
    base = minimal_pdf(f"bench {seed}")
    head, _, _ = base.partition(b"xref\n")
    pad = os.urandom(max(0, size - len(base) - 64))
    # insert the padding as a comment-free binary stream object before the xref
    body = head + b"99 0 obj\n<< /Length " + str(len(pad)).encode() + b" >>\nstream\n" + pad + b"\nendstream\nendobj\n"
    # rebuild the xref for objects 1..n of the base, pointing to the same offsets
    return _reindex(body)


def _reindex(body: bytes) -> bytes:
    import re

    offsets = {int(m.group(1)): m.start() for m in re.finditer(rb"(?m)^(\d+) 0 obj", body)}
    n = max(k for k in offsets if k != 99)
    xref = len(body)
    out = bytearray(body)
    out += b"xref\n0 " + str(n + 1).encode() + b"\n0000000000 65535 f \n"
    out += b"".join(b"%010d 00000 n \n" % offsets[i] for i in range(1, n + 1))
    out += b"trailer\n<< /Size " + str(n + 1).encode() + b" /Root 1 0 R >>\nstartxref\n" + str(xref).encode()
    out += b"\n%%EOF\n"
    return bytes(out)


def bench_filing(n: int, work: Path) -> float:
    ws = init_workspace(work / "ws-filing")
    src = work / "src-small"
    src.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        (src / f"doc-{i:05d}.pdf").write_bytes(minimal_pdf(f"payment notice {i} unit {i % 977}"))
    # 件号 has four digits: spread the files over two years (<= 9999 per year/period/category)
    reqs = [FilingRequest(path=p, category="SF", date=dt.date(2025 + i % 2, 6, 1))
            for i, p in enumerate(sorted(src.iterdir()))]
    with Archive.open(ws) as archive:
        t0 = time.perf_counter()
        results = archive.file_many(reqs)
        elapsed = time.perf_counter() - t0
    assert len(results) == n and not any(r.duplicate for r in results)
    shutil.rmtree(work / "ws-filing")
    shutil.rmtree(src)
    return n / elapsed


def setup_verify(gb: float, work: Path) -> tuple[Archive, list[Path]]:
    ws = init_workspace(work / "ws-verify")
    src = work / "src-big"
    src.mkdir(parents=True, exist_ok=True)
    size = 4 * 1024 * 1024
    count = max(1, int(gb * 1024**3 / size))
    for i in range(count):
        (src / f"scan-{i:04d}.pdf").write_bytes(big_pdf(i, size))
    archive = Archive.open(ws)
    archive.file_many([FilingRequest(path=p, category="YH") for p in sorted(src.iterdir())])
    shutil.rmtree(src)
    stored = [archive.store.abs(f.path) for r in archive.list() for f in r.files]
    return archive, stored


def time_verify(archive: Archive) -> tuple[float, int]:
    t0 = time.perf_counter()
    report = archive.verify()
    elapsed = time.perf_counter() - t0
    assert report.ok, report.problems[:3]
    return elapsed, report.bytes


def time_sha256sum(paths: list[Path]) -> float:
    t0 = time.perf_counter()
    subprocess.run(["sha256sum", *map(str, paths)], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=10_000)
    ap.add_argument("--gb", type=float, default=1.0)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    results: dict[str, object] = {"files": args.files, "gb": args.gb, "runs": args.runs, "cpus": os.cpu_count()}
    with tempfile.TemporaryDirectory(dir=OUT, prefix="work-") as tmp:
        work = Path(tmp)
        rates = []
        for run in range(args.runs):
            rates.append(bench_filing(args.files, work))
            print(f"filing run {run + 1}: {rates[-1]:.0f} files/s", file=sys.stderr)
        results["filing_files_per_s"] = [round(r, 1) for r in rates]
        results["filing_median_files_per_s"] = round(statistics.median(rates), 1)

        archive, paths = setup_verify(args.gb, work)
        time_sha256sum(paths)  # warm the cache
        verify_rates, sum_rates = [], []
        for run in range(args.runs):
            elapsed, nbytes = time_verify(archive)
            verify_rates.append(nbytes / elapsed / 1e6)
            sum_rates.append(nbytes / time_sha256sum(paths) / 1e6)
            print(f"verify run {run + 1}: {verify_rates[-1]:.0f} MB/s, sha256sum {sum_rates[-1]:.0f} MB/s",
                  file=sys.stderr)
        archive.close()
        results["verify_bytes"] = nbytes
        results["verify_mb_per_s"] = [round(r, 1) for r in verify_rates]
        results["sha256sum_mb_per_s"] = [round(r, 1) for r in sum_rates]
        results["verify_median_mb_per_s"] = round(statistics.median(verify_rates), 1)
        results["sha256sum_median_mb_per_s"] = round(statistics.median(sum_rates), 1)
        results["verify_vs_sha256sum"] = round(statistics.median(verify_rates) / statistics.median(sum_rates), 3)
    (OUT / "archive.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
