"""Output files a user names (--out): never a workspace file, never over a file dangan did not write
without --force (issue 10, items 1 and 2)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dangan import outfiles
from dangan.config import Workspace
from dangan.errors import WorkspaceError


def _filed(cli, tmp_path: Path) -> None:
    src = tmp_path / "a.txt"
    src.write_text("噪音投诉记录", encoding="utf-8")
    assert cli("archive", "add", str(src), "-c", "TS", "--date", "2026-03-01").exit_code == 0


@pytest.mark.parametrize("target", ["dangan.toml", "archive/catalog.sqlite", "archive/x.xlsx", "index/x.xlsx",
                                    ".dangan/x.xlsx", "templates/x.xlsx", "quarantine/x.xlsx"])
def test_workspace_files_are_never_targets_even_with_force(ws: Workspace, target: str) -> None:
    with pytest.raises(WorkspaceError):
        outfiles.output_file(ws, ws.root / target, force=True)


def test_a_link_to_dangan_toml_is_refused(ws: Workspace, tmp_path: Path) -> None:
    link = tmp_path / "out.xlsx"
    link.symlink_to(ws.root / "dangan.toml")
    with pytest.raises(WorkspaceError, match="配置文件"):
        outfiles.output_file(ws, link, force=True)


def test_catalogue_out_dangan_toml_leaves_it_intact(ws: Workspace, cli, tmp_path: Path) -> None:
    _filed(cli, tmp_path)
    before = (ws.root / "dangan.toml").read_bytes()
    r = cli("archive", "catalogue", "--year", "2026", "--format", "xlsx", "--out", str(ws.root / "dangan.toml"),
            "--force")
    assert r.exit_code == 1 and "配置文件" in r.output
    assert (ws.root / "dangan.toml").read_bytes() == before
    assert cli("archive", "list").exit_code == 0  # later commands still work


def test_an_existing_file_dangan_did_not_write_needs_force(ws: Workspace, cli, tmp_path: Path) -> None:
    _filed(cli, tmp_path)
    mine = tmp_path / "报表.xlsx"
    mine.write_bytes(b"the clerk's own spreadsheet")
    r = cli("archive", "catalogue", "--year", "2026", "--format", "xlsx", "--out", str(mine))
    assert r.exit_code == 1 and "--force" in r.output
    assert mine.read_bytes() == b"the clerk's own spreadsheet"
    r = cli("archive", "catalogue", "--year", "2026", "--format", "xlsx", "--out", str(mine), "--force")
    assert r.exit_code == 0, r.output
    assert mine.read_bytes().startswith(b"PK")


def test_a_file_dangan_wrote_is_replaced_by_the_next_run_unless_changed_since(ws: Workspace, cli,
                                                                               tmp_path: Path) -> None:
    _filed(cli, tmp_path)
    out = tmp_path / "目录.xlsx"
    for _ in range(2):  # the same command again replaces its own file
        r = cli("archive", "catalogue", "--year", "2026", "--format", "xlsx", "--out", str(out))
        assert r.exit_code == 0, r.output
    out.write_bytes(out.read_bytes() + b"edited")  # the clerk changed it: no longer what dangan wrote
    r = cli("archive", "catalogue", "--year", "2026", "--format", "xlsx", "--out", str(out))
    assert r.exit_code == 1 and "--force" in r.output
    assert out.read_bytes().endswith(b"edited")


def test_generate_never_replaces_an_existing_file(ws: Workspace, cli, tmp_path: Path) -> None:
    out = tmp_path / "out"
    r = cli("generate", "community-notice", "--sample", "--format", "pdf", "--no-archive", "--out", str(out), "--json")
    assert r.exit_code == 0, r.output
    import json

    first = Path(json.loads(r.output)["documents"][0]["files"]["pdf"])
    number = json.loads(r.output)["documents"][0]["doc_number"]
    nxt = number[:-4] + f"{int(number[-4:]) + 1:04d}"
    squatter = first.with_name(first.name.replace(number, nxt))
    squatter.write_bytes(b"not dangan's")
    r = cli("generate", "community-notice", "--sample", "--format", "pdf", "--no-archive", "--out", str(out))
    assert r.exit_code == 1 and "已有同名文件" in r.output
    assert squatter.read_bytes() == b"not dangan's"
