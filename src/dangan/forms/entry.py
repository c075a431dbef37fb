"""One register entry, validated by the register form's own definitions (pure).

The ledger keeps a register's rows one by one as they happen (:mod:`dangan.ledger.registers` says which
fields an entry has).  An entry is checked as the same row would be in a batch of the register: the same
column types, required columns, choices and limits, the same ``checks:`` of the form over the row (方案
before 接诉, 有效 with 恶意 …), and the same wording, naming the sheet row (when there is one) and the
column's Chinese label.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from dangan.errors import InputError
from dangan.forms.fields import InputProblems, Where, coerce_value
from dangan.forms.validate import row_errors, validate_data

if TYPE_CHECKING:
    from dangan.forms.catalog import FormDef


def validate_entry(form: FormDef, table: str | None, raw: Mapping[str, Any], *, row: int | None = None,
                   path: str | None = None) -> dict[str, Any]:
    """The typed values of one entry: a row of ``table`` (keys: column ids or labels), or with ``table``
    None a whole form.  InputError (InputProblems for several problems) naming ``row`` and each column."""
    if not isinstance(raw, Mapping):
        raise InputError("登记内容应为「栏目: 值」的映射", form=form.id, row=row, path=path)
    if table is None:
        return validate_data(form, raw, row=row, path=path)
    field = form.field(table)
    if field is None or field.type != "table":
        raise InputError(f"表单没有表格「{table}」", form=form.id)
    where = Where(form.id, row, path)
    by_key = {k: c for c in field.columns for k in (c.id, c.label)}
    problems = [InputError("登记表没有这一栏", form=form.id, row=row, field=str(k), path=path)
                for k in raw if str(k).strip() not in by_key]
    values: dict[str, Any] = {}
    for c in field.columns:
        given = raw.get(c.id, raw.get(c.label))
        try:
            values[c.id] = coerce_value(c, given, where)
        except InputError as e:
            problems.append(e)
    if not problems:
        problems = row_errors(form, table, values, where)
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise InputProblems(problems, form=form.id, path=path)
    return values
