"""归档文件目录 (file list): its rows, per year and category, and the XLSX form of it.

Columns (DOMAIN.md §3): 序号, 档号, 文号, 责任者, 题名, 日期 (YYYYMMDD), 密级,
页数, 备注.  The PDF (A4 landscape, header on every page) is rendered by the
forms engine from :func:`file_list_data`; the app layer wires that.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from dangan.archive import reclassify
from dangan.archive.model import Record, Status
from dangan.archive.plan import FilePlan

FORM_ID = "archive-file-list"
COLUMNS = ("序号", "档号", "文号", "责任者", "题名", "日期", "密级", "页数", "备注")
_KEYS = ("seq", "code", "doc_number", "author", "title", "date", "security", "pages", "remarks")


def file_list_rows(records: list[Record]) -> list[dict[str, Any]]:
    """Rows of the list, in archival-code order (pure)."""
    rows = []
    for n, r in enumerate(sorted(records, key=lambda r: r.archival_code), start=1):
        original = r.original
        remarks = "；".join(x for x in ({Status.DISPOSED: "已销毁", Status.HELD: "冻结"}.get(r.status, ""),
                                        reclassify.remarks(r)) if x)
        rows.append({
            "seq": n, "code": r.archival_code, "doc_number": r.doc_number or "", "author": r.author,
            "title": r.title, "date": r.date.strftime("%Y%m%d"), "security": r.security,
            "pages": original.page_count if original and original.page_count else "", "remarks": remarks,
        })
    return rows


def heading(plan: FilePlan, year: int, category: str | None) -> str:
    if category is None:
        return f"{year}年度 全部类别"
    cat = plan.get(category)
    return f"{year}年度 {cat.name}（{cat.code}）"


def file_list_data(title: str, rows: list[dict[str, Any]], *, printed_on: dt.date) -> dict[str, Any]:
    """The data of the archive-file-list form."""
    return {"heading": title, "printed_on": printed_on.isoformat(), "rows": rows}


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def as_text_cell(value: Any) -> Any:
    """A value Excel shows as typed: text that Excel or WPS would take for a formula (a title from a
    file name such as ``=HYPERLINK(…)``) gets a leading apostrophe, as Excel itself writes it."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def xlsx_bytes(title: str, rows: list[dict[str, Any]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side

    wb = Workbook()
    sheet = wb.active
    sheet.title = "归档文件目录"
    sheet.append([f"归档文件目录　{title}"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(COLUMNS))
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A1"].alignment = Alignment(horizontal="center")
    sheet.append(list(COLUMNS))
    thin = Side(style="thin")
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center")
        cell.border = Border(top=thin, bottom=thin, left=thin, right=thin)
    for row in rows:
        sheet.append([as_text_cell(row[k]) for k in _KEYS])
    for col, width in zip("ABCDEFGHI", (6, 24, 16, 18, 40, 10, 6, 6, 12), strict=True):
        sheet.column_dimensions[col].width = width
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = "1:2"
    sheet.oddFooter.center.text = "第 &P 页 共 &N 页"
    sheet.freeze_panes = "A3"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
