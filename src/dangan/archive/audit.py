"""The audit trail: an append-only chain of entries, each hashing the one before (pure functions).

Version 2 entries (written from dangan 0.2 on) hash
``sha256(prev_hash + canonical({"v": 2, "id", "ts", "event", "code", "actor", "details"}))``,
so the acting user is covered; version 1 entries (dangan 0.1) hashed the same
without ``v`` and ``actor``, and keep verifying as they were written.  Editing,
deleting or inserting an entry breaks the chain from that entry on.

Entries that change a record carry ``digest`` (see :mod:`dangan.archive.digest`).
The catalogue stores entries (:class:`~dangan.archive.catalogue.AuditLog`);
this module seals and checks them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from dangan.actor import Actor
from dangan.archive.digest import canonical

GENESIS = "0" * 64
VERSION = 2


class AuditEvent(StrEnum):
    FILED = "filed"
    SIGNED_COPY = "signed_copy"
    DUPLICATE = "duplicate"
    METADATA = "metadata"
    EXPORT = "export"
    HOLD = "hold"
    RELEASE = "release"
    EXTEND = "extend"
    DISPOSED = "disposed"
    VERIFY = "verify"
    RECONCILE = "reconcile"
    RENDITION = "rendition"
    LOAN = "loan"
    RETURN = "return"
    TRANSFER = "transfer"
    IMPORTED = "imported"
    REPORT = "report"
    LEDGER_ENTRY = "ledger_entry"  # a register entry made (the ledger, issue 12)
    LEDGER_CHANGE = "ledger_change"  # a register entry corrected, with its reason
    LEDGER_CLOSE = "ledger_close"  # a register period closed: the sheet filed, its entries frozen
    FEES = "fees"  # the cashier's list or the payments recorded
    ACCOUNT = "account"  # a web account or device token added, changed, disabled, revoked
    DISPOSAL_PROPOSED = "disposal_proposed"
    DISPOSAL_REJECTED = "disposal_rejected"
    RECLASSIFIED = "reclassified"  # a record under review filed again in the right category (the new code named)
    MASKED = "masked"  # numbers stored before masking masked in place (dangan archive mask; counts, digests)
    HOLDS_SEALED = "holds_sealed"  # holds placed before each hold was audited, stated once (the legacy seal)


EVENT_NAMES = {
    "filed": "归档",
    "signed_copy": "补充签字扫描件",
    "duplicate": "重复归档尝试",
    "metadata": "修改元数据",
    "export": "导出",
    "hold": "冻结",
    "release": "解除冻结",
    "extend": "延长保管期限",
    "disposed": "销毁",
    "verify": "四性检测",
    "reconcile": "启动核对",
    "rendition": "制作归档副本（归档章）",
    "loan": "借出",
    "return": "归还",
    "transfer": "移交",
    "imported": "接收（移交导入）",
    "report": "四性检测报告归档",
    "ledger_entry": "登记",
    "ledger_change": "更正登记",
    "ledger_close": "登记表关账归档",
    "fees": "收费记录",
    "account": "账户变更",
    "disposal_proposed": "提出销毁申请",
    "disposal_rejected": "驳回销毁申请",
    "reclassified": "改类",
    "holds_sealed": "旧冻结记录纳入审计",
    "masked": "遮蔽已存文字中的号码",
}


@dataclass(frozen=True)
class AuditEntry:
    id: int
    ts: str
    event: str
    code: str | None
    details: dict[str, Any] | None  # None: the stored details do not parse (tampering)
    prev_hash: str
    hash: str
    actor: Actor | None = None
    version: int = VERSION


def stored_entry(id: int, ts: str, event: str, code: str | None, details_json: str | None, prev_hash: str,
                 hash: str, version: int, actor_json: str | None) -> AuditEntry:
    """An entry as a catalogue stored it (details and actor as JSON text); unreadable parts stay visible.

    Details that do not parse become None (verify reports the entry as changed); an actor that does not
    parse is kept as a name, so the hash check fails on it rather than hiding it.
    """
    import json

    try:
        details = json.loads(details_json) if details_json is not None else None
    except (TypeError, json.JSONDecodeError):
        details = None
    actor = None
    if actor_json:
        try:
            actor = Actor.from_dict(json.loads(actor_json))
        except (TypeError, ValueError):
            actor = Actor(name=str(actor_json))
    return AuditEntry(id, ts, event, code, details, prev_hash, hash, actor, version)


def entry_hash(prev_hash: str, *, id: int, ts: str, event: str, code: str | None, details: Any,
               actor: Actor | None, version: int) -> str:
    if version == 1:
        body = canonical({"id": id, "ts": ts, "event": event, "code": code, "details": details})
    else:
        body = canonical({"v": version, "id": id, "ts": ts, "event": event, "code": code,
                          "actor": actor.to_dict() if actor else None, "details": details})
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()


def seal(head: tuple[int, str] | None, event: str, *, code: str | None, details: dict[str, Any],
         at: dt.datetime, actor: Actor | None) -> AuditEntry:
    """The next entry after ``head`` (id, hash), with its hash."""
    prev = head[1] if head else GENESIS
    new_id = head[0] + 1 if head else 1
    ts = at.isoformat(timespec="microseconds")
    h = entry_hash(prev, id=new_id, ts=ts, event=str(event), code=code, details=details, actor=actor,
                   version=VERSION)
    return AuditEntry(new_id, ts, str(event), code, details, prev, h, actor, VERSION)


def check_chain(entries: Iterable[AuditEntry]) -> list[str]:
    """Problems in the chain, as Chinese sentences naming the entry; empty if intact."""
    problems: list[str] = []
    prev = GENESIS
    expected_id = 1
    for e in entries:
        if e.id != expected_id:
            problems.append(f"审计记录第 {expected_id} 条缺失（下一条是第 {e.id} 条）")
        if e.prev_hash != prev:
            problems.append(f"审计记录第 {e.id} 条与上一条的链接不符（记录被删除、插入或改动）")
        if e.version == 1 and e.actor is not None:
            problems.append(f"审计记录第 {e.id} 条的操作人不受旧版哈希保护（被改动）")
        recomputed = None if e.details is None else entry_hash(
            e.prev_hash, id=e.id, ts=e.ts, event=e.event, code=e.code, details=e.details, actor=e.actor,
            version=e.version)
        if recomputed != e.hash:
            problems.append(f"审计记录第 {e.id} 条的内容被改动（哈希不符）")
        prev = e.hash
        expected_id = e.id + 1
    return problems
