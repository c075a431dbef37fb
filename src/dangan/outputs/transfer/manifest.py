"""The package manifest: every file of a transfer package with its size, SHA-256 and SM3.

``manifest.txt`` is UTF-8 text, one file a line::

    # dangan 移交包清单 1
    <sha256>  <sm3>  <size>  <path relative to the package, with />

The manifest lists every file of the package except itself and the two files
that state the manifest's own digest (``register.xml`` and the
移交与接收登记表 PDF).  SM3 is the national hash Chinese archival practice
cites (DA/T 97-2023) beside SHA-256; both come from OpenSSL through hashlib.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

NAME = "manifest.txt"
HEADER = "# dangan 移交包清单 1"
CHUNK = 1024 * 1024
_LINE = re.compile(r"^([0-9a-f]{64})  ([0-9a-f]{64})  (\d+)  (.+)$")


@dataclass(frozen=True)
class Entry:
    sha256: str
    sm3: str
    size: int
    path: str  # relative, with /

    def line(self) -> str:
        return f"{self.sha256}  {self.sm3}  {self.size}  {self.path}"


@dataclass(frozen=True)
class Digests:
    sha256: str
    sm3: str
    size: int


def sm3() -> hashlib._Hash:
    try:
        return hashlib.new("sm3")
    except ValueError as e:  # an OpenSSL without SM3
        raise RuntimeError("本机的 OpenSSL 不支持 SM3 摘要") from e


def digest_bytes(data: bytes) -> Digests:
    h2 = sm3()
    h2.update(data)
    return Digests(hashlib.sha256(data).hexdigest(), h2.hexdigest(), len(data))


def digest_file(path: Path) -> Digests:
    h1, h2, size = hashlib.sha256(), sm3(), 0
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            h1.update(chunk)
            h2.update(chunk)
            size += len(chunk)
    return Digests(h1.hexdigest(), h2.hexdigest(), size)


def copy_digesting(src: Path, dst: Path) -> Digests:
    """Copy ``src`` to ``dst`` (a new file, fsynced) reading it once; the digests of what was written."""
    h1, h2, size = hashlib.sha256(), sm3(), 0
    with open(src, "rb") as inp, open(dst, "xb") as out:
        while chunk := inp.read(CHUNK):
            h1.update(chunk)
            h2.update(chunk)
            out.write(chunk)
            size += len(chunk)
        out.flush()
        os.fsync(out.fileno())
    return Digests(h1.hexdigest(), h2.hexdigest(), size)


def render(entries: Iterable[Entry]) -> bytes:
    lines = [HEADER, *(e.line() for e in sorted(entries, key=lambda e: e.path))]
    return ("\n".join(lines) + "\n").encode("utf-8")


def parse(data: bytes) -> tuple[list[Entry], list[str]]:
    """The entries of a manifest, and its problems (lines that do not parse, unsafe paths) in words."""
    entries, problems = [], []
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return [], ["清单不是 UTF-8 文本"]
    lines = text.splitlines()
    if not lines or lines[0] != HEADER:
        problems.append("清单的第一行不是 dangan 移交包清单的标识")
    for n, line in enumerate(lines[1:], start=2):
        m = _LINE.match(line)
        if not m:
            problems.append(f"清单第 {n} 行格式不对")
            continue
        path = m[4]
        if not safe_relative(path):
            problems.append(f"清单第 {n} 行的路径不安全：{path}")
            continue
        entries.append(Entry(m[1], m[2], int(m[3]), path))
    return entries, problems


def safe_relative(path: str) -> bool:
    """A package path: relative, no .., no backslash, no empty part (pure)."""
    p = PurePosixPath(path)
    return not (p.is_absolute() or "\\" in path or any(part in ("", ".", "..") for part in path.split("/")))
