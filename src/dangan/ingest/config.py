"""Where intake files come from: ``[[watch]]`` entries of dangan.toml as typed objects."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from dangan.config import CONFIG_NAME, Workspace
from dangan.errors import ConfigError
from dangan.ingest.filters import IgnoreFilter


class OnSuccess(StrEnum):
    DELETE = "delete"  # remove the source after the catalogue commit
    MOVE = "move"  # move it to processed/ beside it
    KEEP = "keep"  # leave it (an upload's temporary file that the caller removes)


ON_SUCCESS = (OnSuccess.DELETE.value, OnSuccess.MOVE.value)  # what [[watch]] may say


@dataclass(frozen=True)
class WatchEntry:
    folder: Path
    category: str = "auto"
    meta: dict[str, Any] = field(default_factory=dict)
    recursive: bool = False
    polling: bool = False
    on_success: OnSuccess = OnSuccess.DELETE
    filter: IgnoreFilter = field(default_factory=IgnoreFilter)

    def accepts(self, path: Path) -> bool:
        return self.filter.accepts(path, self.folder)


def entry_from_table(ws: Workspace, table: dict[str, Any], *, index: int = 1) -> WatchEntry:
    folder = Path(table["path"]).expanduser()
    if not folder.is_absolute():
        folder = ws.root / folder
    on_success = str(table.get("on_success", "delete")).lower()
    if on_success not in ON_SUCCESS:
        raise ConfigError(
            f"on_success 只能是 delete 或 move，实际为「{on_success}」", field=f"watch[{index}].on_success"
        )
    recursive = bool(table.get("recursive", False))
    problem = ws.watch_problem(folder, recursive=recursive)
    if problem is not None:
        raise ConfigError(problem, path=ws.root / CONFIG_NAME, field=f"watch[{index}].path")
    return WatchEntry(
        folder=folder.resolve(),
        category=str(table.get("category") or "auto"),
        meta=dict(table.get("meta") or {}),
        recursive=recursive,
        polling=bool(table.get("polling", False)),
        on_success=OnSuccess(on_success),
        filter=IgnoreFilter(
            include=tuple(table.get("include") or ()),
            ignore=tuple(table.get("ignore") or ()),
            recursive=recursive,
        ),
    )


def watch_entries(ws: Workspace) -> list[WatchEntry]:
    """The workspace's watched folders, in dangan.toml order."""
    return [entry_from_table(ws, t, index=i) for i, t in enumerate(ws.config.tables.get("watch", []), start=1)]
