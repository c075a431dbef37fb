"""Reading input data: YAML/JSON documents, CSV and XLSX sheets.

Sheets yield ``(row_number, {header: value})`` where the row number is the
one a clerk sees in Excel (the header is row 1).  Blank rows are skipped.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import Any

import yaml

from dangan.errors import InputError

SheetRow = tuple[int, dict[str, Any]]
CSV_ENCODINGS = ("utf-8-sig", "gb18030")


def read_data(path: Path, *, form: str | None = None) -> dict[str, Any]:
    """A YAML or JSON mapping of field values."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as e:
        raise InputError("找不到数据文件", form=form, path=path) from e
    except UnicodeDecodeError as e:
        raise InputError("数据文件不是 UTF-8 编码的文本", form=form, path=path) from e
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as e:
        raise InputError(f"数据文件格式错误：{e}", form=form, path=path) from e
    if data is None:
        raise InputError("数据文件是空的", form=form, path=path)
    if not isinstance(data, dict):
        raise InputError("数据文件应为「字段: 值」的映射", form=form, path=path)
    return data


class HeaderError(InputError):
    """A problem of the header row; the location reads 第 N 行（表头）."""

    def where(self) -> str:
        text = super().where()
        if self.row is None:
            return text
        return text.replace(f"第 {self.row} 行", f"第 {self.row} 行（表头）", 1)


def read_sheet(path: Path, *, form: str | None = None, columns: Collection[str] | None = None
               ) -> list[SheetRow]:
    """Rows of a CSV (UTF-8, UTF-8 with BOM or GB18030) or XLSX file.

    With ``columns`` (the ids and labels the form accepts), a header naming
    anything else is an error of the header row."""
    if not path.is_file():
        raise InputError("找不到批量数据文件", form=form, path=path)
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        rows = list(_xlsx_rows(path, form))
    elif suffix in (".csv", ".txt"):
        rows = list(_csv_rows(path, form))
    else:
        raise InputError("批量数据只支持 .csv 或 .xlsx 文件", form=form, path=path)
    return _with_headers(rows, path, form, columns)


def _decode(raw: bytes, path: Path, form: str | None) -> str:
    for enc in CSV_ENCODINGS:
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    raise InputError("无法识别 CSV 的编码（支持 UTF-8、GB18030/GBK）", form=form, path=path)


def _csv_rows(path: Path, form: str | None) -> Iterator[list[Any]]:
    text = _decode(path.read_bytes(), path, form)
    if "\x00" in text:
        raise InputError("CSV 文件已损坏（含有二进制内容）", form=form, path=path)
    try:
        yield from csv.reader(io.StringIO(text, newline=""), strict=True)
    except csv.Error as e:
        raise InputError(f"CSV 格式错误：{e}", form=form, path=path) from e


def _xlsx_rows(path: Path, form: str | None) -> Iterator[list[Any]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises many kinds for a broken file
        raise InputError(f"无法打开 Excel 文件（文件损坏或不是 .xlsx）：{type(e).__name__}", form=form,
                         path=path) from e
    try:
        ws = wb.worksheets[0]
        for row in ws.iter_rows(values_only=True):
            yield list(row)
    finally:
        wb.close()


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _with_headers(rows: list[list[Any]], path: Path, form: str | None,
                  columns: Collection[str] | None = None) -> list[SheetRow]:
    numbered = [(i, r) for i, r in enumerate(rows, start=1)]
    first = next(((i, r) for i, r in numbered if not all(_blank(v) for v in r)), None)
    if first is None:
        raise InputError("批量数据文件是空的（没有表头）", form=form, path=path)
    head_row, header = first
    headers = [str(h).strip() if not _blank(h) else "" for h in header]
    while headers and not headers[-1]:
        headers.pop()
    if "" in headers:
        col = headers.index("") + 1
        raise HeaderError(f"第 {col} 列没有表头", form=form, path=path, row=head_row)
    dup = sorted({h for h in headers if headers.count(h) > 1})
    if dup:
        raise HeaderError(f"表头重复：{'、'.join(dup)}", form=form, path=path, row=head_row, field=dup[0])
    unknown = [h for h in headers if columns is not None and h not in columns]
    if unknown:
        message = "表单没有这一列（字段）" if len(unknown) == 1 else \
            "表单没有这些列（字段）：" + "、".join(f"「{h}」" for h in unknown)
        raise HeaderError(message, form=form, path=path, row=head_row, field=unknown[0])
    out: list[SheetRow] = []
    for i, r in numbered[head_row:]:
        if all(_blank(v) for v in r):
            continue
        extra = [v for v in r[len(headers):] if not _blank(v)]
        if extra:
            raise InputError(f"这一行比表头多出 {len(extra)} 个值", form=form, path=path, row=i)
        cells = list(r[: len(headers)]) + [None] * (len(headers) - len(r))
        out.append((i, {h: (v.strip() if isinstance(v, str) else v) for h, v in zip(headers, cells, strict=True)}))
    if not out:
        raise InputError("批量数据文件只有表头，没有数据行", form=form, path=path)
    return out
