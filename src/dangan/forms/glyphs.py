"""Missing glyphs: a character the fonts cannot draw is reported, never a silent box.

Coverage is the character map of the body font (Noto Serif CJK SC) plus,
for characters it lacks, fontconfig's fallback fonts (the ones Pango would
substitute).  Both are cached for the life of the process.

The print stylesheet names "Dangan Serif GB" first (fonts.py): a subset of
Noto Serif CJK SC, so a character it lacks but the full font has is drawn from
the full font, and the answer here is the same with or without it.
"""

from __future__ import annotations

import shutil
import subprocess
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

BODY_FONT = "Noto Serif CJK SC"


@dataclass(frozen=True)
class MissingGlyph:
    char: str
    field: str

    @property
    def code(self) -> str:
        return f"U+{ord(self.char):04X}"

    def message(self) -> str:
        return f"字段「{self.field}」中的字「{self.char}」（{self.code}）在已安装的字体中没有字形，打印出来会是方框"


def _font_file(family: str) -> tuple[str, int] | None:
    if not shutil.which("fc-match"):
        return None
    out = subprocess.run(["fc-match", "-f", "%{file}|%{index}", family], capture_output=True, text=True, check=False)
    if out.returncode != 0 or "|" not in out.stdout:
        return None
    path, index = out.stdout.rsplit("|", 1)
    return path, int(index or 0)


@lru_cache(maxsize=4)
def body_coverage(family: str = BODY_FONT) -> frozenset[int]:
    """Code points the body font maps (empty when it cannot be read)."""
    from fontTools.ttLib import TTFont

    found = _font_file(family)
    if found is None:
        return frozenset()
    path, index = found
    kw = {"fontNumber": index} if path.lower().endswith((".ttc", ".otc")) else {}
    font = TTFont(path, lazy=True, **kw)
    return frozenset(font.getBestCmap() or {})


@lru_cache(maxsize=4096)
def has_fallback(code: int) -> bool:
    """True when some installed font (fontconfig) has a glyph for ``code``."""
    if not shutil.which("fc-list"):
        return True
    out = subprocess.run(["fc-list", f":charset={code:x}", "family"], capture_output=True, text=True, check=False)
    return bool(out.stdout.strip())


def _drawable(ch: str) -> bool:
    code = ord(ch)
    if ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp"):
        return True
    return code in body_coverage() or has_fallback(code)


def _strings(value: Any, label: str, labels: Mapping[str, str]) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield label, value
    elif isinstance(value, list):
        for i, row in enumerate(value, start=1):
            if isinstance(row, Mapping):
                for k, v in row.items():
                    yield from _strings(v, f"{label} 第 {i} 行 {labels.get(k, k)}", labels)


def find_missing(values: Mapping[str, Any], labels: Mapping[str, str]) -> list[MissingGlyph]:
    """Every character of every text value that no installed font can draw."""
    missing: list[MissingGlyph] = []
    seen: set[tuple[str, str]] = set()
    for key, value in values.items():
        for label, text in _strings(value, labels.get(key, key), labels):
            for ch in text:
                if ord(ch) < 0x2000 and ch.isprintable():
                    continue
                if (ch, label) not in seen and not _drawable(ch):
                    seen.add((ch, label))
                    missing.append(MissingGlyph(ch, label))
    return missing


def labels_of(fields: Iterable[Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    for f in fields:
        out[f.id] = f.label
        for c in getattr(f, "columns", ()):
            out.setdefault(c.id, c.label)
    return out
