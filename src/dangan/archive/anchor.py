"""The audit chain's anchor: its head written outside the catalogue, so truncation and recomputation show.

The chain (:mod:`dangan.archive.audit`) detects an entry edited, inserted or deleted in the middle, but
not the newest entries deleted, nor the whole chain recomputed after an edit (its hash is unkeyed).  So
each ``verify``, and the first opening of the archive each day, appends the head (the last entry's number
and hash) to ``archive/audit-anchor.jsonl``: one JSON line each, never rewritten.  ``verify`` then checks
that every anchored entry is still in the catalogue with the same hash.  With a key file
(``[audit] key_file``, kept by the administrator away from the archive) each line also carries an
HMAC-SHA-256, so a person who can write the archive's files cannot forge an anchor for a recomputed chain.

What it cannot see: changes made after the last anchor and before the next one (they are caught by the
next verify only if the chain itself breaks), and, without a key, an anchor file rewritten along with a
recomputed chain.  The functions here are pure except :func:`read` and :func:`append`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from dangan.archive.audit import AuditEntry

FILE_NAME = "audit-anchor.jsonl"


@dataclass(frozen=True)
class Anchor:
    id: int  # the number of the chain's last entry when the anchor was written
    hash: str  # that entry's hash
    at: str  # when (ISO time)
    mac: str | None = None  # HMAC-SHA-256 of id, hash and at with the key file's key

    def to_line(self) -> str:
        data = {"id": self.id, "hash": self.hash, "at": self.at}
        if self.mac is not None:
            data["mac"] = self.mac
        return json.dumps(data, sort_keys=True) + "\n"


def mac_of(key: bytes, id: int, hash: str, at: str) -> str:
    return hmac.new(key, f"{id}\n{hash}\n{at}".encode(), hashlib.sha256).hexdigest()


def make(id: int, hash: str, at: str, key: bytes | None) -> Anchor:
    """The anchor of the chain's head ``id``/``hash`` (signed when there is a key)."""
    return Anchor(id, hash, at, mac_of(key, id, hash, at) if key else None)


def parse(lines: Iterable[str]) -> tuple[list[Anchor], list[str]]:
    """(anchors, problems of lines that do not parse)."""
    anchors: list[Anchor] = []
    problems: list[str] = []
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            d = json.loads(line)
            anchors.append(Anchor(int(d["id"]), str(d["hash"]), str(d["at"]), d.get("mac")))
        except (ValueError, KeyError, TypeError):
            problems.append(f"审计锚点文件第 {n} 行无法读取（被改动）")
    return anchors, problems


def check(anchors: Sequence[Anchor], entries: Sequence[AuditEntry], *, key: bytes | None,
          verified_before: bool) -> list[str]:
    """Problems, as Chinese sentences: anchored entries gone (truncation) or changed (recomputation),
    anchors without a valid HMAC when there is a key, no anchor at all after an earlier verify."""
    problems: list[str] = []
    by_id = {e.id: e for e in entries}
    if not anchors and verified_before:
        problems.append(f"审计锚点文件 {FILE_NAME} 不见了（以前的检测写过它）：审计记录可能被截断或重算")
    for a in anchors:
        if key is not None and (a.mac is None or not hmac.compare_digest(a.mac, mac_of(key, a.id, a.hash, a.at))):
            problems.append(f"审计锚点（{a.at}，第 {a.id} 条）的 HMAC 不符：锚点文件被改动")
            continue
        entry = by_id.get(a.id)
        if entry is None:
            problems.append(f"审计记录被截断：{a.at} 记下的第 {a.id} 条已不在目录里（最新记录及其审计被删除）")
        elif entry.hash != a.hash:
            problems.append(f"审计记录第 {a.id} 条与 {a.at} 记下的锚点不符：审计链被重新计算过")
    return problems


def read(path: Path) -> tuple[list[Anchor], list[str]]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return [], []
    except (OSError, UnicodeDecodeError) as e:
        return [], [f"审计锚点文件无法读取：{e}"]
    return parse(text.splitlines())


def append(path: Path, anchor: Anchor) -> None:
    """Add one line (one write, fsynced; several processes may append)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        os.write(fd, anchor.to_line().encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)


def read_key(path: Path) -> bytes:
    """The key file's bytes (whitespace around them dropped)."""
    return path.read_bytes().strip()
