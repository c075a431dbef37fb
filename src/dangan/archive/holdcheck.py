"""Holds against the audit trail: each hold row must be what the trail last stated about it (pure).

Every hold placed or released is stated, field by field (:func:`dangan.archive.digest.hold_statement`), in
the ``hold``/``release`` audit entry that records it; holds placed before dangan did so are stated once by
the legacy seal (``holds_sealed``, written when the archive first opens after the upgrade).  The trail is
chained and anchored (:mod:`dangan.archive.anchor`), so a hold row edited, inserted, moved to another
record or deleted behind dangan's back no longer matches, and :func:`check` names the hold.

A legacy seal is believed only as the trail's first word on a hold, only once (one seal entry), and only
before any hold was stated by an ordinary entry: a hold slipped in later and left unsealed for the next
opening to seal is reported, not adopted.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dangan.archive.audit import AuditEntry, AuditEvent
from dangan.archive.digest import HOLD_FIELDS_V2, hold_statement

STATING = (str(AuditEvent.HOLD), str(AuditEvent.RELEASE), str(AuditEvent.HOLDS_SEALED))

FIELD_NAMES = {"id": "编号", "code": "所冻结的档案", "reason": "冻结原因", "placed_at": "冻结时间",
               "placed_by": "冻结人", "released_at": "解除时间", "release_reason": "解除原因",
               "released_by": "解除人"}


def stated_holds(entries: Sequence[AuditEntry]) -> tuple[dict[int, dict[str, Any]], list[tuple[str | None, str]]]:
    """(hold id → the trail's last statement of it, problems of seals that are not believed)."""
    stated: dict[int, dict[str, Any]] = {}
    problems: list[tuple[str | None, str]] = []
    seals = 0
    for e in entries:
        statements = e.details.get("holds") if e.event in STATING and isinstance(e.details, dict) else None
        if not isinstance(statements, list):  # not a hold entry, or one written before holds were stated
            continue
        sealing = e.event == AuditEvent.HOLDS_SEALED
        late_seal = sealing and bool(seals or stated)  # the seal comes first, once
        for s in statements:
            if not isinstance(s, dict) or not isinstance(s.get("id"), int):
                problems.append((None, f"审计记录第 {e.id} 条中的冻结记载无法读取（被改动）"))
                continue
            if late_seal:
                problems.append((s.get("code"), f"冻结 #{s['id']} 在第 {e.id} 条审计记录中才作为旧冻结纳入"
                                                "（升级时已纳入过，或其后已有冻结记载）：来历不明"))
                continue
            stated[s["id"]] = s
        seals += sealing
    return stated, problems


def check(holds: Sequence[Any], entries: Sequence[AuditEntry]) -> list[tuple[str | None, str]]:
    """(archival code, problem in Chinese) for every hold that is not as the audit trail last stated it."""
    stated, problems = stated_holds(entries)
    rows = {h.id: h for h in holds}
    for h in holds:
        expected, actual = stated.get(h.id), hold_statement(h)
        if expected is None:
            problems.append((h.code, f"冻结 #{h.id}（原因：{h.reason}）不在审计记录中（冻结记录被直接插入）"))
        elif expected != actual:
            changed = [k for k in HOLD_FIELDS_V2 if expected.get(k) != actual.get(k)]
            was = "；".join(f"{FIELD_NAMES[k]}：{_shown(expected.get(k))}" for k in changed)
            problems.append((h.code, f"冻结 #{h.id} 与审计记录不符：{'、'.join(FIELD_NAMES[k] for k in changed)}"
                                     f"被直接改动（审计记载的{was}）"))
    for hold_id in sorted(stated.keys() - rows.keys()):
        s = stated[hold_id]
        problems.append((s.get("code"), f"冻结 #{hold_id}（原因：{s.get('reason')}）在审计记录中，但目录中没有"
                                        "（冻结记录被删除）"))
    return problems


def _shown(value: Any) -> str:
    return "无" if value is None else str(value)
