"""Logging in and out."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for

from dangan.errors import AuthError, DanganError
from dangan.web.security import public, safe_next, signed_in

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
@public
def login() -> Any:
    error = None
    next_url = request.values.get("next", "")
    if request.method == "POST":
        name = request.form.get("username", "").strip()
        try:
            user = current_app.extensions["dangan"].accounts.authenticate(name, request.form.get("password", ""))
        except AuthError as e:
            error = e.message
        else:
            session.clear()
            session.permanent = True
            session["user"], session["epoch"] = user.name, user.auth_epoch
            return redirect(safe_next(next_url))
        return render_template("login.html", error=error, username=name, next=next_url)
    if g.identity is not None:
        return redirect(safe_next(next_url))
    return render_template("login.html", error=None, username="", next=next_url)


@bp.route("/logout", methods=["POST"])
@signed_in
def logout() -> Any:
    session.clear()
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@signed_in
def password() -> Any:
    """Change one's own password: the current one first; other sessions of the account end, this one stays."""
    if request.method == "GET" or g.identity.via_token:
        return render_template("password.html", error=None)
    accounts = g.app.accounts
    new = request.form.get("new", "")
    try:
        if new != request.form.get("again", ""):
            raise DanganError("两次输入的新密码不一致")
        accounts.authenticate(g.identity.name, request.form.get("current", ""))
        user = accounts.set_password(g.identity.name, new)
    except AuthError:
        return render_template("password.html", error="当前密码不正确"), 400
    except DanganError as e:
        return render_template("password.html", error=e.message), 400
    session["epoch"] = user.auth_epoch
    flash("密码已修改；在其他电脑上的登录已失效", "ok")
    return redirect(url_for("dashboard.index"))
