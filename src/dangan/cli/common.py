"""Shared CLI plumbing: workspace lookup, error translation, JSON output."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, NoReturn

import click

from dangan.config import Workspace, init_workspace, open_workspace
from dangan.errors import DanganError


class DanganGroup(click.Group):
    """A group whose commands turn DanganError into a clean message + exit 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except DanganError as e:
            fail(e)


def fail(error: DanganError | str, *, code: int = 1) -> NoReturn:
    text = str(error)
    detail = getattr(error, "detail", None)
    click.echo(f"错误：{text}", err=True)
    if detail:
        click.echo(f"  详情：{detail}", err=True)
    sys.exit(code)


def workspace(ctx: click.Context) -> Workspace:
    """The workspace named by -w / $DANGAN_WORKSPACE / the current folder."""
    root = ctx.find_root()
    obj = root.obj or {}
    if "_ws" not in obj:
        obj["_ws"] = open_workspace(obj.get("workspace"))
        root.obj = obj
    return obj["_ws"]


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def warn(text: str) -> None:
    click.echo(f"警告：{text}", err=True)


@click.command("init")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def init_command(directory: Path) -> None:
    """创建工作区：dangan.toml、templates/、archive/、index/（已存在则保留）。"""
    ws = init_workspace(directory)
    click.echo(f"工作区已就绪：{ws.root}")
