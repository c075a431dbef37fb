"""Who is asking, and may they: the one check every request passes through.

Every view states what it needs with one decorator — :func:`public`,
:func:`signed_in` or :func:`needs` (a :class:`~dangan.app.Permission`) —
and :func:`authorise`, registered as the application's only
``before_request`` hook, enforces it.  A view that states nothing is refused
(deny by default); ``tests/test_web_routes.py`` walks the URL map to prove
it.

- Identity: ``Authorization: Bearer TOKEN`` (a device token, on ``/api/``
  only) or the signed session cookie (user name + the account's auth epoch,
  so a password change or a disable ends every session at once).
- Anonymous: pages redirect to ``/login?next=…``; ``/api/`` answers 401.
- Forbidden: 403 (a page in Chinese, or JSON on ``/api/``).
- CSRF: every state-changing request with a session carries the token
  (form field ``csrf_token`` or header ``X-CSRFToken``); bearer-token requests
  carry no cookie and need none.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, g, jsonify, redirect, render_template, request, session, url_for
from flask_wtf.csrf import CSRFError, CSRFProtect

from dangan.app import Actor, Permission, may

F = TypeVar("F", bound=Callable[..., Any])

RULE_ATTR = "_dangan_access"
PUBLIC = "public"
SIGNED_IN = "signed_in"
#: Endpoints Flask itself adds (the static files: htmx, CSS).
PUBLIC_ENDPOINTS = frozenset({"static"})
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

csrf = CSRFProtect()


def public(view: F) -> F:
    """Anyone, signed in or not (the login page)."""
    setattr(view, RULE_ATTR, PUBLIC)
    return view


def signed_in(view: F) -> F:
    """Any signed-in person (the dashboard, logging out)."""
    setattr(view, RULE_ATTR, SIGNED_IN)
    return view


def needs(*permissions: Permission) -> Callable[[F], F]:
    """Only roles with one of ``permissions`` (see :data:`dangan.app.roles.ROLE_PERMISSIONS`)."""
    wanted = frozenset(Permission(p) for p in permissions)
    assert wanted, "needs() names at least one permission"

    def mark(view: F) -> F:
        setattr(view, RULE_ATTR, wanted)
        return view

    return mark


Rule = str | frozenset[Permission]


def allows(rule: Rule, role: str | None) -> bool:
    """Whether a signed-in ``role`` passes ``rule`` (the public rule lets everyone through)."""
    if rule in (PUBLIC, SIGNED_IN):
        return True
    return any(may(role, p) for p in rule)


def access_rule(flask_app: Flask, endpoint: str | None) -> Rule | None:
    """What an endpoint requires; None when it states nothing (refused)."""
    if endpoint is None:
        return None
    if endpoint in PUBLIC_ENDPOINTS:
        return PUBLIC
    view = flask_app.view_functions.get(endpoint)
    rule: Rule | None = getattr(view, RULE_ATTR, None)
    return rule


@dataclass(frozen=True)
class Identity:
    actor: Actor
    via_token: bool = False

    @property
    def name(self) -> str:
        return self.actor.name

    @property
    def role(self) -> str | None:
        return self.actor.role

    def may(self, permission: Permission | str) -> bool:
        return may(self.actor.role, permission)


def is_api() -> bool:
    return request.path == "/api" or request.path.startswith("/api/")


def _identify() -> Identity | None:
    dangan = current_app.extensions["dangan"]
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        if not is_api():
            return None  # tokens open the API only
        actor = dangan.accounts.token_actor(header[7:].strip())
        return Identity(actor, via_token=True) if actor else None
    name, epoch = session.get("user"), session.get("epoch")
    if not isinstance(name, str) or not isinstance(epoch, int):
        return None
    user = dangan.accounts.session_user(name, epoch)
    if user is None:
        session.clear()
        return None
    return Identity(user.actor())


def authorise() -> Any:
    """The before_request hook: identify, check the endpoint's rule, check CSRF, open the app for the user."""
    rule = access_rule(current_app, request.endpoint)
    if request.endpoint is None:
        return None  # 404/405: Flask answers, nothing is served
    identity = _identify()
    g.identity = identity
    if rule is None:
        abort(403)  # a view that states no rule is never served
    if rule != PUBLIC:
        if identity is None:
            if is_api():
                return _json_error(401, "请先登录，或在请求头中提供 Authorization: Bearer 令牌")
            return redirect(url_for("auth.login", next=_local_next()))
        if not allows(rule, identity.role):
            abort(403)
        if identity.via_token and rule == SIGNED_IN:
            abort(403)
    if request.method in UNSAFE_METHODS and not (identity is not None and identity.via_token):
        csrf.protect()
    dangan = current_app.extensions["dangan"]
    g.app = dangan.acting_as(identity.actor) if identity else dangan
    return None


def _local_next() -> str:
    """The page to return to after logging in: this one (only ever a path on this server)."""
    full = request.full_path if request.query_string else request.path
    return full if full.startswith("/") and not full.startswith("//") else "/"


def safe_next(value: str | None) -> str:
    """``next`` from the login form, if it is a path on this server; else the dashboard."""
    if not value:
        return url_for("dashboard.index")
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return url_for("dashboard.index")
    return value


def _json_error(status: int, message: str) -> Any:
    response = jsonify({"error": message, "status": status})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="dangan"'
    return response


def install(flask_app: Flask) -> None:
    """Sessions, CSRF, the authorisation hook and the error pages."""
    flask_app.config.update(
        SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_NAME="dangan_session",
        WTF_CSRF_CHECK_DEFAULT=False, WTF_CSRF_TIME_LIMIT=None, WTF_CSRF_SSL_STRICT=False,
    )
    csrf.init_app(flask_app)
    flask_app.before_request(authorise)

    @flask_app.after_request
    def headers(response: Any) -> Any:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; object-src 'none'; "
            "frame-src 'self'; frame-ancestors 'self'; base-uri 'self'; form-action 'self'")
        if g.get("identity") is not None:
            response.headers.setdefault("Cache-Control", "private, no-store")
        return response

    def page_or_json(status: int, title: str, message: str) -> Any:
        if is_api():
            return _json_error(status, message)
        return render_template("error.html", status=status, title=title, message=message), status

    flask_app.register_error_handler(CSRFError, lambda e: page_or_json(
        400, "表单已过期", "页面已过期或来源不明（CSRF 校验失败），请刷新页面后重试。"))
    flask_app.register_error_handler(403, lambda e: page_or_json(
        403, "没有权限", "您的角色不能进行这项操作。如需办理，请联系相应岗位的同事或管理员。"))
    flask_app.register_error_handler(404, lambda e: page_or_json(404, "找不到页面", "没有这个页面或这件档案。"))
    flask_app.register_error_handler(405, lambda e: page_or_json(405, "不支持的操作", "这个地址不支持这种请求。"))
    flask_app.register_error_handler(413, lambda e: page_or_json(413, "文件太大", "上传的文件超过了允许的大小。"))


__all__ = ["Identity", "access_rule", "allows", "authorise", "csrf", "install", "is_api", "needs", "public", "safe_next",
           "signed_in"]

