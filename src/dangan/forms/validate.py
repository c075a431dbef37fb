"""Validate raw input against a form definition, then derive (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from dangan.errors import InputError
from dangan.forms.derive import apply_derivations
from dangan.forms.fields import InputProblems, Where, coerce_rows, coerce_value

if TYPE_CHECKING:
    from dangan.forms.catalog import FormDef


def flatten(errors: list[InputError]) -> list[InputError]:
    return [p for e in errors for p in (e.problems if isinstance(e, InputProblems) else [e])]


def combine(errors: list[InputError], *, form: str | None, path: str | None) -> InputError:
    """One error for one problem (unchanged), InputProblems for several."""
    problems = flatten(errors)
    return problems[0] if len(problems) == 1 else InputProblems(problems, form=form, path=path)


def _by_id(form: FormDef, raw: Mapping[str, Any], where: Where, problems: list[InputError]) -> dict[str, Any]:
    """Map keys given as field ids or Chinese labels to ids; unknown keys are problems."""
    labels = {f.label: f.id for f in form.fields}
    ids = {f.id for f in form.fields}
    out: dict[str, Any] = {}
    for key, value in raw.items():
        k = str(key).strip()
        fid = k if k in ids else labels.get(k)
        if fid is None:
            problems.append(InputError(f"表单没有这个字段（列）「{k}」", form=form.id, row=where.row, field=k,
                                       path=where.path))
            continue
        out[fid] = value
    return out


def validate_data(
    form: FormDef,
    raw: Mapping[str, Any],
    *,
    row: int | None = None,
    path: str | None = None,
    table_first_row: int | None = None,
) -> dict[str, Any]:
    """Coerce and check every field; InputError names form, row and field label.

    Every bad field is reported, not only the first (InputProblems when several)."""
    if not isinstance(raw, Mapping):
        raise InputError("数据应为「字段: 值」的映射", form=form.id, row=row, path=path)
    where = Where(form.id, row, path)
    problems: list[InputError] = []
    given = _by_id(form, raw, where, problems)
    values: dict[str, Any] = {}
    for f in form.fields:
        try:
            if f.type == "table":
                values[f.id] = coerce_rows(f, given.get(f.id), where, first_row=table_first_row)
            else:
                values[f.id] = coerce_value(f, given.get(f.id), where)
        except InputError as e:
            problems.append(e)
    if problems:
        raise combine(problems, form=form.id, path=path)
    return values


def derive_values(form: FormDef, values: dict[str, Any], settings: Mapping[str, Any],
                  *, row: int | None = None) -> dict[str, Any]:
    """Validated values plus derived ones; a rule failing on the data is an InputError."""
    try:
        return apply_derivations(form.derive, values, settings)
    except (ValueError, ArithmeticError, TypeError) as e:
        raise InputError(f"计算派生值失败：{e}", form=form.id, row=row) from e
