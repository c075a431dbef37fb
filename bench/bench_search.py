"""Search benchmarks (issue 4).  Results go to bench/out/search.json.

    .venv/bin/python bench/bench_search.py [--big 100000] [--small 10000] [--throughput 2000]

1. Indexing throughput on ~700-character Chinese documents, against jieba's
   own ``cut_for_search`` on the same texts in the same run.
2. Search latency p50/p95 at ``--small`` and ``--big`` documents.
3. Peak memory (max RSS) of ``rebuild`` of ``--big`` documents, measured in a
   child process.  The big index is kept in bench/out/ and reused when its size
   matches (``--fresh`` to rebuild it).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import random
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
OUT = ROOT / "bench" / "out"

from dangan.config import Workspace, init_workspace  # noqa: E402
from dangan.search import (  # noqa: E402
    SearchIndex,
    analysis,  # noqa: E402
    rebuild,
    search,
)
from eval.evaluate import load_corpus, to_record  # noqa: E402

QUERIES = ["装修违规", "3栋1201 装修", "欧阳喆", "滞纳金", "投诉 电梯", "物业管理费 催缴", "承重墙",
           "漏水 OR 渗水", "JF-2025-0023", "回访 满意", "消防演练", "空置房 渗水", "张伟 投诉", "1201"]


def make_texts(n: int, seed: int = 7) -> list[dict]:
    """n documents of ~700 characters made from the evaluation corpus's sentences."""
    rng = random.Random(seed)
    corpus = [r for r, _ in load_corpus()]
    sentences = [s for _, t in load_corpus() for s in t.replace("\n", "。").split("。") if len(s) > 6]
    docs = []
    for i in range(n):
        base = corpus[i % len(corpus)]
        parts, size = [], 0
        while size < 700:
            s = rng.choice(sentences)
            parts.append(s)
            size += len(s) + 1
        d = {"archival_code": f"Z001-{base.year}-{base.period}-{base.category}-{i:06d}", "title": base.title,
             "category": base.category, "period": base.period, "date": base.date.isoformat(), "year": base.year,
             "unit": base.unit, "doc_number": base.doc_number, "text": "。".join(parts)[:720]}
        docs.append(d)
    return docs


def documents(docs: list[dict]):
    return ((to_record(i, d), d["text"]) for i, d in enumerate(docs, 1))


def workspace(name: str) -> Workspace:
    return init_workspace(OUT / name)


def throughput(n: int) -> dict:
    docs = make_texts(n)
    texts = [d["text"] for d in docs]
    seg = analysis.segmenter()
    t0 = time.perf_counter()
    for t in texts:
        list(seg.tk.cut_for_search(t))
    jieba_rate = n / (time.perf_counter() - t0)
    out = {"documents": n, "jieba_cut_for_search_docs_per_s": round(jieba_rate, 1)}
    for procs in (0, 2):
        ws = workspace(f"tp-{procs}")
        t0 = time.perf_counter()
        rebuild(SearchIndex(ws), documents(docs), processes=procs)
        rate = n / (time.perf_counter() - t0)
        out[f"index_docs_per_s_processes_{procs}"] = round(rate, 1)
        out[f"ratio_processes_{procs}"] = round(rate / jieba_rate, 3)
    return out


def _rebuild_child(name: str, n: int) -> None:
    rebuild(SearchIndex(workspace(name)), documents(make_texts(n)))


def build(name: str, n: int, *, fresh: bool) -> dict:
    ws = workspace(name)
    index = SearchIndex(ws)
    if not fresh and index.exists():
        with index.searcher() as s:
            if s.doc_count() == n:
                return {"documents": n, "reused": True}
    t0 = time.perf_counter()
    p = mp.get_context("fork").Process(target=_rebuild_child, args=(name, n))
    p.start()
    p.join()
    if p.exitcode != 0:
        raise SystemExit(f"rebuild of {n} failed")
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {"documents": n, "reused": False, "seconds": round(time.perf_counter() - t0, 1),
            "peak_rss_mb_largest_process": round(peak_kb / 1024, 1)}


def latency(name: str, rounds: int = 5) -> dict:
    index = SearchIndex(workspace(name))
    search(index, "预热")
    times = []
    for _ in range(rounds):
        for q in QUERIES:
            t0 = time.perf_counter()
            search(index, q, limit=10)
            times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return {"queries": len(times), "p50_ms": round(statistics.median(times), 1),
            "p95_ms": round(times[int(len(times) * 0.95) - 1], 1), "max_ms": round(times[-1], 1)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--throughput", type=int, default=2000)
    ap.add_argument("--small", type=int, default=10000)
    ap.add_argument("--big", type=int, default=100000)
    ap.add_argument("--fresh", action="store_true")
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    result: dict = {"throughput": throughput(args.throughput)}
    print(json.dumps(result, ensure_ascii=False), flush=True)
    for label, n in (("small", args.small), ("big", args.big)):
        result[f"build_{n}"] = build(f"ws-{n}", n, fresh=args.fresh)
        result[f"latency_{n}"] = latency(f"ws-{n}")
        print(json.dumps({label: [result[f"build_{n}"], result[f"latency_{n}"]]}, ensure_ascii=False), flush=True)
    (OUT / "search.json").write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
