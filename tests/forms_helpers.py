"""Helpers for the forms tests: read back PDF/DOCX text, format values like templates do."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from docx import Document

from dangan.forms.catalog import FormDef
from dangan.forms.filters import f_date_cn, f_datetime_cn
from dangan.forms.money import format_money


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def pdf_text(path: Path) -> str:
    out = subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True, check=True)
    return out.stdout


def _cells(table: Any) -> Iterator[str]:
    for row in table.rows:
        for cell in row.cells:
            yield cell.text
            for inner in cell.tables:
                yield from _cells(inner)


def docx_text(path: Path) -> str:
    doc = Document(str(path))
    parts = [p.text for p in doc.paragraphs]
    for t in doc.tables:
        parts.extend(_cells(t))
    for s in doc.sections:
        parts.extend(p.text for p in s.header.paragraphs)
        parts.extend(p.text for p in s.footer.paragraphs)
    return "\n".join(parts)


def variants(value: Any) -> list[str]:
    """The ways a template may print a validated value (filters or plain)."""
    if isinstance(value, bool):
        return ["是", "否", "√", "×", "☑", "☐", "✓", "✗", "有", "无"]
    if isinstance(value, Decimal):
        return [format_money(value), str(value), f"{value.normalize():f}"]
    if isinstance(value, dt.datetime):
        return [f_datetime_cn(value), value.strftime("%Y-%m-%d %H:%M"), value.strftime("%H:%M"),
                f_date_cn(value.date())]
    if isinstance(value, dt.date):
        return [f_date_cn(value), value.isoformat(), value.strftime("%Y/%m/%d"), value.strftime("%m月%d日")]
    return [str(value)]


def sample_values(form: FormDef, values: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """(label, value) for every sample field value (table cells included)."""
    labels = {f.id: f.label for f in form.fields}
    given = {k for k in form.sample}
    for f in form.fields:
        if f.id not in given and f.label not in given:
            continue
        v = values.get(f.id)
        if f.type == "table":
            for i, row in enumerate(v or [], start=1):
                for c in f.columns:
                    if row.get(c.id) not in (None, ""):
                        yield f"{f.label}[{i}].{c.label}", row[c.id]
        elif v not in (None, ""):
            yield labels[f.id], v


def missing_values(form: FormDef, values: dict[str, Any], text: str) -> list[str]:
    flat = squash(text)
    return [f"{label}={value!r}" for label, value in sample_values(form, values)
            if not any(squash(v) in flat for v in variants(value))]
