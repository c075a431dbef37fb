"""Accounts: web users with roles, device tokens for scanners, login throttling (the use cases).

Passwords are hashed with Argon2id (argon2-cffi; memory-hard); device tokens
are long random strings of which only the SHA-256 is stored.  Everything is
kept in the catalogue (:class:`~dangan.archive.catalogue.Accounts`), so every
web server of one archive sees the same accounts, and every change is an
entry in the audit trail that names who made it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dangan.actor import Actor, ActorKind
from dangan.app.roles import USER_ROLES, Role, role_label
from dangan.archive.audit import AuditEvent
from dangan.archive.catalogue import ApiToken, UserAccount
from dangan.errors import AuthError, DanganError

if TYPE_CHECKING:
    from dangan.archive.service import Archive

#: Failed logins in a row before an account is locked for a while.
MAX_FAILURES = 5
#: The longest lock after failed logins.
MAX_LOCK = dt.timedelta(minutes=30)
MIN_PASSWORD = 8
MAX_NAME = 32
TOKEN_SCOPE_UPLOAD = "upload"
SESSION_SECRET = "web-session"
WRONG = "用户名或密码不正确"


def lockout_after(failures: int) -> dt.timedelta | None:
    """How long an account is locked after ``failures`` failed logins in a row (pure).

    Nothing below :data:`MAX_FAILURES`; then 1 minute, doubling with each
    further failure, at most :data:`MAX_LOCK`.
    """
    if failures < MAX_FAILURES:
        return None
    return min(dt.timedelta(minutes=2 ** min(failures - MAX_FAILURES, 10)), MAX_LOCK)


def check_name(name: str) -> str:
    """A user or device name: 1–32 characters, no spaces or control characters (pure)."""
    name = (name or "").strip()
    if not name:
        raise DanganError("名称不能为空", field="name")
    if len(name) > MAX_NAME:
        raise DanganError(f"名称最多 {MAX_NAME} 个字符", field="name")
    if any(c.isspace() or not c.isprintable() or c in "/\\:" for c in name):
        raise DanganError("名称不能含空格、控制字符或 / \\ :", field="name")
    return name


def check_password(password: str) -> str:
    if len(password or "") < MIN_PASSWORD:
        raise DanganError(f"密码至少 {MIN_PASSWORD} 个字符", field="password")
    return password


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class UserInfo:
    """An account as front ends show it (never the hash)."""

    name: str
    role: str
    disabled: bool
    created_at: dt.datetime
    last_login: dt.datetime | None
    locked_until: dt.datetime | None
    auth_epoch: int

    @property
    def role_label(self) -> str:
        return role_label(self.role)

    def actor(self) -> Actor:
        return Actor(self.name, role=self.role)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "role": self.role, "role_label": self.role_label, "disabled": self.disabled,
                "created_at": self.created_at.isoformat(),
                "last_login": self.last_login.isoformat() if self.last_login else None}


@dataclass(frozen=True)
class TokenInfo:
    id: int
    name: str
    scope: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None


def _info(u: UserAccount) -> UserInfo:
    return UserInfo(u.name, u.role, u.disabled, u.created_at, u.last_login, u.locked_until, u.auth_epoch)


def _token_info(t: ApiToken) -> TokenInfo:
    return TokenInfo(t.id, t.name, t.scope, t.created_at, t.revoked_at)


class Accounts:
    """``app.accounts``: the accounts of one archive, acting for the app's user."""

    def __init__(self, archive: Archive) -> None:
        self.archive = archive
        self.catalogue = archive.catalogue
        self.clock = archive.clock

    @staticmethod
    def _hasher() -> Any:
        from argon2 import PasswordHasher

        return PasswordHasher()

    def _audit(self, action: str, **details: Any) -> None:
        self.archive.record_event(AuditEvent.ACCOUNT, details={"action": action, **details})

    # -- users ---------------------------------------------------------------

    def add_user(self, name: str, *, role: str, password: str) -> UserInfo:
        name = check_name(name)
        if role not in USER_ROLES:
            raise DanganError(f"角色只能是 {'、'.join(USER_ROLES)}（实际为「{role}」）", field="role")
        pw_hash = self._hasher().hash(check_password(password))
        account = UserAccount(name, str(role), pw_hash, self.clock.now())
        with self.catalogue.transaction():
            self.catalogue.add_user(account)
            self._audit("user_add", user=name, role=str(role))
        return _info(account)

    def users(self) -> list[UserInfo]:
        return [_info(u) for u in self.catalogue.users()]

    def user(self, name: str) -> UserInfo:
        found = self.catalogue.user(name)
        if found is None:
            raise DanganError(f"没有用户「{name}」", field="name")
        return _info(found)

    def set_password(self, name: str, password: str) -> UserInfo:
        pw_hash = self._hasher().hash(check_password(password))
        with self.catalogue.transaction():
            user = self.user(name)
            self.catalogue.update_user(name, password_hash=pw_hash, auth_epoch=user.auth_epoch + 1,
                                       failed_logins=0, locked_until=None)
            self._audit("user_passwd", user=name)
        return self.user(name)

    def disable(self, name: str) -> UserInfo:
        with self.catalogue.transaction():
            user = self.user(name)
            self.catalogue.update_user(name, disabled=True, auth_epoch=user.auth_epoch + 1)
            self._audit("user_disable", user=name)
        return self.user(name)

    def enable(self, name: str) -> UserInfo:
        with self.catalogue.transaction():
            self.user(name)
            self.catalogue.update_user(name, disabled=False, failed_logins=0, locked_until=None)
            self._audit("user_enable", user=name)
        return self.user(name)

    # -- logging in ----------------------------------------------------------

    def authenticate(self, name: str, password: str) -> UserInfo:
        """The account if ``password`` is right; AuthError otherwise (throttled after repeated failures)."""
        from argon2.exceptions import InvalidHashError, VerificationError

        hasher = self._hasher()
        user = self.catalogue.user((name or "").strip())
        now = self.clock.now()
        if user is None or user.disabled:
            hasher.hash(password or "-")  # the same work as a real check: names cannot be probed by timing
            raise AuthError(WRONG)
        if user.locked_until is not None and now < user.locked_until:
            minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
            raise AuthError(f"登录失败次数过多，账户已暂时锁定，请 {minutes} 分钟后再试")
        try:
            hasher.verify(user.password_hash, password or "")
        except (VerificationError, InvalidHashError):
            self._failed(user.name, now)
            raise AuthError(WRONG) from None
        with self.catalogue.transaction():
            changes: dict[str, Any] = {"failed_logins": 0, "locked_until": None, "last_login": now}
            if hasher.check_needs_rehash(user.password_hash):
                changes["password_hash"] = hasher.hash(password)
            self.catalogue.update_user(user.name, **changes)
        return self.user(user.name)

    def _failed(self, name: str, now: dt.datetime) -> None:
        with self.catalogue.transaction():
            current = self.catalogue.user(name)
            failures = (current.failed_logins if current else 0) + 1
            lock = lockout_after(failures)
            self.catalogue.update_user(name, failed_logins=failures, locked_until=now + lock if lock else None)

    def session_user(self, name: str, epoch: int) -> UserInfo | None:
        """The account a session cookie names, if it is still good (not disabled, password not changed since)."""
        user = self.catalogue.user(name)
        if user is None or user.disabled or user.auth_epoch != epoch:
            return None
        return _info(user)

    def session_secret(self) -> str:
        """The key that signs web sessions: made once, shared by every web server of this archive."""
        with self.catalogue.transaction():
            return self.catalogue.ensure_secret(SESSION_SECRET, secrets.token_hex(32))

    # -- device tokens -------------------------------------------------------

    def add_token(self, name: str) -> tuple[TokenInfo, str]:
        """A new upload token for a device; returns it with the secret, which is shown once and never stored."""
        name = check_name(name)
        secret = secrets.token_urlsafe(32)
        with self.catalogue.transaction():
            token = self.catalogue.add_token(name, token_hash=token_hash(secret), scope=TOKEN_SCOPE_UPLOAD,
                                             at=self.clock.now())
            self._audit("token_add", device=name, scope=TOKEN_SCOPE_UPLOAD)
        return _token_info(token), secret

    def tokens(self) -> list[TokenInfo]:
        return [_token_info(t) for t in self.catalogue.tokens()]

    def revoke_token(self, name: str) -> TokenInfo:
        with self.catalogue.transaction():
            active = [t for t in self.catalogue.tokens() if t.name == name and t.active]
            if not active:
                raise DanganError(f"设备「{name}」没有有效的令牌", field="name")
            self.catalogue.revoke_token(active[0].id, at=self.clock.now())
            self._audit("token_revoke", device=name)
        return next(_token_info(t) for t in self.catalogue.tokens() if t.id == active[0].id)

    def token_actor(self, secret: str) -> Actor | None:
        """The device a bearer token belongs to, or None (unknown or revoked)."""
        if not secret:
            return None
        token = self.catalogue.token_by_hash(token_hash(secret.strip()))
        if token is None or not token.active:
            return None
        return Actor(token.name, role=Role.DEVICE, kind=ActorKind.DEVICE)
