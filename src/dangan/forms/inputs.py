"""Reading input data: YAML/JSON documents, CSV and XLSX sheets.

Sheets yield ``(row_number, {header: value})`` where the row number is the
one a clerk sees in Excel (the header is row 1 when it is the first row):
the sheet's own row numbers, whatever blank rows there are.  Blank rows are
skipped.  Every row there is is read: an XLSX's ``<dimension ref>``, which
some tools leave stale, is not trusted.  Sizes are bounded (limits.py).
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Collection, Iterator, Sequence
from pathlib import Path
from typing import Any

import yaml

from dangan.errors import InputError
from dangan.forms import limits
from dangan.forms.cleantext import BadCharacter, clean_text

SheetRow = tuple[int, dict[str, Any]]
NumberedCells = tuple[int, Sequence[Any]]
CSV_ENCODINGS = ("utf-8-sig", "gb18030")
MB = 1024 * 1024


def read_data(path: Path, *, form: str | None = None) -> dict[str, Any]:
    """A YAML or JSON mapping of field values."""
    try:
        size = path.stat().st_size
    except FileNotFoundError as e:
        raise InputError("找不到数据文件", form=form, path=path) from e
    if size > limits.MAX_DATA_MB * MB:
        raise InputError(f"数据文件超过 {limits.MAX_DATA_MB} MB 的上限（实际 {size / MB:.1f} MB）", form=form, path=path)
    try:
        text = path.read_text(encoding="utf-8-sig")
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


def read_sheet(path: Path, *, form: str | None = None, columns: Collection[str] | None = None,
               required: Sequence[tuple[str, str]] = ()) -> list[SheetRow]:
    """Rows of a CSV (UTF-8, UTF-8 with BOM or GB18030) or XLSX file.

    With ``columns`` (the ids and labels the form accepts), a header naming
    anything else is an error of the header row; each of ``required``
    (``(id, label)`` of a column that must be filled) missing from the header
    is one error of the header row too."""
    if not path.is_file():
        raise InputError("找不到批量数据文件", form=form, path=path)
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        rows = _xlsx_rows(path, form)
    elif suffix in (".csv", ".txt"):
        rows = _csv_rows(path, form)
    else:
        raise InputError("批量数据只支持 .csv 或 .xlsx 文件", form=form, path=path)
    return _with_headers(iter(list(_bounded(rows, path, form))), path, form, columns, required)


def _decode(raw: bytes, path: Path, form: str | None) -> str:
    for enc in CSV_ENCODINGS:
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    raise InputError("无法识别 CSV 的编码（支持 UTF-8、GB18030/GBK）", form=form, path=path)


def _csv_rows(path: Path, form: str | None) -> Iterator[NumberedCells]:
    size = path.stat().st_size
    if size > limits.MAX_SHEET_MB * MB:
        raise InputError(f"CSV 文件超过 {limits.MAX_SHEET_MB} MB 的上限（实际 {size / MB:.0f} MB）", form=form, path=path)
    text = _decode(path.read_bytes(), path, form)
    if "\x00" in text:
        raise InputError("CSV 文件已损坏（含有二进制内容）", form=form, path=path)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    old = csv.field_size_limit(limits.MAX_CELL_CHARS * 4 + 1)  # past the cell limit, so _bounded names the cell
    try:
        for cells in reader:
            yield reader.line_num, cells
    except csv.Error as e:
        if "field larger than field limit" in str(e):
            raise InputError(f"第 {reader.line_num} 行有一格超过 {limits.MAX_CELL_CHARS} 个字的上限", form=form,
                             path=path, row=reader.line_num) from e
        raise InputError(f"CSV 格式错误：{e}", form=form, path=path) from e
    finally:
        csv.field_size_limit(old)


def _check_xlsx_size(path: Path, form: str | None) -> None:
    """Refuse a workbook whose sheets or strings unpack to more than the limit, before any is parsed
    (a 1.5 MB file can hold a 1.5 GB string).  zipfile never unpacks more than an entry declares."""
    try:
        with zipfile.ZipFile(path) as z:
            parts = [i for i in z.infolist() if i.filename.startswith("xl/") and i.filename.endswith(".xml")]
    except (zipfile.BadZipFile, OSError) as e:
        raise InputError("无法打开 Excel 文件（文件损坏或不是 .xlsx）", form=form, path=path) from e
    total = sum(i.file_size for i in parts)
    if total > limits.MAX_SHEET_MB * MB:
        raise InputError(f"Excel 文件解压后超过 {limits.MAX_SHEET_MB} MB 的上限（实际 {total / MB:.0f} MB）；"
                         "请删除无关的工作表或内容，或分成几个文件", form=form, path=path)


def _xlsx_rows(path: Path, form: str | None) -> Iterator[NumberedCells]:
    from openpyxl import load_workbook

    _check_xlsx_size(path, form)
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises many kinds for a broken file
        raise InputError(f"无法打开 Excel 文件（文件损坏或不是 .xlsx）：{type(e).__name__}", form=form,
                         path=path) from e
    try:
        ws = wb.worksheets[0]
        ws.reset_dimensions()  # the stored <dimension ref> may be stale: read every row there is
        yield from enumerate(ws.iter_rows(min_row=1, values_only=True), start=1)
    except InputError:
        raise
    except Exception as e:  # a broken sheet inside a valid zip
        raise InputError(f"无法读取 Excel 工作表：{type(e).__name__}: {e}", form=form, path=path) from e
    finally:
        wb.close()


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _bounded(rows: Iterator[NumberedCells], path: Path, form: str | None) -> Iterator[NumberedCells]:
    """Rows with the limits applied: number of rows, characters in a cell."""
    for number, cells in rows:
        if number > limits.MAX_BATCH_ROWS + 1:
            raise InputError(f"表格超过 {limits.MAX_BATCH_ROWS:,} 行的上限；请分成几个文件", form=form, path=path,
                             row=number)
        for i, v in enumerate(cells):
            if isinstance(v, str) and len(v) > limits.MAX_CELL_CHARS:
                raise InputError(f"第 {i + 1} 列超过 {limits.MAX_CELL_CHARS} 个字的上限（{len(v):,} 个字）",
                                 form=form, path=path, row=number)
        yield number, cells


def _header(cells: Sequence[Any], path: Path, form: str | None, row: int) -> list[str]:
    headers = []
    for i, h in enumerate(cells):
        try:
            headers.append(clean_text(str(h)).strip() if not _blank(h) else "")
        except BadCharacter as e:
            raise HeaderError(f"第 {i + 1} 列的表头{e}", form=form, path=path, row=row) from e
    while headers and not headers[-1]:
        headers.pop()
    if "" in headers:
        col = headers.index("") + 1
        raise HeaderError(f"第 {col} 列没有表头", form=form, path=path, row=row)
    dup = sorted({h for h in headers if headers.count(h) > 1})
    if dup:
        raise HeaderError(f"表头重复：{'、'.join(dup)}", form=form, path=path, row=row, field=dup[0])
    return headers


def _check_columns(headers: list[str], path: Path, form: str | None, row: int, columns: Collection[str] | None,
                   required: Sequence[tuple[str, str]]) -> None:
    unknown = [h for h in headers if columns is not None and h not in columns]
    if unknown:
        message = "表单没有这一列（字段）" if len(unknown) == 1 else \
            "表单没有这些列（字段）：" + "、".join(f"「{h}」" for h in unknown)
        raise HeaderError(message, form=form, path=path, row=row, field=unknown[0])
    missing = [label for fid, label in required if fid not in headers and label not in headers]
    if missing:
        raise HeaderError("缺少必填的列：" + "、".join(f"「{m}」" for m in missing) + "（每行都要填写）",
                          form=form, path=path, row=row, field=missing[0])


def _with_headers(rows: Iterator[NumberedCells], path: Path, form: str | None,
                  columns: Collection[str] | None = None, required: Sequence[tuple[str, str]] = ()
                  ) -> list[SheetRow]:
    first = next(((i, r) for i, r in rows if not all(_blank(v) for v in r)), None)
    if first is None:
        raise InputError("批量数据文件是空的（没有表头）", form=form, path=path)
    head_row, header = first
    headers = _header(header, path, form, head_row)
    _check_columns(headers, path, form, head_row, columns, required)
    out: list[SheetRow] = []
    for i, r in rows:
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
