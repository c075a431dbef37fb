"""Score OCR output against the known text of a page: character recall and lost lines.

Pure functions, no OCR and no files: the scan set (``scans.py``) gives each
page's *source lines* with their boxes, the OCR gives its text boxes, and
this module says how much of each source line came back.

Definitions (the numbers the evaluation reports mean exactly this):

- **Content characters.**  Recall counts letters and digits only: a character
  is kept when its Unicode category is L* or N* (CJK ideographs, Latin
  letters, digits, ①…), then NFKC-folded (keeping only the letters and
  digits of the folding: ``⑴`` is ``1``) and case-folded, so full-width
  ``２０２６`` equals ``2026`` and ``Ａ`` equals ``a``.  Whitespace,
  punctuation (``，。：（）、《》*`` and their ASCII look-alikes, which OCR
  confuses freely and search ignores) and symbols (``¥ × ㎡ ☐``) are not
  counted on either side.
- **Source line.**  A visual run of text on a page: consecutive characters of
  the PDF text layer on one baseline, with no horizontal gap wider than
  1.2 character heights (so a table cell, a form label and its value, each
  line of a wrapped paragraph are separate lines).  See :func:`segment`.
- **Recovered characters of a line.**  The OCR boxes that overlap the line
  (vertical overlap at least half the smaller height, any horizontal
  overlap), in left-to-right order, are joined; the line's recovered count is
  the length of the longest common subsequence of its content characters and
  that joined text.  A character is recovered only where the OCR put it, in
  order; a character read elsewhere on the page does not count.
- **Character recall** of a page or a set: recovered / total content
  characters, summed over lines.
- **Lost line**: a line with at least one content character of which fewer
  than half were recovered (:data:`LOST_BELOW`).
- **Unplaced characters**: content characters of OCR boxes that overlap no
  source line (noise read as text, the QR code read as letters); reported,
  not a pass/fail criterion.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

LOST_BELOW = 0.5
SAME_LINE_DY = 0.35  # baseline tolerance, in character heights
MAX_GAP = 1.2  # widest gap inside one line, in character heights
MIN_V_OVERLAP = 0.5  # an OCR box belongs to a line when it covers half the smaller height


Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in page pixels, y down


def content(text: str) -> str:
    """The characters recall counts: letters and digits, NFKC- and case-folded."""
    out = []
    for c in text:
        if unicodedata.category(c)[0] in "LN":
            out.extend(d for d in unicodedata.normalize("NFKC", c) if unicodedata.category(d)[0] in "LN")
    return "".join(out).casefold()


def lcs_len(a: str, b: str) -> int:
    """Length of the longest common subsequence (bit-parallel, Hyyrö 2004)."""
    if not a or not b:
        return 0
    masks: dict[str, int] = {}
    for i, ch in enumerate(a):
        masks[ch] = masks.get(ch, 0) | (1 << i)
    full = (1 << len(a)) - 1
    v = full
    for ch in b:
        u = v & masks.get(ch, 0)
        v = ((v + u) | (v - u)) & full
    return len(a) - v.bit_count()


@dataclass(frozen=True)
class Line:
    """A source line: its printed text and its box on the page."""

    text: str
    box: Box

    @property
    def chars(self) -> str:
        return content(self.text)


@dataclass(frozen=True)
class Char:
    text: str
    box: Box  # loose box (font ascent to descent), page pixels, y down


def segment(chars: Iterable[Char]) -> list[Line]:
    """Group text-layer characters (in text-layer order) into source lines.

    Whitespace and line breaks of the text layer do not start a line by
    themselves: a run continues while the next character sits on the same
    baseline, to the right, within :data:`MAX_GAP` heights of the run's end.
    """
    lines: list[Line] = []
    run: list[Char] = []

    def close() -> None:
        if run:
            text = "".join(c.text for c in run)
            xs0, ys0, xs1, ys1 = zip(*(c.box for c in run), strict=True)
            lines.append(Line(text, (min(xs0), min(ys0), max(xs1), max(ys1))))
            run.clear()

    for c in chars:
        if not c.text.strip():
            continue
        x0, y0, x1, y1 = c.box
        h = y1 - y0
        if h <= 0 or x1 <= x0:
            continue
        if run:
            last = run[-1].box
            lh = last[3] - last[1]
            scale = max(h, lh)
            same_base = abs((y0 + y1) / 2 - (last[1] + last[3]) / 2) < SAME_LINE_DY * scale
            gap = x0 - last[2]
            if not (same_base and -0.3 * scale <= gap <= MAX_GAP * scale):
                close()
        run.append(c)
    close()
    return lines


@dataclass(frozen=True)
class OcrBox:
    """One OCR result line, its box already mapped back to page pixels."""

    text: str
    box: Box


@dataclass
class LineResult:
    line: Line
    total: int
    recovered: int
    read_as: str  # the joined OCR text it was compared with

    @property
    def lost(self) -> bool:
        return self.total > 0 and self.recovered < LOST_BELOW * self.total


@dataclass
class PageScore:
    lines: list[LineResult]
    unplaced: int = 0
    extra: dict[str, float] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(r.total for r in self.lines)

    @property
    def recovered(self) -> int:
        return sum(r.recovered for r in self.lines)

    @property
    def recall(self) -> float:
        return self.recovered / self.total if self.total else 1.0

    @property
    def lost(self) -> list[LineResult]:
        return [r for r in self.lines if r.lost]


def _v_overlap(a: Box, b: Box) -> float:
    inter = min(a[3], b[3]) - max(a[1], b[1])
    smaller = min(a[3] - a[1], b[3] - b[1])
    return inter / smaller if smaller > 0 else 0.0


def _h_overlaps(a: Box, b: Box) -> bool:
    return min(a[2], b[2]) > max(a[0], b[0])


def belongs(ocr: Box, line: Box) -> bool:
    return _h_overlaps(ocr, line) and _v_overlap(ocr, line) >= MIN_V_OVERLAP


def score_page(lines: Sequence[Line], ocr: Sequence[OcrBox]) -> PageScore:
    """How much of each source line the OCR boxes recovered (see the module's definitions)."""
    placed = [False] * len(ocr)
    results = []
    for line in lines:
        want = line.chars
        hits = [i for i, o in enumerate(ocr) if belongs(o.box, line.box)]
        for i in hits:
            placed[i] = True
        hits.sort(key=lambda i: (ocr[i].box[0] + ocr[i].box[2]) / 2)
        got = "".join(content(ocr[i].text) for i in hits)
        results.append(LineResult(line, len(want), lcs_len(want, got), got))
    unplaced = sum(len(content(o.text)) for o, p in zip(ocr, placed, strict=True) if not p)
    return PageScore(results, unplaced)
