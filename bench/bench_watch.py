#!/usr/bin/env python3
"""Watched-folder benchmarks (issue 5, "Speed").

    .venv/bin/python bench/bench_watch.py [--runs 7] [--files 500] [--window 1.0]

1. A text PDF, from stable to searchable: a running watcher (inotify events,
   stability window ``--window``); the PDF is renamed into the inbox complete,
   and the clock stops when ``dangan search`` finds its unique word.  Reported:
   the median time beyond the window.  Target: <= 1 s.  Two kinds of PDF: a
   minimal text PDF, and a generated payment notice (CJK fonts, QR code).
2. 500 mixed text files (TXT, text PDF, DOCX) with ``watch --once``: files/min.
3. OCR: seconds per A4 page at 200 dpi (a generated form, rasterised).
4. QR decode: ms per page (a skewed, noisy 200 dpi scan of a generated form).

Medians are written to bench/out/watch.json and printed.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import re
import statistics
import string
import sys
import tempfile
import threading
import time
from pathlib import Path

from dangan.archive.testing import minimal_pdf
from dangan.config import Workspace, init_workspace, open_workspace

OUT = Path(__file__).resolve().parent / "out"


def make_ws(root: Path, inbox: Path, *, window: float) -> Workspace:
    ws = init_workspace(root)
    toml = (ws.root / "dangan.toml").read_text(encoding="utf-8")
    toml = re.sub(r"(?m)^stability_seconds = .*$", f"stability_seconds = {window}", toml)
    toml += f'\n[[watch]]\npath = "{inbox}"\ncategory = "KZ"\n'
    (ws.root / "dangan.toml").write_text(toml, encoding="utf-8")
    inbox.mkdir(parents=True, exist_ok=True)
    return open_workspace(ws.root)


def word(rng: random.Random) -> str:
    return "".join(rng.choice(string.ascii_lowercase) for _ in range(10))


def search_total(ws: Workspace, query: str) -> int:
    from click.testing import CliRunner

    from dangan.cli import main

    r = CliRunner().invoke(main, ["-w", str(ws.root), "search", query, "--json"])
    return json.loads(r.output)["total"] if r.exit_code == 0 else 0


def bench_latency(tmp: Path, *, runs: int, window: float, kind: str) -> dict:
    from dangan.app import Dangan

    inbox = tmp / f"inbox-{kind}"
    ws = make_ws(tmp / f"ws-{kind}", inbox, window=window)
    done = threading.Event()
    stop = threading.Event()

    def watch() -> None:
        with Dangan.open(ws) as app:
            app.watcher(on_outcome=lambda o: done.set()).run(stop)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    rng = random.Random(5)
    payloads = [_pdf(ws, kind, rng) for _ in range(runs + 1)]  # the first warms up (jieba, index)
    beyond: list[float] = []
    for i, (data, token) in enumerate(payloads):
        done.clear()
        part = inbox / f"drop{i}.pdf.part"
        part.write_bytes(data)
        t0 = time.monotonic()
        part.rename(inbox / f"drop{i}.pdf")
        while search_total(ws, token) < 1:
            if time.monotonic() - t0 > 60:
                raise RuntimeError("file never became searchable")
            done.wait(0.01)
        if i:
            beyond.append(time.monotonic() - t0 - window)
    stop.set()
    thread.join(timeout=30)
    return {"median_s_beyond_window": round(statistics.median(beyond), 3), "max_s": round(max(beyond), 3),
            "window_s": window, "runs": runs}


def _pdf(ws: Workspace, kind: str, rng: random.Random) -> tuple[bytes, str]:
    if kind == "minimal":
        token = word(rng)
        return minimal_pdf(f"inspection report {token}"), token
    from dangan.forms import generate

    doc = generate(ws, "payment-notice", sample=True).documents[0]
    return doc.files["pdf"].read_bytes(), doc.doc_number


def bench_throughput(tmp: Path, *, files: int) -> dict:
    import docx

    from dangan.app import Dangan

    inbox = tmp / "inbox-many"
    ws = make_ws(tmp / "ws-many", inbox, window=0.5)
    rng = random.Random(7)
    for i in range(files):
        token = word(rng)
        if i % 3 == 0:
            (inbox / f"f{i:04}.txt").write_text(f"空置房巡查记录 第{i}号 {token} 门窗完好\n" * 20, encoding="utf-8")
        elif i % 3 == 1:
            (inbox / f"f{i:04}.pdf").write_bytes(minimal_pdf(f"record {i} {token}"))
        else:
            d = docx.Document()
            d.add_paragraph(f"巡查记录 第{i}号 {token}")
            d.save(inbox / f"f{i:04}.docx")
    old = time.time() - 60
    for p in inbox.iterdir():
        import os

        os.utime(p, (old, old))
    t0 = time.monotonic()
    with Dangan.open(ws) as app:
        outcomes = app.watcher().run_once()
    elapsed = time.monotonic() - t0
    filed = sum(1 for o in outcomes if o.status == "filed")
    return {"files": files, "filed": filed, "seconds": round(elapsed, 2),
            "files_per_min": round(filed / elapsed * 60)}


def scan_page(ws: Workspace):  # -> PIL image of a skewed, noisy 200 dpi scan
    import numpy as np
    import pypdfium2 as pdfium
    from PIL import Image

    from dangan.forms import generate

    pdf = generate(ws, "payment-notice", sample=True).documents[0].files["pdf"]
    page = pdfium.PdfDocument(pdf)[0].render(scale=200 / 72).to_pil().convert("L").rotate(1.5, fillcolor=255)
    noisy = np.clip(np.asarray(page, dtype=np.int16) + np.random.default_rng(1).normal(0, 15, page.size[::-1]), 0, 255)
    buf = io.BytesIO()
    Image.fromarray(noisy.astype("uint8")).save(buf, "JPEG", quality=40)
    return Image.open(io.BytesIO(buf.getvalue())).convert("RGB")


def bench_qr_ocr(tmp: Path, *, runs: int) -> dict:
    from dangan.ingest import ocr, qr

    ws = init_workspace(tmp / "ws-scan")
    page = scan_page(ws)
    qr_ms = []
    for _ in range(max(runs, 10)):
        t0 = time.perf_counter()
        found = qr.read_image(page)
        qr_ms.append((time.perf_counter() - t0) * 1000)
    assert found is not None, "QR code not decoded"
    blank_ms = []  # no code: the whole page is searched after the corner
    blank = page.transpose(0).transpose(1)  # code ends up bottom-left: corner miss, full-page search
    for _ in range(5):
        t0 = time.perf_counter()
        qr.read_image(blank)
        blank_ms.append((time.perf_counter() - t0) * 1000)
    out = {"qr_ms_per_page": round(statistics.median(qr_ms), 1),
           "qr_ms_per_page_code_not_in_corner": round(statistics.median(blank_ms), 1)}
    if ocr.available():
        ocr.ocr_image(page)  # load the models once
        secs = []
        for _ in range(3):
            t0 = time.perf_counter()
            text = ocr.ocr_image(page)
            secs.append(time.perf_counter() - t0)
        out.update(ocr_s_per_page=round(statistics.median(secs), 2), ocr_chars=len(text))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--files", type=int, default=500)
    ap.add_argument("--window", type=float, default=1.0)
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    results: dict = {}
    with tempfile.TemporaryDirectory(dir=OUT) as tmpdir:
        tmp = Path(tmpdir)
        results["text_pdf_to_searchable"] = bench_latency(tmp, runs=args.runs, window=args.window, kind="minimal")
        results["generated_pdf_to_searchable"] = bench_latency(tmp, runs=args.runs, window=args.window, kind="form")
        results["mixed_text_files"] = bench_throughput(tmp, files=args.files)
        results["scan"] = bench_qr_ocr(tmp, runs=args.runs)
    (OUT / "watch.json").write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    print(json.dumps(results, ensure_ascii=False, indent=2))
    ok = results["text_pdf_to_searchable"]["median_s_beyond_window"] <= 1.0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
