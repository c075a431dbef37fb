"""dangan.toml: settings as data, validation that names the key, workspace discovery."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from dangan.config import (
    SETTINGS,
    TABLES,
    default_toml,
    find_workspace,
    init_workspace,
    parse_config,
    resolve_inside,
)
from dangan.errors import ConfigError, WorkspaceError

BASE = {"company": {"name": "甲物业", "fonds_code": "Z001"}}


def test_default_toml_round_trips_and_documents_every_setting():
    text = default_toml()
    cfg = parse_config(tomllib.loads(text))
    assert cfg["company.fonds_code"] == "Z001"
    for s in SETTINGS:
        assert s.help and f"# {s.help}" in text, s.name


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ({**BASE, "company": {**BASE["company"], "nmae": "x"}}, "company.nmae"),
        ({**BASE, "feez": {}}, "feez"),
        ({**BASE, "fees": {"late_fee_rate": "万分之三"}}, "fees.late_fee_rate"),
        ({"company": {"name": "甲物业"}}, "company.fonds_code"),
        ({**BASE, "watch": [{"category": "TS"}]}, "watch[1].path"),
        ({**BASE, "watch": [{"path": "in", "recursive": "yes"}]}, "watch[1].recursive"),
        ({**BASE, "category": [{"code": "TS", "name": "投诉", "period": "D10", "x": 1}]}, "category[1].x"),
    ],
)
def test_bad_config_names_the_key(raw, key):
    with pytest.raises(ConfigError) as e:
        parse_config(raw)
    assert e.value.field == key
    assert key in str(e.value)


def test_int_accepted_for_float_setting_and_tables_get_defaults():
    cfg = parse_config({**BASE, "fees": {"late_fee_rate": 0}, "watch": [{"path": "inbox"}]})
    assert cfg["fees.late_fee_rate"] == 0.0
    assert cfg.tables["watch"][0]["category"] == "auto"
    assert cfg.tables["watch"][0]["include"] == []
    assert set(TABLES) == set(cfg.tables)


def test_workspace_discovery_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    a = init_workspace(tmp_path / "a").root
    b = init_workspace(tmp_path / "b").root
    (a / "sub" / "deep").mkdir(parents=True)
    monkeypatch.delenv("DANGAN_WORKSPACE", raising=False)
    assert find_workspace(cwd=a / "sub" / "deep") == a
    monkeypatch.setenv("DANGAN_WORKSPACE", str(b))
    assert find_workspace(cwd=a) == b
    assert find_workspace(a, cwd=tmp_path) == a
    monkeypatch.delenv("DANGAN_WORKSPACE")
    with pytest.raises(WorkspaceError):
        find_workspace(cwd=tmp_path)


def test_init_is_idempotent_and_keeps_edits(tmp_path: Path):
    ws = init_workspace(tmp_path / "w")
    cfg = ws.root / "dangan.toml"
    cfg.write_text(cfg.read_text(encoding="utf-8").replace("Z001", "Z009"), encoding="utf-8")
    ws2 = init_workspace(tmp_path / "w")
    assert ws2.config["company.fonds_code"] == "Z009"
    for d in ("templates", "archive", "index"):
        assert (ws.root / d).is_dir()


def test_paths_never_escape_the_workspace(tmp_path: Path):
    with pytest.raises(WorkspaceError):
        resolve_inside(tmp_path, "../etc")
    assert resolve_inside(tmp_path, "a/b") == (tmp_path / "a" / "b").resolve()


def test_cli_reports_config_error_with_key(tmp_path: Path, runner):
    from dangan.cli import main

    ws = init_workspace(tmp_path / "w")
    (ws.root / "dangan.toml").write_text('[company]\nname = "x"\nfonds_code = "Z1"\ncolour = 1\n', encoding="utf-8")
    r = runner.invoke(main, ["-w", str(ws.root), "archive", "categories"])
    assert r.exit_code == 1
    assert "company.colour" in r.output
