"""Shared CLI plumbing: the application opened once per command, error translation, JSON output."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from dangan.config import CONFIG_NAME, Workspace, init_workspace, mask_password, open_workspace
from dangan.errors import DanganError

if TYPE_CHECKING:
    from dangan.app import Dangan


class DanganGroup(click.Group):
    """A group whose commands turn DanganError into a clean message + exit 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except DanganError as e:
            fail(e)


def fail(error: DanganError | str, *, code: int = 1) -> NoReturn:
    """Print the error (passwords in URLs and phone, ID and card numbers quoted from input masked) and exit."""
    from dangan.app import mask_text

    text = mask_text(mask_password(str(error)))
    detail = getattr(error, "detail", None)
    detail = mask_text(mask_password(str(detail))) if detail else None
    click.echo(f"错误：{text}", err=True)
    if detail:
        click.echo(f"  详情：{detail}", err=True)
    sys.exit(code)


def _root_obj(ctx: click.Context) -> dict[str, Any]:
    root = ctx.find_root()
    if root.obj is None:
        root.obj = {}
    obj: dict[str, Any] = root.obj
    return obj


def workspace(ctx: click.Context) -> Workspace:
    """The workspace named by -w / $DANGAN_WORKSPACE / the current folder."""
    obj = _root_obj(ctx)
    if "_ws" not in obj:
        obj["_ws"] = open_workspace(obj.get("workspace"))
    ws: Workspace = obj["_ws"]
    return ws


def app(ctx: click.Context, *, index: bool = True) -> Dangan:
    """The application on this command's workspace, acting for the person at the terminal.

    Start-up warnings (what reconcile found after a crash) are shown for every command that opened the
    archive, when it ends.  ``ctx.obj["clock"]`` (set by tests through ``CliRunner.invoke(obj=...)``)
    replaces the real clock.
    """
    obj = _root_obj(ctx)
    if "_app" not in obj:
        from dangan.app import Actor, Dangan, SystemClock

        opened = Dangan.open(workspace(ctx), actor=Actor.local_user(), clock=obj.get("clock") or SystemClock(),
                             index=index)

        def finish() -> None:
            if opened.archive_opened:
                for w in opened.warnings:
                    warn(w)
            opened.close()

        ctx.find_root().call_on_close(finish)
        obj["_app"] = opened
    dangan: Dangan = obj["_app"]
    return dangan


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def warn(text: str) -> None:
    click.echo(f"警告：{text}", err=True)


def parse_date(value: str | None, *, field: str = "--date") -> Any:
    """A date option (YYYY-MM-DD, YYYY/MM/DD or YYYYMMDD), or None."""
    if value is None or not value.strip():
        return None
    from dangan.app import parse_date as parse

    try:
        return parse(value, field=field)
    except DanganError as e:
        raise click.BadParameter(e.message, param_hint=field) from e


def parse_pairs(items: tuple[str, ...] | list[str], *, option: str) -> dict[str, str]:
    """``键=值`` options into a dict."""
    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"「{item}」应写成 键=值", param_hint=option)
        out[key.strip()] = value.strip()
    return out


class Bar:
    """A tqdm progress bar fed by the library's progress callback (off when not a TTY)."""

    def __init__(self, label: str, *, enabled: bool, unit: str = "份") -> None:
        self.label, self.enabled, self.unit = label, enabled, unit
        self.bar: Any = None

    def __call__(self, done: int, total: int) -> None:
        if total < 2 or not self.enabled:
            return
        if self.bar is None:
            from tqdm import tqdm

            self.bar = tqdm(total=total, desc=self.label, unit=self.unit, leave=False, disable=None)
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


@click.command("init")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--database", default=None, metavar="URL",
              help="公司共用的 PostgreSQL 数据库（postgresql://用户@主机/库名，不含密码），写入 [database] url")
def init_command(directory: Path, database: str | None) -> None:
    """创建工作区：dangan.toml、templates/、archive/、index/（已存在则保留）。"""
    config_file = directory / CONFIG_NAME
    created = not config_file.exists()
    ws = init_workspace(directory, database=database)
    if database:
        from dangan.app import Dangan

        try:
            with Dangan.open(ws, index=False) as opened:
                opened.connect()  # connects and creates the catalogue now: errors show at once
        except BaseException:
            if created:  # a dangan.toml naming a database that was never reached is not left behind
                config_file.unlink(missing_ok=True)
            raise
        click.echo(f"档案目录数据库：{mask_password(database)}")
    click.echo(f"工作区已就绪：{ws.root}")


COMMANDS: list[click.Command] = [init_command]
