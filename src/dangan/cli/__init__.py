"""The ``dangan`` command line.  Click lives only in this package.

Each command parses its arguments, makes one library call and formats the
result.  :class:`~dangan.errors.DanganError` becomes a clear message and a
non-zero exit here, and nowhere else.
"""

from __future__ import annotations

import click

from dangan.cli import archive, forms, generate, search, watch
from dangan.cli.common import DanganGroup, init_command


@click.group(cls=DanganGroup, context_settings={"help_option_names": ["-h", "--help"]})
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


main.add_command(init_command)
for _module in (forms, generate, archive, search, watch):
    for _cmd in _module.COMMANDS:
        main.add_command(_cmd)
