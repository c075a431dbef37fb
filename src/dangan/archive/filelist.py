"""归档文件目录 (file list): per year and category, PDF through the forms engine or XLSX.

Columns (DOMAIN.md §3): 序号, 档号, 文号, 责任者, 题名, 日期 (YYYYMMDD), 密级,
页数, 备注.  A4 landscape, header repeated on every page, page numbers.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dangan.archive.model import Record, Status
from dangan.fsutil import atomic_write_bytes, safe_filename

if TYPE_CHECKING:
    from dangan.archive.service import Archive

FORM_ID = "archive-file-list"
COLUMNS = ("序号", "档号", "文号", "责任者", "题名", "日期", "密级", "页数", "备注")
_KEYS = ("seq", "code", "doc_number", "author", "title", "date", "security", "pages", "remarks")


def file_list_rows(records: list[Record]) -> list[dict[str, Any]]:
    """Rows of the list, in archival-code order (pure)."""
    rows = []
    for n, r in enumerate(sorted(records, key=lambda r: r.archival_code), start=1):
        original = r.original
        remarks = {Status.DISPOSED: "已销毁", Status.HELD: "冻结"}.get(r.status, "")
        rows.append({
            "seq": n, "code": r.archival_code, "doc_number": r.doc_number or "", "author": r.author,
            "title": r.title, "date": r.date.strftime("%Y%m%d"), "security": r.security,
            "pages": original.page_count if original and original.page_count else "", "remarks": remarks,
        })
    return rows


def heading(archive: Archive, year: int, category: str | None) -> str:
    if category is None:
        return f"{year}年度 全部类别"
    cat = archive.plan.get(category)
    return f"{year}年度 {cat.name}（{cat.code}）"


def write_file_list(archive: Archive, *, year: int, category: str | None, fmt: str, out: Path | None) -> Path:
    code = archive.plan.get(category).code if category else None
    records = archive.list(year=year, category=code)
    rows = file_list_rows(records)
    title = heading(archive, year, code)
    if out is None:
        out = archive.ws.output_dir / safe_filename(f"归档文件目录-{year}-{code or '全部'}.{fmt}")
    out = archive.ws.output_target(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "xlsx":
        atomic_write_bytes(out, xlsx_bytes(title, rows))
    else:
        _write_pdf(archive, title, rows, out)
    return out


def _write_pdf(archive: Archive, title: str, rows: list[dict[str, Any]], out: Path) -> None:
    from dangan.forms import render_form

    data = {"heading": title, "printed_on": dt.date.today().isoformat(), "rows": rows}
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".dangan-tmp-") as tmp:
        doc = render_form(archive.ws, FORM_ID, data, formats=("pdf",), out_dir=Path(tmp))
        os.replace(doc.files["pdf"], out)


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
        sheet.append([row[k] for k in _KEYS])
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
