"""Files dangan writes where a user asks (``--out``): never into the workspace's own data, and never over a
file dangan did not write, unless the user says ``--force``.

Whether dangan wrote a file is known from the outputs ledger, ``.dangan/outputs.jsonl``: one line per
file written (its resolved path and SHA-256).  A file still holding the bytes dangan wrote there may be
replaced by the next run of the same command; a file that was changed since, or that dangan never wrote,
is refused without ``force``.  The workspace's own files (dangan.toml, the archive, the index, the
templates, the quarantine, ``.dangan/``) are refused even with ``force`` (:meth:`Workspace.output_target`).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from dangan.config import Workspace
from dangan.content.hashing import sha256_file
from dangan.errors import WorkspaceError

LEDGER_NAME = "outputs.jsonl"


def ledger_path(ws: Workspace) -> Path:
    return ws.state_dir / LEDGER_NAME


def output_file(ws: Workspace, path: Path | str, *, force: bool = False) -> Path:
    """The resolved target for an output file the user named; refused (WorkspaceError) if it may not be written.

    Refused always: the workspace's own files and folders, an existing folder.  Refused unless ``force``:
    an existing file that dangan did not write, or that was changed since.
    """
    target = ws.output_target(path)
    if target.is_dir():
        raise WorkspaceError(f"输出位置 {target} 是一个目录，请给出文件名", path=target)
    if target.exists() and not force and not written_by_dangan(ws, target):
        raise WorkspaceError(f"文件 {target} 已存在，且不是 dangan 生成的（或生成后被修改过），为避免覆盖已拒绝；"
                             "确需覆盖请加 --force", path=target)
    return target


def written_by_dangan(ws: Workspace, target: Path) -> bool:
    """``target`` holds exactly the bytes dangan last recorded writing there."""
    try:
        current = sha256_file(target)[0]
    except OSError:
        return False
    key = str(target.resolve())
    try:
        lines = ledger_path(ws).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return False
    for line in reversed(lines):
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue
        if entry.get("path") == key:
            return bool(entry.get("sha256") == current)
    return False


def record_written(ws: Workspace, target: Path) -> None:
    """Note in the ledger that dangan wrote ``target`` (call after the file is in place)."""
    line = json.dumps({"path": str(target.resolve()), "sha256": sha256_file(target)[0]}, ensure_ascii=False) + "\n"
    ws.state_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(ledger_path(ws), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        os.write(fd, line.encode("utf-8"))  # one write of one line: appends from several processes do not mix
    finally:
        os.close(fd)
