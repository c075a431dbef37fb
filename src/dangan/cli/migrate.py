"""CLI: migrate (this SQLite workspace → the company's PostgreSQL)."""

from __future__ import annotations

import click

from dangan.cli.common import app, fail
from dangan.errors import ArchiveError


@click.command("migrate")
@click.option("--to", "url", required=True, metavar="URL",
              help="新建的空 PostgreSQL 数据库：postgresql://用户@主机/库名（不含密码；密码用 PGPASSWORD 或 .pgpass）")
@click.option("--no-switch", is_flag=True, help="只复制和核对，不修改 dangan.toml（工作区继续使用 SQLite）")
@click.pass_context
def migrate_command(ctx: click.Context, url: str, no_switch: bool) -> None:
    """把本工作区的档案目录（SQLite）复制到 PostgreSQL，核对两边后改用数据库。

    复制全部目录内容（档案、文件引用、审计链、冻结、件号和文号、台账等），文件留在 archive/ 不动；
    然后在两边分别做四性检测，比较档案件数、记录摘要和审计链末端。目标数据库必须是空的。
    迁移前请先停止本工作区的 dangan watch 和网页服务。
    """
    migration = app(ctx, index=False).migrate_to(url, switch=not no_switch)
    for line in migration.lines():
        click.echo(line)
    if not migration.ok:
        fail(ArchiveError("迁移后的核对不一致，dangan.toml 未修改；请保留两边的数据并检查上面列出的问题"))


COMMANDS: list[click.Command] = [migrate_command]
