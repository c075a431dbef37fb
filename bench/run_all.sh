#!/usr/bin/env bash
# Every benchmark, one after the other (they must not share the 2 cores).
# Results: bench/out/*.json.  The full run takes about 45 minutes; the search
# benchmark builds a 100,000-document index once and reuses it afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
mkdir -p bench/out
uptime
$PY bench/bench_forms.py            # one notice PDF/DOCX; 2,000 notices + merge; the soffice route
$PY bench/bench_archive.py          # filing 10,000 PDFs; verify vs sha256sum on 1 GB
$PY bench/bench_search.py           # indexing vs jieba; latency at 10k and 100k; rebuild memory
$PY bench/bench_watch.py            # stable -> searchable; 500 files; OCR; QR decode
$PY bench/bench_outputs.py          # renditions per second (1 and 20 pages); transfer export of 10,000 records
$PY bench/bench_startup.py          # CLI start-up: search, archive list vs --help
$PY bench/bench_ocr.py              # OCR evaluation: recall, lost lines, s/page, rapidocr defaults vs dangan's settings
$PY bench/bench_web.py              # search page vs dangan search (same queries, same run); searches during a batch
uptime
