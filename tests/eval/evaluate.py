"""Load the evaluation corpus and score the search engine on it (recall@10, MRR)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

from dangan.archive.model import Record, Source, Status
from dangan.search import Filters, SearchBackend, search

HERE = Path(__file__).parent
#: What every search backend must reach on this set (tests/contracts/search_contract.py).
RECALL_TARGET = 1.0
MRR_TARGET = 1.0


def load_corpus() -> list[tuple[Record, str]]:
    docs = []
    with (HERE / "corpus.jsonl").open(encoding="utf-8") as fh:
        for i, line in enumerate(fh, 1):
            d = json.loads(line)
            docs.append((to_record(i, d), d["text"]))
    return docs


def load_queries() -> list[dict]:
    return json.loads((HERE / "queries.json").read_text(encoding="utf-8"))


def to_record(i: int, d: dict) -> Record:
    date = dt.date.fromisoformat(d["date"])
    return Record(
        id=i, archival_code=d["archival_code"], title=d["title"], doc_number=d.get("doc_number"),
        author="示例花园客服中心", date=date, year=date.year, category=d["category"], period=d["period"],
        security="无", source=Source.GENERATED if d.get("form") else Source.MANUAL, status=Status.ACTIVE,
        building=d.get("building"), unit=d.get("unit"), room=d.get("room"), form_id=d.get("form"),
        form_data=None, meta={}, needs_review=False, text_source="txt",
        filed_at=dt.datetime(2026, 3, 1), files=[],
    )


def filters_of(q: dict) -> Filters:
    f = q["filters"]
    return Filters(
        category=f.get("category"), year=f.get("year"),
        date_from=dt.date.fromisoformat(f["from"]) if f.get("from") else None,
        date_to=dt.date.fromisoformat(f["to"]) if f.get("to") else None,
    )


@dataclass
class Score:
    recall_at_10: float
    mrr: float
    failures: list[str] = field(default_factory=list)
    rankings: dict[str, list[str]] = field(default_factory=dict)


def evaluate(backend: SearchBackend, queries: list[dict]) -> Score:
    recalls, rr, failures, rankings = [], [], [], {}
    for q in queries:
        codes = [h.archival_code for h in search(backend, q["query"], filters_of(q), limit=10).hits]
        rankings[q["query"] + json.dumps(q["filters"])] = codes
        expected = set(q["expected"])
        recall = len(expected & set(codes)) / len(expected)
        first = next((i for i, c in enumerate(codes, 1) if c in expected), None)
        recalls.append(recall)
        rr.append(1 / first if first else 0.0)
        if recall < 1 or first != 1:
            failures.append(f"{q['kind']}: {q['query']!r} {q['filters']} recall={recall:.2f} first={first} got={codes[:5]}")
    return Score(sum(recalls) / len(recalls), sum(rr) / len(rr), failures, rankings)
