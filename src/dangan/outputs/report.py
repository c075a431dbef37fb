"""The 四性检测 report (DA/T 70-2018) as form data, from a verify run (pure).

Each check is listed under its property (真实性, 完整性, 可用性, 安全性; an
extra check such as the index's drift names its own) with its result and the
number of problems it found; the catalogue's record count and the audit
chain's head at the moment of the check are printed, so the report can later
be held against the chain.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from typing import Any

MAX_PROBLEMS = 200  # the report lists at most this many problems (the count is always complete)
PROPERTY_ORDER = ("真实性", "完整性", "可用性", "安全性")


def report_data(verify: Any, *, head: tuple[int, str] | None, at: dt.datetime, operator: str = "",
                notes: Sequence[dict[str, str]] = ()) -> dict[str, Any]:
    """The integrity-report form's data from a :class:`~dangan.archive.verify.VerifyReport`."""
    from dangan.archive.verify import CHECK_NAMES, PROPERTIES

    counts = Counter(p.check for p in verify.problems)
    checks = []
    for check in verify.checks:
        prop = PROPERTIES.get(check) or verify.properties.get(check, "其他")
        checks.append({"property": prop, "name": CHECK_NAMES.get(check, check),
                       "result": "通过" if counts[check] == 0 else "未通过", "count": counts[check]})
    rank = {p: i for i, p in enumerate(PROPERTY_ORDER)}
    checks.sort(key=lambda c: rank.get(c["property"], len(rank)))
    problems = [{"check": CHECK_NAMES.get(p.check, p.check), "where": " ".join(x for x in (p.code, p.path) if x),
                 "message": p.message} for p in verify.problems[:MAX_PROBLEMS]]
    if len(verify.problems) > MAX_PROBLEMS:
        problems.append({"check": "—", "where": "",
                         "message": f"另有 {len(verify.problems) - MAX_PROBLEMS} 个问题未列出，见 dangan verify --json"})
    return {
        "checked_on": at.date().isoformat(),
        "checked_at": at.strftime("%Y-%m-%d %H:%M:%S"),
        "result": "通过" if verify.ok else f"未通过（{len(verify.problems)} 个问题）",
        "records": verify.records,
        "files": verify.files,
        "volume": volume(verify.bytes),
        "problem_count": len(verify.problems),
        "audit_head": f"第 {head[0]} 条 {head[1]}" if head else "（审计链为空）",
        "operator": operator,
        "checks": checks,
        "problems": problems,
        "notes": list(notes),
    }


def volume(size: int) -> str:
    """A data volume for people: 812.4 MB (pure)."""
    for unit, factor in (("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if size >= factor:
            return f"{size / factor:.1f} {unit}"
    return f"{size} 字节"
