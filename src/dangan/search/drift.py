"""Drift between the catalogue and the index: missing, stale and extra entries (by fingerprint)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dangan.errors import SearchIndexError
from dangan.search.backend import Documents, SearchBackend
from dangan.search.documents import IndexDocument, fingerprint


@dataclass
class DriftReport:
    checked: int = 0  # catalogue records looked at
    indexed: int = 0  # entries in the index
    missing: list[str] = field(default_factory=list)  # in the catalogue, not in the index
    stale: list[str] = field(default_factory=list)  # in both, but the entry is out of date
    extra: list[str] = field(default_factory=list)  # in the index, not in the catalogue
    problem: str | None = None  # the index could not be read at all

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


def check(backend: SearchBackend, documents: Documents) -> DriftReport:
    """Compare every catalogue (record, text) with its index entry."""
    report = DriftReport()
    try:
        entries = backend.fingerprints()
    except SearchIndexError as e:
        report.problem = e.message
        entries = {}
    report.indexed = len(entries)
    seen: set[str] = set()
    for item in documents:
        doc = IndexDocument(*item)
        report.checked += 1
        seen.add(doc.code)
        stored = entries.get(doc.code)
        if stored is None:
            report.missing.append(doc.code)
        elif stored != fingerprint(doc):
            report.stale.append(doc.code)
    report.extra = sorted(set(entries) - seen)
    return report
