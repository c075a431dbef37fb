"""Pointing a workspace at PostgreSQL: the URL setting, the password kept out of files and messages,
``dangan init --database``, and a workspace that files and verifies on the suite's server."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from dangan.app import Dangan
from dangan.config import init_workspace, mask_password, parse_config
from dangan.errors import ConfigError

BASE = {"company": {"name": "示例物业", "fonds_code": "Z001"}}


@pytest.mark.parametrize(("text", "masked"), [
    ("postgresql://dangan:s3cret@db.example:5432/dangan", "postgresql://dangan:***@db.example:5432/dangan"),
    ("错误：postgres://u:p%40ss@h/db 连接失败", "错误：postgres://u:***@h/db 连接失败"),
    ("postgresql://dangan@db.example/dangan", "postgresql://dangan@db.example/dangan"),
])
def test_a_password_in_a_database_url_is_masked(text: str, masked: str) -> None:
    assert mask_password(text) == masked


def test_a_password_written_into_the_settings_is_refused_without_showing_it() -> None:
    with pytest.raises(ConfigError) as e:
        parse_config({**BASE, "database": {"url": "postgresql://dangan:s3cret@db/dangan"}})
    assert "s3cret" not in str(e.value) and "PGPASSWORD" in str(e.value) and e.value.field == "database.url"


def test_only_postgresql_urls_are_accepted() -> None:
    with pytest.raises(ConfigError, match="postgresql://"):
        parse_config({**BASE, "database": {"url": "mysql://db/dangan"}})
    assert parse_config(BASE).settings.database.url == ""  # no database: SQLite + Whoosh


def test_the_password_file_goes_to_libpq_as_passfile(tmp_path: Path) -> None:
    ws = init_workspace(tmp_path / "ws", database="postgresql://dangan@db.example/dangan")
    toml = ws.root / "dangan.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('password_file = ""', 'password_file = "secret/pgpass"'),
                    encoding="utf-8")
    from urllib.parse import parse_qs, urlsplit

    from dangan.config import open_workspace

    url = open_workspace(ws.root).database_url
    assert url is not None and url.startswith("postgresql://dangan@db.example/dangan?")
    assert parse_qs(urlsplit(url).query) == {"passfile": [str(ws.root / "secret" / "pgpass")]}


def test_init_with_a_database_writes_it_and_creates_the_catalogue(pg_server, tmp_path: Path) -> None:
    from dangan.cli import main

    url = pg_server.new_database()
    r = CliRunner().invoke(main, ["init", str(tmp_path / "ws"), "--database", url])
    assert r.exit_code == 0, r.output
    assert f'url = "{url}"' in (tmp_path / "ws" / "dangan.toml").read_text(encoding="utf-8")
    tables = pg_server.sql("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'",
                           database=url.rsplit("/", 1)[1])
    assert tables[0][0] >= 10


def test_init_refuses_a_password_and_an_unreachable_server_is_named_without_it(tmp_path: Path) -> None:
    from dangan.cli import main

    r = CliRunner().invoke(main, ["init", str(tmp_path / "a"), "--database", "postgresql://u:topsecret@127.0.0.1/x"])
    assert r.exit_code == 1 and "topsecret" not in r.output and "PGPASSWORD" in r.output
    assert not (tmp_path / "a" / "dangan.toml").exists()
    r = CliRunner().invoke(main, ["init", str(tmp_path / "b"), "--database", "postgresql://u@127.0.0.1:1/x"])
    assert r.exit_code == 1 and "无法连接档案目录数据库 postgresql://u@127.0.0.1:1/x" in r.output
    # no dangan.toml naming the unreachable database is left: the same command with the right address works
    assert not (tmp_path / "b" / "dangan.toml").exists()
    r = CliRunner().invoke(main, ["init", str(tmp_path / "b")])
    assert r.exit_code == 0 and 'url = ""' in (tmp_path / "b" / "dangan.toml").read_text(encoding="utf-8")


def test_init_keeps_an_existing_workspace_when_its_database_cannot_be_reached(tmp_path: Path) -> None:
    from dangan.cli import main

    ws = tmp_path / "ws"
    (ws).mkdir()
    (ws / "dangan.toml").write_text('[company]\nname = "示例物业"\nfonds_code = "Z001"\n\n[database]\n'
                                   'url = "postgresql://u@127.0.0.1:1/x"\n', encoding="utf-8")
    r = CliRunner().invoke(main, ["init", str(ws), "--database", "postgresql://u@127.0.0.1:1/x"])
    assert r.exit_code == 1 and (ws / "dangan.toml").exists()  # the administrator's file is never removed


@pytest.mark.parametrize(("encoding", "ctype", "says"), [
    ("SQL_ASCII", "C", "的编码是 SQL_ASCII，不能保存中文"),
    ("UTF8", "C", "的字符分类（LC_CTYPE C）不认识中文文本里的全角空格"),  # \s would not match U+3000
])
def test_a_database_that_cannot_hold_or_match_chinese_text_is_refused(pg_server, encoding: str, ctype: str,
                                                                        says: str) -> None:
    from dangan.archive.catalogue import open_catalogue
    from dangan.errors import ArchiveError

    name = f"bad_{encoding.lower()}_{ctype.lower()}"
    pg_server.sql(f"CREATE DATABASE {name} TEMPLATE template0 ENCODING '{encoding}' LC_COLLATE 'C' LC_CTYPE '{ctype}'")
    with pytest.raises(ArchiveError) as e:
        open_catalogue(pg_server.url(name))
    assert says in str(e.value) and "ENCODING 'UTF8'" in str(e.value)
    assert pg_server.sql("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'",
                         database=name) == [(0,)]  # nothing created in it


def test_a_workspace_on_postgresql_files_and_verifies(pg_ws, tmp_path: Path) -> None:
    src = tmp_path / "a.txt"
    src.write_text("3栋1201室 漏水报修", encoding="utf-8")
    with Dangan.open(pg_ws, index=False) as app:
        [filed] = app.file([src], category="WX")
        assert filed.result.record.archival_code.endswith("-0001")
        report = app.verify(index=False)
        assert report.ok, report.problems
        assert [e.event for e in app.audit_trail()] == ["filed", "verify"]
    assert not (pg_ws.archive_dir / "catalog.sqlite").exists()  # the catalogue is in the database
    assert stat.S_ISDIR((pg_ws.archive_dir / "files").stat().st_mode)


def test_search_index_check_and_verify_on_postgresql_write_nothing_in_index(pg_ws, cli_for, tmp_path: Path) -> None:
    import json

    cli = cli_for(pg_ws)
    for i, text in enumerate(["3栋0201室 电梯异响报修", "13栋0201室 电梯异响报修", "3栋0202室 楼道灯不亮"], 1):
        (tmp_path / f"{i}.txt").write_text(text, encoding="utf-8")
    r = cli("archive", "add", *(str(tmp_path / f"{i}.txt") for i in (1, 2, 3)), "-c", "WX", "--date", "2026-05-01")
    assert r.exit_code == 0, r.output
    found = json.loads(cli("search", "3栋0201室", "--json").output)
    assert found["total"] == 1 and found["results"][0]["archival_code"].endswith("-0001")
    assert "【" in found["results"][0]["snippet"]
    assert json.loads(cli("search", "电梯异响", "--json").output)["total"] == 2
    r = cli("index", "check")
    assert r.exit_code == 0, r.output
    r = cli("verify")
    assert r.exit_code == 0 and "全文索引与目录一致" in r.output, r.output
    r = cli("index", "rebuild")
    assert r.exit_code == 0 and "3 件" in r.output, r.output
    assert list(pg_ws.index_dir.iterdir()) == []
