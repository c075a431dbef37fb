"""Filing generated documents into the archive (PDF original, DOCX attachment)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from dangan.archive.model import FilingRequest, FilingResult, Source
from dangan.config import Workspace
from dangan.forms.document import GeneratedDocument


def filing_request(doc: GeneratedDocument) -> FilingRequest:
    """The archive's request for one generated document (requires its PDF)."""
    attachments = [p for fmt, p in doc.files.items() if fmt != "pdf"]
    meta = {"form_title": doc.form_title}
    if doc.owner:
        meta["owner"] = doc.owner
    return FilingRequest(
        path=doc.files["pdf"], category=doc.category, title=doc.title, date=doc.date, doc_number=doc.doc_number,
        source=Source.GENERATED, building=doc.building, unit=doc.unit, room=doc.room, form_id=doc.form_id,
        form_data=doc.data, attachments=attachments, meta=meta, original_name=doc.files["pdf"].name,
    )


def file_generated(ws: Workspace, docs: Sequence[GeneratedDocument], *,
                   progress: Callable[[int, int], Any] | None = None) -> list[FilingResult]:
    """File every document that has a PDF; returns the archive's results in order."""
    from dangan.services import open_archive

    reqs = [filing_request(d) for d in docs if "pdf" in d.files]
    if not reqs:
        return []
    archive = open_archive(ws)
    try:
        return archive.file_many(reqs, progress=progress)
    finally:
        archive.close()
