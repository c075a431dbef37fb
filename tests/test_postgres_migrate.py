"""``dangan migrate --to``: a SQLite workspace (dangan 0.1's fixture archive: holds, edits, an extension, a
disposal, generated forms, a signed copy) moves into PostgreSQL whole, and goes on where it left off."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from dangan.config import Workspace, open_workspace

pytestmark = pytest.mark.postgres

FIXTURE = Path(__file__).parent / "fixtures" / "archive-0.1.0"


@pytest.fixture
def old_ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    monkeypatch.delenv("DANGAN_WORKSPACE", raising=False)
    shutil.copytree(FIXTURE, tmp_path / "ws")
    return open_workspace(tmp_path / "ws")


def test_migrate_copies_everything_checks_both_and_switches(old_ws: Workspace, cli_for, pg_url: str) -> None:  # type: ignore[no-untyped-def]
    run = cli_for(old_ws)
    before = {r["archival_code"]: r for r in json.loads(run("archive", "list", "--json").output)}
    r = run("migrate", "--to", pg_url)
    assert r.exit_code == 0, r.output
    assert "记录摘要一致" in r.output and "审计链末端一致" in r.output and "PostgreSQL 通过" in r.output
    ws = open_workspace(old_ws.root)
    assert ws.database_url == pg_url
    run = cli_for(ws)
    after = {r["archival_code"]: r for r in json.loads(run("archive", "list", "--json").output)}
    assert after == before
    assert json.loads(run("hold", "list", "Z001-2026-D10-TS-0001", "--json").output)
    res = run("verify")
    assert res.exit_code == 0 and "结果：通过" in res.output, res.output


def test_after_migrating_numbers_go_on_and_search_finds_old_records(old_ws: Workspace, cli_for, pg_url: str,
                                                                    tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    run = cli_for(old_ws)
    assert run("migrate", "--to", pg_url).exit_code == 0
    ws = open_workspace(old_ws.root)
    run = cli_for(ws)
    src = tmp_path / "new.txt"
    src.write_text("迁移后的第一份投诉记录", encoding="utf-8")
    added = json.loads(run("archive", "add", str(src), "-c", "TS", "--date", "2026-06-01", "--json").output)
    assert added["archival_code"] == "Z001-2026-D10-TS-0002"  # the fixture used 0001
    found = json.loads(run("search", "噪音", "--json").output)
    assert "Z001-2026-D10-TS-0001" in [h["archival_code"] for h in found["results"]]
    r = run("generate", "community-notice", "--sample", "--format", "pdf", "--out", str(tmp_path / "o"), "--json")
    assert r.exit_code == 0, r.output
    assert "TZ-2026-0002" in r.output  # the fixture issued TZ-2026-0001


def test_migrate_refuses_a_database_that_is_not_empty(old_ws: Workspace, cli_for, pg_url: str,
                                                      tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    other = tmp_path / "other"
    shutil.copytree(FIXTURE, other)
    assert cli_for(open_workspace(other))("migrate", "--to", pg_url).exit_code == 0
    r = cli_for(old_ws)("migrate", "--to", pg_url)
    assert r.exit_code == 1 and "不是空的" in r.output
    assert open_workspace(old_ws.root).database_url is None  # still on SQLite
