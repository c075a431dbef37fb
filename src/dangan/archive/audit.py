"""The audit trail: an append-only table whose entries are hash-chained.

Each entry's hash is ``sha256(prev_hash + canonical JSON of the entry)``,
where the entry is its id, time, event, archival code and details.  Editing,
deleting or inserting a row breaks the chain from that row on.

Entries that change a record carry ``digest``: the hash of the record's
catalogue row, files and metadata after the change.  ``verify`` recomputes
it, so a catalogue row edited by hand is caught too.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from dangan.archive.digest import canonical

GENESIS = "0" * 64


class AuditEvent:
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
}


@dataclass(frozen=True)
class AuditEntry:
    id: int
    ts: str
    event: str
    code: str | None
    details: dict[str, Any]
    prev_hash: str
    hash: str


def entry_hash(prev_hash: str, *, id: int, ts: str, event: str, code: str | None, details: dict[str, Any]) -> str:
    body = canonical({"id": id, "ts": ts, "event": event, "code": code, "details": details})
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()


def append(
    conn: sqlite3.Connection, event: str, *, code: str | None, details: dict[str, Any] | None = None
) -> AuditEntry:
    """Append one entry.  Call inside the write transaction that makes the change."""
    details = details or {}
    last = conn.execute("SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()
    prev = last["hash"] if last else GENESIS
    new_id = (last["id"] + 1) if last else 1
    ts = dt.datetime.now().astimezone().isoformat(timespec="microseconds")
    h = entry_hash(prev, id=new_id, ts=ts, event=event, code=code, details=details)
    conn.execute(
        "INSERT INTO audit (id, ts, event, code, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (new_id, ts, event, code, canonical(details), prev, h),
    )
    return AuditEntry(new_id, ts, event, code, details, prev, h)


def entries(conn: sqlite3.Connection, *, code: str | None = None) -> list[AuditEntry]:
    if code is None:
        rows = conn.execute("SELECT * FROM audit ORDER BY id")
    else:
        rows = conn.execute("SELECT * FROM audit WHERE code = ? ORDER BY id", (code,))
    return [_entry(r) for r in rows]


def _entry(row: sqlite3.Row) -> AuditEntry:
    try:
        details = json.loads(row["details"])
    except (TypeError, json.JSONDecodeError):
        details = {"_unparseable": row["details"]}
    return AuditEntry(row["id"], row["ts"], row["event"], row["code"], details, row["prev_hash"], row["hash"])


def check_chain(rows: Iterable[sqlite3.Row]) -> list[str]:
    """Problems in the chain, as Chinese sentences naming the entry; empty if intact."""
    problems: list[str] = []
    prev = GENESIS
    expected_id = 1
    for row in rows:
        if row["id"] != expected_id:
            problems.append(f"审计记录第 {expected_id} 条缺失（下一条是第 {row['id']} 条）")
        if row["prev_hash"] != prev:
            problems.append(f"审计记录第 {row['id']} 条与上一条的链接不符（记录被删除、插入或改动）")
        try:
            details = json.loads(row["details"])
        except (TypeError, json.JSONDecodeError):
            details = None
        recomputed = (
            entry_hash(row["prev_hash"], id=row["id"], ts=row["ts"], event=row["event"], code=row["code"], details=details)
            if details is not None
            else None
        )
        if recomputed != row["hash"]:
            problems.append(f"审计记录第 {row['id']} 条的内容被改动（哈希不符）")
        prev = row["hash"]
        expected_id = row["id"] + 1
    return problems
