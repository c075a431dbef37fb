"""CLI commands: ``dangan user`` (web accounts with roles) and ``dangan token`` (scanner upload tokens)."""

from __future__ import annotations

from pathlib import Path

import click

from dangan.cli.common import app, echo_json

ROLE_HELP = "角色：staff 前台、archivist 档案员、approver 审批人、admin 管理员（只管账户和设置）"


def _read_password(password_file: Path | None, *, confirm: bool = True) -> str:
    if password_file is not None:
        try:
            lines = password_file.read_text(encoding="utf-8-sig").splitlines()
        except (OSError, UnicodeDecodeError) as e:
            raise click.BadParameter(f"无法读取密码文件：{e}", param_hint="--password-file") from e
        return lines[0] if lines else ""
    return str(click.prompt("密码", hide_input=True, confirmation_prompt="再输入一次" if confirm else False))


@click.group("user")
def user_group() -> None:
    """网页界面的用户账户：添加、列出、改密码、停用。"""


@user_group.command("add")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(["staff", "archivist", "approver", "admin"]), help=ROLE_HELP)
@click.option("--password-file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="从文件第一行读取密码（默认：提示输入）")
@click.pass_context
def user_add(ctx: click.Context, name: str, role: str, password_file: Path | None) -> None:
    """添加用户（密码以 Argon2 散列保存，不保存明文）。"""
    user = app(ctx, index=False).accounts.add_user(name, role=role, password=_read_password(password_file))
    click.echo(f"已添加用户 {user.name}（{user.role_label}）")


@user_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出")
@click.pass_context
def user_list(ctx: click.Context, as_json: bool) -> None:
    """列出全部用户、角色和状态。"""
    users = app(ctx, index=False).accounts.users()
    if as_json:
        echo_json([u.to_dict() for u in users])
        return
    if not users:
        click.echo("还没有用户。用 dangan user add NAME --role ROLE 添加。")
    for u in users:
        state = "已停用" if u.disabled else "正常"
        last = u.last_login.strftime("%Y-%m-%d %H:%M") if u.last_login else "从未登录"
        click.echo(f"{u.name}\t{u.role_label}（{u.role}）\t{state}\t最近登录：{last}")


@user_group.command("passwd")
@click.argument("name")
@click.option("--password-file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="从文件第一行读取新密码（默认：提示输入）")
@click.pass_context
def user_passwd(ctx: click.Context, name: str, password_file: Path | None) -> None:
    """修改用户密码（该用户已登录的会话随即失效，登录锁定解除）。"""
    user = app(ctx, index=False).accounts.set_password(name, _read_password(password_file))
    click.echo(f"已修改 {user.name} 的密码")


@user_group.command("disable")
@click.argument("name")
@click.pass_context
def user_disable(ctx: click.Context, name: str) -> None:
    """停用用户（不能再登录，已登录的会话随即失效；审计日志中的记录保留）。"""
    user = app(ctx, index=False).accounts.disable(name)
    click.echo(f"已停用用户 {user.name}")


@user_group.command("enable")
@click.argument("name")
@click.pass_context
def user_enable(ctx: click.Context, name: str) -> None:
    """重新启用被停用的用户。"""
    user = app(ctx, index=False).accounts.enable(name)
    click.echo(f"已启用用户 {user.name}")


@click.group("token")
def token_group() -> None:
    """扫描工作站的接口令牌（只能上传扫描件）。"""


@token_group.command("add")
@click.argument("name")
@click.pass_context
def token_add(ctx: click.Context, name: str) -> None:
    """为一台设备生成上传令牌；令牌只显示这一次（最后一行），请配置到扫描工作站。"""
    info, secret = app(ctx, index=False).accounts.add_token(name)
    click.echo(f"已为设备 {info.name} 生成上传令牌（只显示这一次，请妥善保存）：")
    click.echo(secret)


@token_group.command("list")
@click.pass_context
def token_list(ctx: click.Context) -> None:
    """列出设备令牌（不显示令牌本身）。"""
    tokens = app(ctx, index=False).accounts.tokens()
    if not tokens:
        click.echo("还没有设备令牌。用 dangan token add 设备名 生成。")
    for t in tokens:
        state = f"已吊销 {t.revoked_at:%Y-%m-%d %H:%M}" if t.revoked_at else "有效"
        click.echo(f"{t.name}\t{t.scope}\t{t.created_at:%Y-%m-%d %H:%M}\t{state}")


@token_group.command("revoke")
@click.argument("name")
@click.pass_context
def token_revoke(ctx: click.Context, name: str) -> None:
    """吊销一台设备的令牌（之后它的上传一律被拒绝）。"""
    info = app(ctx, index=False).accounts.revoke_token(name)
    click.echo(f"已吊销设备 {info.name} 的令牌")


COMMANDS: list[click.Command] = [user_group, token_group]
