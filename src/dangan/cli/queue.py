"""CLI: the intake queue (files waiting for any dangan watch or web server to file them)."""

from __future__ import annotations

from pathlib import Path

import click

from dangan.cli.common import app, echo_json, fail
from dangan.errors import IngestError

STATE_NAMES = {"queued": "排队中", "done": "已归档", "failed": "失败"}


@click.group("queue")
def queue_group() -> None:
    """归档队列：上传或提交的文件在共享存储中排队，由任何一台运行 dangan watch 的机器归档。"""


@queue_group.command("add")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--category", "-c", default="auto", help="类别代码，或 auto（二维码/规则自动分类）")
@click.pass_context
def add_command(ctx: click.Context, files: tuple[Path, ...], category: str) -> None:
    """把文件提交到归档队列（文件复制到共享存储，原文件不动）。"""
    dangan = app(ctx)
    for f in files:
        job = dangan.enqueue(f, category=category)
        click.echo(f"已提交：{f} → 队列任务 {job}")


@queue_group.command("list")
@click.option("--state", type=click.Choice(sorted(STATE_NAMES)), default=None, help="只列出某种状态")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出")
@click.pass_context
def list_command(ctx: click.Context, state: str | None, as_json: bool) -> None:
    """列出队列任务：排队中、已归档（档号）、失败（原因）。"""
    jobs = app(ctx, index=False).intake_jobs(state=state)
    if as_json:
        echo_json([j.to_dict() for j in jobs])
        return
    for j in jobs:
        what = j.code or j.message or ""
        click.echo(f"{j.id}\t{STATE_NAMES.get(j.state, j.state)}\t{j.original_name}\t{what}")
    if not jobs:
        click.echo("队列中没有任务")


@queue_group.command("retry")
@click.argument("job_id", type=int)
@click.pass_context
def retry_command(ctx: click.Context, job_id: int) -> None:
    """把失败的任务重新排队（先排除原因，如文件损坏、类别错误）。"""
    if not app(ctx, index=False).requeue(job_id):
        fail(IngestError(f"队列任务 {job_id} 不是失败状态，无需重试"))
    click.echo(f"任务 {job_id} 已重新排队")


COMMANDS: list[click.Command] = [queue_group]
