"""OCR of page images with rapidocr (optional extra ``dangan[ocr]``).

The engine is heavy (a second to load its models), so one engine is made per
process, lazily, the first time a page needs OCR.  It works offline: the
``rapidocr`` wheel carries its Chinese models and runs on ``onnxruntime``.
"""

from __future__ import annotations

import functools
import logging
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from PIL import Image

log = logging.getLogger(__name__)

EXTRA_HINT = "pip install 'dangan[ocr]'"
MIN_SCORE = 0.5


class OcrUnavailable(RuntimeError):
    """rapidocr or onnxruntime is not installed."""


@functools.cache
def _engine() -> Any:
    try:
        from rapidocr import RapidOCR
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise OcrUnavailable(f"未安装 OCR 组件，请运行 {EXTRA_HINT}") from e
    logging.getLogger("RapidOCR").setLevel(logging.WARNING)
    return RapidOCR(params={"Global.log_level": "warning"})


def available() -> bool:
    """Whether OCR can run here (imports the engine's packages, not the models)."""
    try:
        import onnxruntime  # noqa: F401
        import rapidocr  # noqa: F401
    except ImportError:
        return False
    return True


def ocr_image(image: Image.Image) -> str:
    """The text on ``image``, lines in reading order.  Raises OcrUnavailable."""
    result = _engine()(image.convert("RGB"))
    txts = result.txts or ()
    scores = result.scores or (1.0,) * len(txts)
    return "\n".join(t for t, s in zip(txts, scores, strict=False) if s >= MIN_SCORE and t.strip())
