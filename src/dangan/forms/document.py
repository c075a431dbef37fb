"""The result of generating one form: what the archive and the CLI receive."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class GeneratedDocument:
    """One generated document (one 件) and the files written for it.

    ``data`` holds the validated and derived values, JSON-able (dates as ISO
    strings, money as ``"447.50"``), with masked fields already masked.
    ``files`` maps a format (``"pdf"``, ``"docx"``) to the written path.
    """

    form_id: str
    form_title: str
    category: str
    doc_number: str
    title: str
    date: dt.date
    data: dict[str, Any]
    files: dict[str, Path] = field(default_factory=dict)
    building: str | None = None
    unit: str | None = None
    room: str | None = None
    owner: str | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def pdf(self) -> Path | None:
        return self.files.get("pdf")

    @property
    def docx(self) -> Path | None:
        return self.files.get("docx")
