"""Spreadsheets read outside forms/ (issue 10, item 15): ``register import``, ``fees import`` and ``fees payments``
read through the forms' one reader (dangan/forms/inputs.py) with its limits, so a huge, bombed or malformed
XLSX gives a clear Chinese error naming the file and the limit, exits non-zero and writes nothing.
(The web has no upload of these sheets.)"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from tests.ledger_helpers import sheet
from tests.test_forms_security import _huge_inline_string_xlsx

from dangan.app import Dangan
from dangan.config import Workspace
from dangan.forms import limits

COMMANDS = {
    "register": lambda p: ("register", "import", "complaint-register", str(p)),
    "bills": lambda p: ("fees", "import", "2026-11", str(p), "--issue-date", "2026-11-01"),
    "payments": lambda p: ("fees", "payments", str(p)),
}


def _written(ws: Workspace) -> tuple[int, int, int, int]:
    """(register entries, bill lines, payments, audit entries) in the catalogue."""
    from dangan.archive.catalogue import EntryQuery

    with Dangan.open(ws, index=False) as app:
        cat = app.archive.catalogue
        return (len(cat.entries(EntryQuery("complaint-register"))), len(cat.bill_lines()), len(cat.payments()),
                len(cat.audit_entries()))


def _refused(cli, ws: Workspace, args: tuple[str, ...], path: Path, *words: str) -> str:  # type: ignore[no-untyped-def]
    before = _written(ws)
    r = cli(*args)
    assert r.exit_code == 1, r.output
    assert "Traceback" not in r.output and path.name in r.output, r.output
    for w in words:
        assert w in r.output, r.output
    assert _written(ws) == before  # nothing entered, nothing audited
    return str(r.output)


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_sheet_that_unpacks_to_a_huge_string_is_refused_before_it_is_read(cli, ws: Workspace, tmp_path: Path,
                                                                             command: str) -> None:
    path = tmp_path / "bomb.xlsx"
    _huge_inline_string_xlsx(path, limits.MAX_SHEET_MB + 5)
    assert path.stat().st_size < 2 * 1024 * 1024
    _refused(cli, ws, COMMANDS[command](path), path, f"{limits.MAX_SHEET_MB} MB", "上限")


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_cell_over_the_limit_is_refused_naming_the_row(cli, ws: Workspace, tmp_path: Path, command: str) -> None:
    path = tmp_path / "big-cell.xlsx"
    _huge_inline_string_xlsx(path, 1)
    _refused(cli, ws, COMMANDS[command](path), path, "第 2 行", f"{limits.MAX_CELL_CHARS}", "上限")


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_too_many_rows_are_refused_with_the_limit(cli, ws: Workspace, tmp_path: Path, command: str,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_BATCH_ROWS", 50)
    path = sheet(tmp_path / "many.xlsx", ["房号", "业主", "项目", "金额"],
                 [[f"1栋{i:04d}室", "张三", "物业管理费", 10] for i in range(60)])
    _refused(cli, ws, COMMANDS[command](path), path, "50 行", "上限")


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_malformed_workbook_is_refused(cli, ws: Workspace, tmp_path: Path, command: str) -> None:
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"PK\x03\x04 not really a workbook")
    _refused(cli, ws, COMMANDS[command](junk), junk, "无法打开 Excel 文件")
    broken = tmp_path / "broken.xlsx"
    good = sheet(tmp_path / "good.xlsx", ["房号"], [["1栋0101室"]])
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(broken, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            dst.writestr(name, data[: len(data) // 2] if name == "xl/worksheets/sheet1.xml" else data)
    _refused(cli, ws, COMMANDS[command](broken), broken, "Excel")


def test_numbers_quoted_from_a_sheet_in_an_error_are_masked(cli, ws: Workspace, tmp_path: Path) -> None:
    path = sheet(tmp_path / "odd.xlsx", ["房号", "业主 13900035678"], [["1栋0101室", "张三"]])
    out = _refused(cli, ws, COMMANDS["payments"](path), path, "业主 139****5678", "表头")
    assert "13900035678" not in out
