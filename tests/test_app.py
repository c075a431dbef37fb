"""The application API: the acting user reaches the audit trail, start-up warnings reach every front end,
one file goes through the intake pipeline."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from dangan.app import Actor, ActorKind, Dangan, FixedClock
from dangan.config import Workspace


def _txt(tmp: Path, name: str, text: str) -> Path:
    p = tmp / name
    p.write_text(text, encoding="utf-8")
    return p


def test_every_audit_entry_names_who_did_it_and_the_chain_covers_it(ws: Workspace, tmp_path: Path) -> None:
    archivist = Actor("王芳", role="archivist")
    with Dangan.open(ws, actor=archivist) as app:
        [filed] = app.file([_txt(tmp_path, "a.txt", "投诉记录")], category="TS")
        code = filed.result.record.archival_code
        scanner = app.acting_as(Actor("前台扫描仪", kind=ActorKind.DEVICE))
        scanner.hold([code], reason="诉讼")
        trail = app.audit_trail(code)
        assert [(e.event, e.actor) for e in trail] == [("filed", archivist), ("hold", scanner.actor)]
        assert app.verify().ok
    conn = sqlite3.connect(ws.archive_dir / "catalog.sqlite")
    conn.execute("""UPDATE audit SET actor = '{"kind":"user","name":"李四","role":"archivist"}' WHERE id = 1""")
    conn.commit()
    conn.close()
    with Dangan.open(ws) as app:
        report = app.verify()
    assert any(p.check == "audit" and "第 1 条" in p.message for p in report.problems)


def test_the_command_line_acts_as_the_login_user(cli, ws: Workspace, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert cli("archive", "add", str(_txt(tmp_path, "a.txt", "x")), "-c", "TS").exit_code == 0
    with Dangan.open(ws) as app:
        [entry] = app.audit_trail()
    assert entry.actor == Actor.local_user() and entry.version == 2


def test_start_up_warnings_reach_generate_and_watch(cli, ws: Workspace, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    def crash() -> None:  # a filing killed after publishing its file, before the commit
        stray.parent.mkdir(parents=True, exist_ok=True)
        stray.write_text("crashed filing", encoding="utf-8")
        (ws.archive_dir / "tmp").mkdir(parents=True, exist_ok=True)
        (ws.archive_dir / "tmp" / "123-abc.journal").write_bytes(b"filing\n")

    stray = ws.archive_dir / "files" / "2026" / "D10" / "TS" / "Z001-2026-D10-TS-0042.txt"
    crash()
    r = cli("generate", "community-notice", "--sample", "--format", "pdf", "--out", str(tmp_path / "o"))
    assert r.exit_code == 0, r.output
    assert "启动核对" in r.output and "orphans" in r.output
    with Dangan.open(ws) as app:
        assert app.warnings == []  # set aside once: nothing to report the next time
    crash()
    with Dangan.open(ws) as app:
        assert any("已移到" in w for w in app.warnings)
    crash()
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    toml = ws.root / "dangan.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + f'\n[[watch]]\npath = "{inbox}"\n', encoding="utf-8")
    r = cli("watch", "--once")
    assert "启动核对" in r.output


def test_ingest_one_file_through_the_pipeline_like_an_upload(ws: Workspace, tmp_path: Path) -> None:
    clock = FixedClock(__import__("datetime").date(2026, 12, 1))
    upload = _txt(tmp_path, "upload.txt", "关于缴纳本月物业费的通知")
    with Dangan.open(ws, clock=clock, actor=Actor("前台扫描仪", kind=ActorKind.DEVICE)) as app:
        outcome = app.ingest(upload, category="SF")
        assert outcome.status == "filed" and outcome.code.startswith("Z001-2026-D30-SF-")
        assert not upload.exists()  # the upload's file is removed once filed
        assert app.audit_trail(outcome.code)[0].actor.name == "前台扫描仪"
        bad = tmp_path / "bad.pdf"
        bad.write_bytes(b"%PDF-1.4 broken")
        quarantined = app.ingest(bad)
        assert quarantined.status == "quarantined" and quarantined.quarantined_to.exists()
        reason = quarantined.quarantined_to.with_name("bad.pdf.reason.txt").read_text(encoding="utf-8")
        assert "时间：2026-12-01T09:00:00+08:00" in reason  # the app's clock
