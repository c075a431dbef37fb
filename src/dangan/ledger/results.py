"""Plain results of the ledger's use cases, as every front end shows them (pure).

Values are typed (dates, Decimal); ``to_dict()`` gives the JSON view (``--json``, the web dashboard).
Phone and ID numbers are masked here, before any front end sees an entry (制度 第二篇 3).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from dangan.actor import Actor
from dangan.archive.catalogue import Entry, EntryChange
from dangan.forms.context import jsonable
from dangan.forms.fields import mask_values
from dangan.ledger.registers import Register, typed


def _who(actor: Actor | None) -> str | None:
    return actor.label() if actor else None


def _iso(value: dt.datetime | dt.date | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    return value.isoformat()


@dataclass(frozen=True)
class EntryView:
    """One register entry as it stands now."""

    form_id: str
    form_title: str
    number: int
    at: dt.datetime
    values: dict[str, Any]  # typed, masked
    labels: dict[str, str]  # column id → Chinese label, in the form's order
    entered_at: dt.datetime
    entered_by: str | None
    version: int
    changed_at: dt.datetime | None
    changed_by: str | None
    closed_in: str | None  # the period whose close froze it
    deadline: dt.datetime | None = None  # a complaint still without a solution: when its 30 minutes end

    @property
    def frozen(self) -> bool:
        return self.closed_in is not None

    def to_dict(self) -> dict[str, Any]:
        return {
            "form": self.form_id, "form_title": self.form_title, "number": self.number, "at": _iso(self.at),
            "fields": jsonable(self.values), "entered_at": self.entered_at.isoformat(timespec="seconds"),
            "entered_by": self.entered_by, "version": self.version,
            "changed_at": self.changed_at.isoformat(timespec="seconds") if self.changed_at else None,
            "changed_by": self.changed_by, "frozen": self.frozen, "closed_in": self.closed_in,
            **({"deadline": _iso(self.deadline)} if self.deadline else {}),
        }


def entry_view(register: Register, entry: Entry, *, closed_in: str | None = None,
               deadline: dt.datetime | None = None) -> EntryView:
    values = mask_values(register.columns, typed(register.columns, entry.data))
    return EntryView(
        form_id=entry.form_id, form_title=register.title, number=entry.number, at=entry.at, values=values,
        labels={c.id: c.label for c in register.columns}, entered_at=entry.entered_at,
        entered_by=_who(entry.entered_by), version=entry.version, changed_at=entry.changed_at,
        changed_by=_who(entry.changed_by), closed_in=closed_in, deadline=deadline)


@dataclass(frozen=True)
class ChangeView:
    """One version of an entry: what it said, when, who, why."""

    version: int
    values: dict[str, Any]
    changed_at: dt.datetime
    changed_by: str | None
    reason: str | None
    changed_fields: tuple[str, ...]  # ids of the fields this version changed (all, for version 1)
    amends: str | None  # the closed period it corrects
    filed_in: str | None  # the archival code of the 登记更正单 that filed it

    def to_dict(self) -> dict[str, Any]:
        return {"version": self.version, "fields": jsonable(self.values),
                "changed_at": self.changed_at.isoformat(timespec="seconds"), "changed_by": self.changed_by,
                "reason": self.reason, "changed_fields": list(self.changed_fields), "amends": self.amends,
                "filed_in": self.filed_in}


def change_views(register: Register, changes: list[EntryChange], *, periods: Mapping[int, str],
                 amendment_codes: Mapping[int, str]) -> list[ChangeView]:
    out: list[ChangeView] = []
    before: dict[str, Any] | None = None
    for c in changes:
        values = typed(register.columns, c.data)
        changed = tuple(k for k in values if before is None or values[k] != before.get(k))
        out.append(ChangeView(
            version=c.version, values=mask_values(register.columns, values), changed_at=c.changed_at,
            changed_by=_who(c.changed_by), reason=c.reason, changed_fields=changed,
            amends=periods.get(c.amends) if c.amends else None,
            filed_in=amendment_codes.get(c.filed_with) if c.filed_with else None))
        before = values
    return out


@dataclass(frozen=True)
class ImportResult:
    """``register import``: the entries made, and the sheet rows left out (with --keep-going)."""

    form_id: str
    entries: list[EntryView] = field(default_factory=list)
    failures: list[Any] = field(default_factory=list)  # InputError per bad row

    def to_dict(self) -> dict[str, Any]:
        return {"form": self.form_id, "entries": [e.number for e in self.entries],
                "failures": [str(f) for f in self.failures]}


@dataclass(frozen=True)
class ComplaintView:
    """A complaint against the 30-minute clock (``register overdue``, ``today``)."""

    entry: EntryView
    answer: str  # in_time | late | waiting | overdue
    answer_label: str
    minutes: int  # taken, or waited so far
    deadline: dt.datetime
    open: bool

    def to_dict(self) -> dict[str, Any]:
        return {**self.entry.to_dict(), "answer": self.answer, "answer_label": self.answer_label,
                "minutes": self.minutes, "deadline": _iso(self.deadline), "open": self.open}


@dataclass(frozen=True)
class ReportResult:
    """A report computed from entries and filed (or, when the same figures were filed before, that one)."""

    report: str
    title: str
    period: str
    period_label: str
    archival_code: str
    doc_number: str | None
    pdf: str | None  # the archived PDF, relative to the archive folder
    counted: dict[str, tuple[int, ...]]
    figures: dict[str, Any]  # the report's scalar values (totals, rates, 达标) as the form derived them
    rows: list[dict[str, Any]] = field(default_factory=list)  # its table, as the form derived it
    reused: bool = False  # nothing changed since that report was filed: it was not filed again

    def to_dict(self) -> dict[str, Any]:
        return {"report": self.report, "title": self.title, "period": self.period, "period_label": self.period_label,
                "archival_code": self.archival_code, "doc_number": self.doc_number, "pdf": self.pdf,
                "counted": {k: list(v) for k, v in self.counted.items()}, "figures": self.figures,
                "rows": self.rows, "reused": self.reused}


@dataclass(frozen=True)
class CloseResult:
    """A register period closed: the sheet(s) filed, the entries frozen, the amendments filed with it."""

    form_id: str
    title: str
    period: str
    period_label: str
    archival_code: str  # the register sheet (front-desk logs: the first of the day's)
    archival_codes: tuple[str, ...]
    entries: int
    amendment_code: str | None = None
    amendments: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"form": self.form_id, "title": self.title, "period": self.period, "period_label": self.period_label,
                "archival_code": self.archival_code, "archival_codes": list(self.archival_codes),
                "entries": self.entries, "amendment_code": self.amendment_code, "amendments": self.amendments}
