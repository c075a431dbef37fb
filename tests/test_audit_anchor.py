"""The audit chain anchored outside the catalogue (issue 10, item 13): deleting the newest records with
their audit entries, or recomputing the unkeyed chain after an edit, is found by verify; with a key file
the anchor file itself cannot be rewritten to match."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

from dangan.archive import anchor, audit
from dangan.archive.model import FilingRequest
from dangan.archive.service import Archive
from dangan.clock import FixedClock
from dangan.config import Workspace, open_workspace

DAY = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def _file(ws: Workspace, tmp_path: Path, name: str, clock: FixedClock | None = None) -> str:
    p = tmp_path / name
    p.write_text(f"{name} 投诉记录", encoding="utf-8")
    with Archive.open(ws, clock=clock or FixedClock(DAY)) as archive:
        return archive.file(FilingRequest(path=p, category="TS")).record.archival_code


def _verify(ws: Workspace, clock: FixedClock | None = None):  # type: ignore[no-untyped-def]
    with Archive.open(open_workspace(ws.root), clock=clock or FixedClock(DAY)) as archive:
        return archive.verify()


def _audit_problems(report) -> list[str]:  # type: ignore[no-untyped-def]
    return [p.message for p in report.problems if p.check == "audit"]


def _sql(ws: Workspace) -> sqlite3.Connection:
    conn = sqlite3.connect(ws.archive_dir / "catalog.sqlite")
    conn.execute("PRAGMA foreign_keys = OFF")
    return conn


def _recompute_chain(conn: sqlite3.Connection, start: int) -> None:
    """What a tamperer does after editing entry ``start``: every hash from there on computed again."""
    rows = conn.execute("SELECT id, ts, event, code, details, prev_hash, version, actor FROM audit "
                        "WHERE id >= ? ORDER BY id", (start,)).fetchall()
    prev = conn.execute("SELECT hash FROM audit WHERE id = ?", (start - 1,)).fetchone()[0]
    for id_, ts, event, code, details, _, version, actor_json in rows:
        e = audit.stored_entry(id_, ts, event, code, details, prev, "", version, actor_json)
        h = audit.entry_hash(prev, id=id_, ts=ts, event=event, code=code, details=e.details, actor=e.actor,
                             version=version)
        conn.execute("UPDATE audit SET prev_hash = ?, hash = ? WHERE id = ?", (prev, h, id_))
        prev = h


def test_deleting_the_newest_record_with_its_audit_entries_is_found(ws: Workspace, tmp_path: Path) -> None:
    for i in range(3):
        _file(ws, tmp_path, f"a{i}.txt")
    report = _verify(ws)
    assert report.ok and report.audit_entries > 0 and len(report.audit_head) == 64
    code = _file(ws, tmp_path, "newest.txt")
    assert _verify(ws).ok  # anchors the head after the newest filing
    conn = _sql(ws)
    rid, = conn.execute("SELECT id FROM records WHERE archival_code = ?", (code,)).fetchone()
    first, = conn.execute("SELECT min(id) FROM audit WHERE code = ?", (code,)).fetchone()
    paths = [r[0] for r in conn.execute("SELECT path FROM files WHERE record_id = ?", (rid,))]
    conn.execute("DELETE FROM texts WHERE file_id IN (SELECT id FROM files WHERE record_id = ?)", (rid,))
    conn.execute("DELETE FROM files WHERE record_id = ?", (rid,))
    conn.execute("DELETE FROM records WHERE id = ?", (rid,))
    conn.execute("DELETE FROM audit WHERE id >= ?", (first,))
    conn.execute("UPDATE item_counters SET last = last - 1") if conn.execute(
        "SELECT name FROM sqlite_master WHERE name = 'item_counters'").fetchone() else None
    conn.commit()
    conn.close()
    for rel in paths:
        (ws.archive_dir / rel).unlink()
    problems = _audit_problems(_verify(ws))
    assert any("截断" in p for p in problems), problems


def test_a_recomputed_chain_after_an_edit_is_found(ws: Workspace, tmp_path: Path) -> None:
    for i in range(3):
        _file(ws, tmp_path, f"b{i}.txt")
    assert _verify(ws).ok
    conn = _sql(ws)
    conn.execute("UPDATE audit SET details = replace(details, 'b1.txt', 'zz.txt') WHERE id = 2")
    _recompute_chain(conn, 2)
    conn.commit()
    conn.close()
    with Archive.open(ws, clock=FixedClock(DAY)) as archive:
        assert audit.check_chain(archive.catalogue.audit_entries()) == []  # the chain alone looks intact
    problems = _audit_problems(_verify(ws))
    assert any("重新计算" in p for p in problems), problems


def test_with_a_key_the_anchor_file_cannot_be_rewritten_to_match(ws: Workspace, tmp_path: Path) -> None:
    key = tmp_path / "admin" / "audit.key"
    key.parent.mkdir()
    key.write_bytes(b"0123456789abcdef0123456789abcdef")
    toml = ws.root / "dangan.toml"
    text = toml.read_text(encoding="utf-8")
    assert 'key_file = ""' in text
    toml.write_text(text.replace('key_file = ""', f'key_file = "{key}"'), encoding="utf-8")
    ws = open_workspace(ws.root)
    for i in range(2):
        _file(ws, tmp_path, f"c{i}.txt")
    assert _verify(ws).ok
    lines = (ws.archive_dir / anchor.FILE_NAME).read_text(encoding="utf-8").splitlines()
    assert all(json.loads(line).get("mac") for line in lines)
    conn = _sql(ws)
    conn.execute("UPDATE audit SET details = replace(details, 'c1.txt', 'zz.txt') WHERE id = 2")
    _recompute_chain(conn, 2)
    new = {i: h for i, h in conn.execute("SELECT id, hash FROM audit")}
    conn.commit()
    conn.close()
    forged = [json.dumps({**json.loads(line), "hash": new[json.loads(line)["id"]]}) for line in lines]
    (ws.archive_dir / anchor.FILE_NAME).write_text("\n".join(forged) + "\n", encoding="utf-8")
    problems = _audit_problems(_verify(ws))
    assert any("HMAC" in p for p in problems), problems


def test_a_deleted_anchor_file_is_found_and_each_day_is_anchored(ws: Workspace, tmp_path: Path) -> None:
    _file(ws, tmp_path, "d0.txt")
    assert _verify(ws).ok
    path = ws.archive_dir / anchor.FILE_NAME
    n = len(path.read_text(encoding="utf-8").splitlines())
    Archive.open(ws, clock=FixedClock(DAY + dt.timedelta(days=1))).close()  # the first opening of a day
    assert len(path.read_text(encoding="utf-8").splitlines()) == n + 1
    Archive.open(ws, clock=FixedClock(DAY + dt.timedelta(days=1, hours=2))).close()  # not twice a day
    assert len(path.read_text(encoding="utf-8").splitlines()) == n + 1
    path.unlink()
    problems = _audit_problems(_verify(ws, FixedClock(DAY + dt.timedelta(days=1, hours=3))))
    assert any("不见了" in p for p in problems), problems
