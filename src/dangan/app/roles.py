"""Roles and what each may do (pure data): the one table every front end checks against.

三员分立: the administrator manages accounts and settings and does nothing in the
archive; a disposal needs an archivist's proposal and a different approver's
approval.  A scanner workstation's token may only upload.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    STAFF = "staff"  # 前台
    ARCHIVIST = "archivist"  # 档案员
    APPROVER = "approver"  # 审批人
    ADMIN = "admin"  # 管理员
    DEVICE = "device"  # a scanner workstation's API token (not a person; not a choice for `user add`)


ROLE_NAMES: dict[str, str] = {"staff": "前台", "archivist": "档案员", "approver": "审批人", "admin": "管理员",
                              "device": "扫描设备"}

#: Roles a person's account may have (``dangan user add --role``).
USER_ROLES: tuple[str, ...] = (Role.STAFF, Role.ARCHIVIST, Role.APPROVER, Role.ADMIN)


class Permission(StrEnum):
    VIEW = "view"  # search, record pages, files, the dashboard's archive items
    FORMS = "forms"  # fill, preview, generate and batch-print forms
    REGISTER = "register"  # enter and correct register entries (登记台账), see what is due today
    UPLOAD = "upload"  # upload scans into the intake pipeline
    ARCHIVE = "archive"  # archivist's work: metadata, holds, extend, review queue, quarantine, catalogue, verify
    PROPOSE_DISPOSAL = "propose_disposal"
    APPROVE_DISPOSAL = "approve_disposal"
    ADMIN = "admin"  # accounts, device tokens, settings


PERMISSION_NAMES: dict[str, str] = {
    "view": "检索和查看档案", "forms": "填写和打印表单", "register": "登记台账", "upload": "上传扫描件", "archive": "档案管理",
    "propose_disposal": "提出销毁申请", "approve_disposal": "审批销毁申请", "admin": "账户和设置管理",
}

ROLE_PERMISSIONS: dict[str, frozenset[Permission]] = {
    Role.STAFF: frozenset({Permission.VIEW, Permission.FORMS, Permission.REGISTER, Permission.UPLOAD}),
    Role.ARCHIVIST: frozenset({Permission.VIEW, Permission.FORMS, Permission.REGISTER, Permission.UPLOAD,
                               Permission.ARCHIVE, Permission.PROPOSE_DISPOSAL}),
    Role.APPROVER: frozenset({Permission.VIEW, Permission.APPROVE_DISPOSAL}),
    Role.ADMIN: frozenset({Permission.ADMIN}),
    Role.DEVICE: frozenset({Permission.UPLOAD}),
}


def may(role: str | None, permission: Permission | str) -> bool:
    """Whether ``role`` may do ``permission`` (an unknown role may do nothing)."""
    return Permission(permission) in ROLE_PERMISSIONS.get(role or "", frozenset())


def role_label(role: str | None) -> str:
    return ROLE_NAMES.get(role or "", role or "")
