"""Run OCR over scans and score it: character recall and lost lines per scan, then per condition and dpi.

``bench/bench_ocr.py`` runs the whole evaluation; ``tests/test_ocr_eval.py``
a small subset of it.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from eval.ocr.scans import Scan, map_box
from eval.ocr.scoring import OcrBox, PageScore, score_page

# image -> [(text, corner points)], e.g. lambda im: [(l.text, l.box) for l in ocr.ocr_lines(im)]
OcrFunc = Callable[[Any], Sequence[tuple[str, Sequence[Sequence[float]]]]]


@dataclass
class ScanResult:
    key: str
    source: str
    condition: str
    dpi: int
    seconds: float
    total: int
    recovered: int
    lines: int
    lost: list[str] = field(default_factory=list)  # "printed text -> what OCR read there"
    unplaced: int = 0

    @property
    def recall(self) -> float:
        return self.recovered / self.total if self.total else 1.0


def dangan_ocr(settings: Mapping[str, Any] | None = None) -> OcrFunc:
    """dangan's own OCR (``ingest.ocr.ocr_lines``) with ``settings`` (None: dangan's chosen ones)."""
    from dangan.ingest import ocr

    def run(image: Any) -> list[tuple[str, Sequence[Sequence[float]]]]:
        return [(line.text, line.box) for line in ocr.ocr_lines(image, settings=settings)]

    return run


def score_scan(scan: Scan, found: Sequence[tuple[str, Sequence[Sequence[float]]]]) -> PageScore:
    boxes = [OcrBox(text, map_box(quad, scan.to_page)) for text, quad in found if len(quad)]
    return score_page(scan.lines, boxes)


def run_scan(scan: Scan, ocr: OcrFunc) -> ScanResult:
    t0 = time.perf_counter()
    found = ocr(scan.image)
    seconds = time.perf_counter() - t0
    page = score_scan(scan, found)
    return ScanResult(
        scan.key, scan.source, scan.condition, scan.dpi, seconds, page.total, page.recovered, len(page.lines),
        [f"{r.line.text} -> {r.read_as or '∅'}" for r in page.lost], page.unplaced)


def run(scans: Iterable[Scan], ocr: OcrFunc) -> list[ScanResult]:
    return [run_scan(s, ocr) for s in scans]


def _group(results: Sequence[ScanResult]) -> dict[str, Any]:
    total = sum(r.total for r in results)
    return {
        "scans": len(results),
        "chars": total,
        "recall": round(sum(r.recovered for r in results) / total, 4) if total else None,
        "worst_page_recall": round(min(r.recall for r in results), 4) if results else None,
        "lines": sum(r.lines for r in results),
        "lines_lost": sum(len(r.lost) for r in results),
        "unplaced_chars": sum(r.unplaced for r in results),
        "median_s": round(statistics.median(r.seconds for r in results), 2) if results else None,
    }


def summarise(results: Sequence[ScanResult]) -> dict[str, Any]:
    """Figures per condition, per dpi, per (condition, dpi), and the lost lines of each scan."""
    conds = sorted({r.condition for r in results}, key=lambda c: (c != "clean", c))
    dpis = sorted({r.dpi for r in results})
    return {
        "all": _group(results),
        "by_condition": {c: _group([r for r in results if r.condition == c]) for c in conds},
        "by_dpi": {str(d): _group([r for r in results if r.dpi == d]) for d in dpis},
        "by_condition_dpi": {f"{c}@{d}": _group(g) for c in conds for d in dpis
                             if (g := [r for r in results if r.condition == c and r.dpi == d])},
        "lost_lines": {r.key: r.lost for r in results if r.lost},
        "scans": [{"key": r.key, "recall": round(r.recall, 4), "chars": r.total, "lost": len(r.lost),
                   "unplaced": r.unplaced, "s": round(r.seconds, 2)} for r in results],
    }
