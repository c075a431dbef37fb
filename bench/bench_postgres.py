"""PostgreSQL benchmarks (issue 13).  Results go to bench/out/postgres.json.

    .venv/bin/python bench/bench_postgres.py [--filing 400] [--sizes 100000,1000000] [--whoosh 100000]
    .venv/bin/python bench/bench_postgres.py --filing 0 --sizes "" --whoosh 0 --side-by-side 5000 --repeat 5

1. Filing throughput through the app (``Dangan.file``, one document per transaction, as the watcher and
   uploads file; the search index follows) with 1, 2 and 4 processes, on PostgreSQL and on SQLite + Whoosh
   in the same run, ``--rounds`` times alternated; medians, and each backend's 4-process/1-process ratio.
2. Search latency p50/p95 over bench_search.py's queries (the evaluation queries with their filters, common
   words, OR/NOT, filter-only), ``--repeat`` times each, on a kept-open backend: PostgreSQL at each of
   ``--sizes`` documents and Whoosh at ``--whoosh`` documents (bench_search's ~700-character documents).
   ``--side-by-side N``: both at N documents, the queries interleaved between them (a same-run ratio that
   the machine's load cannot tilt).
3. Peak memory: of the process that builds each index (ru_maxrss of the child) and of the PostgreSQL server's
   processes (PSS sum, sampled), and the database's size on disk.

The server is started by tests/pgserver.py with fsync on (durable commits) and ``--pg-settings``.  With
``--keep DIR`` the cluster (and the big indexes in it) is kept between runs and reused when its size matches.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import resource
import shutil
import statistics
import subprocess
import sys
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "bench")]
OUT = ROOT / "bench" / "out"

from bench_search import QUERIES, _memory_kb, _percentiles, _tree, documents, iter_texts  # noqa: E402
from tests.pgserver import PgServer  # noqa: E402

from dangan.config import init_workspace  # noqa: E402
from dangan.search import search  # noqa: E402
from dangan.search.postgres import PostgresBackend  # noqa: E402

FILER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from dangan.app import Dangan
    src, start_at = Path(sys.argv[2]), float(sys.argv[3])
    with Dangan.open(sys.argv[1]) as app:
        files = sorted(src.iterdir())
        print("ready", flush=True)
        while time.time() < start_at:
            time.sleep(0.001)
        for p in files:
            app.file([p], category="TS")
    print("done", flush=True)
""")


# ---------------------------------------------------------------- filing


def _docs(folder: Path, n: int, tag: str) -> Path:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for i, d in enumerate(iter_texts(n, seed=hash(tag) % 1000)):
        (folder / f"{tag}-{i:05d}.txt").write_text(f"{tag}-{i}\n{d['text']}", encoding="utf-8")
    return folder


def filing_run(ws_root: Path, total: int, procs: int, tag: str) -> float:
    """Documents per second, ``total`` documents split over ``procs`` processes that start together."""
    per = total // procs
    folders = [_docs(OUT / "filing-src" / f"{tag}-{k}", per, f"{tag}{k}") for k in range(procs)]
    start = time.time() + 4 + procs
    running = [subprocess.Popen([sys.executable, "-c", FILER, str(ws_root), str(f), str(start)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for f in folders]
    for p in running:
        out, err = p.communicate(timeout=3600)
        if p.returncode != 0:
            raise SystemExit(f"filing failed: {err[-2000:]}")
    seconds = time.time() - start
    return per * procs / seconds


def filing(server: PgServer, total: int, rounds: int) -> dict:
    runs: dict[str, list[float]] = {}
    for r in range(rounds):
        for procs in (1, 2, 4):
            for backend in ("postgresql", "sqlite"):
                name = f"filing-{backend}-{procs}-{r}"
                url = server.new_database(f"{name.replace('-', '_')}_{server.port}") if backend == "postgresql" else None
                shutil.rmtree(OUT / name, ignore_errors=True)
                ws = init_workspace(OUT / name, database=url)
                rate = filing_run(ws.root, total, procs, name)
                runs.setdefault(f"{backend}_processes_{procs}_docs_per_s", []).append(rate)
                print(f"filing {backend} ×{procs}: {rate:.1f} docs/s", flush=True)
    out: dict = {"documents_per_run": total, "rounds": rounds, "loadavg_after": os.getloadavg()}
    for key, values in runs.items():
        out[key] = round(statistics.median(values), 1)
        out[key + "_all"] = [round(v, 1) for v in values]
    for backend in ("postgresql", "sqlite"):
        out[f"{backend}_ratio_4_to_1"] = round(out[f"{backend}_processes_4_docs_per_s"]
                                               / out[f"{backend}_processes_1_docs_per_s"], 2)
    out["postgresql_4_vs_sqlite_4"] = round(out["postgresql_processes_4_docs_per_s"]
                                            / out["sqlite_processes_4_docs_per_s"], 2)
    return out


# ---------------------------------------------------------------- search


def _build_child(url: str, n: int) -> None:
    PostgresBackend(url).rebuild(documents(iter_texts(n)))


def _server_pss_kb(server: PgServer) -> int:
    pid = int((server.data / "postmaster.pid").read_text().split()[0])
    return sum(_memory_kb(p, "Pss") for p in _tree(pid))


def pg_build(server: PgServer, n: int) -> tuple[str, dict]:
    name = f"bench_{n}"
    if not server.sql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'"):
        server.new_database(name)
    url = server.url(name)
    have = server.sql("SELECT to_regclass('search_docs') IS NOT NULL", database=name)[0][0] and server.sql(
        "SELECT count(*) FROM search_docs", database=name)[0][0]
    if have == n:
        return url, {"documents": n, "reused": True, "database_mb": _db_mb(server, name)}
    t0 = time.perf_counter()
    p = mp.get_context("spawn").Process(target=_build_child, args=(url, n))
    p.start()
    peak_server = 0
    while p.is_alive():
        peak_server = max(peak_server, _server_pss_kb(server))
        p.join(0.5)
    if p.exitcode != 0:
        raise SystemExit(f"PostgreSQL build of {n} failed")
    seconds = time.perf_counter() - t0
    return url, {"documents": n, "reused": False, "seconds": round(seconds, 1), "docs_per_s": round(n / seconds, 1),
                 "peak_rss_mb_builder": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1),
                 "peak_pss_mb_server": round(peak_server / 1024, 1), "database_mb": _db_mb(server, name),
                 "loadavg_after": os.getloadavg()}


def _db_mb(server: PgServer, name: str) -> float:
    return round(server.sql(f"SELECT pg_database_size('{name}')")[0][0] / 1e6, 1)


def latency(backend: object, repeat: int, server: PgServer | None = None) -> dict:
    search(backend, "预热")  # type: ignore[arg-type]
    for q, f in QUERIES:  # one pass to warm caches (document frequencies, buffers)
        search(backend, q, f, limit=10)  # type: ignore[arg-type]
    times: list[float] = []
    per_query: dict[str, list[float]] = {}
    peak_server = 0
    for _ in range(repeat):
        for q, f in QUERIES:
            t0 = time.perf_counter()
            res = search(backend, q, f, limit=10)  # type: ignore[arg-type]
            ms = (time.perf_counter() - t0) * 1000
            times.append(ms)
            per_query.setdefault(f"{q} {f}", [res.total]).append(ms)
        if server is not None:
            peak_server = max(peak_server, _server_pss_kb(server))
    slowest = sorted(per_query.items(), key=lambda kv: -statistics.median(kv[1][1:]))[:8]
    out = {"distinct_queries": len(QUERIES), "repeat": repeat, "warm": _percentiles(times),
           "slowest_median_ms_and_total": {k: [round(statistics.median(v[1:]), 1), v[0]] for k, v in slowest},
           "peak_rss_mb_this_process": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
           "loadavg_after": os.getloadavg()}
    if server is not None:
        out["peak_pss_mb_server"] = round(peak_server / 1024, 1)
    return out


def side_by_side(backends: dict[str, object], repeat: int) -> dict:
    """Both backends over the same queries, interleaved query by query (the order swapped every repeat), so
    the machine's load falls on both alike; each one's p50/p95 and the ratio of the per-query medians."""
    names = list(backends)
    for b in backends.values():
        search(b, "预热")  # type: ignore[arg-type]
        for q, f in QUERIES:
            search(b, q, f, limit=10)  # type: ignore[arg-type]
    times: dict[str, list[float]] = {n: [] for n in names}
    per_query: dict[str, dict[str, list[float]]] = {n: {} for n in names}
    totals: dict[str, dict[str, int]] = {n: {} for n in names}
    for r in range(repeat):
        for q, f in QUERIES:
            for name in names if r % 2 == 0 else names[::-1]:
                t0 = time.perf_counter()
                res = search(backends[name], q, f, limit=10)  # type: ignore[arg-type]
                ms = (time.perf_counter() - t0) * 1000
                times[name].append(ms)
                per_query[name].setdefault(f"{q} {f}", []).append(ms)
                totals[name][f"{q} {f}"] = res.total
    a, b = names
    ratios = sorted(statistics.median(per_query[a][k]) / max(statistics.median(per_query[b][k]), 0.01)
                    for k in per_query[a])
    differ = sorted(k for k in totals[a] if totals[a][k] != totals[b][k])
    return {**{n: _percentiles(times[n]) for n in names}, "distinct_queries": len(QUERIES), "repeat": repeat,
            f"median_of_per_query_ratio_{a}_to_{b}": round(statistics.median(ratios), 2),
            f"p95_ratio_{a}_to_{b}": round(_percentiles(times[a])["p95_ms"] / _percentiles(times[b])["p95_ms"], 2),
            "queries_whose_totals_differ": differ, "loadavg_after": os.getloadavg()}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--filing", type=int, default=400, help="documents per filing run (0: skip)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--sizes", default="100000,1000000", help="PostgreSQL index sizes, comma separated")
    ap.add_argument("--whoosh", type=int, default=100000, help="Whoosh index size (0: skip)")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--side-by-side", type=int, default=0, metavar="N",
                    help="PostgreSQL and Whoosh at N documents each, queries interleaved (a same-run ratio)")
    ap.add_argument("--keep", type=Path, default=None, help="keep the PostgreSQL cluster in this folder")
    ap.add_argument("--pg-settings", default="shared_buffers=1GB,work_mem=64MB,effective_cache_size=8GB,"
                                             "maintenance_work_mem=512MB,max_wal_size=8GB")
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    settings = [s for s in args.pg_settings.split(",") if s]
    result: dict = {"cpus": os.cpu_count(), "loadavg_start": os.getloadavg(), "pg_settings": settings}
    out_file = OUT / "postgres.json"
    with PgServer(durable=True, settings=settings, keep=args.keep) as server:
        result["server"] = server.sql("SHOW server_version")[0][0]
        if args.filing:
            result["filing"] = filing(server, args.filing, args.rounds)
            print(json.dumps(result["filing"], ensure_ascii=False), flush=True)
        for n in [int(x) for x in args.sizes.split(",") if x]:
            url, built = pg_build(server, n)
            backend = PostgresBackend(url)
            result[f"postgresql_{n}"] = {"build": built, "latency": latency(backend, args.repeat, server)}
            backend.close()
            print(json.dumps({f"postgresql_{n}": result[f"postgresql_{n}"]}, ensure_ascii=False), flush=True)
            out_file.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
        if args.side_by_side:
            from bench_search import build, open_backend, workspace

            n = args.side_by_side
            url, pg_built = pg_build(server, n)
            whoosh_built = build(f"ws-{n}", n, fresh=False)
            pg = PostgresBackend(url)
            result[f"side_by_side_{n}"] = {
                "build": {"postgresql": pg_built, "whoosh": whoosh_built},
                "latency": side_by_side({"postgresql": pg, "whoosh": open_backend(workspace(f"ws-{n}"))}, args.repeat)}
            pg.close()
            print(json.dumps({f"side_by_side_{n}": result[f"side_by_side_{n}"]}, ensure_ascii=False), flush=True)
    if args.whoosh:
        from bench_search import build, open_backend, workspace

        built = build(f"ws-{args.whoosh}", args.whoosh, fresh=False)
        result[f"whoosh_{args.whoosh}"] = {"build": built,
                                           "latency": latency(open_backend(workspace(f"ws-{args.whoosh}")), args.repeat)}
        print(json.dumps({f"whoosh_{args.whoosh}": result[f"whoosh_{args.whoosh}"]}, ensure_ascii=False), flush=True)
    result["loadavg_end"] = os.getloadavg()
    out_file.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
