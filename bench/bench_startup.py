"""CLI start-up (issue 8, item 11): median wall time of the commands a clerk runs, against ``dangan --help``.

    .venv/bin/python bench/bench_startup.py [--runs 7] [--against OLD_SRC_DIR]

Each command runs as its own process (what a user pays), alternated with the others so that machine
load hits all of them alike; the first run of each is a warm-up and not counted.  ``--against`` times the
same commands with another source tree (e.g. ``git archive 9f46abb | tar -x -C /tmp/old``; pass
``/tmp/old/src``) in the same run.  Target: ``dangan search`` ≤ 1.5 × ``dangan --help``.
Writes bench/out/startup.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DANGAN = str(ROOT / ".venv" / "bin" / "dangan")
TEXT = "3栋1201室业主反映装修违规通知未送达，客服中心已补发。\n"


def make_workspace(env: dict[str, str]) -> str:
    ws = str(Path(tempfile.mkdtemp()) / "ws")
    src = Path(ws).parent / "a.txt"
    subprocess.run([DANGAN, "init", ws], env=env, capture_output=True, check=True)
    src.write_text(TEXT, encoding="utf-8")
    subprocess.run([DANGAN, "-w", ws, "archive", "add", str(src), "--category", "TS", "--title", "装修违规通知补发",
                    "--date", "2026-03-01"], env=env, capture_output=True, check=True)
    subprocess.run([DANGAN, "-w", ws, "search", "装修"], env=env, capture_output=True, check=True)  # builds the index
    return ws


def commands(ws: str) -> dict[str, list[str]]:
    return {
        "--help": [DANGAN, "--help"],
        "search (jieba-length query)": [DANGAN, "-w", ws, "search", "装修违规通知未送达"],
        "search (two characters)": [DANGAN, "-w", ws, "search", "装修"],
        "archive list": [DANGAN, "-w", ws, "archive", "list"],
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--against", help="another checkout's src/ to time in the same run")
    args = ap.parse_args()
    trees = {"this": str(ROOT / "src")}
    if args.against:
        trees["against"] = args.against
    envs = {name: {**os.environ, "PYTHONPATH": src} for name, src in trees.items()}
    cmds = {name: commands(make_workspace(env)) for name, env in envs.items()}
    times: dict[tuple[str, str], list[float]] = {}
    for _ in range(args.runs):
        for label in cmds["this"]:
            for name in trees:
                start = time.perf_counter()
                subprocess.run(cmds[name][label], env=envs[name], capture_output=True)
                times.setdefault((name, label), []).append(time.perf_counter() - start)
    load = os.getloadavg()[0]
    out: dict[str, object] = {"runs": args.runs, "load_average_1min": round(load, 2), "medians_s": {}}
    print(f"load average {load:.2f}, median of {args.runs - 1} runs each")
    for name in trees:
        med = {label: statistics.median(v[1:]) for (n, label), v in times.items() if n == name}
        out["medians_s"][name] = {k: round(v, 3) for k, v in med.items()}  # type: ignore[index]
        for label, value in med.items():
            print(f"{name:8s} {label:30s} {value:.3f} s  ({value / med['--help']:.2f} × --help)")
    (ROOT / "bench" / "out").mkdir(exist_ok=True)
    (ROOT / "bench" / "out" / "startup.json").write_text(json.dumps(out, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
