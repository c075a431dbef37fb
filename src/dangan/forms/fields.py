"""Field types: definition, coercion of raw values, validation, masking.

Raw values come from YAML/JSON (str, int, float, date) or from CSV/XLSX cells
(str, int, float, datetime).  Every error names the form, the row (for
batches) and the field's Chinese label.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from dangan.errors import InputError
from dangan.forms.cleantext import BadCharacter, clean_text
from dangan.masking import mask_id, mask_phone  # one masker for the whole of dangan

TYPES = ("text", "integer", "money", "date", "datetime", "choice", "bool", "table")
MASKS = ("phone", "id")
MONEY_MAX = Decimal("99999999.99")
EXCEL_EPOCH = dt.datetime(1899, 12, 30)

_TRUE = {"是", "true", "1", "√", "✓", "yes", "y", "t", "对", "有"}
_FALSE = {"否", "false", "0", "×", "✗", "x", "no", "n", "f", "", "无"}


@dataclass(frozen=True)
class FieldDef:
    """One field of a form (or one column of a table field)."""

    id: str
    label: str
    type: str = "text"
    required: bool = False
    help: str = ""
    max_length: int | None = None
    pattern: str | None = None
    mask: str | None = None
    choices: tuple[str, ...] = ()
    min: Decimal | None = None
    max: Decimal | None = None
    min_rows: int = 0
    max_rows: int | None = None
    columns: tuple[FieldDef, ...] = field(default_factory=tuple)

    def column(self, col_id: str) -> FieldDef | None:
        return next((c for c in self.columns if c.id == col_id), None)


class ValueProblem(ValueError):
    """A raw value that does not fit its field (message in Chinese)."""


def is_blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and raw.strip() == "")


def _text(f: FieldDef, raw: Any) -> str:
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if isinstance(raw, dt.datetime | dt.date):
        raw = raw.isoformat()
    text = str(raw).strip()
    if f.max_length is not None and len(text) > f.max_length:
        raise ValueProblem(f"最多 {f.max_length} 个字，实际 {len(text)} 个字")
    if f.pattern and not re.search(f.pattern, text):
        raise ValueProblem(f"格式不对（{f.help or f.pattern}）：{text}")
    return text


def _integer(f: FieldDef, raw: Any) -> int:
    if isinstance(raw, bool):
        raise ValueProblem(f"应为整数，实际为 {raw!r}")
    if isinstance(raw, float):
        if not raw.is_integer():
            raise ValueProblem(f"应为整数，实际为 {raw}")
        raw = int(raw)
    if isinstance(raw, str):
        s = raw.strip().replace(",", "")
        if not re.fullmatch(r"[+-]?\d+", s):
            raise ValueProblem(f"应为整数，实际为「{raw}」")
        raw = int(s)
    if not isinstance(raw, int):
        raise ValueProblem(f"应为整数，实际为 {raw!r}")
    if f.min is None and raw < 0:  # counts, quantities, years: never negative unless the form says so
        raise ValueProblem(f"不能为负数，实际为 {raw}")
    _check_range(f, Decimal(raw))
    return raw


def _check_range(f: FieldDef, value: Decimal) -> None:
    if f.min is not None and value < f.min:
        raise ValueProblem(f"不能小于 {f.min}，实际为 {value}")
    if f.max is not None and value > f.max:
        raise ValueProblem(f"不能大于 {f.max}，实际为 {value}")


def _money(f: FieldDef, raw: Any) -> Decimal:
    if isinstance(raw, bool) or not isinstance(raw, str | int | float | Decimal):
        raise ValueProblem(f"应为金额，实际为 {raw!r}")
    s = str(raw).strip()
    s = re.sub(r"^[¥￥]|元$|[,，\s]", "", s)
    try:
        value = Decimal(s)
    except InvalidOperation as e:
        raise ValueProblem(f"应为金额（如 447.50），实际为「{raw}」") from e
    if not value.is_finite():
        raise ValueProblem(f"应为金额（如 447.50），实际为「{raw}」")
    if value < 0:
        raise ValueProblem(f"金额不能为负数：{raw}")
    if value != value.quantize(Decimal("0.01")):
        raise ValueProblem(f"金额最多两位小数：{raw}")
    upper = f.max if f.max is not None else MONEY_MAX
    if value > upper:
        raise ValueProblem(f"金额不能大于 {upper:,.2f}，实际为 {value:,.2f}")
    if f.min is not None and value < f.min:
        raise ValueProblem(f"金额不能小于 {f.min}，实际为 {value}")
    return value.quantize(Decimal("0.01"))


_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y.%m.%d", "%Y年%m月%d日")
_DATETIME_FORMATS = tuple(
    f"{d}{sep}{t}" for d in _DATE_FORMATS[:2] + ("%Y年%m月%d日",) for sep in (" ", "T", "") for t in ("%H:%M", "%H:%M:%S")
)


def _excel_serial(raw: float | int) -> dt.datetime:
    if not 1 <= raw < 2958466:
        raise ValueProblem(f"不是有效的日期：{raw}")
    return EXCEL_EPOCH + dt.timedelta(days=float(raw))


def _date(f: FieldDef, raw: Any) -> dt.date:
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        if isinstance(raw, int) and 10000101 <= raw <= 99991231:
            raw = str(raw)
        else:
            return _excel_serial(raw).date()
    s = str(raw).strip()
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(s, fmt).date()
        except ValueError:
            continue
    # "2026-11-26 00:00:00" from a spreadsheet exported as text
    try:
        return _datetime(f, s).date()
    except ValueProblem:
        pass
    raise ValueProblem(f"不是有效的日期（如 2026-11-26）：「{raw}」")


def _datetime(f: FieldDef, raw: Any) -> dt.datetime:
    if isinstance(raw, dt.datetime):
        return raw.replace(microsecond=0)
    if isinstance(raw, dt.date):
        return dt.datetime(raw.year, raw.month, raw.day)
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return _excel_serial(raw).replace(microsecond=0)
    s = str(raw).strip()
    for fmt in _DATETIME_FORMATS:
        try:
            return dt.datetime.strptime(s, fmt)
        except ValueError:
            continue
    raise ValueProblem(f"不是有效的日期时间（如 2026-11-26 09:30）：「{raw}」")


def _choice(f: FieldDef, raw: Any) -> str:
    s = str(raw).strip()
    if s not in f.choices:
        raise ValueProblem(f"「{s}」不是可选值，应为：{'、'.join(f.choices)}")
    return s


def _bool(f: FieldDef, raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    s = str(raw).strip().lower()
    if isinstance(raw, float) and raw.is_integer():
        s = str(int(raw))
    if s in _TRUE:
        return True
    if s in _FALSE:
        return False
    raise ValueProblem(f"应为 是/否，实际为「{raw}」")


_COERCE: dict[str, Callable[[FieldDef, Any], Any]] = {
    "text": _text,
    "integer": _integer,
    "money": _money,
    "date": _date,
    "datetime": _datetime,
    "choice": _choice,
    "bool": _bool,
}


MASKERS: dict[str, Callable[[str], str]] = {"phone": mask_phone, "id": mask_id}


@dataclass(frozen=True)
class Where:
    """Where a value came from, for error messages."""

    form: str
    row: int | None = None
    path: str | None = None


MAX_LISTED = 100  # problems spelled out in one error; the rest are counted


class InputProblems(InputError):
    """Several bad fields (of one row, or of every row of a batch), reported at once
    so the clerk fixes the file in one go.  ``row`` and ``field`` are the first
    problem's; ``problems`` holds them all."""

    def __init__(self, problems: list[InputError], *, form: str | None, path: str | None) -> None:
        shown = [f"  {_where_in_file(p)}：{p.message}" for p in problems[:MAX_LISTED]]
        if len(problems) > MAX_LISTED:
            shown.append(f"  ……另有 {len(problems) - MAX_LISTED} 处未列出")
        super().__init__(f"共 {len(problems)} 处错误，请全部改正后再生成：\n" + "\n".join(shown),
                         form=form, path=path, row=problems[0].row, field=problems[0].field)
        self.problems = problems

    def where(self) -> str:
        return f"文件 {self.path}" if self.path else ""


def _where_in_file(e: InputError) -> str:
    parts = [f"第 {e.row} 行"] if e.row is not None else []
    if e.field:
        parts.append(f"字段「{e.field}」")
    return " ".join(parts) or "数据"


def coerce_value(f: FieldDef, raw: Any, where: Where, *, label: str | None = None) -> Any:
    """One scalar value: blank → None (or an error if required).  Text is cleaned first (cleantext)."""
    name = label or f.label
    try:
        if isinstance(raw, str):
            raw = clean_text(raw)
        if is_blank(raw):
            if f.required:
                raise InputError("必填项没有填写", form=where.form, row=where.row, field=name, path=where.path)
            return None
        return _COERCE[f.type](f, raw)
    except (ValueProblem, BadCharacter) as e:
        raise InputError(str(e), form=where.form, row=where.row, field=name, path=where.path) from e


def coerce_row(f: FieldDef, item: Mapping[str, Any], where: Where, *, prefix: str = "") -> dict[str, Any]:
    """One row of a table field, every column coerced; every bad cell of it reported at once.

    ``prefix`` goes before the column labels in errors (``收费项目 第 2 行 ``)
    when the row has no spreadsheet row number of its own."""
    known = {c.id for c in f.columns} | {c.label for c in f.columns}
    problems: list[InputError] = []
    unknown = [k for k in item if k not in known]
    if unknown:
        problems.append(InputError(f"没有这一列：{'、'.join(map(str, unknown))}", form=where.form, row=where.row,
                                   field=f"{prefix}{unknown[0]}".strip(), path=where.path))
    out: dict[str, Any] = {}
    for c in f.columns:
        try:
            out[c.id] = coerce_value(c, item.get(c.id, item.get(c.label)), where, label=f"{prefix}{c.label}")
        except InputError as e:
            problems.append(e)
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise InputProblems(problems, form=where.form, path=where.path)
    return out


def check_row_count(f: FieldDef, count: int, where: Where) -> None:
    if count < f.min_rows:
        raise InputError(f"至少需要 {f.min_rows} 行，实际 {count} 行", form=where.form, row=where.row, field=f.label,
                         path=where.path)
    if f.max_rows is not None and count > f.max_rows:
        raise InputError(f"最多 {f.max_rows} 行，实际 {count} 行", form=where.form, row=where.row, field=f.label,
                         path=where.path)


def mask_values(fields: tuple[FieldDef, ...], values: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``values`` with every ``mask:`` field (and column) masked."""
    out = dict(values)
    for f in fields:
        v = out.get(f.id)
        if f.type == "table" and isinstance(v, list):
            out[f.id] = [mask_values(f.columns, row) for row in v]
        elif f.mask and v is not None:
            out[f.id] = MASKERS[f.mask](v)
    return out
