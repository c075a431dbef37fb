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


def _decode_error(path: Path, e: Exception) -> IngestError:
    return IngestError("图片无法解码（文件损坏或不是真正的图片）", path=path, detail=f"{type(e).__name__}: {e}")


def frames_within(path: Path, *, max_frames: int, max_pixels: int) -> int:
    """The number of frames, after checking from the headers alone (nothing is decoded) that there are at
    most ``max_frames`` and none has more than ``max_pixels``; IngestError naming the limit otherwise."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            n = int(getattr(im, "n_frames", 1))
            if n > max_frames:
                raise IngestError(f"图片页数过多（{n} 页，上限 {max_frames}）", path=path,
                                  detail=f"{n} frames > ingest.max_pages={max_frames}")
            for i in range(n):
                im.seek(i)
                _check_pixels(path, im.size, max_pixels, page=i + 1 if n > 1 else None)
    except IngestError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError) as e:
        raise _decode_error(path, e) from e
    return n


def _check_pixels(path: Path, size: tuple[int, int], max_pixels: int, *, page: int | None) -> None:
    w, h = size
    if w * h > max_pixels:
        where = f"第 {page} 页" if page else "图片"
        raise IngestError(f"{where}太大（{w} × {h} = {w * h / 1e6:.0f} 百万像素，上限 {max_pixels / 1e6:.0f}）",
                          path=path, detail=f"{w}x{h} > ingest.max_megapixels")


def image_frame(path: Path, index: int, *, max_pixels: int | None = None) -> Image.Image:
    """Frame ``index`` of an image file, decoded (alone: a multi-page TIFF is never decoded whole)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            im.seek(index)
            if max_pixels is not None:
                _check_pixels(path, im.size, max_pixels, page=index + 1)
            frame = im.convert("RGB")
            frame.load()
            return frame
    except IngestError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError) as e:
        raise _decode_error(path, e) from e


def image_frames(path: Path) -> Iterator[Image.Image]:
    """Each frame of an image file (multi-page TIFF gives several), decoded one at a time."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            for i in range(getattr(im, "n_frames", 1)):
                im.seek(i)
                frame = im.convert("RGB")
                frame.load()
                yield frame
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as e:
        raise _decode_error(path, e) from e
