"""Images through Pillow: check that they decode, and their frames (multi-page TIFF)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from dangan.errors import IngestError

if TYPE_CHECKING:
    from PIL import Image


def frame_count(data: bytes, *, name: str = "") -> int:
    """Frames of an image (after a structural check); IngestError if it does not open."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as img:
            frames = int(getattr(img, "n_frames", 1))
            img.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as e:
        raise IngestError("图片文件已损坏，无法打开", path=name or None, detail=str(e)) from e
    return frames


def image_frames(path: Path) -> Iterator[Image.Image]:
    """Each frame of an image file (multi-page TIFF gives several), decoded."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            for i in range(getattr(im, "n_frames", 1)):
                im.seek(i)
                frame = im.convert("RGB")
                frame.load()
                yield frame
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as e:
        raise IngestError("图片无法解码（文件损坏或不是真正的图片）", path=path,
                          detail=f"{type(e).__name__}: {e}") from e
