"""CLI command: ``dangan serve`` (the web interface and JSON API, served by waitress)."""

from __future__ import annotations

import click

from dangan.cli.common import app, warn


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="监听地址；局域网内其他电脑访问请用 0.0.0.0")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True, help="端口")
@click.option("--threads", type=click.IntRange(1, 64), default=8, show_default=True, help="同时处理的请求数")
@click.pass_context
def serve_command(ctx: click.Context, host: str, port: int, threads: int) -> None:
    """启动网页界面和 JSON 接口（/api/），直到 Ctrl+C 或 SIGTERM。用户用 dangan user add 添加。"""
    from dangan.web import create_app, serve

    dangan = app(ctx)
    if not dangan.accounts.users():
        warn("还没有任何用户，无法登录：请先运行 dangan user add 用户名 --role staff")
    web = create_app(dangan)
    click.echo(f"dangan 网页界面：http://{host}:{port}/  （Ctrl+C 停止）", err=True)
    serve(web, host=host, port=port, threads=threads)
    click.echo("已停止。", err=True)


COMMANDS: list[click.Command] = [serve_command]
