"""An archive made by dangan 0.1.0 (tests/fixtures/archive-0.1.0) opens, migrates and verifies."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dangan.config import Workspace, open_workspace

FIXTURE = Path(__file__).parent / "fixtures" / "archive-0.1.0"


@pytest.fixture
def old_ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    monkeypatch.delenv("DANGAN_WORKSPACE", raising=False)
    shutil.copytree(FIXTURE, tmp_path / "ws")
    return open_workspace(tmp_path / "ws")


def test_the_old_archive_opens_and_verifies(old_ws: Workspace, cli_for) -> None:  # type: ignore[no-untyped-def]
    run = cli_for(old_ws)
    assert run("index", "rebuild").exit_code == 0  # the index is derived data: not in the fixture
    res = run("verify")
    assert res.exit_code == 0, res.output
    assert "结果：通过" in res.output


def test_the_old_records_holds_and_trail_are_read_back(old_ws: Workspace, cli_for) -> None:  # type: ignore[no-untyped-def]
    import json

    run = cli_for(old_ws)
    listed = {r["archival_code"]: r for r in json.loads(run("archive", "list", "--json").output)}
    assert len(listed) == 8
    assert listed["Z001-2026-D10-TS-0001"]["title"] == "更正后的噪音投诉"
    assert listed["Z001-2026-D10-TS-0001"]["status"] == "held"
    assert listed["Z001-2010-D10-TS-0001"]["period"] == "D30"
    assert listed["Z001-2010-D10-ZB-0001"]["status"] == "disposed"
    holds = json.loads(run("hold", "list", "Z001-2026-D10-TS-0001", "--json").output)
    assert [h["reason"] for h in holds] == ["诉讼", "纠纷"]
    assert holds[0]["released_at"] and not holds[1]["released_at"]  # release takes the oldest hold
    assert len(listed["Z001-2026-D30-SF-0001"]["files"]) == 3  # PDF, DOCX, signed scan


def test_document_numbers_go_on_after_the_old_number_cache_is_lost(old_ws: Workspace, cli_for) -> None:  # type: ignore[no-untyped-def]
    import json

    (old_ws.state_dir / "numbers.sqlite").unlink()
    run = cli_for(old_ws)
    res = run("generate", "community-notice", "--sample", "--format", "pdf", "--json",
              "--out", str(old_ws.root / "output"))
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["documents"][0]["doc_number"] == "TZ-2026-0002"
    assert run("index", "rebuild").exit_code == 0
    assert run("verify").exit_code == 0
