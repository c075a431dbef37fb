"""Filling forms on screen: check the data field by field, preview the PDF, check a batch before it runs.

Nothing here numbers or files anything: a preview carries the number
``<prefix>-<year>-0000``, which is never issued, so a printed preview cannot be
mistaken for a filed document.  Generating is ``app.generate``.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dangan.errors import InputError

if TYPE_CHECKING:
    from dangan.app.core import Dangan


@dataclass(frozen=True)
class Problem:
    """One bad value: the spreadsheet row (batches), the field's Chinese label, the message."""

    row: int | None
    field: str | None
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"row": self.row, "field": self.field, "message": self.message}


def problems_of(error: InputError) -> list[Problem]:
    found = getattr(error, "problems", None) or [error]
    return [Problem(p.row, p.field, p.message) for p in found]


class FormFilling:
    def __init__(self, app: Dangan) -> None:
        self.app = app

    def check(self, form_id: str, data: Mapping[str, Any]) -> list[Problem]:
        """Every problem of one document's data (empty: it can be generated)."""
        from dangan.forms.generate import prepare

        try:
            prepare(self.app.ws, self.app.form(form_id), data)
        except InputError as e:
            return problems_of(e)
        return []

    def preview_pdf(self, form_id: str, data: Mapping[str, Any]) -> bytes:
        """The PDF the data would give, unnumbered and not filed (InputError if the data is bad)."""
        from dangan.forms import render_form

        form = self.app.form(form_id)
        number = f"{form.prefix}-{self.app.clock.today().year}-0000"
        with tempfile.TemporaryDirectory(prefix="dangan-preview-") as tmp:
            doc = render_form(self.app.ws, form_id, data, formats=("pdf",), out_dir=Path(tmp), doc_number=number,
                              clock=self.app.clock)
            return Path(doc.files["pdf"]).read_bytes()

    def check_batch(self, form_id: str, sheet: Path) -> tuple[int, list[Problem]]:
        """(documents the sheet gives, every bad row and field) — before anything is generated."""
        from dangan.forms.generate import collect_jobs

        form = self.app.form(form_id)
        try:
            jobs, failures = collect_jobs(self.app.ws, form, data=None, batch=sheet, sample=False, keep_going=True)
        except InputError as e:
            return 0, problems_of(e)
        return len(jobs), [p for f in failures for p in problems_of(f)]
