"""A fast body font: Noto Serif CJK SC pre-subset to GB2312, cached on disk.

WeasyPrint subsets every embedded font when it writes a PDF.  Subsetting the
full Noto Serif CJK SC (65,000 glyphs) costs most of a one-page notice's
time; a copy cut down to GB2312 (about 7,500 characters) is several times
quicker to subset.  The print stylesheet names it first and the full
Noto Serif CJK SC second, so a rarer character (喆, 𠮷 in an owner's name)
is drawn from the full font.  The subset only ever holds characters of the
full font, so the missing-glyph check (glyphs.py) is unchanged by it.

The subset is built once with HarfBuzz (libharfbuzz-subset, which WeasyPrint
needs anyway; about 0.3 s a weight) into the user's cache folder, under a file
lock and with an atomic rename, so two processes never race.  When anything is
missing the fast font is simply not used: documents still render, slower.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

FAMILY = "Dangan Serif GB"
SOURCE_FAMILY = "Noto Serif CJK SC"
WEIGHTS = {"Regular": "normal", "Bold": "bold"}
VERSION = "1"  # bump to rebuild every cached subset
EXTRA_CHARS = "㎡¥×÷±≤≥°‰№℃ⅠⅡⅢⅣⅤⅥⅦⅧⅨⅩ①②③④⑤⑥⑦⑧⑨⑩—–―‘’“”…·•※→←↑↓√☐☑□■○●△▲◆◇★☆"
CACHE_ENV = "DANGAN_CACHE_DIR"


@dataclass(frozen=True)
class FastFont:
    weight: str  # CSS font-weight
    path: Path


def gb2312_chars() -> set[str]:
    """Every character of the GB2312 set (from Python's codec), about 7,450."""
    chars: set[str] = set()
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                chars.add(bytes((hi, lo)).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return chars


def charset(template_root: Path | None = None) -> str:
    """GB2312 + ASCII + CJK punctuation + full-width forms + the odd symbols + every
    character of the built-in templates, sorted (its hash names the cache file)."""
    chars = gb2312_chars()
    chars.update(chr(c) for c in range(0x20, 0x7F))
    chars.update(chr(c) for c in range(0x3000, 0x3040))
    chars.update(chr(c) for c in range(0xFF01, 0xFFEF))
    chars.update(chr(c) for c in range(0x2010, 0x2040))
    chars.update(EXTRA_CHARS)
    if template_root is not None and template_root.is_dir():
        for path in sorted(template_root.rglob("*")):
            if path.suffix in (".html", ".yaml", ".yml", ".css") and path.is_file():
                chars.update(path.read_text(encoding="utf-8", errors="ignore"))
    return "".join(sorted(c for c in chars if c.isprintable() and not c.isspace() or c == " "))


def cache_dir() -> Path:
    """``$DANGAN_CACHE_DIR`` or ``$XDG_CACHE_HOME/dangan`` (``~/.cache/dangan``), ``/fonts``."""
    base = os.environ.get(CACHE_ENV) or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "dangan")
    return Path(base) / "fonts"


def source_font(style: str) -> tuple[Path, int] | None:
    """The installed Noto Serif CJK SC file and face index for ``style`` (fontconfig)."""
    if not shutil.which("fc-match"):
        return None
    out = subprocess.run(["fc-match", "-f", "%{family}|%{file}|%{index}", f"{SOURCE_FAMILY}:style={style}"],
                         capture_output=True, text=True, check=False)
    parts = out.stdout.rsplit("|", 2)
    if out.returncode != 0 or len(parts) != 3 or SOURCE_FAMILY not in parts[0].split(","):
        return None
    return Path(parts[1]), int(parts[2] or 0)


@lru_cache(maxsize=1)
def _harfbuzz() -> tuple[Any, Any, Any] | None:
    try:
        from cffi import FFI

        ffi = FFI()
        ffi.cdef("""
            typedef struct hb_blob_t hb_blob_t; typedef struct hb_face_t hb_face_t;
            typedef struct hb_set_t hb_set_t; typedef struct hb_subset_input_t hb_subset_input_t;
            hb_blob_t *hb_blob_create_from_file_or_fail (const char *file_name);
            void hb_blob_destroy (hb_blob_t *blob);
            hb_face_t *hb_face_create (hb_blob_t *blob, unsigned int index);
            void hb_face_destroy (hb_face_t *face);
            hb_blob_t *hb_face_reference_blob (hb_face_t *face);
            const char *hb_blob_get_data (hb_blob_t *blob, unsigned int *length);
            void hb_set_add_range (hb_set_t *set, uint32_t first, uint32_t last);
            hb_subset_input_t *hb_subset_input_create_or_fail (void);
            void hb_subset_input_destroy (hb_subset_input_t *input);
            hb_set_t *hb_subset_input_unicode_set (hb_subset_input_t *input);
            hb_face_t *hb_subset_or_fail (hb_face_t *source, const hb_subset_input_t *input);
        """)
        return ffi, ffi.dlopen("libharfbuzz.so.0"), ffi.dlopen("libharfbuzz-subset.so.0")
    except (ImportError, OSError, AttributeError):
        return None


def subset_font(path: Path, index: int, chars: str) -> bytes | None:
    """``path`` (face ``index``) cut down to ``chars`` with HarfBuzz; None if it cannot."""
    hb = _harfbuzz()
    if hb is None:
        return None
    ffi, lib, sub = hb
    blob = lib.hb_blob_create_from_file_or_fail(str(path).encode())
    if blob == ffi.NULL:
        return None
    face = lib.hb_face_create(blob, index)
    inp = sub.hb_subset_input_create_or_fail()
    out_face = out_blob = ffi.NULL
    try:
        if inp == ffi.NULL:
            return None
        unicodes = sub.hb_subset_input_unicode_set(inp)
        for c in chars:
            lib.hb_set_add_range(unicodes, ord(c), ord(c))
        out_face = sub.hb_subset_or_fail(face, inp)
        if out_face == ffi.NULL:
            return None
        out_blob = lib.hb_face_reference_blob(out_face)
        length = ffi.new("unsigned int *")
        data = lib.hb_blob_get_data(out_blob, length)
        return bytes(ffi.buffer(data, length[0])) if length[0] else None
    finally:
        if out_blob != ffi.NULL:
            lib.hb_blob_destroy(out_blob)
        if out_face != ffi.NULL:
            lib.hb_face_destroy(out_face)
        if inp != ffi.NULL:
            sub.hb_subset_input_destroy(inp)
        lib.hb_face_destroy(face)
        lib.hb_blob_destroy(blob)


def rename(font_bytes: bytes, style: str) -> bytes:
    """Give the subset its own family name, so it never answers for the full font."""
    import io

    from fontTools.ttLib import TTFont

    font = TTFont(io.BytesIO(font_bytes), lazy=True)
    name = font["name"]
    ps = FAMILY.replace(" ", "") + "-" + style
    for record in list(name.names):
        if record.nameID in (16, 17, 21, 22):
            name.removeNames(nameID=record.nameID)
    for name_id, value in ((1, FAMILY), (2, style), (3, f"{ps};{VERSION}"), (4, f"{FAMILY} {style}"), (6, ps)):
        name.setName(value, name_id, 3, 1, 0x409)
        name.setName(value, name_id, 1, 0, 0)
    buf = io.BytesIO()
    font.save(buf)
    return buf.getvalue()


def _key(source: Path, index: int, chars: str) -> str:
    st = source.stat()
    raw = f"{VERSION}|{source}|{index}|{st.st_size}|{st.st_mtime_ns}|{chars}"
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def prepare_font(style: str, chars: str, folder: Path) -> Path | None:
    """The cached subset for ``style``, building it under a lock if needed; None if impossible."""
    found = source_font(style)
    if found is None:
        return None
    source, index = found
    path = folder / f"{FAMILY.replace(' ', '')}-{style}-{_key(source, index, chars)}.otf"
    if path.is_file():
        return path
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if path.is_file():  # another process built it while we waited
                return path
            data = subset_font(source, index, chars)
            if data is None:
                return None
            _atomic_write(path, rename(data, style))
            for stale in folder.glob(f"{FAMILY.replace(' ', '')}-{style}-*.otf"):
                if stale != path:  # an older character set or font version (WeasyPrint copies the
                    stale.unlink(missing_ok=True)  # file it loads, so running processes are unaffected)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return path


@lru_cache(maxsize=4)
def fast_fonts(template_root: Path | None = None, folder: Path | None = None) -> tuple[FastFont, ...]:
    """Every weight of the fast font that could be prepared (empty when none could)."""
    chars = charset(template_root)
    places = [folder] if folder else [cache_dir(), Path(tempfile.gettempdir()) / f"dangan-fonts-{os.getuid()}"]
    for where in places:
        fonts: list[FastFont] = []
        try:
            for style, weight in WEIGHTS.items():
                path = prepare_font(style, chars, where)
                if path is not None:
                    fonts.append(FastFont(weight, path))
        except OSError:  # cache folder not writable: try the next place
            continue
        return tuple(fonts)
    return ()


def font_face_css(fonts: tuple[FastFont, ...]) -> str:
    """``@font-face`` rules that make :data:`FAMILY` resolve to the cached files."""
    return "\n".join(
        f'@font-face {{ font-family: "{FAMILY}"; src: url("{f.path.as_uri()}"); font-weight: {f.weight}; }}'
        for f in fonts)
