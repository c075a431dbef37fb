"""Which file names the watcher ignores (pure).

Scanner software and office programs leave temporary and hidden files in
shared folders; picking those up is the most common complaint about watched
folders.  :class:`IgnoreFilter` decides from the path alone, without touching
the file system, so it is unit-tested without real file events.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import PurePath

# Names never processed, whatever the configuration.
DEFAULT_IGNORE: tuple[str, ...] = (
    "~$*",
    "*.tmp",
    "*.part",
    "*.crdownload",
    "Thumbs.db",
    ".DS_Store",
    "*.reason.txt",
)
# Folders (inside a watched folder) whose contents are never processed.
RESERVED_DIRS: frozenset[str] = frozenset({"processed", "quarantine"})


def _matches(name: str, patterns: Iterable[str]) -> bool:
    low = name.lower()
    return any(fnmatch.fnmatchcase(low, p.lower()) for p in patterns)


@dataclass(frozen=True)
class IgnoreFilter:
    """``accepts(path)`` is True for files the watcher should process.

    ``include``: if non-empty, only names matching one of these patterns.
    ``ignore``: extra patterns to ignore (on top of :data:`DEFAULT_IGNORE`).
    Patterns match the file name, case-insensitively.
    """

    include: Sequence[str] = ()
    ignore: Sequence[str] = ()
    recursive: bool = False
    reserved_dirs: frozenset[str] = field(default=RESERVED_DIRS)

    def accepts(self, path: PurePath, root: PurePath) -> bool:
        """Whether ``path`` (a file under the watched folder ``root``) is processed."""
        try:
            rel = path.relative_to(root)
        except ValueError:
            return False
        parts = rel.parts
        if not parts:
            return False
        if not self._folder_ok(parts[:-1]):
            return False
        return self.name_ok(parts[-1])

    def name_ok(self, name: str) -> bool:
        if name.startswith(".") or _matches(name, DEFAULT_IGNORE) or _matches(name, self.ignore):
            return False
        return not self.include or _matches(name, self.include)

    def _folder_ok(self, folders: Sequence[str]) -> bool:
        if folders and not self.recursive:
            return False
        for part in folders:
            if part.startswith(".") or part.lower() in self.reserved_dirs:
                return False
        return True
