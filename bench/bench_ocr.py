#!/usr/bin/env python3
"""OCR evaluation (issue 10, item 17): character recall, lost lines and time per page.

    .venv/bin/python bench/bench_ocr.py [--configs before,dangan] [--per-page 3] [--texts 6]
                                        [--forms ID,...] [--conditions clean,scan] [--dpis 200]
                                        [--clean-dpis 150,200,300]

The scan set is ``tests/eval/ocr/scans.py``: every form of the catalogue
(sample data) and ``--texts`` free texts, each clean at 150, 200 and 300 dpi
plus ``--per-page`` degraded scans dealt round-robin over the degradations
and dpis (``--conditions`` / ``--dpis`` restrict the set; for sweeps).
Scoring is ``tests/eval/ocr/scoring.py`` (what "recall" and "lost line"
mean is defined there).

Every engine configuration in ``--configs`` (names from :data:`CONFIGS`)
reads every scan, one after the other on the same scan, so the time ratio
is measured under the same load.  One OCR process, onnxruntime's own
threads.  Results: bench/out/ocr.json (``--out`` to change), with uptime
before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
OUT = ROOT / "bench" / "out"

from dangan.ingest import ocr  # noqa: E402
from eval.ocr import evaluate, scans  # noqa: E402

CONFIGS: dict[str, dict] = {
    "before": dict(ocr.RAPIDOCR_DEFAULTS),  # what dangan ran before the evaluation
    "dangan": dict(ocr.SETTINGS),  # what it runs now
    "no-cls": {**ocr.RAPIDOCR_DEFAULTS, "Global.use_cls": False},
    "unclip-2.0": {**ocr.RAPIDOCR_DEFAULTS, "Det.unclip_ratio": 2.0},
    "box-0.3": {**ocr.RAPIDOCR_DEFAULTS, "Det.box_thresh": 0.3},
    "side-3000": {**ocr.RAPIDOCR_DEFAULTS, "Global.max_side_len": 3000},
}


def uptime() -> str:
    try:
        return Path("/proc/loadavg").read_text().strip()
    except OSError:
        return str(os.getloadavg())


def _report(args: argparse.Namespace, names: list[str], results: dict[str, list[evaluate.ScanResult]],
            load_before: str, t_start: float, *, planned: int) -> dict:
    report: dict = {
        "command": "bench/bench_ocr.py " + " ".join(sys.argv[1:]),
        "seed": args.seed, "scans_done": len(results[names[0]]), "scans_planned": planned,
        "load_before": load_before, "load_now": uptime(),
        "wall_s": round(time.monotonic() - t_start), "cpus": os.cpu_count(),
        "configs": {n: {"settings": CONFIGS[n], "summary": evaluate.summarise(results[n])} for n in names},
    }
    if len(names) > 1:
        base = names[0]
        report["time_ratio_vs_" + base] = {  # median over scans of (this config's seconds / the first's)
            n: round(statistics.median(b.seconds / a.seconds for a, b in zip(results[base], results[n], strict=True)), 3)
            for n in names[1:]}
    return report


def _write(out: Path, report: dict) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    tmp.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    tmp.replace(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--configs", default="before,dangan")
    ap.add_argument("--per-page", type=int, default=3, help="degraded scans per source")
    ap.add_argument("--texts", type=int, default=6, help="free-text sources")
    ap.add_argument("--forms", default="", help="comma-separated form ids (default: all)")
    ap.add_argument("--conditions", default="", help="only these conditions (e.g. clean,scan)")
    ap.add_argument("--dpis", default="", help="only these dpis (e.g. 200)")
    ap.add_argument("--clean-dpis", default="150,200,300", help="dpis of the clean scans")
    ap.add_argument("--seed", type=int, default=scans.SEED)
    ap.add_argument("--out", default=str(OUT / "ocr.json"))
    args = ap.parse_args()
    names = [n for n in args.configs.split(",") if n]
    unknown = [n for n in names if n not in CONFIGS]
    if unknown:
        ap.error(f"unknown config {unknown}; known: {', '.join(CONFIGS)}")
    only_conds = set(filter(None, args.conditions.split(",")))
    only_dpis = {int(d) for d in args.dpis.split(",") if d}
    clean_dpis = [int(d) for d in args.clean_dpis.split(",") if d]
    out = Path(args.out)
    load_before = uptime()
    t_start = time.monotonic()
    results: dict[str, list[evaluate.ScanResult]] = {n: [] for n in names}
    funcs = {n: evaluate.dangan_ocr(CONFIGS[n]) for n in names}
    with tempfile.TemporaryDirectory() as tmp:
        sources = scans.render_forms(Path(tmp), [f for f in args.forms.split(",") if f] or None)
        sources += scans.render_texts(Path(tmp), args.texts, seed=args.seed)
        jobs = [(s, c, d) for s, c, d in scans.plan(sources, degraded_per_page=args.per_page, clean_dpis=clean_dpis)
                if (not only_conds or c in only_conds) and (not only_dpis or d in only_dpis)]
        random.Random(args.seed).shuffle(jobs)  # so that any prefix of a run covers every condition and dpi
        warm = scans.make_scan(sources[0], "clean", 150, seed=args.seed)
        for n in names:  # load each engine's models before timing
            funcs[n](warm.image)
        for i, (src, cond, dpi) in enumerate(jobs, 1):
            scan = scans.make_scan(src, cond, dpi, seed=args.seed)
            line = [f"[{i}/{len(jobs)}] {scan.key}"]
            for n in names:
                r = evaluate.run_scan(scan, funcs[n])
                results[n].append(r)
                line.append(f"{n} {r.recall:.3f} lost {len(r.lost)} {r.seconds:.1f}s")
            print("  ".join(line), file=sys.stderr, flush=True)
            report = _report(args, names, results, load_before, t_start, planned=len(jobs))
            _write(out, report)  # after every scan: a stopped run keeps what it measured
    for n in names:
        s = report["configs"][n]["summary"]
        print(f"== {n}: recall {s['all']['recall']} lost {s['all']['lines_lost']} median {s['all']['median_s']} s")
        for c, g in s["by_condition"].items():
            print(f"   {c:12} recall {g['recall']}  lost {g['lines_lost']:3}  worst {g['worst_page_recall']}"
                  f"  median {g['median_s']} s  ({g['scans']} scans)")
        for d, g in s["by_dpi"].items():
            print(f"   {d:>4} dpi     recall {g['recall']}  lost {g['lines_lost']:3}  median {g['median_s']} s")
    print(f"load {load_before} -> {report['load_now']}; written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
