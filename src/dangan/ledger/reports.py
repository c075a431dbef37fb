"""Periodic reports computed from register entries (pure).

Each function takes a period's entries (entry number and typed values) and returns the report form's own
input: the rows its table needs.  The report form then validates that input and derives the totals,
rates and 达标 exactly as it does for a report typed by hand, so a computed report and a manual one are
judged by one set of rules.  What each figure counts, and the article it answers to:

- 投诉分析报告 (第三篇 第十八条): the complaints received in the month counted by type, channel, validity,
  severity (第四–十一条), proposed within 30 minutes (第十六条) and still open (counted here, in one pass:
  the entries were checked when they were entered); the form gives the 30-minute compliance rate.  It
  lists the cases needing attention (open, answered late or not yet, 恶性) — every case in a small month —
  and its 统计依据 names every entry counted.
- 报事统计分析周报 (第一篇 3.13): per kind, the incidents reported in the week and how many are completed.
- 装修及验收情况周报 (4.2.1.3): per building, units inspected (在装户数), renovations started, inspections
  (户次), units with a violation, units accepted, for the week Saturday–Friday.
- 特约服务月统计表 (4.11.4): per service kind, requests, completed, satisfied (completed with quality 优、
  良 or 合格), fees.
- 问卷回收情况统计表 (4.6.2): per building, questionnaires issued and returned on revisits, satisfied
  answers; the form judges the 70 % return rate.
- 投诉及维修有效率、及时率月报 (4.12): complaints (effective = closed; on time = solution within 30
  minutes) and repairs (effective = completed and not judged 不满意 or 返修 on the revisit; on time =
  completed by the time required).
- 收费情况统计表 (4.1.4–4.1.5): per fee item, amounts billed and collected (see :mod:`dangan.ledger.fees`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from dangan.forms.derive import fn_within_minutes
from dangan.ledger import complaints
from dangan.ledger.fees import FeeRow, yuan
from dangan.ledger.periods import Period, PeriodKind

Entries = Sequence[tuple[int, Mapping[str, Any]]]

INCIDENT_KINDS = ("室内维修", "公共区域维修", "清洁卫生", "绿化养护", "秩序维护", "其他")
REPAIR_KINDS = ("室内维修", "公共区域维修")
UNSATISFIED = ("不满意", "返修")
GOOD_QUALITY = ("优", "良", "合格")
SATISFIED = ("非常满意", "满意", "基本满意")
ISSUED, RETURNED = ("已发放", "已回收"), "已回收"
NO_VIOLATION = ("", "无", "没有", "未发现")
PERIOD_TYPES = {PeriodKind.MONTH: "月", PeriodKind.QUARTER: "季", PeriodKind.HALF: "半年", PeriodKind.YEAR: "年"}


@dataclass(frozen=True)
class Computed:
    """A report's computed input, and the entries it counted (register form → entry numbers)."""

    report: str
    data: dict[str, Any]
    counted: dict[str, tuple[int, ...]] = field(default_factory=dict)


def _iso(value: dt.datetime | dt.date | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return value.isoformat()


def building_of(unit: str | None) -> str:
    """3栋1201室 → 3栋; anything without a 栋 is 其他."""
    m = re.match(r"\s*(.+?[栋幢座])", unit or "")
    return m[1] if m else "其他"


def _buildings(keys: Iterable[str]) -> list[str]:
    def order(b: str) -> tuple[int, int, str]:
        m = re.match(r"(\d+)", b)
        return (1 if b == "其他" else 0, int(m[1]) if m else 10**6, b)
    return sorted(set(keys), key=order)


def _numbers(entries: Entries) -> tuple[int, ...]:
    return tuple(sorted(n for n, _ in entries))


# -- 投诉分析报告 --------------------------------------------------------------------------------------


#: Up to this many complaints a month, the analysis lists every case; beyond it only the cases needing
#: attention (the complaint-analysis template's own threshold: ``many``).
LIST_ALL = 50
#: The figures of the analysis (第四–十一条, 第十六条): form field → (column, value) counted.
COMPLAINT_COUNTS = {"n_service": ("type", "服务投诉"), "n_business": ("type", "业务投诉"),
                    "n_phone": ("channel", "电话"), "n_chat": ("channel", "聊天工具"),
                    "n_valid": ("validity", "有效"), "n_invalid": ("validity", "无效"),
                    "n_malignant": ("severity", "恶性"), "n_general": ("severity", "一般"),
                    "n_general_invalid": ("severity", "一般无效"), "n_malicious": ("severity", "恶意")}


def _needs_attention(v: Mapping[str, Any]) -> bool:
    """Still open, answered after 30 minutes (or not yet), or 恶性: what a month's analysis lists."""
    return (v.get("closed_at") is None or v.get("severity") == "恶性"
            or not fn_within_minutes(v["received_at"], v.get("proposed_at"), complaints.LIMIT_MINUTES))


def case_row(n: int, v: Mapping[str, Any]) -> dict[str, Any]:
    closed = v.get("closed_at") is not None
    return {"number": str(n), "received_at": _iso(v["received_at"]), "summary": v.get("facts") or "",
            "type": v["type"], "channel": v["channel"], "validity": v["validity"], "severity": v["severity"],
            "proposed_at": _iso(v.get("proposed_at")), "closed": closed,
            "status": v.get("result") or v.get("escalation") or ("已结案" if closed else "处理中")}


def complaint_figures(entries: Entries) -> dict[str, int]:
    """The month's counts, as the form would count them from every case (one pass over the entries)."""
    counts = Counter((column, v.get(column)) for _, v in entries for column in ("type", "channel", "validity",
                                                                                 "severity"))
    out = {"total": len(entries), **{f: counts[key] for f, key in COMPLAINT_COUNTS.items()}}
    out["n_within_30"] = sum(1 for _, v in entries
                             if fn_within_minutes(v["received_at"], v.get("proposed_at"), complaints.LIMIT_MINUTES))
    out["n_open"] = sum(1 for _, v in entries if v.get("closed_at") is None)
    return out


def complaint_analysis(entries: Entries, period: Period) -> Computed:
    """The month's figures, counted here, and the cases it lists: every case of a month of up to
    :data:`LIST_ALL`, else the ones needing attention; the form derives the 30-minute rate from the counts."""
    ordered = sorted(entries, key=lambda e: (e[1]["received_at"], e[0]))
    listed = ordered if len(ordered) <= LIST_ALL else [(n, v) for n, v in ordered if _needs_attention(v)]
    data = {"month": period.label, **complaint_figures(entries), "cases": [case_row(n, v) for n, v in listed]}
    return Computed("complaint-analysis", data, {complaints.FORM: _numbers(entries)})


# -- 报事统计分析周报 ------------------------------------------------------------------------------------


def _pending(items: list[Mapping[str, Any]], limit: int = 5) -> str:
    shown = [f"{v.get('unit') or ''}{v.get('content') or ''}" for v in items[:limit]]
    more = f"等 {len(items)} 件" if len(items) > limit else ""
    return "；".join(shown) + more if shown else "无"


def incident_weekly(entries: Entries, period: Period) -> Computed:
    by_kind: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for _, v in sorted(entries, key=lambda e: (e[1]["reported_at"], e[0])):
        by_kind[v["kind"]].append(v)
    kinds = list(INCIDENT_KINDS) + sorted(k for k in by_kind if k not in INCIDENT_KINDS)
    rows = []
    for kind in kinds:
        items = by_kind.get(kind, [])
        done = [v for v in items if v.get("completed_at") is not None]
        rows.append({"kind": kind, "reported": len(items), "completed": len(done),
                     "pending": _pending([v for v in items if v.get("completed_at") is None])})
    return Computed("incident-weekly", {"week_start": period.start.isoformat(), "week_end": period.end.isoformat(),
                                        "rows": rows}, {"incident-register": _numbers(entries)})


# -- 装修及验收情况周报 ----------------------------------------------------------------------------------


def _violation(v: Mapping[str, Any]) -> bool:
    return str(v.get("violations") or "").strip() not in NO_VIOLATION


def renovation_weekly(entries: Entries, period: Period) -> Computed:
    by_building: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for _, v in entries:
        by_building[building_of(v.get("unit"))].append(v)
    rows = []
    for b in _buildings(by_building):
        items = by_building[b]
        bad = sorted({v["unit"] for v in items if _violation(v)})
        rows.append({"building": b, "in_progress": len({v["unit"] for v in items}),
                     "started": len({v["unit"] for v in items if v.get("stage") == "开工"}),
                     "inspected": len(items), "violations": len(bad),
                     "accepted": len({v["unit"] for v in items if v.get("stage") == "竣工验收"}),
                     "note": ("违规：" + "、".join(bad)) if bad else ""})
    if not rows:
        rows = [{"building": "（本周无装修巡检）", "in_progress": 0, "started": 0, "inspected": 0, "violations": 0,
                 "accepted": 0, "note": ""}]
    return Computed("renovation-weekly", {"week_start": period.start.isoformat(), "week_end": period.end.isoformat(),
                                          "rows": rows}, {"renovation-inspection": _numbers(entries)})


# -- 特约服务月统计表 ------------------------------------------------------------------------------------


def special_service_monthly(entries: Entries, period: Period) -> Computed:
    by_kind: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for _, v in entries:
        by_kind[(v.get("kind") or "").strip() or "其他"].append(v)
    rows = []
    for kind in sorted(by_kind, key=lambda k: (k == "其他", -len(by_kind[k]), k)):
        items = by_kind[kind]
        done = [v for v in items if v.get("completed")]
        rows.append({"kind": kind, "requests": len(items), "completed": len(done),
                     "satisfied": sum(1 for v in done if v.get("quality") in GOOD_QUALITY),
                     "fee": str(sum((v["fee"] for v in items if v.get("fee") is not None), yuan(0)))})
    if not rows:
        rows = [{"kind": "（本月无特约服务）", "requests": 0, "completed": 0, "satisfied": 0, "fee": "0.00"}]
    return Computed("special-service-monthly", {"month": period.label, "rows": rows},
                    {"special-service-register": _numbers(entries)})


# -- 问卷回收情况统计表 ----------------------------------------------------------------------------------


def survey_return(entries: Entries, period: Period, households: Mapping[str, int]) -> Computed:
    """Revisits of the period with a questionnaire; ``households`` per building (入住户数, from the fee
    lists); a building without a count there counts the questionnaires issued."""
    issued = [(n, v) for n, v in entries if v.get("questionnaire") in ISSUED]
    by_building: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for _, v in issued:
        by_building[building_of(v.get("unit"))].append(v)
    rows = []
    for b in _buildings(by_building):
        items = by_building[b]
        back = [v for v in items if v.get("questionnaire") == RETURNED]
        rows.append({"building": b, "households": max(households.get(b, 0), len(items)), "issued": len(items),
                     "returned": len(back), "satisfied": sum(1 for v in back if v.get("satisfaction") in SATISFIED)})
    first = min((v["date"] for _, v in issued), default=period.start)
    data = {"survey_name": f"{period.label}回访问卷", "issue_date": first.isoformat(), "return_by": period.end.isoformat(),
            "rows": rows}
    return Computed("survey-return-report", data, {"visit-record": _numbers(issued)})


# -- 投诉及维修有效率、及时率月报 -------------------------------------------------------------------------


def _repair_on_time(v: Mapping[str, Any]) -> bool:
    done, due = v.get("completed_at"), v.get("due_at")
    return done is not None and due is not None and done <= due


def repair_complaint_monthly(complaint_entries: Entries, incident_entries: Entries, period: Period) -> Computed:
    rows = [{"category": "业主投诉", "received": len(complaint_entries),
             "effective": sum(1 for _, v in complaint_entries if v.get("closed_at") is not None),
             "on_time": sum(1 for _, v in complaint_entries
                            if fn_within_minutes(v["received_at"], v.get("proposed_at"), complaints.LIMIT_MINUTES))}]
    repairs = [(n, v) for n, v in incident_entries if v.get("kind") in REPAIR_KINDS]
    for kind in REPAIR_KINDS:
        items = [v for _, v in repairs if v["kind"] == kind]
        rows.append({"category": kind, "received": len(items),
                     "effective": sum(1 for v in items
                                      if v.get("completed_at") is not None and v.get("revisit") not in UNSATISFIED),
                     "on_time": sum(1 for v in items if _repair_on_time(v))})
    return Computed("repair-complaint-monthly", {"month": period.label, "rows": rows},
                    {complaints.FORM: _numbers(complaint_entries), "incident-register": _numbers(repairs)})


# -- 收费情况统计表 -----------------------------------------------------------------------------------


def fee_collection(rows: Sequence[FeeRow], period: Period) -> Computed:
    return Computed("fee-collection-stats", {
        "period_type": PERIOD_TYPES.get(period.kind, "月"), "period": period.label,
        "rows": [{"fee_type": r.fee_type, "households": r.households, "due": str(yuan(r.due_cents)),
                  "collected": str(yuan(r.collected_cents))} for r in rows]})
