"""Disposal purges the content from the index files (and the catalogue's file) before it reports success
(issue 10, item 12): a test that reads the raw files."""

from __future__ import annotations

import json
from pathlib import Path

from dangan.config import Workspace


def _index_bytes(ws: Workspace) -> bytes:
    return b"".join(p.read_bytes() for p in ws.index_dir.rglob("*") if p.is_file())


def test_disposal_purges_the_text_from_the_index_files_before_it_reports(ws: Workspace, cli, tmp_path: Path) -> None:
    old = tmp_path / "old.txt"
    old.write_text("UNIQUEDISPOSEMARKER 旧投诉记录 13900035678", encoding="utf-8")
    r = cli("archive", "add", str(old), "-c", "TS", "--title", "旧投诉", "--date", "2010-01-01", "--json")
    code = json.loads(r.output)["archival_code"]
    assert b"uniquedisposemarker" in _index_bytes(ws).lower()
    r = cli("retention", "dispose", code, "--approver", "王主任", "--reason", "保管期满")
    assert r.exit_code == 0, r.output
    assert b"uniquedisposemarker" not in _index_bytes(ws).lower()
    assert b"UNIQUEDISPOSEMARKER" not in (ws.archive_dir / "catalog.sqlite").read_bytes()
    found = json.loads(cli("search", "旧投诉", "--json").output)  # its catalogue entry stays (and the 销毁清册)
    assert code in [h["archival_code"] for h in found["results"]], found
    assert json.loads(cli("search", "13900035678", "--json").output)["total"] == 0
    for i in range(3):  # later records: the index works on
        p = tmp_path / f"keep{i}.txt"
        p.write_text(f"保留的记录 {i}", encoding="utf-8")
        assert cli("archive", "add", str(p), "-c", "TS", "--date", "2010-01-01").exit_code == 0
    assert json.loads(cli("search", "保留的记录", "--json").output)["total"] == 3
    assert b"uniquedisposemarker" not in _index_bytes(ws).lower()
