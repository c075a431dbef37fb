"""Plain result types of the application API (what every front end formats)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dangan.archive.model import FilingResult, Record

if TYPE_CHECKING:
    from dangan.archive.catalogue import Hold


@dataclass(frozen=True)
class RecordDetails:
    """One record as a record page shows it."""

    record: Record
    holds: list[Hold]  # active holds
    effective_period: str
    expiry: dt.date | None  # None: kept permanently


@dataclass(frozen=True)
class FiledDocument:
    """A filing from outside (``archive add``, an upload): the source, and what the archive did with it."""

    source: Path
    result: FilingResult


@dataclass
class GenerateOutcome:
    """``generate``: the documents written, and (unless ``file=False``) how each was filed."""

    result: Any  # dangan.forms.GenerateResult: documents, failures, merged
    filed: list[FilingResult] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # e.g. no PDF, so nothing was filed

    @property
    def documents(self) -> list[Any]:
        return list(self.result.documents)

    @property
    def failures(self) -> list[Any]:
        return list(self.result.failures)
