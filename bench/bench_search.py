"""Search benchmarks, through the commands a user runs.  Results go to bench/out/search.json.

    .venv/bin/python bench/bench_search.py [--sections cli,index,latency,memory] [--baseline SRC]

``cli``
    ``dangan search`` against ``dangan --help``, alternated in one run
    (``--cli-rounds`` after a warm-up round, medians): a query with an
    unspaced run of 3+ Chinese characters (装修违规通知未送达, the one issue 8
    timed), a short one and a unit.  Wall time and the command's CPU time
    (less disturbed by other load on the machine).  Also, as ``current
    part: …``, pieces of a search alone (:data:`PARTS`: the interpreter,
    click, importing Whoosh as such and as dangan does (``dangan.search.whoosh.imports``),
    opening the app, parsing), to show where the
    time goes.  ``--baseline SRC`` times
    the same commands on another version's ``src/`` in the same run, in its
    own workspace (e.g. ``git archive 9f46abb src | tar -x -C /tmp/before``,
    then ``--baseline /tmp/before/src``).
``index``
    ``dangan index rebuild`` (two writer processes, and ``--processes 1``) of
    a workspace of ``--throughput`` documents of ~700 characters filed with
    ``dangan archive add``: documents/s of the whole command, against jieba's
    own ``cut_for_search`` on the same texts in the same run (in this
    process, dictionary loaded beforehand).  ``--rounds`` rounds, medians.
``latency``
    p50/p95 at ``--small`` and ``--big`` documents over :data:`QUERIES`
    (the evaluation queries with their filters, common words, OR, filter-only
    searches): on a kept-open index (what the app, hence a web server, sees;
    ``--repeat`` times each), and as one ``dangan search --json`` command per
    query (process start, index open and all: ``--cli-queries`` queries).
``memory``
    Peak memory of a rebuild of ``--big`` documents in a child process that
    streams them: the largest process and the sum over the process tree.

The indexes of ``--small``/``--big`` documents are kept in bench/out/ and
reused by ``latency`` when their size and schema match (``--fresh``, or the
``memory`` section, rebuilds them).
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
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
OUT = ROOT / "bench" / "out"
DANGAN = ROOT / ".venv" / "bin" / "dangan"

from dangan.config import Workspace, init_workspace  # noqa: E402
from dangan.errors import SearchIndexError  # noqa: E402
from dangan.search import Filters, open_backend, search  # noqa: E402
from eval.evaluate import filters_of, load_corpus, load_queries, to_record  # noqa: E402

COMMON = ["装修违规", "3栋1201 装修", "欧阳喆", "滞纳金", "投诉 电梯", "物业管理费 催缴", "承重墙",
          "漏水 OR 渗水", "JF-2025-0023", "回访 满意", "消防演练", "空置房 渗水", "张伟 投诉", "1201",
          "投诉", "装修", "业主", "电梯 故障", "停车费 NOT 滞纳金", '"装修违规"', "title:整改通知",
          "噪音 投诉 3栋"]
#: What ``cli`` times: (label, arguments after ``search``).
CLI_QUERIES = [("3+ characters unspaced", ["装修违规通知未送达"]), ("short word", ["装修"]),
               ("unit", ["3栋1201室"])]
#: Pieces of a search, timed alone (each includes the interpreter's own start).
PARTS = [("python -c pass", "pass"),
         ("import click", "import click"),
         ("import whoosh (index, searching, codec)", "import whoosh.index, whoosh.searching, whoosh.codec.whoosh3"),
         ("import dangan.search.whoosh (Whoosh with its stand-ins)", "import dangan.search.whoosh"),
         ("open the app (catalogue)", "from dangan.app import Dangan; Dangan.open({ws!r}).close()"),
         ("import dangan.search + parse", "from dangan.search import parse; parse('装修违规通知未送达')")]


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


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def user_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment a user's command runs in: bytecode caching on (``PYTHONDONTWRITEBYTECODE``
    would make every command compile dangan's sources again)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(extra or {})
    return env


def run(args: list[str], *, env: dict[str, str] | None = None, check: bool = True) -> tuple[float, float, str]:
    """(wall seconds, CPU seconds, stdout) of one command, in :func:`user_env` unless ``env`` is given."""
    cpu0, t0 = _children_cpu(), time.perf_counter()
    p = subprocess.run(args, capture_output=True, text=True, env=env or user_env())
    wall, cpu = time.perf_counter() - t0, _children_cpu() - cpu0
    if check and p.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed ({p.returncode}): {p.stderr[-2000:]}")
    return wall, cpu, p.stdout


def _median(values: list[float], ndigits: int = 3) -> float:
    return round(statistics.median(values), ndigits)


def file_texts(ws_root: Path, texts: list[str], *, env: dict[str, str] | None = None) -> None:
    """``dangan init`` and ``dangan archive add`` of one .txt file per text (in batches of 500)."""
    run([str(DANGAN), "init", str(ws_root)], env=env)
    with tempfile.TemporaryDirectory(dir=OUT) as tmp:
        paths = []
        for i, text in enumerate(texts):
            p = Path(tmp) / f"doc{i:05d}.txt"
            p.write_text(text, encoding="utf-8")
            paths.append(str(p))
        for i in range(0, len(paths), 500):
            run([str(DANGAN), "-w", str(ws_root), "archive", "add", *paths[i : i + 500], "--category", "TS"],
                env=env)


# ---------------------------------------------------------------- cli


def cli(rounds: int, baseline: Path | None) -> dict:
    """``dangan search`` vs ``dangan --help``, alternated; the current version and, if given, a baseline."""
    texts = [t for _, t in load_corpus()][:200]
    variants: dict[str, dict[str, str] | None] = {"current": None}
    if baseline is not None:
        variants["baseline"] = user_env({"PYTHONPATH": str(baseline)})
    roots = {}
    for name, env in variants.items():
        root = OUT / f"cli-ws-{name}"
        if not (root / "dangan.toml").exists():
            file_texts(root, texts, env=env)
        roots[name] = root
    commands = {}
    for name, env in variants.items():
        commands[f"{name} --help"] = ([str(DANGAN), "--help"], env)
        for label, q in CLI_QUERIES:
            commands[f"{name} search ({label})"] = ([str(DANGAN), "-w", str(roots[name]), "search", *q], env)
    # where the time goes: parts of a search, each alone in a fresh interpreter
    py = str(ROOT / ".venv" / "bin" / "python")
    for label, code in PARTS:
        commands[f"current part: {label}"] = ([py, "-c", code.format(ws=str(roots["current"]))], None)
    for args, env in commands.values():  # warm-up: caches (the word store, jieba's own) and the index
        run(args, env=env)
    wall: dict[str, list[float]] = {k: [] for k in commands}
    cpu: dict[str, list[float]] = {k: [] for k in commands}
    for _ in range(rounds):
        for key, (args, env) in commands.items():
            w, c, _ = run(args, env=env)
            wall[key].append(w)
            cpu[key].append(c)
    out: dict = {"rounds": rounds, "documents": len(texts), "loadavg": os.getloadavg()}
    for name in variants:
        help_wall, help_cpu = _median(wall[f"{name} --help"]), _median(cpu[f"{name} --help"])
        for key in commands:
            if key.startswith(name + " "):
                out[key] = {"wall_s": _median(wall[key]), "cpu_s": _median(cpu[key]),
                            "wall_ratio_to_help": round(_median(wall[key]) / help_wall, 2),
                            "cpu_ratio_to_help": round(_median(cpu[key]) / help_cpu, 2)}
    return out


# ---------------------------------------------------------------- index


def throughput(n: int, rounds: int) -> dict:
    """``dangan index rebuild`` (documents/s of the command) against jieba's ``cut_for_search``."""
    import jieba

    texts = [d["text"] for d in make_texts(n)]
    root = OUT / f"index-ws-{n}"
    if not (root / "dangan.toml").exists():
        file_texts(root, texts)
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
            wall, _, _ = run([str(DANGAN), "-w", str(root), "index", "rebuild", "--processes", str(procs)])
            runs.setdefault(f"rebuild_command_docs_per_s_processes_{procs}", []).append(n / wall)
            runs.setdefault(f"ratio_processes_{procs}", []).append(n / wall / jieba_rate)
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


def latency(name: str, repeat: int, cli_queries: int) -> dict:
    """On a kept-open index (the app's), and as one ``dangan search`` command per query."""
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
    commands = []
    sample = [q for q, f in QUERIES if q and f == Filters()][:: max(1, len(QUERIES) // max(1, cli_queries))]
    for q in sample[:cli_queries]:
        wall, _, out = run([str(DANGAN), "-w", str(OUT / name), "search", q, "--json"])
        commands.append(wall * 1000)
    return {"distinct_queries": len(QUERIES), "repeat": repeat, "kept_open": _percentiles(times),
            "one_command_each": _percentiles(commands),
            "slowest_median_ms_and_total": {k: [round(statistics.median(v[1:]), 1), v[0]] for k, v in slowest},
            "loadavg_after": os.getloadavg()}


SECTIONS = ("cli", "index", "latency", "memory")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sections", default=",".join(SECTIONS), help="comma-separated: " + ", ".join(SECTIONS))
    ap.add_argument("--baseline", type=Path, help="src/ folder of another version, timed in the cli section")
    ap.add_argument("--cli-rounds", type=int, default=9)
    ap.add_argument("--throughput", type=int, default=2000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--small", type=int, default=10000)
    ap.add_argument("--big", type=int, default=100000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--cli-queries", type=int, default=15)
    ap.add_argument("--fresh", action="store_true")
    args = ap.parse_args()
    sections = set(args.sections.split(","))
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / "search.json"
    result: dict = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    result.update({"cpus": os.cpu_count(), "loadavg_start": os.getloadavg(),
                   "when": dt.datetime.now().isoformat(timespec="seconds")})

    def save(key: str, value: dict) -> None:  # after every part: a long run that is stopped keeps what it measured
        result[key] = value
        print(json.dumps({key: value}, ensure_ascii=False), flush=True)
        path.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")

    if "cli" in sections:
        save("cli", cli(args.cli_rounds, args.baseline))
    if "index" in sections:
        save("throughput", throughput(args.throughput, args.rounds))
    for label, n in (("small", args.small), ("big", args.big)):
        if n <= 0:  # --small 0: leave it out
            continue
        measure_memory = "memory" in sections and label == "big"
        if "latency" in sections or measure_memory:
            save(f"build_{n}", build(f"ws-{n}", n, fresh=args.fresh or measure_memory))
        if "latency" in sections:
            save(f"latency_{n}", latency(f"ws-{n}", args.repeat, args.cli_queries))


if __name__ == "__main__":
    main()
