"""Accounts: users with roles, login throttling, device tokens, and disposal by two people (app + CLI)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from tests.conftest import TODAY

from dangan.app import Actor, Dangan, FixedClock, Permission, may
from dangan.app.accounts import MAX_FAILURES, lockout_after
from dangan.errors import AccessError, AuthError, DanganError, RetentionError


@pytest.mark.parametrize(("failures", "locked"), [
    (0, None), (MAX_FAILURES - 1, None), (MAX_FAILURES, dt.timedelta(minutes=1)),
    (MAX_FAILURES + 1, dt.timedelta(minutes=2)), (MAX_FAILURES + 4, dt.timedelta(minutes=16)),
    (MAX_FAILURES + 5, dt.timedelta(minutes=30)), (100, dt.timedelta(minutes=30)),
])
def test_lockout_grows_with_failures_and_is_bounded(failures: int, locked: dt.timedelta | None) -> None:
    assert lockout_after(failures) == locked


@pytest.mark.parametrize(("role", "allowed", "refused"), [
    ("staff", {"view", "forms", "register", "upload"}, {"archive", "propose_disposal", "approve_disposal", "admin"}),
    ("archivist", {"view", "register", "archive", "propose_disposal"}, {"approve_disposal", "admin"}),
    ("approver", {"view", "approve_disposal"}, {"propose_disposal", "archive", "forms", "register", "admin"}),
    ("admin", {"admin"}, {"view", "forms", "register", "upload", "archive", "propose_disposal", "approve_disposal"}),
    ("device", {"upload"}, {"view", "forms", "archive", "admin"}),
    (None, set(), {p.value for p in Permission}),
])
def test_roles(role: str | None, allowed: set[str], refused: set[str]) -> None:
    assert all(may(role, p) for p in allowed) and not any(may(role, p) for p in refused)


@pytest.fixture
def app(ws, clock: FixedClock):
    with Dangan.open(ws, clock=clock, index=False) as opened:
        yield opened


def test_a_login_is_throttled_after_repeated_failures_and_the_clock_lifts_it(app: Dangan, clock: FixedClock) -> None:
    app.accounts.add_user("小陈", role="staff", password="pw-Staff-2026")
    for _ in range(MAX_FAILURES):
        with pytest.raises(AuthError, match="用户名或密码不正确"):
            app.accounts.authenticate("小陈", "wrong")
    with pytest.raises(AuthError, match="暂时锁定"):  # even the right password, while locked
        app.accounts.authenticate("小陈", "pw-Staff-2026")
    clock.advance(minutes=2)
    user = app.accounts.authenticate("小陈", "pw-Staff-2026")
    assert user.role == "staff" and user.last_login == clock.now()
    assert app.accounts.user("小陈").auth_epoch == 0


def test_unknown_and_disabled_users_get_the_same_answer(app: Dangan) -> None:
    app.accounts.add_user("laowang", role="archivist", password="pw-Arch-2026")
    app.accounts.disable("laowang")
    for name in ("laowang", "nobody"):
        with pytest.raises(AuthError, match="^用户名或密码不正确$"):
            app.accounts.authenticate(name, "pw-Arch-2026")


def test_a_password_change_ends_old_sessions_and_passwords_are_never_stored(app: Dangan, ws) -> None:
    info = app.accounts.add_user("小陈", role="staff", password="pw-Staff-2026")
    assert app.accounts.session_user("小陈", info.auth_epoch) is not None
    app.accounts.set_password("小陈", "new-Password-1")
    assert app.accounts.session_user("小陈", info.auth_epoch) is None
    assert app.accounts.authenticate("小陈", "new-Password-1").auth_epoch == info.auth_epoch + 1
    stored = b"".join(p.read_bytes() for p in Path(ws.archive_dir).glob("catalog.sqlite*"))  # with the WAL
    assert b"pw-Staff-2026" not in stored and b"new-Password-1" not in stored and b"$argon2id$" in stored


@pytest.mark.parametrize(("name", "role", "password", "field"), [
    ("", "staff", "long-enough", "name"), ("有 空格", "staff", "long-enough", "name"),
    ("ok", "root", "long-enough", "role"), ("ok", "staff", "short", "password"),
])
def test_bad_accounts_are_refused_naming_the_field(app: Dangan, name: str, role: str, password: str,
                                                   field: str) -> None:
    with pytest.raises(DanganError) as e:
        app.accounts.add_user(name, role=role, password=password)
    assert e.value.field == field


def test_device_tokens_open_upload_only_until_revoked(app: Dangan) -> None:
    info, secret = app.accounts.add_token("前台扫描仪")
    actor = app.accounts.token_actor(secret)
    assert actor is not None and actor.name == "前台扫描仪" and actor.role == "device"
    assert app.accounts.token_actor(secret + "x") is None
    app.accounts.revoke_token("前台扫描仪")
    assert app.accounts.token_actor(secret) is None


def test_every_account_change_is_audited_with_who_made_it(app: Dangan) -> None:
    admin = app.acting_as(Actor("管理员甲", role="admin"))
    admin.accounts.add_user("小陈", role="staff", password="pw-Staff-2026")
    admin.accounts.disable("小陈")
    admin.accounts.add_token("前台扫描仪")
    entries = [e for e in app.audit_trail() if e.event == "account"]
    assert [(e.details["action"], e.actor.name) for e in entries] == [
        ("user_add", "管理员甲"), ("user_disable", "管理员甲"), ("token_add", "管理员甲")]
    assert all("hash" not in str(e.details) for e in entries)


# -- disposal by two people ---------------------------------------------------------------------------------


@pytest.fixture
def expired(app: Dangan, tmp_path: Path) -> list[str]:
    """Two TS records of 2010 (D10: disposable from 2021)."""
    codes = []
    for n in range(2):
        p = tmp_path / f"old{n}.txt"
        p.write_text(f"2010年投诉记录 {n}", encoding="utf-8")
        codes.append(app.file([p], category="TS", date=dt.date(2010, 3, 1 + n))[0].result.record.archival_code)
    return codes


def test_a_disposal_needs_an_archivists_proposal_and_another_persons_approval(app: Dangan, expired) -> None:
    archivist = app.acting_as(Actor("laowang", role="archivist"))
    approver = app.acting_as(Actor("王主任", role="approver"))
    staff = app.acting_as(Actor("小陈", role="staff"))
    with pytest.raises(AccessError):
        staff.disposals.propose(expired, reason="保管期满")
    p = archivist.disposals.propose(expired, reason="保管期满")
    with pytest.raises(AccessError):
        archivist.disposals.approve(p.id)  # an archivist may not approve
    both = app.acting_as(Actor("laowang", role="approver"))  # the same person with another hat
    with pytest.raises(AccessError, match="两个人"):
        both.disposals.approve(p.id)
    with pytest.raises(RetentionError, match="待审批"):
        archivist.disposals.propose(expired[:1], reason="again")
    result = approver.disposals.approve(p.id)
    assert {r.archival_code for r in result.disposed} == set(expired)
    assert result.register.meta["approver"] == "王主任" and "laowang" in result.register.meta["reason"]
    decided = app.disposals.proposal(p.id)
    assert decided.status == "approved" and decided.register_code == result.register.archival_code
    assert [e.actor.name for e in app.audit_trail(expired[0]) if e.event in ("disposal_proposed", "disposed")] == [
        "laowang", "王主任"]


def test_a_rejected_proposal_disposes_of_nothing(app: Dangan, expired) -> None:
    p = app.acting_as(Actor("laowang", role="archivist")).disposals.propose(expired, reason="保管期满")
    approver = app.acting_as(Actor("王主任", role="approver"))
    with pytest.raises(RetentionError, match="理由"):
        approver.disposals.reject(p.id, note=" ")
    approver.disposals.reject(p.id, note="仍有纠纷")
    assert all(app.record(c).status == "active" for c in expired)
    with pytest.raises(RetentionError, match="已处理"):
        approver.disposals.approve(p.id)


def test_records_not_yet_due_cannot_be_proposed(app: Dangan, tmp_path: Path) -> None:
    p = tmp_path / "new.txt"
    p.write_text("2026年投诉", encoding="utf-8")
    code = app.file([p], category="TS", date=dt.date(2026, 3, 1))[0].result.record.archival_code
    with pytest.raises(RetentionError, match="不能销毁"):
        app.acting_as(Actor("laowang", role="archivist")).disposals.propose([code], reason="x")


# -- the commands -------------------------------------------------------------------------------------------


def test_user_and_token_commands(cli, tmp_path: Path) -> None:
    pw = tmp_path / "pw"
    pw.write_text("pw-Staff-2026\n", encoding="utf-8")
    r = cli("user", "add", "xiaochen", "--role", "staff", "--password-file", str(pw))
    assert r.exit_code == 0 and "xiaochen" in r.output and "前台" in r.output
    r = cli("user", "add", "xiaochen", "--role", "staff", "--password-file", str(pw))
    assert r.exit_code == 1 and "已存在" in r.output
    r = cli("user", "add", "laowang", "--role", "archivist", input="pw-Arch-2026\npw-Arch-2026\n")
    assert r.exit_code == 0, r.output
    assert [u["name"] for u in __import__("json").loads(cli("user", "list", "--json").output)] == ["laowang",
                                                                                                    "xiaochen"]
    assert cli("user", "passwd", "xiaochen", "--password-file", str(pw)).exit_code == 0
    assert cli("user", "disable", "xiaochen").exit_code == 0
    assert "已停用" in cli("user", "list").output
    r = cli("token", "add", "前台扫描仪")
    token = r.output.strip().splitlines()[-1]
    assert r.exit_code == 0 and len(token) >= 40 and " " not in token
    assert "前台扫描仪" in cli("token", "list").output and token not in cli("token", "list").output
    assert cli("token", "revoke", "前台扫描仪").exit_code == 0
    assert "已吊销" in cli("token", "list").output
    _ = TODAY
