"""Which forms keep entries, and what one entry of each is (pure, read from the form definitions).

A register form (``kind: register``) keeps entries.  An entry is one row of the register's table when the
form has exactly one table field (客户投诉管理登记表, 装修巡检表 …): the row's columns are the entry's fields,
typed and validated by the form's own column definitions.  A register with no table or several
(前台交接日志: one handover, with its lists of mail, keys and items) keeps each filled-in form as one entry.

An entry's time (the period it is counted in) is its first date or date-time field that must be filled in:
接诉时间 for a complaint, 日期 for a round, 巡查时间 for a sign check.  No Python per form: a new register
form under ``templates/`` keeps entries as soon as it exists.

The archive's own registers (归档文件目录, 档案销毁清册, 档案借阅登记表) are computed from the catalogue, and the ledger's
登记更正单 from the corrections: they take no entries.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from dangan.errors import FormError

if TYPE_CHECKING:
    from dangan.forms.catalog import FormDef
    from dangan.forms.fields import FieldDef

#: Register forms dangan fills itself; no entries are kept for them (档案借阅登记表: from the loans,
#: app/lending.py — an entry typed there would be a loan the archive does not know).
AMENDMENT_FORM = "ledger-amendment"
COMPUTED_REGISTERS = ("archive-file-list", "disposal-register", "lending-register", AMENDMENT_FORM)
TIME_TYPES = ("datetime", "date")
#: Columns besides an entry's time that record what has happened and that the ledger's computed rules read:
#: 提出处理方案时间 and 结案时间 (the 30-minute clock, 第三篇第十六条, and open cases), a repair's 完成时间
#: (及时率, 第一篇 4.12).  One in the future or before the entry's own time would make up a rule's result.
FACT_COLUMNS: dict[str, tuple[str, ...]] = {"complaint-register": ("proposed_at", "closed_at"),
                                            "incident-register": ("completed_at",)}
#: How far a time typed from the front desk's wall clock may run ahead of the server's clock.
CLOCK_LEEWAY = dt.timedelta(minutes=5)


@dataclass(frozen=True)
class Register:
    """What an entry of one register form is."""

    form: FormDef
    columns: tuple[FieldDef, ...]  # the entry's fields
    table: str | None  # the table field whose rows are entries; None: each entry is a whole form
    time_field: str  # the field that places the entry in a period

    @property
    def form_id(self) -> str:
        return self.form.id

    @property
    def title(self) -> str:
        return self.form.title

    def column(self, field_id: str) -> FieldDef | None:
        return next((c for c in self.columns if c.id == field_id), None)

    def label(self, field_id: str) -> str:
        c = self.column(field_id)
        return c.label if c else field_id

    def time_of(self, values: Mapping[str, Any]) -> dt.datetime:
        """The entry's time as a wall-clock date-time (a date counts from midnight)."""
        return as_datetime(values[self.time_field])


def _shown(value: dt.datetime | dt.date) -> str:
    return f"{value:%Y-%m-%d %H:%M}" if isinstance(value, dt.datetime) else value.isoformat()


def _later_than(value: dt.datetime | dt.date, now: dt.datetime) -> bool:
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None) > now + CLOCK_LEEWAY
    return value > now.date()


def time_problems(reg: Register, values: Mapping[str, Any], now: dt.datetime) -> list[tuple[str, str]]:
    """What cannot be true of an entry's times at wall-clock ``now`` (pure): (column id, the problem).

    The entry's time and its :data:`FACT_COLUMNS` are not in the future; those columns are not before the
    entry's time (a solution proposed before the complaint came in)."""
    out: list[tuple[str, str]] = []
    start = values[reg.time_field]
    for fid in (reg.time_field, *FACT_COLUMNS.get(reg.form_id, ())):
        value = values.get(fid)
        if not isinstance(value, dt.date) or reg.column(fid) is None:
            continue
        if _later_than(value, now):
            out.append((fid, f"{_shown(value)} 晚于现在（{now:%Y-%m-%d %H:%M}），登记的应是已经发生的事"))
        elif fid != reg.time_field and as_datetime(value) < as_datetime(start):
            out.append((fid, f"{_shown(value)} 早于「{reg.label(reg.time_field)}」{_shown(start)}"))
    return out


def as_datetime(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time())
    text = str(value)
    return dt.datetime.fromisoformat(text) if len(text) > 10 else dt.datetime.combine(dt.date.fromisoformat(text),
                                                                                       dt.time())


def register_of(form: FormDef) -> Register:
    """The register shape of ``form``; FormError when the form keeps no entries."""
    if form.kind != "register" or form.id in COMPUTED_REGISTERS:
        raise FormError(f"「{form.title}」不是登记表，不能登记（可登记的表单见 dangan register forms）", form=form.id)
    tables = [f for f in form.fields if f.type == "table"]
    if len(tables) == 1:
        columns, table = tables[0].columns, tables[0].id
    else:
        columns, table = form.fields, None
    time_field = next((c.id for c in columns if c.type in TIME_TYPES and c.required), None)
    if time_field is None:
        raise FormError(f"「{form.title}」没有必填的日期或时间栏，无法按日期登记和统计", form=form.id)
    return Register(form=form, columns=columns, table=table, time_field=time_field)


def keeps_entries(form: FormDef) -> bool:
    try:
        register_of(form)
    except FormError:
        return False
    return True


def _typed_value(column: FieldDef, value: Any) -> Any:
    if value is None or value == "":
        return None
    kind = column.type
    if kind == "datetime":
        return dt.datetime.fromisoformat(str(value))
    if kind == "date":
        return dt.date.fromisoformat(str(value)[:10])
    if kind == "money":
        return Decimal(str(value))
    if kind == "integer":
        return int(value)
    if kind == "bool":
        return bool(value)
    if kind == "table":
        return [typed(column.columns, row) for row in value or []]
    return value


def typed(columns: tuple[FieldDef, ...], data: Mapping[str, Any]) -> dict[str, Any]:
    """An entry's stored (JSON) values typed again by its columns: dates, times, Decimal money."""
    return {c.id: _typed_value(c, data.get(c.id)) for c in columns}
