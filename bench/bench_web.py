"""Web benchmark (issue 9): the search page at 100,000 documents, against ``dangan search``, and under load.

    .venv/bin/python bench/bench_web.py [--docs 3000] [--repeat 2] [--sessions 4] [--notices 20]

The defaults are this shared 2-core machine's small sizes; the issue's full sizes are
``--docs 100000 --repeat 3 --sessions 20 --notices 500`` (about an hour here, not run yet).

Everything goes through what a user runs: ``dangan serve`` (waitress, the real server, in its own
process) answered over HTTP by a signed-in session, and the ``dangan search`` command, on the same
workspace, with the same queries (bench_search.py's: the evaluation queries with their filters,
common words, OR/NOT, filter-only searches), in the same run.

1. Warm search page: every query ``--repeat`` times, one after another, on a server that has
   answered a few searches; time = request sent → whole page read (``GET /search?q=…``, the page a
   clerk loads).  The ``dangan search`` command runs each query once (a new process each time: what
   a user of the command waits for).  Both p50/p95; the ratio of the medians.
2. ``--sessions`` signed-in sessions search (the same queries, round robin) while a staff user's
   ``--notices``-notice batch (payment notices, 4 fee rows each, uploaded as XLSX through the batch
   page) runs in the server: every answer must be 200 and the batch must finish with every notice
   filed; p50/p95 of the searches during the batch.

The index is built once from bench_search.py's corpus builder (``iter_texts``: ~700-character
documents made from the evaluation corpus's sentences) and kept in ``bench/out/web-index-<N>``;
each run copies it into a fresh workspace (``bench/out/web-ws``) whose catalogue holds the accounts
and what the batch files.  The 100,000 documents are in the index only, not in the catalogue: the
search page and the command read the index alone, so the measured path is the one a full archive
takes (a catalogue of 100,000 real filings would take this machine about half an hour to build).
Results: bench/out/web.json, with ``uptime`` before and after.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))
OUT = ROOT / "bench" / "out"
DANGAN = str(ROOT / ".venv" / "bin" / "dangan")
PASSWORD = "bench-Web-2026"

from bench_search import QUERIES, documents, iter_texts  # noqa: E402

from dangan.app import Dangan  # noqa: E402
from dangan.config import init_workspace  # noqa: E402
from dangan.search import Filters, open_backend  # noqa: E402


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def percentiles(times: list[float]) -> dict[str, Any]:
    times = sorted(times)
    return {"requests": len(times), "p50_ms": round(statistics.median(times), 1),
            "p95_ms": round(times[max(0, int(len(times) * 0.95) - 1)], 1), "max_ms": round(times[-1], 1)}


# -- the workspace ------------------------------------------------------------------------------------


def built_index(n: int) -> Path:
    """The index of ``n`` corpus documents, built once (a new build when the schema changed)."""
    ws = init_workspace(OUT / f"web-index-{n}")
    backend = open_backend(ws)
    if not backend.needs_rebuild():
        from dangan.search import search

        if search(backend, "", Filters(), limit=1).total == n:
            backend.close()
            return ws.index_dir
    t0 = time.perf_counter()
    print(f"building the index of {n} documents (once) …", flush=True)
    backend.rebuild(documents(iter_texts(n)))
    backend.close()
    print(f"  built in {time.perf_counter() - t0:.0f} s", flush=True)
    return ws.index_dir


def fresh_workspace(index_dir: Path, sessions: int) -> Path:
    root = OUT / "web-ws"
    shutil.rmtree(root, ignore_errors=True)
    ws = init_workspace(root)
    shutil.rmtree(ws.index_dir, ignore_errors=True)
    shutil.copytree(index_dir, ws.index_dir)
    with Dangan.open(ws) as app:
        for i in range(sessions):
            app.accounts.add_user(f"clerk{i:02d}", role="staff", password=PASSWORD)
    return root


# -- a signed-in session ------------------------------------------------------------------------------


class Session:
    def __init__(self, base: str, user: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        page = self.get("/login")[1]
        fields = {"username": user, "password": PASSWORD, **csrf_fields(page)}
        status, body = self.post("/login", urllib.parse.urlencode(fields).encode(),
                                 {"Content-Type": "application/x-www-form-urlencoded"})
        if status != 200 or "退出" not in body:
            raise SystemExit(f"{user} could not sign in ({status})")

    def get(self, path: str) -> tuple[int, str]:
        return self._open(urllib.request.Request(self.base + path))

    def post(self, path: str, data: bytes, headers: dict[str, str]) -> tuple[int, str]:
        return self._open(urllib.request.Request(self.base + path, data=data, headers=headers))

    def _open(self, req: urllib.request.Request) -> tuple[int, str]:
        try:
            with self.opener.open(req, timeout=120) as r:
                return r.status, r.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode("utf-8", "replace")


def csrf_fields(page: str) -> dict[str, str]:
    out = {}
    for tag in re.findall(r"<input[^>]*>", page):
        name, value = re.search(r'name="([^"]*csrf[^"]*)"', tag), re.search(r'value="([^"]*)"', tag)
        if name:
            out[name.group(1)] = value.group(1) if value else ""
    return out


def page_url(q: str, f: Filters) -> str:
    pairs = [("q", q)]
    for key, value in (("category", f.category), ("year", f.year), ("from", f.date_from), ("to", f.date_to)):
        if value is not None:
            pairs.append((key, str(value)))
    return "/search?" + urllib.parse.urlencode(pairs)


def cli_args(q: str, f: Filters) -> list[str]:
    args = [q or "*"] if q else []
    for flag, value in (("--category", f.category), ("--year", f.year), ("--from", f.date_from),
                        ("--to", f.date_to)):
        if value is not None:
            args += [flag, str(value)]
    return args


def searchable(queries: list[tuple[str, Filters]]) -> list[tuple[str, Filters]]:
    """The queries both the page and the command take (the command needs a word: filter-only ones drop)."""
    return [(q, f) for q, f in queries if q.strip() and not (f.unit or f.form or f.period or f.status)]


# -- the measurements ---------------------------------------------------------------------------------


def timed_page(session: Session, url: str) -> float:
    t0 = time.perf_counter()
    status, body = session.get(url)
    ms = (time.perf_counter() - t0) * 1000
    if status != 200 or 'class="total"' not in body:
        raise SystemExit(f"search page {url} answered {status}")
    return ms


def warm_page(session: Session, queries: list[tuple[str, Filters]], repeat: int) -> dict[str, Any]:
    for q, f in queries[:5]:
        timed_page(session, page_url(q, f))
    times = [timed_page(session, page_url(q, f)) for _ in range(repeat) for q, f in queries]
    return percentiles(times)


def command(ws: Path, queries: list[tuple[str, Filters]]) -> dict[str, Any]:
    env = {**os.environ, "DANGAN_WORKSPACE": str(ws)}
    subprocess.run([DANGAN, "search", "预热"], env=env, capture_output=True, check=True)
    times = []
    for q, f in queries:
        t0 = time.perf_counter()
        done = subprocess.run([DANGAN, "search", *cli_args(q, f)], env=env, capture_output=True, text=True)
        times.append((time.perf_counter() - t0) * 1000)
        if done.returncode != 0:
            raise SystemExit(f"dangan search {q!r} failed: {done.stderr[-300:]}")
    return percentiles(times)


def notices_sheet(path: Path, n: int) -> Path:
    from make_notices_xlsx import make

    return make(path, n)


def start_batch(session: Session, sheet: Path) -> int:
    page = session.get("/forms/payment-notice/batch")[1]
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in csrf_fields(page).items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="sheet"; filename="notices.xlsx"\r\n'
                 "Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n\r\n".encode()
                 + sheet.read_bytes() + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    req = urllib.request.Request(session.base + "/forms/payment-notice/batch", data=b"".join(parts),
                                 headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    with session.opener.open(req, timeout=300) as r:  # redirected to /jobs/<id>
        found = re.search(r"/jobs/(\d+)", r.geturl())
        if not found:
            raise SystemExit(f"the batch did not start: {r.geturl()}")
        return int(found.group(1))


def job_state(session: Session, job_id: int) -> tuple[str, str]:
    status, body = session._open(urllib.request.Request(f"{session.base}/jobs/{job_id}",
                                                        headers={"HX-Request": "true"}))
    found = re.search(r'data-state="(\w+)"', body)
    return (found.group(1) if found else f"http {status}"), body


def under_batch(base: str, sessions: int, queries: list[tuple[str, Filters]], notices: int) -> dict[str, Any]:
    clerks = [Session(base, f"clerk{i:02d}") for i in range(sessions)]
    sheet = notices_sheet(OUT / "web-notices.xlsx", notices)
    times: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def search_loop(k: int, s: Session) -> None:
        i = k
        while not stop.is_set():
            q, f = queries[i % len(queries)]
            i += sessions
            t0 = time.perf_counter()
            try:
                status, body = s.get(page_url(q, f))
                ok = status == 200 and 'class="total"' in body
                problem = f"{status} for {q!r}" if not ok else ""
            except Exception as e:  # noqa: BLE001 - every failure is counted and reported
                ok, problem = False, f"{type(e).__name__}: {e}"
            ms = (time.perf_counter() - t0) * 1000
            with lock:
                (times.append(ms) if ok else errors.append(problem))

    t0 = time.perf_counter()
    job_id = start_batch(clerks[0], sheet)
    threads = [threading.Thread(target=search_loop, args=(k, s), daemon=True) for k, s in enumerate(clerks)]
    for t in threads:
        t.start()
    state, body = "queued", ""
    while state in ("queued", "running"):
        time.sleep(2)
        state, body = job_state(clerks[0], job_id)
    stop.set()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - t0
    filed = re.search(r"已生成并归档 (\d+) 份", body)
    return {"sessions": sessions, "notices": notices, "batch_state": state, "batch_seconds": round(seconds, 1),
            "batch_filed": int(filed.group(1)) if filed else 0, "errors": len(errors), "error_examples": errors[:5],
            "searches": percentiles(times) if times else {}}


# -- the server ---------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(ws: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    log = open(OUT / "web-serve.log", "wb")  # noqa: SIM115 - open while the server runs
    proc = subprocess.Popen([DANGAN, "-w", str(ws), "serve", "--host", "127.0.0.1", "--port", str(port)],
                            stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            urllib.request.urlopen(base + "/login", timeout=2).read()
            return proc, base
        except OSError:
            if proc.poll() is not None:
                raise SystemExit(f"dangan serve stopped: see {OUT / 'web-serve.log'}") from None
            time.sleep(0.5)
    raise SystemExit("dangan serve did not answer within 300 s")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=3000)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--sessions", type=int, default=4)
    ap.add_argument("--notices", type=int, default=20)
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    queries = searchable(QUERIES)
    result: dict[str, Any] = {"cpus": os.cpu_count(), "documents": args.docs, "queries": len(queries),
                              "uptime_start": uptime()}
    ws = fresh_workspace(built_index(args.docs), args.sessions)
    proc, base = serve(ws)
    try:
        clerk = Session(base, "clerk00")
        result["page_warm"] = warm_page(clerk, queries, args.repeat)
        result["command"] = command(ws, queries)
        result["page_warm_again"] = warm_page(clerk, queries, 1)  # the page after the commands: drift in load
        result["command_to_page_median_ratio"] = round(
            result["command"]["p50_ms"] / result["page_warm"]["p50_ms"], 1)
        result["uptime_after_sequential"] = uptime()
        print(json.dumps(result, ensure_ascii=False), flush=True)
        result["under_batch"] = under_batch(base, args.sessions, queries, args.notices)
    finally:
        proc.terminate()
        proc.wait(timeout=120)
    result["uptime_end"] = uptime()
    result["server_exit_code"] = proc.returncode
    (OUT / "web.json").write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    print(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
