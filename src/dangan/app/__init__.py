"""The application API: the one thing front ends import.

    from dangan.app import Dangan, Actor
    with Dangan.open(ws_path, actor=Actor("王芳", role="archivist")) as app:
        for w in app.warnings: ...
        app.file([Path("投诉.pdf")], category="TS")
        app.search("3栋1201 装修违规").hits

Importing this package is cheap: the parts load when first used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dangan.actor import Actor, ActorKind
    from dangan.app.core import Dangan
    from dangan.clock import Clock, FixedClock, SystemClock

_EXPORTS = {
    "Dangan": "dangan.app.core",
    "generated_request": "dangan.app.core",
    "Actor": "dangan.actor",
    "ActorKind": "dangan.actor",
    "Clock": "dangan.clock",
    "FixedClock": "dangan.clock",
    "SystemClock": "dangan.clock",
    "RecordDetails": "dangan.app.results",
    "FiledDocument": "dangan.app.results",
    "GenerateOutcome": "dangan.app.results",
    "parse_date": "dangan.dates",
    "ListenerError": "dangan.archive.service",
    "Status": "dangan.archive.model",
    "Source": "dangan.archive.model",
    "FilingRequest": "dangan.archive.model",
    "record_to_dict": "dangan.archive.views",
    "period_label": "dangan.archive.retention",
    "EVENT_NAMES": "dangan.archive.audit",
    "KIND_NAMES": "dangan.forms.catalog",
    "HIGHLIGHT": "dangan.search.results",
    "STATUS_LABELS": "dangan.search.documents",
    "readable": "dangan.names",
    "mask_text": "dangan.masking",
    "Role": "dangan.app.roles",
    "Permission": "dangan.app.roles",
    "ROLE_NAMES": "dangan.app.roles",
    "USER_ROLES": "dangan.app.roles",
    "may": "dangan.app.roles",
}

__all__ = [  # noqa: RUF022
    "Actor",
    "ActorKind",
    "Clock",
    "Dangan",
    "EVENT_NAMES",
    "FiledDocument",
    "FilingRequest",
    "FixedClock",
    "GenerateOutcome",
    "HIGHLIGHT",
    "KIND_NAMES",
    "ListenerError",
    "RecordDetails",
    "STATUS_LABELS",
    "Source",
    "Status",
    "SystemClock",
    "generated_request",
    "parse_date",
    "period_label",
    "readable",
    "record_to_dict",
    "mask_text",
    "Role",
    "Permission",
    "ROLE_NAMES",
    "USER_ROLES",
    "may",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'dangan.app' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
