"""What a search returns (the same from every backend), and the snippet around the matched words."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from dangan.search.analysis import is_cjk

#: How :meth:`Snippet.marked` shows a highlighted span by default.
HIGHLIGHT = ("【", "】")
#: The fields every backend counts over all matches (``SearchResults.facets``).
FACETS = ("category", "year", "status")
SNIPPET_WIDTH = 90


@dataclass(frozen=True)
class Snippet:
    """A window of the text; ``spans`` are the highlighted [start, end) character ranges in ``text``."""

    text: str
    spans: tuple[tuple[int, int], ...] = ()

    def marked(self, before: str = HIGHLIGHT[0], after: str = HIGHLIGHT[1]) -> str:
        out, cursor = [], 0
        for a, b in self.spans:
            out += [self.text[cursor:a], before, self.text[a:b], after]
            cursor = b
        out.append(self.text[cursor:])
        return "".join(out)

    def __str__(self) -> str:
        return self.marked()

    def __bool__(self) -> bool:
        return bool(self.text)


@dataclass(frozen=True)
class Hit:
    """One record found: its code, title, score, snippet and the fields a result list shows."""

    archival_code: str
    title: str
    score: float
    snippet: Snippet
    date: str
    year: str
    category: str
    status: str
    period: str
    form: str
    unit: str
    doc_number: str

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["snippet"] = self.snippet.marked()
        d["highlights"] = [list(s) for s in self.snippet.spans]
        d["snippet_text"] = self.snippet.text
        return d


@dataclass(frozen=True)
class SearchResults:
    """A page of hits, with the total number of matches and the facet counts over all of them."""

    total: int  # matches in all (the hits are one page of them)
    hits: list[Hit]
    facets: dict[str, dict[str, int]] = field(default_factory=dict)  # FACETS name → value → count
    understood: str = ""  # the query as the analyser understood it
    query: str = ""  # the text as the user typed it (set by :func:`dangan.search.search`)

    def to_dict(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "understood": self.understood,
            "total": self.total,
            "results": [h.to_dict() for h in self.hits],
            "facets": self.facets,
        }


def facet_counts(groups: Mapping[Any, int]) -> dict[str, int]:
    """Counts, largest first (ties by value)."""
    return dict(sorted(((str(k), int(v)) for k, v in groups.items()), key=lambda kv: (-kv[1], kv[0])))


# ---------------------------------------------------------------- snippets


def snippet(body: str, words: Iterable[str], *, width: int = SNIPPET_WIDTH) -> Snippet:
    """A window of ``body`` around the first matched word, every match in it highlighted."""
    text = re.sub(r"\s+", " ", body).strip()
    if not text:
        return Snippet("")
    spans = _match_spans(text.lower(), [w.lower() for w in words if w])
    if not spans:
        return Snippet(text[:width] + ("…" if len(text) > width else ""))
    start = max(0, spans[0][0] - width // 4)
    end = min(len(text), start + width)
    lead = "…" if start > 0 else ""
    shown = tuple((a - start + len(lead), b - start + len(lead)) for a, b in spans if a >= start and b <= end)
    return Snippet(lead + text[start:end] + ("…" if end < len(text) else ""), shown)


def _match_spans(text: str, words: list[str]) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for t in sorted(set(words), key=len, reverse=True):
        pattern = re.escape(t) if is_cjk(t) else rf"(?<![a-z0-9]){re.escape(t)}(?![a-z0-9])"
        for m in re.finditer(pattern, text):
            if not any(a < m.end() and m.start() < b for a, b in spans):
                spans.append((m.start(), m.end()))
    return _merge_adjacent(sorted(spans))


def _merge_adjacent(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for a, b in spans:
        if out and out[-1][1] == a:
            out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return out
