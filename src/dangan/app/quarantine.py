"""The intake quarantine as the archivist's page sees it: each file with its reason; retry, or file by hand."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dangan.errors import ArchiveError

if TYPE_CHECKING:
    from dangan.app.core import Dangan

PROCESSED = "processed"  # quarantined files filed by hand are moved here (never deleted)


@dataclass(frozen=True)
class QuarantinedFile:
    name: str  # the file's name in the quarantine folder: how pages name it
    size: int
    origin: str  # where it came from
    when: str  # when it was quarantined (as written in the reason file)
    reason: str  # the error in words
    detail: str


def _reason_fields(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition("：")
        if sep and key in ("来源", "时间", "原因", "技术细节"):
            out[key] = value.strip()
    return out


class Quarantine:
    def __init__(self, app: Dangan) -> None:
        self.app = app
        self.folder = app.ws.quarantine_dir

    def _entries(self) -> list[Any]:
        from dangan.ingest import quarantine as q

        return q.entries(self.folder)

    def entries(self) -> list[QuarantinedFile]:
        out = []
        for e in self._entries():
            try:
                fields = _reason_fields(e.reason.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError):
                fields = {}
            out.append(QuarantinedFile(e.path.name, e.path.stat().st_size, fields.get("来源", e.origin),
                                       fields.get("时间", ""), fields.get("原因", "（原因文件无法读取）"),
                                       fields.get("技术细节", "")))
        return out

    def _entry(self, name: str) -> Any:
        found = next((e for e in self._entries() if e.path.name == name), None)
        if found is None:
            raise ArchiveError(f"隔离区里没有文件「{name}」")
        return found

    def retry(self, name: str) -> Any:
        """Put one quarantined file through the intake pipeline again; its Outcome."""
        self._entry(name)
        outcomes = self.app.watcher(entries=self.app.watch_entries()).retry_quarantine(names={name})
        return outcomes[0]

    def file_by_hand(self, name: str, *, category: str, title: str | None = None, date: dt.date | None = None) -> Any:
        """File a quarantined file with the category (and title, date) an archivist gives; the file then
        leaves the quarantine for ``quarantine/processed/`` (it is never deleted)."""
        from dangan.ingest import quarantine as q

        entry = self._entry(name)
        filed = self.app.file([entry.path], category=category, title=title or None, date=date,
                              meta={"quarantine_reason": _reason_fields(entry.reason.read_text(encoding="utf-8"))
                                    .get("原因", "")})
        target = self.folder / PROCESSED / entry.path.name
        target = target if not target.exists() else target.with_name(f"{target.stem}-{self.app.clock.now():%H%M%S}{target.suffix}")
        q.move_file(entry.path, target)
        q.release(entry)
        return filed[0]

    def path(self, name: str) -> Path:
        return Path(self._entry(name).path)
