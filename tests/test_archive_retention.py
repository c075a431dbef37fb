"""Holds, extension, due list and disposal (with the 档案销毁清册), through the CLI and the library."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dangan.archive.model import FilingRequest, Status
from dangan.archive.service import Archive
from dangan.config import Workspace
from dangan.errors import RetentionError


def add(cli, tmp_path: Path, name: str, text: str, *args: str) -> str:  # type: ignore[no-untyped-def]
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    res = cli("archive", "add", str(p), "--json", *args)
    assert res.exit_code == 0, res.output
    return json.loads(res.output)["archival_code"]


def dispose(cli, *codes: str):  # type: ignore[no-untyped-def]
    return cli("retention", "dispose", *codes, "--approver", "王主任", "--reason", "保管期限已满")


def test_disposal_is_refused_until_expired_and_every_hold_released(cli, ws: Workspace, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    old = add(cli, tmp_path, "old.txt", "旧投诉记录 承重墙", "-c", "TS", "--date", "2010-03-01", "--title", "旧投诉")
    new = add(cli, tmp_path, "new.txt", "新投诉记录", "-c", "TS", "--title", "新投诉")
    perm = add(cli, tmp_path, "p.txt", "业户资料", "-c", "YH", "--date", "2001-01-01")

    res = dispose(cli, new)
    assert res.exit_code != 0 and new in res.output and "未满" in res.output
    res = dispose(cli, perm)
    assert res.exit_code != 0 and "永久" in res.output

    assert cli("hold", "add", old, "--reason", "诉讼").exit_code == 0
    assert cli("hold", "add", old, "--reason", "纠纷").exit_code == 0
    res = dispose(cli, old)
    assert res.exit_code != 0 and old in res.output and "冻结" in res.output
    assert cli("hold", "release", old, "--reason", "诉讼结案").exit_code == 0  # partial release
    res = dispose(cli, old)
    assert res.exit_code != 0 and "冻结" in res.output
    res = dispose(cli, old, new)  # one refusal refuses the whole request, naming it
    assert res.exit_code != 0 and new in res.output
    assert cli("hold", "release", old, "--reason", "纠纷解决").exit_code == 0

    res = dispose(cli, old)
    assert res.exit_code == 0, res.output
    assert "销毁清册已归档" in res.output

    with Archive.open(ws) as archive:
        record = archive.get(old)
        assert record.status is Status.DISPOSED and record.title == "旧投诉"  # metadata stays
        assert all(f.destroyed and not archive.store.abs(f.path).exists() for f in record.files)
        assert archive.text_of(old) is None
        register = archive.list(category="XH")[0]
        assert "-Y-XH-0001" in register.archival_code and register.period == "Y"
        assert register.form_id == "disposal-register"
        assert old in register.form_data["rows"][0]["code"]
        assert register.meta["approver"] == "王主任"
        assert archive.store.abs(register.original.path).read_bytes().startswith(b"%PDF")
        assert old in (archive.text_of(register.archival_code) or "")
        assert [e.event for e in archive.audit_trail(old)][-1] == "disposed"
    assert dispose(cli, old).exit_code != 0  # already disposed
    assert cli("verify").exit_code == 0


def test_due_lists_expired_records_grouped_and_as_of_only_reports(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    old = add(cli, tmp_path, "a.txt", "a", "-c", "TS", "--date", "2010-03-01")
    add(cli, tmp_path, "b.txt", "b", "-c", "SF", "--date", "2010-03-01")  # D30: not due
    res = cli("retention", "due", "--json")
    groups = json.loads(res.output)
    assert [(g["category"], [r["archival_code"] for r in g["records"]]) for g in groups] == [("TS", [old])]
    future = json.loads(cli("retention", "due", "--as-of", "2041-01-01", "--json").output)
    assert {g["category"] for g in future} == {"TS", "SF"}
    assert "共 1 件到期" in cli("retention", "due").output


def test_extend_only_lengthens_and_blocks_disposal(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    code = add(cli, tmp_path, "a.txt", "a", "-c", "TS", "--date", "2010-03-01")
    res = cli("retention", "extend", code, "--to", "D10", "--reason", "x")
    assert res.exit_code != 0 and "只能延长" in res.output
    res = cli("retention", "extend", code, "--to", "20", "--reason", "鉴定后仍有价值")
    assert res.exit_code == 0 and "定期20年" in res.output
    res = dispose(cli, code)
    assert res.exit_code != 0 and "2031年01月01日" in res.output
    assert cli("retention", "extend", code, "--to", "D15", "--reason", "x").exit_code != 0
    shown = json.loads(cli("archive", "show", code, "--json").output)
    assert shown["period"] == "D20" and shown["archival_code"] == code  # the code never changes


def test_library_refusals_name_each_record(ws: Workspace, tmp_path: Path) -> None:
    p = tmp_path / "a.txt"
    p.write_text("x", encoding="utf-8")
    with Archive.open(ws) as archive:
        code = archive.file(FilingRequest(path=p, category="TS")).record.archival_code
        with pytest.raises(RetentionError) as info:
            archive.dispose([code, "Z001-2000-D10-TS-0001"], approver="王主任", reason="到期")
        assert code in str(info.value) and "Z001-2000-D10-TS-0001" in str(info.value)
        with pytest.raises(RetentionError, match="批准人"):
            archive.dispose([code], approver=" ", reason="到期")
        with pytest.raises(RetentionError, match="没有未解除的冻结"):
            archive.release([code], reason="x")
        held = archive.hold([code], reason="诉讼")[0]
        assert held.status is Status.HELD
        assert archive.release([code], reason="结案")[0].status is Status.ACTIVE


def test_disposal_goes_by_the_clock_of_the_app_and_nothing_else(ws: Workspace, tmp_path: Path) -> None:
    """A 2026 D10 record may be disposed of from 2037-01-01 on: not a day before, whatever is asked."""
    import datetime as dt

    from dangan.app import Dangan, FixedClock

    clock = FixedClock(dt.date(2026, 6, 1))
    p = tmp_path / "a.txt"
    p.write_text("投诉记录", encoding="utf-8")
    with Dangan.open(ws, clock=clock) as app:
        [filed] = app.file([p], category="TS", date=dt.date(2026, 3, 1))
        code = filed.result.record.archival_code
        clock.set(dt.date(2036, 12, 31))
        with pytest.raises(RetentionError, match="2037年01月01日"):
            app.dispose([code], approver="王主任", reason="到期")
        assert [i.record.archival_code for i in app.due()] == []
        assert [i.record.archival_code for i in app.due(dt.date(2037, 1, 1))] == [code]  # a preview only
        with pytest.raises(RetentionError):
            app.dispose([code], approver="王主任", reason="到期")
        clock.set(dt.date(2037, 1, 1))
        result = app.dispose([code], approver="王主任", reason="到期")
        assert [r.archival_code for r in result.disposed] == [code]
        assert result.register.date == dt.date(2037, 1, 1) and result.register.archival_code.startswith("Z001-2037-Y-XH")
        assert app.record(code).disposed_at == clock.now()
