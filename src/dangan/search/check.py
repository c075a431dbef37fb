"""Drift between the catalogue and the index: missing, stale and extra entries."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from dangan.archive.model import Record
from dangan.errors import SearchIndexError
from dangan.search.index import SearchIndex
from dangan.search.schema import fingerprint


@dataclass
class DriftReport:
    checked: int = 0  # catalogue records looked at
    indexed: int = 0  # entries in the index
    missing: list[str] = field(default_factory=list)  # in the catalogue, not in the index
    stale: list[str] = field(default_factory=list)  # in both, but the entry is out of date
    extra: list[str] = field(default_factory=list)  # in the index, not in the catalogue
    problem: str | None = None  # the index could not be opened at all

    @property
    def ok(self) -> bool:
        return not (self.missing or self.stale or self.extra or self.problem)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checked": self.checked,
            "indexed": self.indexed,
            "missing": self.missing,
            "stale": self.stale,
            "extra": self.extra,
            "problem": self.problem,
        }


def indexed_fingerprints(index: SearchIndex) -> dict[str, str]:
    """archival code → fingerprint of every live entry."""
    with index.searcher() as s:
        reader = s.reader()
        codes = reader.column_reader("code")
        fps = reader.column_reader("fingerprint")
        return {codes[n]: fps[n] for n in reader.all_doc_ids()}


def check(index: SearchIndex, documents: Iterable[tuple[Record, str | None]]) -> DriftReport:
    """Compare every catalogue record with its index entry."""
    report = DriftReport()
    try:
        entries = indexed_fingerprints(index)
    except SearchIndexError as e:
        report.problem = e.message
        entries = {}
    report.indexed = len(entries)
    seen: set[str] = set()
    for record, text in documents:
        report.checked += 1
        code = record.archival_code
        seen.add(code)
        stored = entries.get(code)
        if stored is None:
            report.missing.append(code)
        elif stored != fingerprint(record, text):
            report.stale.append(code)
    report.extra = sorted(set(entries) - seen)
    return report
