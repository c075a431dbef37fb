"""The administrator's pages: accounts and device tokens (and nothing in the archive)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from dangan.app import ROLE_NAMES, USER_ROLES, Permission
from dangan.errors import DanganError
from dangan.web.security import needs

bp = Blueprint("users", __name__, url_prefix="/admin")


@bp.route("/users")
@needs(Permission.ADMIN)
def index() -> Any:
    accounts = g.app.accounts
    return render_template("users.html", users=accounts.users(), tokens=accounts.tokens(), roles=USER_ROLES,
                           role_names=ROLE_NAMES, new_token=None)


@bp.route("/users", methods=["POST"])
@needs(Permission.ADMIN)
def add() -> Any:
    try:
        u = g.app.accounts.add_user(request.form.get("name", ""), role=request.form.get("role", ""),
                                    password=request.form.get("password", ""))
        flash(f"已添加用户 {u.name}（{u.role_label}）", "ok")
    except DanganError as e:
        flash(str(e), "error")
    return redirect(url_for("users.index"))


@bp.route("/users/<name>/disable", methods=["POST"])
@needs(Permission.ADMIN)
def disable(name: str) -> Any:
    try:
        if name == g.identity.name:
            raise DanganError("不能停用自己的账户")
        g.app.accounts.disable(name)
        flash(f"已停用 {name}", "ok")
    except DanganError as e:
        flash(str(e), "error")
    return redirect(url_for("users.index"))


@bp.route("/users/<name>/password", methods=["POST"])
@needs(Permission.ADMIN)
def reset_password(name: str) -> Any:
    try:
        g.app.accounts.set_password(name, request.form.get("password", ""))
        flash(f"已重设 {name} 的密码；该用户已登录的会话随即失效", "ok")
    except DanganError as e:
        flash(str(e), "error")
    return redirect(url_for("users.index"))


@bp.route("/users/<name>/enable", methods=["POST"])
@needs(Permission.ADMIN)
def enable(name: str) -> Any:
    try:
        g.app.accounts.enable(name)
        flash(f"已启用 {name}", "ok")
    except DanganError as e:
        flash(str(e), "error")
    return redirect(url_for("users.index"))


@bp.route("/tokens", methods=["POST"])
@needs(Permission.ADMIN)
def add_token() -> Any:
    accounts = g.app.accounts
    try:
        info, secret = accounts.add_token(request.form.get("name", ""))
    except DanganError as e:
        flash(str(e), "error")
        return redirect(url_for("users.index"))
    return render_template("users.html", users=accounts.users(), tokens=accounts.tokens(), roles=USER_ROLES,
                           role_names=ROLE_NAMES, new_token=(info.name, secret))


@bp.route("/tokens/<name>/revoke", methods=["POST"])
@needs(Permission.ADMIN)
def revoke_token(name: str) -> Any:
    try:
        g.app.accounts.revoke_token(name)
        flash(f"已吊销设备 {name} 的令牌", "ok")
    except DanganError as e:
        flash(str(e), "error")
    return redirect(url_for("users.index"))
