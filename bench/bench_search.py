"""Search benchmarks (issue 4).  Results go to bench/out/search.json.

    .venv/bin/python bench/bench_search.py [--big 100000] [--small 10000] [--throughput 2000]

1. Indexing throughput on ~700-character Chinese documents, against jieba's
   own ``cut_for_search`` on the same texts in the same run (``--rounds``
   rounds, medians), with one writer process and with two.
2. Search latency p50/p95 at ``--small`` and ``--big`` documents over a fixed
   set of queries (:data:`QUERIES`: the evaluation queries with their filters
   plus common words, OR, and filter-only searches), ``--repeat`` times each,
   on a kept-open index (``warm``) and, for a few queries, on a fresh
   ``SearchIndex`` each time (``cold``: opening the index included).
3. Peak memory of ``rebuild`` of ``--big`` documents, run in a child process
   that streams the documents: the largest process (``ru_maxrss`` of the
   children) and the sum over the process tree (PSS, sampled every 0.2 s).
   The big index is kept in bench/out/ and reused when its size and schema
   match (``--fresh`` to rebuild it).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing as mp
import os
import random
import resource
import statistics
import sys
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
OUT = ROOT / "bench" / "out"

from dangan.config import Workspace, init_workspace  # noqa: E402
from dangan.errors import SearchIndexError  # noqa: E402
from dangan.search import Filters, open_backend, search  # noqa: E402
from eval.evaluate import filters_of, load_corpus, load_queries, to_record  # noqa: E402

COMMON = ["装修违规", "3栋1201 装修", "欧阳喆", "滞纳金", "投诉 电梯", "物业管理费 催缴", "承重墙",
          "漏水 OR 渗水", "JF-2025-0023", "回访 满意", "消防演练", "空置房 渗水", "张伟 投诉", "1201",
          "投诉", "装修", "业主", "电梯 故障", "停车费 NOT 滞纳金", '"装修违规"', "title:整改通知",
          "噪音 投诉 3栋"]


def bench_queries() -> list[tuple[str, Filters]]:
    """The evaluation queries (with their filters), common words, and filter-only searches."""
    out = [(q["query"], filters_of(q)) for q in load_queries()]
    out += [(q, Filters()) for q in COMMON]
    out += [("投诉", Filters(category="TS")), ("装修", Filters(year=2025)),
            ("维修", Filters(date_from=dt.date(2024, 1, 1))), ("", Filters(category="SF"))]
    return out


QUERIES = bench_queries()


def iter_texts(n: int, seed: int = 7) -> Iterator[dict]:
    """n documents of ~700 characters made from the evaluation corpus's sentences."""
    rng = random.Random(seed)
    corpus = [r for r, _ in load_corpus()]
    sentences = [s for _, t in load_corpus() for s in t.replace("\n", "。").split("。") if len(s) > 6]
    for i in range(n):
        base = corpus[i % len(corpus)]
        parts, size = [], 0
        while size < 700:
            s = rng.choice(sentences)
            parts.append(s)
            size += len(s) + 1
        yield {"archival_code": f"Z001-{base.year}-{base.period}-{base.category}-{i:06d}", "title": base.title,
               "category": base.category, "period": base.period, "date": base.date.isoformat(), "year": base.year,
               "unit": base.unit, "doc_number": base.doc_number, "text": "。".join(parts)[:720]}


def make_texts(n: int, seed: int = 7) -> list[dict]:
    return list(iter_texts(n, seed))


def documents(docs):
    return ((to_record(i, d), d["text"]) for i, d in enumerate(docs, 1))


def workspace(name: str) -> Workspace:
    return init_workspace(OUT / name)


def throughput(n: int, rounds: int) -> dict:
    docs = make_texts(n)
    texts = [d["text"] for d in docs]
    import jieba

    jieba.setLogLevel(60)
    seg = jieba.Tokenizer()
    seg.initialize()
    runs: dict[str, list[float]] = {}
    for _ in range(rounds):
        t0 = time.perf_counter()
        for t in texts:
            list(seg.cut_for_search(t))
        jieba_rate = n / (time.perf_counter() - t0)
        runs.setdefault("jieba_cut_for_search_docs_per_s", []).append(jieba_rate)
        for procs in (1, 2):
            ws = workspace(f"tp-{procs}")
            t0 = time.perf_counter()
            open_backend(ws).rebuild(documents(docs), processes=procs)
            rate = n / (time.perf_counter() - t0)
            runs.setdefault(f"index_docs_per_s_processes_{procs}", []).append(rate)
            runs.setdefault(f"ratio_processes_{procs}", []).append(rate / jieba_rate)
    out: dict = {"documents": n, "rounds": rounds, "loadavg_after": os.getloadavg()}
    for key, values in runs.items():
        out[key] = round(statistics.median(values), 3)
        out[key + "_all"] = [round(v, 3) for v in values]
    return out


def _rebuild_child(name: str, n: int) -> None:
    open_backend(workspace(name)).rebuild(documents(iter_texts(n)))


def _tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        p = todo.pop()
        pids.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    todo.extend(int(c) for c in fh.read().split())
        except OSError:
            continue
    return pids


def _memory_kb(pid: int, key: str) -> int:
    for name in ("smaps_rollup", "status"):
        try:
            with open(f"/proc/{pid}/{name}") as fh:
                for line in fh:
                    if line.startswith(key + ":"):
                        return int(line.split()[1])
        except OSError:
            return 0
    return 0


def build(name: str, n: int, *, fresh: bool) -> dict:
    index = open_backend(workspace(name))
    if not fresh:
        try:
            with index.store.searcher() as s:
                if s.doc_count() == n:
                    return {"documents": n, "reused": True, "segments": len(s.reader().leaf_readers())}
        except SearchIndexError:
            pass  # none yet, or an older schema: build it
    t0 = time.perf_counter()
    # spawn: the child starts clean (no jieba dictionary or documents inherited from this process)
    p = mp.get_context("spawn").Process(target=_rebuild_child, args=(name, n))
    p.start()
    peak_pss = peak_rss_sum = 0
    while p.is_alive():
        pids = _tree(p.pid)
        peak_pss = max(peak_pss, sum(_memory_kb(q, "Pss") for q in pids))
        peak_rss_sum = max(peak_rss_sum, sum(_memory_kb(q, "VmRSS") for q in pids))
        p.join(0.2)
    if p.exitcode != 0:
        raise SystemExit(f"rebuild of {n} failed")
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    seconds = time.perf_counter() - t0
    return {"documents": n, "reused": False, "seconds": round(seconds, 1), "docs_per_s": round(n / seconds, 1),
            "peak_rss_mb_largest_process": round(peak_kb / 1024, 1),
            "peak_pss_mb_process_tree": round(peak_pss / 1024, 1),
            "peak_rss_mb_process_tree_sum": round(peak_rss_sum / 1024, 1),
            "loadavg_after": os.getloadavg()}


def _percentiles(times: list[float]) -> dict:
    times = sorted(times)
    return {"queries": len(times), "p50_ms": round(statistics.median(times), 1),
            "p95_ms": round(times[max(0, int(len(times) * 0.95) - 1)], 1), "max_ms": round(times[-1], 1)}


def latency(name: str, repeat: int) -> dict:
    index = open_backend(workspace(name))
    search(index, "预热")
    times, per_query = [], {}
    for _ in range(repeat):
        for q, f in QUERIES:
            t0 = time.perf_counter()
            res = search(index, q, f, limit=10)
            ms = (time.perf_counter() - t0) * 1000
            times.append(ms)
            per_query.setdefault(f"{q} {f}", [res.total]).append(ms)
    slowest = sorted(per_query.items(), key=lambda kv: -statistics.median(kv[1][1:]))[:6]
    cold = []
    for q, f in QUERIES[:: max(1, len(QUERIES) // 6)]:
        t0 = time.perf_counter()
        search(open_backend(workspace(name)), q, f, limit=10)
        cold.append((time.perf_counter() - t0) * 1000)
    return {"distinct_queries": len(QUERIES), "repeat": repeat, "warm": _percentiles(times),
            "cold_open_each_time": _percentiles(cold),
            "slowest_median_ms_and_total": {k: [round(statistics.median(v[1:]), 1), v[0]] for k, v in slowest},
            "loadavg_after": os.getloadavg()}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--throughput", type=int, default=2000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--small", type=int, default=10000)
    ap.add_argument("--big", type=int, default=100000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--fresh", action="store_true")
    ap.add_argument("--skip-throughput", action="store_true")
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    result: dict = {"cpus": os.cpu_count(), "loadavg_start": os.getloadavg()}
    if not args.skip_throughput:
        result["throughput"] = throughput(args.throughput, args.rounds)
        print(json.dumps(result, ensure_ascii=False), flush=True)
    for label, n in (("small", args.small), ("big", args.big)):
        result[f"build_{n}"] = build(f"ws-{n}", n, fresh=args.fresh)
        result[f"latency_{n}"] = latency(f"ws-{n}", args.repeat)
        print(json.dumps({label: [result[f"build_{n}"], result[f"latency_{n}"]]}, ensure_ascii=False), flush=True)
    (OUT / "search.json").write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
