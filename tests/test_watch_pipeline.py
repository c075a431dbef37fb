"""Watched folders end to end with `--once`: filing, classification, duplicates,
quarantine with reasons, retry, on_success, a batch of 200."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from dangan.config import Workspace
from dangan.ingest import quarantine as q
from watch_helpers import backdate, configure, duplicate_events, records, run_once, search_total, set_ingest


def _txt(folder: Path, name: str, text: str) -> Path:
    p = folder / name
    p.write_text(text, encoding="utf-8")
    return p


def test_text_files_are_filed_once_searchable_and_removed(ws: Workspace, tmp_path: Path, cli) -> None:
    inbox = tmp_path / "inbox"
    ws = configure(ws, inbox)
    for i in range(5):
        _txt(inbox, f"r{i}.txt", f"巡查记录 第{i}号 空置房屋 门窗完好")
    _txt(inbox, "~$草稿.txt", "临时文件")
    backdate(*inbox.iterdir())
    result = cli("watch", "--once")
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if "→" in line]
    assert len(lines) == 5 and all("Z001-" in line and "目录类别 KZ" in line for line in lines)
    assert sorted(p.name for p in inbox.iterdir()) == ["~$草稿.txt"]
    recs = records(ws)
    assert len(recs) == 5 and {r.category for r in recs} == {"KZ"}
    assert all(r.source == "scanned" for r in recs)
    assert search_total(ws, "巡查记录") == 5
    assert run_once(ws) == []  # nothing left to do


def test_rules_then_auto_fallback_flagged_for_review(ws: Workspace, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    extra = '\n[[rule]]\ncategory = "SF"\nkeywords = ["物业费"]\n\n[[rule]]\ncategory = "ZX"\nregex = "装修.{0,4}违规"\n'
    ws = configure(ws, inbox, category="auto", extra=extra)
    _txt(inbox, "a.txt", "关于缴纳本月物业费的通知")
    _txt(inbox, "b.txt", "3栋1201室装修严重违规")
    _txt(inbox, "c.txt", "电梯年检报告")
    backdate(*inbox.iterdir())
    outcomes = {o.source.name: o for o in run_once(ws)}
    assert outcomes["a.txt"].how == "规则 SF" and outcomes["b.txt"].how == "规则 ZX"
    assert "QT" in outcomes["c.txt"].how
    by_cat = {r.category: r for r in records(ws)}
    assert set(by_cat) == {"SF", "ZX", "QT"}
    assert by_cat["QT"].needs_review and not by_cat["SF"].needs_review


def test_same_file_twice_gives_one_record_and_one_duplicate_event(ws: Workspace, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    ws = configure(ws, inbox, extra='on_success = "move"')
    _txt(inbox, "scan.txt", "空置房巡查 3栋")
    backdate(*inbox.iterdir())
    run_once(ws)
    _txt(inbox, "scan (2).txt", "空置房巡查 3栋")
    backdate(*inbox.iterdir())
    [outcome] = run_once(ws)
    assert outcome.status == "duplicate"
    [rec] = records(ws)
    assert duplicate_events(ws, rec.archival_code) == 1
    assert (inbox / "processed" / "scan.txt").exists()
    assert (inbox / "processed" / "duplicates" / "scan (2).txt").exists()


def _failures(folder: Path) -> dict[str, str]:
    """file name -> what the reason file must say."""
    from pypdf import PdfWriter

    w = PdfWriter()
    w.add_blank_page(595, 842)
    w.encrypt(user_password="secret", owner_password="owner")
    with open(folder / "encrypted.pdf", "wb") as fh:
        w.write(fh)
    good = PdfWriter()
    good.add_blank_page(595, 842)
    with open(folder / "whole.pdf", "wb") as fh:
        good.write(fh)
    data = (folder / "whole.pdf").read_bytes()
    (folder / "whole.pdf").unlink()
    (folder / "truncated.pdf").write_bytes(data[: len(data) // 2])
    (folder / "corrupt.pdf").write_bytes(b"%PDF-1.4\n1 0 obj<<>>\ngarbage garbage\n%%EOF\n")
    (folder / "empty.pdf").write_bytes(b"")
    (folder / "table.xlsx").write_bytes(b"PK\x03\x04 not really")
    (folder / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0" + b"\x00junk" * 50)
    (folder / "huge.txt").write_text("大" * 40_000, encoding="utf-8")  # 120 KB > 0.1 MB
    return {
        "encrypted.pdf": "加密",
        "truncated.pdf": "不完整",
        "corrupt.pdf": "损坏",
        "empty.pdf": "空",
        "table.xlsx": "不支持",
        "photo.jpg": "图片无法解码",
        "huge.txt": "太大",
    }


def test_each_failure_kind_goes_to_quarantine_with_a_reason(ws: Workspace, tmp_path: Path, cli) -> None:
    inbox = tmp_path / "inbox"
    ws = configure(ws, inbox, settings={"max_file_mb": 0.1})
    expected = _failures(inbox)
    hashes = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in inbox.iterdir()}
    backdate(*inbox.iterdir())
    result = cli("watch", "--once")
    assert result.exit_code == 0, result.output
    assert list(inbox.iterdir()) == []
    assert records(ws) == []
    found = {e.path.name: e for e in q.entries(ws.quarantine_dir)}
    assert set(found) == set(expected)
    for name, words in expected.items():
        reason = found[name].reason.read_text(encoding="utf-8")
        assert words in reason, (name, reason)
        assert "时间：" in reason and "技术细节：" in reason
        assert hashlib.sha256(found[name].path.read_bytes()).hexdigest() == hashes[name]  # intact


def test_retry_quarantine_files_what_now_works_and_keeps_the_rest(ws: Workspace, tmp_path: Path, cli) -> None:
    inbox = tmp_path / "inbox"
    ws = configure(ws, inbox, settings={"max_file_mb": 0.1})
    (inbox / "big.txt").write_text("巡查记录 " + "大" * 40_000, encoding="utf-8")
    (inbox / "empty.txt").write_bytes(b"")
    backdate(*inbox.iterdir())
    run_once(ws)
    assert len(q.entries(ws.quarantine_dir)) == 2
    toml = set_ingest((ws.root / "dangan.toml").read_text(encoding="utf-8"), {"max_file_mb": 5})
    (ws.root / "dangan.toml").write_text(toml, encoding="utf-8")
    result = cli("watch", "--retry-quarantine")
    assert result.exit_code == 0, result.output
    assert "big.txt → Z001-" in result.output
    assert [e.path.name for e in q.entries(ws.quarantine_dir)] == ["empty.txt"]
    assert not (ws.quarantine_dir / "big.txt.reason.txt").exists()
    assert len(records(ws)) == 1


@pytest.mark.slow
def test_200_files_at_once(ws: Workspace, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    ws = configure(ws, inbox)
    for i in range(200):
        _txt(inbox, f"f{i:03}.txt", f"空置房巡查记录 编号{i:03} 门窗完好")
    backdate(*inbox.iterdir())
    outcomes = run_once(ws)
    assert len(outcomes) == 200 and {o.status for o in outcomes} == {"filed"}
    recs = records(ws)
    assert len(recs) == 200
    assert len({r.original.sha256 for r in recs}) == 200  # 0 duplicated
    assert list(inbox.iterdir()) == []  # 0 left, 0 lost


def test_once_waits_the_window_for_a_fresh_file(ws: Workspace, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    ws = configure(ws, inbox, settings={"stability_seconds": 0.3})
    _txt(inbox, "fresh.txt", "空置房巡查 刚扫描")  # mtime now: not yet settled
    [outcome] = run_once(ws)
    assert outcome.status == "filed"
    assert len(records(ws)) == 1


def test_file_changing_while_processed_is_not_filed(ws: Workspace, tmp_path: Path, monkeypatch) -> None:
    from dangan.ingest import steps

    inbox = tmp_path / "inbox"
    ws = configure(ws, inbox, settings={"stability_seconds": 0.2})
    src = _txt(inbox, "growing.txt", "第一部分")
    backdate(src)
    real_copy = steps.copy_regular
    writes = iter(["第二部分"])

    def copy_then_append(s: Path, target: Path) -> tuple[str, int]:
        sha = real_copy(s, target)
        for more in writes:  # the scanner appends once, right after our copy
            with open(s, "a", encoding="utf-8") as fh:
                fh.write(more)
        return sha

    monkeypatch.setattr(steps, "copy_regular", copy_then_append)
    outcomes = run_once(ws)
    assert [o.status for o in outcomes] == ["changed", "filed"]  # not filed half-done; taken once stable
    [rec] = records(ws)
    assert rec.original.sha256 == hashlib.sha256("第一部分第二部分".encode()).hexdigest()


def test_a_new_scan_saved_under_the_same_name_during_filing_is_kept(ws: Workspace, tmp_path: Path, monkeypatch) -> None:
    """Scanners reuse names (scan.pdf): the file replaced while the old one was being filed must survive."""
    from dangan.archive.service import Archive

    inbox = tmp_path / "inbox"
    ws = configure(ws, inbox, settings={"stability_seconds": 0.2})
    src = _txt(inbox, "scan.txt", "第一份扫描 业主签字")
    backdate(src)
    real_file = Archive.file

    def file_while_scanner_saves_again(self, req):  # type: ignore[no-untyped-def]
        result = real_file(self, req)
        src.write_text("第二份扫描 新内容", encoding="utf-8")  # after our copy, before the source is removed
        return result

    monkeypatch.setattr(Archive, "file", file_while_scanner_saves_again)
    [first] = run_once(ws)
    assert first.status == "filed" and any("替换" in w for w in first.warnings)
    assert src.read_text(encoding="utf-8") == "第二份扫描 新内容"  # the new scan is still in the inbox
    monkeypatch.setattr(Archive, "file", real_file)
    [second] = run_once(ws)
    assert second.status == "filed" and not src.exists()
    shas = sorted(r.original.sha256 for r in records(ws))
    assert shas == sorted(hashlib.sha256(t.encode()).hexdigest() for t in ("第一份扫描 业主签字", "第二份扫描 新内容"))


def test_a_source_claimed_when_the_watcher_died_is_given_back(ws: Workspace, tmp_path: Path) -> None:
    from dangan.ingest.pipeline import CLAIM_PREFIX

    inbox = tmp_path / "inbox"
    ws = configure(ws, inbox, settings={"stability_seconds": 0.2})
    claimed = _txt(inbox, CLAIM_PREFIX + "scan.txt", "killed after the claim, before removal")
    backdate(claimed)
    [outcome] = run_once(ws)
    assert outcome.status == "filed" and outcome.source.name == "scan.txt"
    assert not claimed.exists() and list(inbox.glob("*.txt")) == []
