"""OCR of page images with rapidocr (optional extra ``dangan[ocr]``).

The engine is heavy (a second to load its models), so one engine is made per
process and per settings, lazily, the first time a page needs OCR.  It works
offline: the ``rapidocr`` wheel carries its Chinese models and runs on
``onnxruntime``.

:data:`SETTINGS` are the engine settings dangan uses; they were chosen on the
OCR evaluation (``tests/eval/ocr``, run by ``bench/bench_ocr.py``), see the
comment there.  :func:`ocr_lines` takes other settings so that the evaluation
can compare them.
"""

from __future__ import annotations

import functools
import logging
import statistics
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from PIL import Image

log = logging.getLogger(__name__)

EXTRA_HINT = "pip install 'dangan[ocr]'"

# rapidocr 3.x's own defaults, for the record and for the evaluation's "before".
RAPIDOCR_DEFAULTS: dict[str, Any] = {
    "Global.text_score": 0.5,
    "Global.use_cls": True,
    "Global.max_side_len": 2000,
    "Det.limit_side_len": 736,
    "Det.limit_type": "min",
    "Det.thresh": 0.3,
    "Det.box_thresh": 0.5,
    "Det.unclip_ratio": 1.6,
}
# The settings dangan uses, chosen on the OCR evaluation (tests/eval/ocr; scoring defined in
# tests/eval/ocr/scoring.py).  On the 33 clean 200-dpi scans of every form and six free texts
# (`bench/bench_ocr.py --configs before,no-cls,unclip-2.0,box-0.3 --conditions clean --dpis 200`):
#   rapidocr defaults          character recall 0.9909, 6 lines lost (房号 headers on 4 登记表, two
#                              full-width lines of 8-pt small print read as nothing or "热系和")
#   Global.use_cls = False     0.9995, 0 lines lost, time x1.01 of the defaults
#   Det.unclip_ratio = 2.0     0.9977, 13 lines lost (short table cells); Det.box_thresh = 0.3: same as defaults
# The per-line direction classifier turns short cells and long lines upside down, after which the
# recogniser reads them with low confidence and they are dropped without a trace; so it is off.
# It also rescued pages fed upside down (an upside-down 社区活动通知 without it: recall 0.091): the
# page-level turn check below reads such a page turned 180 degrees instead, and costs a second
# reading only on doubtful pages.
# The whole evaluation (`bench/bench_ocr.py`: 38 of its 198 scans, a seeded random prefix
# covering every degradation and dpi; the machine's load was 10-21), defaults -> these settings:
#   all 0.9756 / 20 lines lost -> 0.9995 / 0;  clean 0.9879 / 3 -> 1.000 / 0;  bw 0.9921 / 2 ->
#   0.9947 / 0;  jpeg 0.9970 / 3 -> 0.9996 / 0;  upside-down 0.8317 / 12 -> 1.000 / 0;  blur, noise,
#   rotate, scan 1.000 / 0 both;  150 dpi 0.9572 -> 0.9990, 200 dpi 0.9848 -> 1.000, 300 dpi
#   0.9925 -> 0.9998.  Time per page: x0.97 of the defaults (median of per-scan ratios in the same
#   run); an upside-down page, read twice, about x2.
# "dangan.*" keys are dangan's own steps, not the engine's: "dangan.turn_below": when the median
# confidence of a page's lines is below it, the page is also read turned 180 degrees and the
# reading with more confident characters is kept; None: never.
SETTINGS: dict[str, Any] = {
    **RAPIDOCR_DEFAULTS,
    "Global.use_cls": False,
    "dangan.turn_below": 0.8,
}


class OcrUnavailable(RuntimeError):
    """rapidocr or onnxruntime is not installed."""


@dataclass(frozen=True)
class OcrLine:
    """One line of text the engine found: its text, confidence and corner points (image pixels)."""

    text: str
    score: float
    box: tuple[tuple[float, float], ...]


@functools.cache
def _engine(settings: tuple[tuple[str, Any], ...]) -> Any:
    try:
        from rapidocr import RapidOCR
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise OcrUnavailable(f"未安装 OCR 组件，请运行 {EXTRA_HINT}") from e
    logging.getLogger("RapidOCR").setLevel(logging.WARNING)
    return RapidOCR(params={"Global.log_level": "warning", **dict(settings)})


def available() -> bool:
    """Whether OCR can run here (imports the engine's packages, not the models)."""
    try:
        import onnxruntime  # noqa: F401
        import rapidocr  # noqa: F401
    except ImportError:
        return False
    return True


def ocr_lines(image: Image.Image, *, settings: Mapping[str, Any] | None = None) -> list[OcrLine]:
    """The lines of text on ``image`` in reading order, those scoring below
    ``Global.text_score`` left out.  Raises OcrUnavailable."""
    chosen = dict(SETTINGS if settings is None else settings)
    min_score = float(chosen.get("Global.text_score", 0.5))
    turn_below = chosen.get("dangan.turn_below")
    engine_params = {k: v for k, v in chosen.items() if not k.startswith("dangan.")}
    engine_params["Global.text_score"] = 0.0  # every line, so a doubtful page can be told; filtered below
    engine = _engine(tuple(sorted(engine_params.items())))
    rgb = image.convert("RGB")
    lines = _read(engine, rgb)
    if turn_below is not None and lines and median_score(lines) < turn_below:
        turned = [_turned_back(line, rgb.size) for line in _read(engine, rgb.rotate(180))]
        if confident_chars(turned, min_score) > confident_chars(lines, min_score):
            log.info("page read turned 180 degrees (median confidence %.2f)", median_score(lines))
            lines = turned
    return [line for line in lines if line.score >= min_score]


def _read(engine: Any, image: Image.Image) -> list[OcrLine]:
    result = engine(image)
    txts = result.txts or ()
    scores = result.scores or (1.0,) * len(txts)
    boxes = result.boxes if result.boxes is not None else [()] * len(txts)
    return [OcrLine(t, float(s), tuple((float(x), float(y)) for x, y in b))
            for t, s, b in zip(txts, scores, boxes, strict=False) if t.strip()]


def _turned_back(line: OcrLine, size: tuple[int, int]) -> OcrLine:
    """A line read on the page turned 180 degrees, its box put back on the page as given."""
    w, h = size
    return OcrLine(line.text, line.score, tuple((w - x, h - y) for x, y in line.box))


def median_score(lines: list[OcrLine]) -> float:
    return statistics.median(line.score for line in lines)


def confident_chars(lines: list[OcrLine], min_score: float) -> float:
    """Characters read, weighted by confidence, of the lines that would be kept."""
    return sum(line.score * len(line.text) for line in lines if line.score >= min_score)


def ocr_image(image: Image.Image) -> str:
    """The text on ``image``, lines in reading order.  Raises OcrUnavailable."""
    return "\n".join(line.text for line in ocr_lines(image))
