"""The 四性检测 report as a record: the four properties with each check's result and count, the record count and
the audit chain's head at that moment, filed as a permanent PDF/A record — also when the check finds problems."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import TODAY

from dangan.app import Dangan, FixedClock
from dangan.config import Workspace
from dangan.content import pdfa
from dangan.content.pdf import read_text
from dangan.outputs.report import report_data


def _note(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    path.write_text(f"值班记录 {name}", encoding="utf-8")
    return path


def test_the_report_is_filed_with_the_counts_and_the_chain_head(ws: Workspace, tmp_path: Path) -> None:
    with Dangan.open(ws, clock=FixedClock(TODAY), index=False) as app:
        app.file([_note(tmp_path, "a.txt"), _note(tmp_path, "b.txt")], category="ZB")
        verify, record = app.outputs.report()
        head = app.audit_trail()[-2]  # the verify run; then the report's filing
        assert verify.ok and head.event == "verify"
        assert (record.category, record.period, record.form_id) == ("DA", "Y", "integrity-report")
        data = app.archive.store.abs(record.original.path).read_bytes()
        assert pdfa.check(data) == []
        text = "".join((read_text(data).text or "").split())
        assert f"第{head.id}条{head.hash}" in text
        assert "2件" in text and "通过" in text
        for prop in ("真实性", "完整性", "可用性", "安全性"):
            assert prop in text
        assert record.form_data["records"] == 2 and record.meta["audit_head"].endswith(head.hash)
        assert app.verify(index=False).ok  # the report is a record like any other


def test_a_failing_check_is_reported_and_still_filed(cli, ws: Workspace, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    added = json.loads(cli("archive", "add", str(_note(tmp_path, "a.txt")), "-c", "ZB", "--json").output)
    stored = ws.archive_dir / added["path"]
    stored.chmod(0o644)
    stored.write_text("被改过", encoding="utf-8")
    result = cli("verify", "--report")
    assert result.exit_code == 1
    assert "检测报告已归档" in result.output
    listed = json.loads(cli("archive", "list", "--category", "DA", "--json").output)
    [report] = listed
    data = report["form_data"]
    assert data["result"].startswith("未通过") and data["problem_count"] >= 1
    failed = {c["name"]: c for c in data["checks"] if c["result"] == "未通过"}  # size and digest both differ
    assert failed["文件哈希与目录一致"]["count"] == 2 and failed["文件哈希与目录一致"]["property"] == "真实性"
    assert any(p["where"].endswith(added["path"].split("/")[-1]) or added["archival_code"] in p["where"]
               for p in data["problems"])


def test_report_data_orders_the_properties_and_counts_problems() -> None:
    from dangan.archive.verify import Problem, VerifyReport

    report = VerifyReport(records=3, files=4, bytes=2_500_000, checks=["audit", "hash", "sequence", "drift"],
                          problems=[Problem("hash", "x", "C1"), Problem("hash", "y", "C2")],
                          properties={"drift": "完整性"})
    import datetime as dt

    data = report_data(report, head=(9, "a" * 64), at=dt.datetime(2026, 12, 1, 9, 30))
    assert [c["property"] for c in data["checks"]] == ["真实性", "完整性", "完整性", "安全性"]
    assert data["checks"][0] == {"property": "真实性", "name": "文件哈希与目录一致", "result": "未通过", "count": 2}
    assert data["volume"] == "2.5 MB" and data["audit_head"] == "第 9 条 " + "a" * 64
    assert data["result"] == "未通过（2 个问题）"
