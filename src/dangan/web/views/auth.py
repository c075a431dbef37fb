"""Logging in and out."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, g, redirect, render_template, request, session, url_for

from dangan.errors import AuthError
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
