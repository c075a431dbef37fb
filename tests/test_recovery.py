"""After a crash or a failed index write: the index catches up by itself (by fingerprint, not a rebuild),
and what a crash leaves behind is cleaned or reported once (issue 10, item 5)."""

from __future__ import annotations

import dataclasses
import os
import time
from pathlib import Path

import pytest

from dangan.app import Dangan
from dangan.config import Workspace
from dangan.errors import SearchIndexError
from watch_helpers import configure, search_total


def _file_without_index(ws: Workspace, tmp_path: Path, n: int) -> list[str]:
    """Records committed while the index did not follow (the watcher killed between the two)."""
    codes = []
    with Dangan.open(ws, index=False) as app:
        for i in range(n):
            p = tmp_path / f"r{i}.txt"
            p.write_text(f"第{i}号 电梯困人 报修记录 KILLMARK{i}", encoding="utf-8")
            codes += [d.result.record.archival_code for d in app.file([p], category="TS")]
    return codes


def _index_with_one_record(ws: Workspace, tmp_path: Path) -> None:
    with Dangan.open(ws) as app:
        p = tmp_path / "first.txt"
        p.write_text("第一份", encoding="utf-8")
        app.file([p], category="TS")


def _indexed_codes(ws: Workspace) -> set[str]:
    with Dangan.open(ws) as app:
        return set(app.index().fingerprints())


def test_the_watcher_catches_the_index_up_at_start_up(ws: Workspace, tmp_path: Path, cli) -> None:
    _index_with_one_record(ws, tmp_path)
    gen_before = (ws.index_dir / "CURRENT").read_text(encoding="utf-8")
    missing = _file_without_index(ws, tmp_path, 12)
    with Dangan.open(ws, index=False) as app:  # and one edited behind the index's back
        app.edit(missing[0], {"title": "改过的题名"}, reason="更正")
    assert not set(missing) & _indexed_codes(ws)
    configure(ws, tmp_path / "inbox")
    r = cli("watch", "--once")
    assert r.exit_code == 0, r.output
    assert "缺少 12 件" in r.output and "已自动补齐" in r.output
    assert set(missing) <= _indexed_codes(ws)
    assert search_total(ws, "KILLMARK5") == 1 and search_total(ws, "改过的题名") == 1
    assert (ws.index_dir / "CURRENT").read_text(encoding="utf-8") == gen_before  # caught up, not rebuilt
    r = cli("watch", "--once")  # nothing left: said once
    assert "补齐" not in r.output
    assert cli("verify").exit_code == 0


def test_the_web_server_catches_the_index_up_at_start_up(ws: Workspace, tmp_path: Path, caplog) -> None:
    from dangan.web import create_app

    _index_with_one_record(ws, tmp_path)
    gen_before = (ws.index_dir / "CURRENT").read_text(encoding="utf-8")
    missing = _file_without_index(ws, tmp_path, 5)
    assert not set(missing) & _indexed_codes(ws)
    with Dangan.open(ws) as app, caplog.at_level("WARNING", logger="dangan.web"):
        create_app(app, warm=False)  # a web-only deployment: no watcher ever runs
        assert app.check_index().ok
    assert set(missing) <= _indexed_codes(ws) and search_total(ws, "KILLMARK3") == 1
    assert "缺少 5 件" in caplog.text
    assert (ws.index_dir / "CURRENT").read_text(encoding="utf-8") == gen_before  # caught up, not rebuilt


def test_catch_up_indexes_only_what_drifted(ws: Workspace, tmp_path: Path, monkeypatch) -> None:
    from dangan.search.whoosh import WhooshBackend

    with Dangan.open(ws) as app:
        for i in range(5):
            p = tmp_path / f"ok{i}.txt"
            p.write_text(f"正常归档 {i}", encoding="utf-8")
            app.file([p], category="TS")
    missing = _file_without_index(ws, tmp_path, 3)
    written: list[str] = []
    real = WhooshBackend.index
    monkeypatch.setattr(WhooshBackend, "index", lambda self, docs: written.extend(d[0].archival_code for d in docs)
                        or real(self, docs))
    with Dangan.open(ws) as app:
        result = app.catch_up_index()
        ghost = dataclasses.replace(app.record(missing[0]), archival_code="Z001-2026-D10-TS-9999")
        app.index().index([(ghost, "多余")])
        assert app.catch_up_index().extra == ["Z001-2026-D10-TS-9999"]  # an entry the catalogue lacks goes
    assert sorted(written) == sorted([*missing, "Z001-2026-D10-TS-9999"])
    assert sorted(result.missing) == sorted(missing) and not result.stale and not result.rebuilt
    assert "Z001-2026-D10-TS-9999" not in _indexed_codes(ws)


def test_a_failed_index_write_is_caught_up_at_once_when_it_can_be(ws: Workspace, tmp_path: Path,
                                                                  monkeypatch) -> None:
    from dangan.search.whoosh import WhooshBackend

    real = WhooshBackend.index
    failures = iter([SearchIndexError("全文索引被其他进程占用超过 120 秒，写入失败")])

    def flaky(self, docs):  # type: ignore[no-untyped-def]
        for e in failures:
            raise e
        return real(self, docs)

    with Dangan.open(ws) as app:
        app.rebuild_index()
        monkeypatch.setattr(WhooshBackend, "index", flaky)
        p = tmp_path / "a.txt"
        p.write_text("水管爆裂 报修 FLAKYMARK", encoding="utf-8")
        [filed] = app.file([p], category="TS")  # no error: the catch-up wrote it
        assert any("写入失败一次" in w for w in app.warnings)
        assert not app.index_behind
    assert search_total(ws, "FLAKYMARK") == 1


def test_an_index_down_for_a_while_is_caught_up_by_the_running_watcher(ws: Workspace, tmp_path: Path,
                                                                       monkeypatch) -> None:
    from dangan.app import ListenerError
    from dangan.ingest import watcher as watcher_mod
    from dangan.search.whoosh import WhooshBackend

    real = WhooshBackend.index
    down = {"yes": True}

    def maybe(self, docs):  # type: ignore[no-untyped-def]
        if down["yes"]:
            raise SearchIndexError("索引盘暂时不可写")
        return real(self, docs)

    ws = configure(ws, tmp_path / "inbox")
    with Dangan.open(ws) as app:
        app.rebuild_index()
        monkeypatch.setattr(WhooshBackend, "index", maybe)
        p = tmp_path / "b.txt"
        p.write_text("门禁故障 DOWNMARK", encoding="utf-8")
        with pytest.raises(ListenerError):
            app.file([p], category="TS")
        assert app.index_behind
        down["yes"] = False
        monkeypatch.setattr(watcher_mod, "MAINTENANCE_SECONDS", 0.0)
        notices: list[str] = []
        app.watcher(on_notice=notices.append).run_once()
        assert not app.index_behind
        assert any("缺少 1 件" in n for n in notices)
    assert search_total(ws, "DOWNMARK") == 1


def test_half_written_quarantine_copies_are_cleaned_once(ws: Workspace, tmp_path: Path, cli) -> None:
    configure(ws, tmp_path / "inbox")
    ws.quarantine_dir.mkdir(parents=True, exist_ok=True)
    old = ws.quarantine_dir / ".dangan-tmp-扫描.pdf"
    old.write_bytes(b"half a copy")
    os.utime(old, (time.time() - 3600, time.time() - 3600))
    fresh = ws.quarantine_dir / ".dangan-tmp-正在复制.pdf"
    fresh.write_bytes(b"being copied now")
    r = cli("watch", "--once")
    assert "未写完的临时文件" in r.output
    assert not old.exists() and fresh.exists()
    assert "未写完" not in cli("watch", "--once").output


def test_orphan_copies_of_filed_bytes_go_and_others_are_reported_once(ws: Workspace, tmp_path: Path, cli) -> None:
    src = tmp_path / "a.txt"
    src.write_text("噪音投诉 原件", encoding="utf-8")
    assert cli("archive", "add", str(src), "-c", "TS").exit_code == 0
    files = ws.archive_dir / "files"

    def crash(name: str, data: bytes) -> None:  # published, then killed before the commit
        stray = files / "2026" / "D10" / "TS" / name
        stray.write_bytes(data)
        (ws.archive_dir / "tmp" / "123-abc.journal").write_bytes(b"filing\n")

    crash("Z001-2026-D10-TS-0042.txt", src.read_bytes())  # then filed again: a copy of filed bytes
    crash("Z001-2026-D10-TS-0043.txt", "从未归档的内容".encode())  # never filed again
    r = cli("verify")
    assert r.exit_code == 0, r.output
    assert "已删除" in r.output  # the copy of filed bytes: removed, said once
    assert "已移到" in r.output  # the other: moved to orphans/ and named, once
    orphans = sorted(p.name for p in (ws.archive_dir / "orphans").rglob("*") if p.is_file())
    assert orphans == ["Z001-2026-D10-TS-0043.txt"]
    r = cli("verify")
    assert r.exit_code == 0 and "orphans" not in r.output and "孤立" not in r.output  # not on every verify
    with Dangan.open(ws) as app:
        events = [e.details for e in app.audit_trail() if e.event == "reconcile"]
    assert any("removed_orphan_copies" in d for d in events)
    # a file put into orphans/ or tmp/ by hand is reported
    hidden = ws.archive_dir / "orphans" / "x" / "hidden.pdf"
    hidden.parent.mkdir(parents=True)
    hidden.write_bytes(b"%PDF-1.4 hidden")
    r = cli("verify")
    assert r.exit_code == 1 and "hidden.pdf" in r.output and "来历不明" in r.output


def test_a_queue_worker_catches_the_index_up_before_it_takes_jobs(ws: Workspace, tmp_path: Path) -> None:
    # a worker (`dangan queue work`, a web server) killed between a filing's commit and its index write
    _index_with_one_record(ws, tmp_path)
    missing = _file_without_index(ws, tmp_path, 3)
    assert not set(missing) & _indexed_codes(ws)
    with Dangan.open(ws) as app:
        app.queue_worker()
        assert app.verify().ok
    assert set(missing) <= _indexed_codes(ws)
    assert search_total(ws, "KILLMARK2") == 1
