"""Holds (冻结) are covered by the tamper evidence (issue 10, item 13): a hold row edited, deleted, inserted
or moved in the catalogue with sqlite3 — also with the unkeyed hashes recomputed — makes verify fail naming
the hold; holds placed before this (dangan 0.2) are stated in the audit trail once, when the archive opens,
and are covered from then on.  Files left in archive/orphans and archive/tmp are reported."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

import pytest
from tests.test_audit_anchor import _recompute_chain

from dangan.actor import Actor
from dangan.archive import digest
from dangan.archive.audit import AuditEvent
from dangan.archive.model import FilingRequest, Status
from dangan.archive.service import Archive
from dangan.clock import FixedClock
from dangan.config import Workspace, open_workspace

DAY = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
CLERK = Actor("王芳", role="archivist")


def _open(ws: Workspace) -> Archive:
    return Archive.open(open_workspace(ws.root), clock=FixedClock(DAY), actor=CLERK)


def _held(ws: Workspace, tmp_path: Path, *, release: bool = False) -> str:
    """One record filed and held for a lawsuit (released again with ``release``); its code."""
    p = tmp_path / "complaint.txt"
    p.write_text("3栋1201室业主投诉物业费计费错误", encoding="utf-8")
    with _open(ws) as archive:
        code = archive.file(FilingRequest(path=p, category="TS")).record.archival_code
        archive.hold([code], reason="业主起诉，诉讼保全")
        if release:
            archive.release([code], reason="已结案")
    return code


def _verify(ws: Workspace):  # type: ignore[no-untyped-def]
    with _open(ws) as archive:
        return archive.verify()


def _hold_problems(report) -> list[str]:  # type: ignore[no-untyped-def]
    return [f"{p.code} {p.message}" for p in report.problems if p.check == "holds"]


def _sql(ws: Workspace) -> sqlite3.Connection:
    conn = sqlite3.connect(ws.archive_dir / "catalog.sqlite")
    conn.execute("PRAGMA foreign_keys = OFF")
    return conn


def _freed_behind_dangans_back(ws: Workspace, tmp_path: Path) -> str:
    """A held record whose hold row was deleted with sqlite3 and its status set back to active; its code."""
    code = _held(ws, tmp_path)
    with _sql(ws) as conn:
        conn.execute("DELETE FROM holds")
        conn.execute("UPDATE records SET status = 'active' WHERE archival_code = ?", (code,))
    conn.close()
    return code


def test_a_hold_names_who_placed_and_released_it_and_verify_passes(ws: Workspace, tmp_path: Path) -> None:
    code = _held(ws, tmp_path, release=True)
    with _open(ws) as archive:
        hold, = archive.holds_of(code, active_only=False)
        entries = [e for e in archive.catalogue.audit_entries(code=code) if e.event in ("hold", "release")]
    assert (hold.placed_by, hold.released_by, hold.release_reason) == ("王芳", "王芳", "已结案")
    assert [e.details["holds"] for e in entries] == [  # type: ignore[index]
        [{**digest.hold_statement(hold), "released_at": None, "release_reason": None, "released_by": None}],
        [digest.hold_statement(hold)]]
    assert all(e.details["digest_version"] == 2 for e in entries)  # type: ignore[index]
    assert _verify(ws).ok


def test_editing_a_hold_reason_with_sqlite_is_found_naming_the_hold(ws: Workspace, tmp_path: Path) -> None:
    code = _held(ws, tmp_path)
    with _sql(ws) as conn:
        conn.execute("UPDATE holds SET reason = '误操作', placed_at = '2026-01-01T00:00:00+08:00'")
    conn.close()
    report = _verify(ws)
    assert not report.ok
    problems = _hold_problems(report)
    assert problems == [f"{code} 冻结 #1 与审计记录不符：冻结原因、冻结时间被直接改动"
                        f"（审计记载的冻结原因：业主起诉，诉讼保全；冻结时间：{DAY.isoformat()}）"]
    assert any(p.check == "digest" and p.code == code for p in report.problems)  # the record's digest too


def test_a_released_hold_made_to_look_active_again_is_found(ws: Workspace, tmp_path: Path) -> None:
    code = _held(ws, tmp_path, release=True)
    with _sql(ws) as conn:
        conn.execute("UPDATE holds SET released_at = NULL, release_reason = NULL, released_by = NULL")
    conn.close()
    assert any(p.startswith(f"{code} 冻结 #1 与审计记录不符：解除时间、解除原因、解除人被直接改动（审计记载的解除时间：")
               and p.endswith("解除原因：已结案；解除人：王芳）") for p in _hold_problems(_verify(ws)))


def test_deleting_a_hold_to_free_a_record_for_disposal_is_found(ws: Workspace, tmp_path: Path) -> None:
    code = _freed_behind_dangans_back(ws, tmp_path)
    report = _verify(ws)
    assert _hold_problems(report) == [f"{code} 冻结 #1（原因：业主起诉，诉讼保全）在审计记录中，但目录中没有（冻结记录被删除）"]
    assert any(p.check == "digest" and p.code == code for p in report.problems)


def test_a_hold_deleted_with_its_statement_and_every_unkeyed_hash_recomputed_is_found(
        ws: Workspace, tmp_path: Path) -> None:
    code = _held(ws, tmp_path)
    assert _verify(ws).ok  # each verify anchors the chain's head outside the catalogue
    with _open(ws) as archive:
        record = archive.get(code)
        freed = record.__class__(**{**record.__dict__, "status": Status.ACTIVE})
        hold_entry = next(e for e in archive.catalogue.audit_entries(code=code) if e.event == "hold")
    # the tamperer: the hold row gone, the record active, the hold entry's statement removed and its record
    # digest recomputed (version 1, as if placed by old dangan), and the chain's hashes recomputed from there
    with _sql(ws) as conn:
        conn.execute("DELETE FROM holds")
        conn.execute("UPDATE records SET status = 'active' WHERE archival_code = ?", (code,))
        details = {k: v for k, v in hold_entry.details.items() if k != "holds"}  # type: ignore[union-attr]
        details.update(digest=digest.record_digest(freed, 1), digest_version=1)
        conn.execute("UPDATE audit SET details = ? WHERE id = ?",
                     (json.dumps(details, ensure_ascii=False, sort_keys=True, separators=(",", ":")), hold_entry.id))
        _recompute_chain(conn, hold_entry.id)
    conn.close()
    report = _verify(ws)
    assert not report.ok
    assert any(p.check == "audit" and "重新计算" in p.message for p in report.problems), report.lines()


def test_a_hold_inserted_or_moved_to_another_record_is_found(ws: Workspace, tmp_path: Path) -> None:
    code = _held(ws, tmp_path)
    p = tmp_path / "second.txt"
    p.write_text("电梯故障报修记录", encoding="utf-8")
    with _open(ws) as archive:
        second = archive.file(FilingRequest(path=p, category="TS")).record
    with _sql(ws) as conn:
        conn.execute("INSERT INTO holds (record_id, reason, placed_at, placed_by, sealed) "
                     "VALUES (?, '伪造的冻结', '2026-12-01T09:00:00+08:00', '王芳', 1)", (second.id,))
    conn.close()
    assert _hold_problems(_verify(ws)) == [f"{second.archival_code} 冻结 #2（原因：伪造的冻结）不在审计记录中（冻结记录被直接插入）"]
    with _sql(ws) as conn:
        conn.execute("DELETE FROM holds WHERE id = 2")
        conn.execute("UPDATE holds SET record_id = ?", (second.id,))
    conn.close()
    assert _hold_problems(_verify(ws)) == [f"{second.archival_code} 冻结 #1 与审计记录不符：所冻结的档案被直接改动"
                                           f"（审计记载的所冻结的档案：{code}）"]


def _legacy_hold(ws: Workspace, tmp_path: Path) -> str:
    """A record held the way dangan 0.2 did it: a hold row nobody stated, a version-1 digest."""
    p = tmp_path / "old.txt"
    p.write_text("2025年车位纠纷记录", encoding="utf-8")
    with _open(ws) as archive:
        code = archive.file(FilingRequest(path=p, category="TS")).record.archival_code
        with archive.catalogue.transaction():
            record = archive.get(code)
            archive.catalogue.place_hold(record.id, reason="车位纠纷调解中", at=DAY)
            archive.catalogue.update_record(record.id, status=Status.HELD)
            held = archive.get(code)
            archive.catalogue.append_audit(str(AuditEvent.HOLD), code=code, at=DAY, actor=CLERK, details={
                "reason": "车位纠纷调解中", "active_holds": 1, "digest": digest.record_digest(held, 1),
                "digest_version": 1})
    with _sql(ws) as conn:
        conn.execute("UPDATE holds SET sealed = 0")  # as migration 8 leaves the holds it finds
    conn.close()
    return code


def test_holds_placed_before_are_stated_once_when_the_archive_opens_and_covered_from_then(
        ws: Workspace, tmp_path: Path) -> None:
    code = _legacy_hold(ws, tmp_path)
    with _open(ws) as archive:  # opening seals it
        seals = [e for e in archive.catalogue.audit_entries() if e.event == "holds_sealed"]
        assert archive.seal_legacy_holds() == 0  # once
    assert len(seals) == 1 and [s["reason"] for s in seals[0].details["holds"]] == ["车位纠纷调解中"]  # type: ignore[index]
    assert _verify(ws).ok  # the record keeps verifying under its version-1 digest
    with _sql(ws) as conn:
        conn.execute("UPDATE holds SET reason = '已调解'")
    conn.close()
    assert _hold_problems(_verify(ws)) == [f"{code} 冻结 #1 与审计记录不符：冻结原因被直接改动（审计记载的冻结原因：车位纠纷调解中）"]


def test_a_hold_slipped_in_unsealed_later_is_not_adopted_by_the_next_opening(ws: Workspace, tmp_path: Path) -> None:
    code = _legacy_hold(ws, tmp_path)
    _verify(ws)  # the legacy hold sealed
    with _sql(ws) as conn:
        conn.execute("UPDATE holds SET reason = '已调解', sealed = 0")  # edited, and left for a seal to adopt
        rid, = conn.execute("SELECT id FROM records WHERE archival_code = ?", (code,)).fetchone()
        conn.execute("INSERT INTO holds (record_id, reason, placed_at, sealed) VALUES (?, '伪造', ?, 0)",
                     (rid, DAY.isoformat()))
    conn.close()
    problems = _hold_problems(_verify(ws))  # this opening seals both again: neither is believed
    assert any("冻结 #1 在第" in p and "来历不明" in p for p in problems), problems
    assert any("冻结 #2 在第" in p and "来历不明" in p for p in problems), problems
    assert any("冻结 #2（原因：伪造）不在审计记录中" in p for p in problems), problems


def test_files_hidden_in_tmp_are_set_aside_and_reported_once(ws: Workspace, tmp_path: Path, cli) -> None:
    (tmp_path / "a.txt").write_text("噪音投诉", encoding="utf-8")
    assert cli("archive", "add", str(tmp_path / "a.txt"), "--category", "TS", "--title", "噪音投诉").exit_code == 0
    tmp = ws.archive_dir / "tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    (tmp / "residents.xlsx").write_bytes(b"PK hidden")
    (tmp / "stash").mkdir()
    (tmp / "stash" / "ids.txt").write_text("110101199003071234", encoding="utf-8")
    r = cli("verify")
    assert r.exit_code == 0, r.output
    assert "residents.xlsx" in r.output and "stash" in r.output and "已移到 orphans/" in r.output
    kept = sorted(p.relative_to(ws.archive_dir / "orphans").parts[1:] for p in (ws.archive_dir / "orphans").rglob("*")
                  if p.is_file())
    assert kept == [("residents.xlsx",), ("stash", "ids.txt")]  # set aside, never deleted
    assert not any(tmp.iterdir())
    r = cli("verify")
    assert r.exit_code == 0 and "residents.xlsx" not in r.output  # reported once (the audit trail keeps it)
    # a file hidden in orphans/ by hand is reported by every verify
    (ws.archive_dir / "orphans" / "later.pdf").write_bytes(b"%PDF-1.4")
    r = cli("verify")
    assert r.exit_code == 1 and "orphans/later.pdf" in r.output and "来历不明" in r.output


def test_on_postgresql_a_hold_edited_or_deleted_in_the_database_is_found(pg_ws, pg_url: str, tmp_path: Path) -> None:
    import psycopg

    from dangan.app import Dangan

    src = tmp_path / "pg.txt"
    src.write_text("5栋0302室 漏水纠纷", encoding="utf-8")
    with Dangan.open(pg_ws, index=False) as app:
        [filed] = app.file([src], category="TS")
        code = filed.result.record.archival_code
        app.hold([code], reason="保险理赔中")
        assert app.verify(index=False).ok
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("UPDATE holds SET reason = '无'")
    with Dangan.open(pg_ws, index=False) as app:
        assert [(p.check, p.code) for p in app.verify(index=False).problems] == [("digest", code), ("holds", code)]
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("DELETE FROM holds")
        conn.execute("UPDATE records SET status = 'active'")
    with Dangan.open(pg_ws, index=False) as app:
        problems = [p.message for p in app.verify(index=False).problems if p.check == "holds"]
    assert problems == ["冻结 #1（原因：保险理赔中）在审计记录中，但目录中没有（冻结记录被删除）"]


def test_the_holds_of_a_dangan_0_1_archive_are_sealed_on_opening_and_covered(tmp_path: Path, cli_for,
                                                                             monkeypatch) -> None:
    import shutil

    from tests.test_archive_migration import FIXTURE

    monkeypatch.delenv("DANGAN_WORKSPACE", raising=False)
    shutil.copytree(FIXTURE, tmp_path / "old")
    ws = open_workspace(tmp_path / "old")
    run = cli_for(ws)
    assert run("index", "rebuild").exit_code == 0
    assert run("verify").exit_code == 0
    with _open(ws) as archive:
        seals = [e for e in archive.catalogue.audit_entries() if e.event == "holds_sealed"]
        holds = archive.catalogue.all_holds()
    assert len(seals) == 1 and len(holds) == 3
    assert seals[0].details["holds"] == [digest.hold_statement(h) for h in holds]  # type: ignore[index]
    with _sql(ws) as conn:
        conn.execute("UPDATE holds SET reason = '无' WHERE id = ?", (holds[0].id,))
    conn.close()
    r = run("verify")
    assert r.exit_code == 1 and f"冻结 #{holds[0].id} 与审计记录不符：冻结原因被直接改动" in r.output


def test_a_hold_deleted_behind_dangans_back_does_not_free_the_record_for_disposal(ws: Workspace, tmp_path: Path) -> None:
    from dangan.app import Dangan
    from dangan.errors import RetentionError

    code = _freed_behind_dangans_back(ws, tmp_path)
    years_later = FixedClock(dt.datetime(2045, 1, 10, 9, 0, tzinfo=DAY.tzinfo))  # long past its retention
    with Dangan.open(ws, actor=CLERK, clock=years_later) as app:
        with pytest.raises(RetentionError) as e:
            app.dispose([code], approver="李主任", reason="保管期满")
        assert "拒绝销毁（未做任何改动）" in str(e.value)
        assert "冻结 #1（原因：业主起诉，诉讼保全）在审计记录中，但目录中没有" in str(e.value)
        record = app.record(code)
        assert record.status != Status.DISPOSED and app.text_of(code)  # nothing destroyed
        assert (ws.archive_dir / record.original.path).exists()  # type: ignore[union-attr]
