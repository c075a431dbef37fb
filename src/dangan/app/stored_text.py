"""Masking the numbers stored before masking at filing (``dangan archive mask``): the archive rewrites the
catalogue's text in place (:meth:`dangan.archive.service.Archive.mask_stored`), then the search index is
rebuilt from it, so neither the catalogue nor the index files hold a full phone, ID or card number."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dangan.app.core import Dangan


@dataclass(frozen=True)
class MaskResult:
    records: int  # records looked at
    changed: int  # records rewritten
    titles: int
    texts: int
    names: int  # original file names
    meta: int  # metadata values
    form_data: int  # records whose form data changed
    number_keys: int  # keyed terms added (a search for the full number finds the record)
    refused: list[str] = field(default_factory=list)  # records not as audited: left alone, verify names them
    indexed: int | None = None  # documents in the rebuilt index (None: nothing changed, index not rebuilt)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def mask_stored_text(app: Dangan, *, index: bool = True) -> MaskResult:
    report = app.archive.mask_stored()
    indexed = None
    if index and report.changed:
        indexed = app.rebuild_index().documents
    return MaskResult(report.records, report.changed, report.titles, report.texts, report.names, report.meta,
                      report.form_data, report.number_keys, list(report.refused), indexed)
