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


# -- the workspace's own data is kept apart (issue 10, item 1) ----------------------------------------------


def _with(ws_root: Path, extra: str) -> Path:
    cfg = ws_root / "dangan.toml"
    text = cfg.read_text(encoding="utf-8")
    for line in extra.strip().splitlines():
        key = line.split("=", 1)[0].strip()
        text = text.replace(f'\n{key} = "{key}"', f"\n{line}", 1)
    cfg.write_text(text, encoding="utf-8")
    return cfg


@pytest.mark.parametrize(
    ("paths", "key"),
    [
        ('archive = "."', "paths.archive"),  # the archive would be the workspace itself
        ('index = "archive"', "paths.index"),  # archive = index
        ('quarantine = "archive/quarantine"', "paths.quarantine"),  # quarantine inside the archive
        ('templates = "index/t"', "paths.templates"),
        ('archive = "output/archive"', "paths.archive"),
        ('index = ".dangan/index"', "paths.index"),  # inside dangan's state
        ('output = "dangan.toml"', "paths.output"),
        ('archive = "../elsewhere"', "paths.archive"),  # outside the workspace
    ],
)
def test_paths_that_coincide_or_nest_are_refused_at_load_naming_the_key(tmp_path: Path, paths: str, key: str):
    from dangan.config import open_workspace

    root = init_workspace(tmp_path / "w").root
    _with(root, paths)
    with pytest.raises(ConfigError) as e:
        open_workspace(root)
    assert e.value.field == key
    assert key in str(e.value)


def test_separate_paths_are_accepted(tmp_path: Path):
    from dangan.config import open_workspace

    root = init_workspace(tmp_path / "w").root
    _with(root, 'archive = "data/archive"\nindex = "data/index"\nquarantine = "inbox-bad"')
    ws = open_workspace(root)
    assert ws.archive_dir == root / "data" / "archive"


@pytest.mark.parametrize(
    ("path", "recursive"),
    [
        ("archive/files/2026/D10/TS", False),  # inside the archive: its originals would be deleted as duplicates
        ("archive", False),
        ("index", False),
        (".dangan", False),
        ("templates", False),
        ("quarantine", False),
        ("output", False),
        (".", False),  # the root itself: dangan.toml is in it
        (".", True),
        ("..", True),  # a parent, with its subfolders: the whole workspace
    ],
)
def test_a_watched_folder_overlapping_the_workspace_data_is_refused_naming_the_key(
        tmp_path: Path, path: str, recursive: bool):
    from dangan.config import open_workspace
    from dangan.ingest.config import watch_entries

    root = init_workspace(tmp_path / "w").root
    cfg = root / "dangan.toml"
    cfg.write_text(cfg.read_text(encoding="utf-8") + '\n[[watch]]\npath = "inbox"\n'
                   f'\n[[watch]]\npath = "{path}"\nrecursive = {str(recursive).lower()}\n', encoding="utf-8")
    ws = open_workspace(root)  # other commands (verify, search) still run
    with pytest.raises(ConfigError) as e:
        watch_entries(ws)
    assert e.value.field == "watch[2].path"
    assert "watch[2].path" in str(e.value)


def test_a_symlinked_watch_folder_into_the_archive_is_refused(tmp_path: Path):
    from dangan.config import open_workspace
    from dangan.ingest.config import watch_entries

    root = init_workspace(tmp_path / "w").root
    (tmp_path / "inbox-link").symlink_to(root / "archive")
    cfg = root / "dangan.toml"
    cfg.write_text(cfg.read_text(encoding="utf-8") + f'\n[[watch]]\npath = "{tmp_path / "inbox-link"}"\n',
                   encoding="utf-8")
    with pytest.raises(ConfigError, match="档案库"):
        watch_entries(open_workspace(root))


def test_a_parent_watched_without_subfolders_and_a_separate_inbox_are_accepted(tmp_path: Path):
    from dangan.config import open_workspace
    from dangan.ingest.config import watch_entries

    root = init_workspace(tmp_path / "w").root
    cfg = root / "dangan.toml"
    cfg.write_text(cfg.read_text(encoding="utf-8") + '\n[[watch]]\npath = "inbox"\nrecursive = true\n'
                   f'\n[[watch]]\npath = "{tmp_path}"\n', encoding="utf-8")
    assert [e.folder for e in watch_entries(open_workspace(root))] == [root / "inbox", tmp_path.resolve()]


# -- dangan.toml in another encoding (issue 10, item 16) --------------------------------------------------


def test_a_config_saved_in_gbk_gives_a_clear_config_error(tmp_path: Path):
    from dangan.config import open_workspace

    root = init_workspace(tmp_path / "w").root
    cfg = root / "dangan.toml"
    cfg.write_bytes(cfg.read_text(encoding="utf-8").encode("gbk"))
    with pytest.raises(ConfigError) as e:
        open_workspace(root)
    assert "UTF-8" in str(e.value) and "GBK" in str(e.value) and str(cfg) in str(e.value)


def test_a_config_with_a_byte_order_mark_loads(tmp_path: Path):
    from dangan.config import open_workspace

    root = init_workspace(tmp_path / "w").root
    cfg = root / "dangan.toml"
    cfg.write_bytes(b"\xef\xbb\xbf" + cfg.read_bytes())  # Notepad's "UTF-8"
    assert open_workspace(root).config["company.fonds_code"] == "Z001"
