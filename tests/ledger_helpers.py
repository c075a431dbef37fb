"""Helpers for the ledger's tests: entries through the command line, sheets as the cashier makes them."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

COMPLAINT = {"target": "保洁员", "facts": "楼道卫生未及时清理", "type": "服务投诉", "channel": "电话",
             "validity": "有效", "severity": "一般", "handler": "陈美玲"}


def sets(values: dict[str, Any]) -> list[str]:
    out: list[str] = []
    for k, v in values.items():
        out += ["--set", f"{k}={v}"]
    return out


def add(cli: Callable[..., Any], form: str, **values: Any) -> int:
    r = cli("register", "add", form, *sets(values))
    assert r.exit_code == 0, r.output
    return int(r.stdout.strip().splitlines()[-1])


def add_complaint(cli: Callable[..., Any], received: str, **values: Any) -> int:
    return add(cli, "complaint-register", received_at=received, complainant=values.pop("complainant", "马丽娟"),
               **{**COMPLAINT, **values})


def as_json(result: Any) -> Any:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def sheet(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(list(header))
    for row in rows:
        ws.append(list(row))
    wb.save(path)
    return path


def pdf_text(ws_root: Path, app_json: dict[str, Any]) -> str:
    import subprocess

    path = ws_root / "archive" / app_json["path"]
    return subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True, check=True).stdout


def flat(text: str) -> str:
    """PDF text without the spaces and line breaks of its layout (a cell's text may wrap)."""
    return "".join(text.split())
