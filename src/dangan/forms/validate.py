"""Validate raw input against a form definition, then derive (pure)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from dangan.errors import InputError
from dangan.forms.checks import Check, problem
from dangan.forms.derive import apply_derivations
from dangan.forms.fields import (
    FieldDef,
    InputProblems,
    Where,
    check_row_count,
    coerce_row,
    coerce_value,
    is_blank,
)

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


def _label_of(form: FormDef) -> Callable[[str], str]:
    def label(path: str) -> str:
        name, _, col = path.partition(".")
        f = form.field(name)
        if f is None:
            return path
        c = f.column(col) if col else None
        return c.label if c else f.label
    return label


def input_paths(form: FormDef) -> set[str]:
    """Every field (``unit``) and table column (``items.amount``) the data itself gives."""
    return {f.id for f in form.fields} | {f"{f.id}.{c.id}" for f in form.fields for c in f.columns}


def _input_checks(form: FormDef, table: str | None) -> list[Check]:
    inputs = input_paths(form)
    return [c for c in form.checks if c.table == table and set(c.all_paths) <= inputs]


def row_errors(form: FormDef, table: str, row: Mapping[str, Any], where: Where,
               scalars: Mapping[str, Any] | None = None, prefix: str = "") -> list[InputError]:
    """What the form's ``checks:`` refuse in one coerced row of ``table`` (a check that also names a
    field of the form's own, not given in ``scalars``, does not apply): a register entry is refused
    exactly as the same row of a batch is."""
    return _run(_input_checks(form, table), form, scalars or {}, row, where, prefix)[0]


def _run(checks: list[Check], form: FormDef, values: Mapping[str, Any], row: Mapping[str, Any] | None,
         where: Where, prefix: str = "") -> tuple[list[InputError], list[str]]:
    errors: list[InputError] = []
    warnings: list[str] = []
    label = _label_of(form)
    for check in checks:
        text = problem(check, values, row, label)
        if text is None:
            continue
        if check.level == "warning":
            warnings.append(f"{prefix}{text}")
        else:
            errors.append(InputError(text, form=where.form, row=where.row, field=f"{prefix}{label(check.paths[0])}",
                                     path=where.path))
    return errors, warnings


def _table(form: FormDef, f: FieldDef, raw: Any, scalars: Mapping[str, Any], where: Where,
           numbers: Sequence[int] | None, row_failures: list[InputError] | None, problems: list[InputError]
           ) -> list[dict[str, Any]]:
    """The rows of one table field; with ``row_failures`` a bad row is left out and listed there."""
    if is_blank(raw):
        raw = []
    if not isinstance(raw, list) or not all(isinstance(r, Mapping) for r in raw):
        problems.append(InputError("应为若干行（列表）", form=where.form, row=where.row, field=f.label, path=where.path))
        return []
    rows: list[dict[str, Any]] = []
    for i, item in enumerate(raw):
        if numbers is not None:
            row_where, prefix = Where(where.form, numbers[i], where.path), ""
        else:
            row_where, prefix = where, f"{f.label} 第 {i + 1} 行 "
        try:
            row = coerce_row(f, item, row_where, prefix=prefix)
            errors = row_errors(form, f.id, row, row_where, scalars, prefix)
            if errors:
                raise combine(errors, form=where.form, path=where.path)
        except InputError as e:
            (row_failures if row_failures is not None else problems).append(e)
            continue
        rows.append(row)
    try:  # with row_failures, a table whose every row was left out is too short; else a bad row still counts
        check_row_count(f, len(rows) if row_failures is not None else len(raw), where)
    except InputError as e:
        problems.append(e)
    return rows


def validate_data(
    form: FormDef,
    raw: Mapping[str, Any],
    *,
    row: int | None = None,
    path: str | None = None,
    table_path: str | None = None,
    table_rows: Sequence[int] | None = None,
    row_failures: list[InputError] | None = None,
) -> dict[str, Any]:
    """Coerce and check every field; InputError names form, row and field label.

    Every bad field is reported, not only the first (InputProblems when several),
    and so is every value that contradicts another (the form's ``checks``).
    ``table_rows`` are the spreadsheet rows of the entries of the form's (first)
    table field, for errors, and ``table_path`` that sheet (default ``path``).  With ``row_failures``, a bad entry of that table
    is left out and its error appended there instead of raised (``--keep-going``)."""
    if not isinstance(raw, Mapping):
        raise InputError("数据应为「字段: 值」的映射", form=form.id, row=row, path=path)
    where = Where(form.id, row, path)
    problems: list[InputError] = []
    given = _by_id(form, raw, where, problems)
    values: dict[str, Any] = {}
    for f in form.fields:
        if f.type != "table":
            try:
                values[f.id] = coerce_value(f, given.get(f.id), where)
            except InputError as e:
                problems.append(e)
    batch_table = form.table_field
    for f in form.fields:
        if f.type == "table":
            own = f is batch_table
            table_where = Where(form.id, row, table_path or path) if own else where
            values[f.id] = _table(form, f, given.get(f.id), values, table_where, table_rows if own else None,
                                  row_failures if own else None, problems)
    if not problems:
        problems += _run(_input_checks(form, None), form, values, None, where)[0]
    if problems:
        paths = {p.path for p in problems}
        raise combine(problems, form=form.id, path=paths.pop() if len(paths) == 1 else path)
    return values


def derived_checks(form: FormDef, values: Mapping[str, Any], *, row: int | None = None,
                   path: str | None = None) -> list[str]:
    """The checks that name derived values, after derivation: errors raise, warnings are returned."""
    inputs = input_paths(form)
    checks = [c for c in form.checks if not set(c.all_paths) <= inputs]
    where = Where(form.id, row, path)
    errors: list[InputError] = []
    warnings: list[str] = []
    for table in dict.fromkeys(c.table for c in checks):
        group = [c for c in checks if c.table == table]
        if table is None:
            e, w = _run(group, form, values, None, where)
            errors += e
            warnings += w
            continue
        f = form.field(table)
        for i, r in enumerate(values.get(table) or []):
            e, w = _run(group, form, values, r, where, f"{f.label if f else table} 第 {i + 1} 行 ")
            errors += e
            warnings += w
    if errors:
        raise combine(errors, form=form.id, path=path)
    return warnings


def derive_values(form: FormDef, values: dict[str, Any], settings: Mapping[str, Any],
                  *, row: int | None = None) -> dict[str, Any]:
    """Validated values plus derived ones; a rule failing on the data is an InputError."""
    try:
        return apply_derivations(form.derive, values, settings)
    except (ValueError, ArithmeticError, TypeError) as e:
        raise InputError(f"计算派生值失败：{e}", form=form.id, row=row) from e
