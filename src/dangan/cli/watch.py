"""CLI commands: watch (watched folders → archive)."""

from __future__ import annotations

import threading
from typing import Any

import click

from dangan.cli.common import app, warn


def _echo_outcome(outcome: Any) -> None:
    click.echo(outcome.line(), err=outcome.status in ("quarantined", "error"))
    for w in outcome.warnings:
        warn(f"{outcome.source.name}：{w}")


@click.command("watch")
@click.option("--once", is_flag=True, help="处理监视目录中已有的文件后退出（供 cron 和测试使用）")
@click.option("--retry-quarantine", is_flag=True, help="把隔离区中的文件重新处理一遍后退出")
@click.pass_context
def watch_command(ctx: click.Context, once: bool, retry_quarantine: bool) -> None:
    """监视扫描文件夹和归档队列，自动识别二维码/OCR/规则并归档；每个文件输出一行：文件、档号、分类方式。

    在 dangan.toml 中用 [[watch]] 配置监视目录。不加参数时一直运行，Ctrl+C 或 SIGTERM 停止
    （手头的文件处理完再退出）。无法处理的文件连同原因说明移入隔离区。
    """
    dangan = app(ctx)
    entries = dangan.watch_entries()
    if not entries and not retry_quarantine:
        warn("dangan.toml 中没有 [[watch]] 监视目录：只处理归档队列（dangan queue）中的任务")
    for entry in entries:
        if not entry.folder.is_dir():
            warn(f"监视目录 {entry.folder} 不存在（网络共享未挂载？），暂时跳过")
    watcher = dangan.watcher(entries=entries, on_outcome=_echo_outcome, on_notice=warn)
    if retry_quarantine:
        outcomes = watcher.retry_quarantine()
    elif once:
        outcomes = watcher.run_once()
    else:
        stop = threading.Event()
        watcher.install_stop_handlers(stop)
        click.echo(f"正在监视 {len(entries)} 个目录和归档队列，按 Ctrl+C 停止", err=True)
        watcher.run(stop)
        return
    _summary(outcomes)


def _summary(outcomes: list[Any]) -> None:
    counts: dict[str, int] = {}
    for o in outcomes:
        counts[o.status] = counts.get(o.status, 0) + 1
    names = {"filed": "归档", "signed": "签字件", "duplicate": "重复", "quarantined": "隔离",
             "changed": "被修改待重试", "gone": "已消失", "error": "出错"}
    parts = [f"{names.get(k, k)} {v}" for k, v in counts.items()]
    click.echo("完成：" + ("，".join(parts) if parts else "没有待处理的文件"), err=True)
    if counts.get("error"):
        raise SystemExit(1)


COMMANDS: list[click.Command] = [watch_command]
