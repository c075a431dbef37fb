"""The ``dangan`` command line.  Click lives only in this package.

Each command parses its arguments, makes one call to :mod:`dangan.app` and
formats the result.  :class:`~dangan.errors.DanganError` becomes a clear
message and a non-zero exit here, and nowhere else.  Commands load by name:
``dangan search`` imports the search commands' module only (``--help``
imports them all, for their one-line help).
"""

from __future__ import annotations

import importlib

import click

from dangan.cli.common import DanganGroup

#: command name → the module of dangan.cli that defines it (its COMMANDS list)
COMMAND_MODULES: dict[str, str] = {
    "init": "common", "forms": "forms", "templates": "forms", "generate": "generate", "archive": "archive",
    "hold": "archive", "retention": "archive", "verify": "archive", "search": "search", "index": "search",
    "watch": "watch", "lend": "outputs", "transfer": "outputs", "register": "register", "report": "report",
    "fees": "fees", "today": "today", "user": "accounts", "token": "accounts", "serve": "serve",
    "migrate": "migrate", "queue": "queue",
}


class LazyGroup(DanganGroup):
    """The top-level group: a command's module is imported when the command is asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMAND_MODULES)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = COMMAND_MODULES.get(cmd_name)
        if module is None:
            return None
        commands = importlib.import_module(f"dangan.cli.{module}").COMMANDS
        return next((c for c in commands if c.name == cmd_name), None)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "-w",
    "--workspace",
    type=click.Path(file_okay=False, path_type=str),
    default=None,
    help="工作区目录（默认：$DANGAN_WORKSPACE，或当前目录及其上级中含 dangan.toml 的目录）",
)
@click.version_option(package_name="dangan")
@click.pass_context
def main(ctx: click.Context, workspace: str | None) -> None:
    """dangan 档案：物业客服中心的表单、归档、检索与扫描件自动归档。"""
    ctx.obj = {**(ctx.obj or {}), "workspace": workspace}  # tests may pass a clock in obj
