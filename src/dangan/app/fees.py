"""The fee-collection chain's use cases (第一篇 4.1): the cashier's list, payments, the notices of the
chain (each filed and linked to its unit and months), the 收费情况统计表 and one household's chain, and the
冲正 of a payment or bill line recorded wrongly (with its reason; nothing is deleted).
Reached as ``app.fees``.  The rules are :mod:`dangan.ledger.fees`; money is integer fen.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dangan.archive.audit import AuditEvent
from dangan.archive.catalogue import BillLine, FeeNotice, FeeReversal, NoticeLine, Payment
from dangan.content.hashing import sha256_file
from dangan.errors import DanganError, InputError
from dangan.forms.validate import combine
from dangan.ledger import fees as rules
from dangan.ledger.periods import Period, PeriodKind, parse_period

if TYPE_CHECKING:
    from dangan.app.core import Dangan

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Column:
    """A column of the cashier's sheets: its header, the field id, and its type for the forms' coercion."""

    id: str
    label: str
    type: str
    required: bool = True


BILL_COLUMNS = (Column("unit", "房号", "text"), Column("owner", "业主", "text"), Column("item", "项目", "text"),
                Column("amount", "金额", "money"))
PAYMENT_COLUMNS = (Column("unit", "房号", "text"), Column("item", "项目", "text"), Column("amount", "实收金额", "money"),
                   Column("paid_on", "缴费日期", "date"))


@dataclass(frozen=True)
class BillImport:
    month: str
    units: int
    lines: int
    total_cents: int
    issue_date: dt.date
    due_date: dt.date

    def to_dict(self) -> dict[str, Any]:
        return {"month": self.month, "units": self.units, "lines": self.lines, "total": str(rules.yuan(self.total_cents)),
                "issue_date": self.issue_date.isoformat(), "due_date": self.due_date.isoformat()}


@dataclass(frozen=True)
class PaymentImport:
    payments: int
    units: int
    total_cents: int
    credit_cents: int  # paid beyond every bill of the unit and item (kept as credit)

    def to_dict(self) -> dict[str, Any]:
        return {"payments": self.payments, "units": self.units, "total": str(rules.yuan(self.total_cents)),
                "credit": str(rules.yuan(self.credit_cents))}


@dataclass(frozen=True)
class NoticeFiled:
    """One notice of the chain, printed and filed."""

    kind: str
    unit: str
    owner: str
    doc_number: str
    archival_code: str
    pdf: Path
    total_cents: int
    late_fee_cents: int = 0
    deadline: dt.date | None = None

    @property
    def name(self) -> str:
        return rules.NOTICE_NAMES[self.kind]

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name, "unit": self.unit, "owner": self.owner,
                "doc_number": self.doc_number, "archival_code": self.archival_code, "pdf": str(self.pdf),
                "total": str(rules.yuan(self.total_cents)), "late_fee": str(rules.yuan(self.late_fee_cents)),
                "deadline": self.deadline.isoformat() if self.deadline else None}


@dataclass(frozen=True)
class NoticeBatch:
    kind: str
    notices: list[NoticeFiled] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # units left out, with why
    merged: Path | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "notices": [n.to_dict() for n in self.notices], "skipped": self.skipped,
                "merged": str(self.merged) if self.merged else None}


@dataclass(frozen=True)
class UnitChain:
    """``fees status UNIT``: one household's bills, payments and notices."""

    unit: str
    as_of: dt.date
    lines: list[rules.LineState]
    payments: list[Payment]
    notices: list[FeeNotice]
    credit_cents: int
    late_fee_cents: int  # accrued by as_of on the lines a 限期缴费通知书 covers
    reversals: list[FeeReversal] = field(default_factory=list)

    @property
    def arrears_cents(self) -> int:
        return sum(ln.remaining for ln in self.lines if ln.overdue(self.as_of))

    def to_dict(self) -> dict[str, Any]:
        return {
            "unit": self.unit, "as_of": self.as_of.isoformat(), "lines": [ln.to_dict() for ln in self.lines],
            "payments": [{"id": p.id, "item": p.item, "amount": str(rules.yuan(p.amount_cents)),
                          "paid_on": p.paid_on.isoformat(), "source": p.source,
                          "reversed": any(r.payment_id == p.id for r in self.reversals)} for p in self.payments],
            "reversals": [reversal_dict(r) for r in self.reversals],
            "notices": [{"kind": n.kind, "name": rules.NOTICE_NAMES[n.kind], "doc_number": n.doc_number,
                         "archival_code": n.archival_code, "issued_on": n.issued_on.isoformat(),
                         "deadline": n.deadline.isoformat() if n.deadline else None,
                         "late_fee": str(rules.yuan(n.late_fee_cents)),
                         "lines": [{"month": ln.month, "item": ln.item, "amount": str(rules.yuan(ln.amount_cents))}
                                   for ln in n.lines]} for n in self.notices],
            "arrears": str(rules.yuan(self.arrears_cents)), "credit": str(rules.yuan(self.credit_cents)),
            "late_fee": str(rules.yuan(self.late_fee_cents)),
        }


def reversal_dict(r: FeeReversal) -> dict[str, Any]:
    return {"id": r.id, "kind": r.kind, "unit": r.unit, "item": r.item, "month": r.month, "payment": r.payment_id,
            "amount": str(rules.yuan(r.amount_cents)), "corrected": str(rules.yuan(r.corrected_cents)),
            "reason": r.reason, "reversed_at": r.reversed_at.isoformat(timespec="seconds"),
            "reversed_by": r.reversed_by.label() if r.reversed_by else None}


def _reason(reason: str | None) -> str:
    text = (reason or "").strip()
    if not text:
        raise InputError("冲正必须写明原因（--reason）", field="--reason")
    return text


class Fees:
    """The fee-collection chain of one open workspace (``app.fees``)."""

    def __init__(self, app: Dangan) -> None:
        self.app = app

    @property
    def catalogue(self) -> Any:
        return self.app.archive.catalogue

    @property
    def daily_rate(self) -> Decimal:
        return Decimal(str(self.app.ws.config["fees.late_fee_rate"]))

    def _staff(self, name: str | None) -> str:
        chosen = (name or "").strip() or str(self.app.ws.config["ledger.staff"] or "").strip()
        return chosen or (self.app.actor.name if self.app.actor else "")

    def standing(self, *, months: Sequence[str] | None = None, unit: str | None = None
                 ) -> tuple[list[BillLine], list[Payment]]:
        """The bills (of ``months``) and payments (of ``unit``) as they stand after every 冲正."""
        cat = self.catalogue
        return rules.standing(cat.bill_lines(months=months, unit=unit), cat.payments(unit=unit),
                              cat.fee_reversals(unit=unit))

    # ---------------------------------------------------------------- sheets in

    def _rows(self, path: Path, columns: Sequence[Column]) -> tuple[list[tuple[int, dict[str, Any]]], list[InputError]]:
        """The sheet's rows whose every cell is typed by the forms' rules, and the bad cells of the others."""
        from dangan.forms.fields import FieldDef, Where, coerce_value
        from dangan.forms.inputs import read_sheet

        by_header = {k: c for c in columns for k in (c.id, c.label)}
        rows = read_sheet(Path(path), columns=set(by_header))
        headers = {by_header[h].id for _, r in rows[:1] for h in r}
        missing = [c.label for c in columns if c.required and c.id not in headers]
        if missing:
            raise InputError(f"表格缺少这些列：{'、'.join(missing)}", path=path, row=rows[0][0] - 1 if rows else 1)
        out: list[tuple[int, dict[str, Any]]] = []
        problems: list[InputError] = []
        for n, raw in rows:
            values: dict[str, Any] = {}
            bad = len(problems)
            for header, value in raw.items():
                col = by_header[header]
                spec = FieldDef(id=col.id, label=col.label, type=col.type, required=col.required,
                                max_length=60 if col.type == "text" else None)
                try:
                    values[col.id] = coerce_value(spec, value, Where("", n, str(path)))
                except InputError as e:
                    problems.append(e)
            if len(problems) == bad:
                out.append((n, values))
        return out, problems

    def import_bills(self, month: str, path: Path, *, issue_date: dt.date | None = None) -> BillImport:
        """The cashier's 缴费清单 for ``month`` (房号, 业主, 项目, 金额; one row per unit and fee item).

        The list is issued on ``issue_date`` (default today); each line is due ``fees.payment_days`` later,
        the date the 缴费通知单 prints."""
        period = parse_period(PeriodKind.MONTH, month)
        issue = issue_date or self.app.clock.today()
        due = issue + dt.timedelta(days=int(self.app.ws.config["fees.payment_days"]))
        rows, problems = self._rows(path, BILL_COLUMNS)
        existing = {(b.unit, b.item) for b in self.catalogue.bill_lines(months=[period.key])}
        seen: dict[tuple[str, str], int] = {}
        owners: dict[str, tuple[str, int]] = {}
        for n, v in rows:
            key = (v["unit"], v["item"])
            if v["amount"] == 0:
                problems.append(InputError("金额为 0.00，不是应缴费用", field="金额", path=str(path), row=n))
            if key in existing:
                problems.append(InputError(f"{v['unit']} 的「{v['item']}」已在{period.label}的缴费清单中导入过",
                                           field="项目", path=str(path), row=n))
            elif key in seen:
                problems.append(InputError(f"{v['unit']} 的「{v['item']}」与第 {seen[key]} 行重复", field="项目",
                                           path=str(path), row=n))
            seen.setdefault(key, n)
            owner, first = owners.setdefault(v["unit"], (v["owner"], n))
            if owner != v["owner"]:
                problems.append(InputError(f"{v['unit']} 的业主与第 {first} 行不同（{owner}）", field="业主",
                                           path=str(path), row=n))
        if problems:
            raise combine(sorted(problems, key=lambda e: e.row or 0), form=None, path=str(path))
        now = self.app.clock.now()
        lines = [BillLine(period.key, v["unit"], v["owner"], v["item"], rules.cents(v["amount"]), issue, due, now)
                 for _, v in rows]
        with self.catalogue.transaction():
            self.catalogue.add_bill_lines(lines)
            self.app.archive.log(AuditEvent.FEES, details={
                "what": "bills", "month": period.key, "lines": len(lines), "file": Path(path).name,
                "sha256": sha256_file(Path(path))[0], "total_cents": sum(b.amount_cents for b in lines)})
        return BillImport(period.key, len({b.unit for b in lines}), len(lines), sum(b.amount_cents for b in lines),
                          issue, due)

    def record_payments(self, path: Path) -> PaymentImport:
        """What was paid (房号, 项目, 实收金额, 缴费日期).  Each payment goes to the oldest unpaid month of its
        unit and item.  A file already recorded, an unknown unit or item, or a future date is refused."""
        digest = sha256_file(Path(path))[0]
        if any(p.source.split(" ", 1)[0] == digest[:16] for p in self.catalogue.payments()):
            raise InputError("这个缴费记录文件已经导入过（内容相同），未重复记录", path=path)
        rows, problems = self._rows(path, PAYMENT_COLUMNS)
        billed: dict[str, set[str]] = {}
        for b in self.standing()[0]:
            billed.setdefault(b.unit, set()).add(b.item)
        today = self.app.clock.today()
        for n, v in rows:
            if v["unit"] not in billed:
                problems.append(InputError(f"没有 {v['unit']} 的缴费清单", field="房号", path=str(path), row=n))
            elif v["item"] not in billed[v["unit"]]:
                problems.append(InputError(f"{v['unit']} 的缴费清单没有「{v['item']}」（有：{'、'.join(sorted(billed[v['unit']]))}）",
                                           field="项目", path=str(path), row=n))
            if v["amount"] == 0:
                problems.append(InputError("实收金额为 0.00", field="实收金额", path=str(path), row=n))
            if v["paid_on"] > today:
                problems.append(InputError(f"缴费日期 {v['paid_on']} 晚于今天", field="缴费日期", path=str(path), row=n))
        if problems:
            raise combine(sorted(problems, key=lambda e: e.row or 0), form=None, path=str(path))
        now = self.app.clock.now()
        name = Path(path).name
        pays = [Payment(v["unit"], v["item"], rules.cents(v["amount"]), v["paid_on"], now, f"{digest[:16]} {name} 第{n}行")
                for n, v in rows]
        with self.catalogue.transaction():
            self.catalogue.add_payments(pays)
            self.app.archive.log(AuditEvent.FEES, details={
                "what": "payments", "payments": len(pays), "file": name, "sha256": digest,
                "total_cents": sum(p.amount_cents for p in pays)})
        keys = {(p.unit, p.item) for p in pays}
        alloc = rules.allocate(*self.standing())
        credit = sum(c for k, c in alloc.credit.items() if k in keys)
        return PaymentImport(len(pays), len({p.unit for p in pays}), sum(p.amount_cents for p in pays), credit)

    # ---------------------------------------------------------------- selections (pure rules on the catalogue)

    def due_for_dunning(self, as_of: dt.date) -> list[rules.Arrears]:
        return rules.dunning_due(*self.standing(), self.catalogue.fee_notices(), as_of)

    def due_for_deadline(self, as_of: dt.date) -> list[rules.Arrears]:
        return rules.deadline_due(*self.standing(), self.catalogue.fee_notices(), as_of, self.daily_rate)

    # ---------------------------------------------------------------- notices out

    def notices(self, month: str, *, merge: bool = False, progress: Progress | None = None) -> NoticeBatch:
        """The 缴费通知单 of every unit billed for ``month`` (units already sent one for it are left out)."""
        period = parse_period(PeriodKind.MONTH, month)
        lines = self.standing(months=[period.key])[0]
        if not lines:
            raise DanganError(f"{period.label}没有导入缴费清单，请先运行 dangan fees import {period.key} 清单.xlsx")
        sent = {n.unit for n in self.catalogue.fee_notices(kind=rules.PAYMENT)
                if any(ln.month == period.key for ln in n.lines)}
        per_unit: dict[str, list[BillLine]] = {}
        for b in lines:
            per_unit.setdefault(b.unit, []).append(b)
        todo = {u: bs for u, bs in per_unit.items() if u not in sent}
        docs = [{"unit": u, "owner": bs[0].owner, "period": period.label, "issue_date": bs[0].issue_date.isoformat(),
                 "items": [{"name": b.item, "amount": str(rules.yuan(b.amount_cents))} for b in bs]}
                for u, bs in todo.items()]
        chain = {u: tuple(NoticeLine(b.month, b.item, b.amount_cents, b.due_date) for b in bs) for u, bs in todo.items()}
        batch = self._print(rules.PAYMENT, docs, chain, merge=merge, progress=progress)
        skipped = [f"{u}：{period.label}的缴费通知单已打印过" for u in sorted(sent & set(per_unit))]
        return NoticeBatch(batch.kind, batch.notices, skipped, batch.merged)

    def dunning(self, as_of: dt.date, *, handler: str | None = None, merge: bool = False,
                progress: Progress | None = None) -> NoticeBatch:
        """One 催缴通知书 per unit with anything unpaid after its due date (as of ``as_of``), each filed."""
        selected = self.due_for_dunning(as_of)
        who = self._staff(handler)
        notice_dates = {(n.unit, ln.month): n.issued_on for n in self.catalogue.fee_notices(kind=rules.PAYMENT)
                        for ln in n.lines}
        docs = []
        for a in selected:
            sent = [notice_dates[(a.unit, ln.month)] for ln in a.lines if (a.unit, ln.month) in notice_dates]
            docs.append({"unit": a.unit, "owner": a.owner, "issue_date": as_of.isoformat(), "handler": who,
                         **({"notice_date": min(sent).isoformat()} if sent else {}),
                         "arrears": [{"item": ln.item, "period": rules.month_label(ln.month),
                                      "amount": str(rules.yuan(ln.amount_cents))} for ln in a.lines]})
        return self._print(rules.DUNNING, docs, {a.unit: a.lines for a in selected}, merge=merge, progress=progress)

    def deadline(self, as_of: dt.date, *, handler: str | None = None, merge: bool = False,
                 progress: Progress | None = None) -> NoticeBatch:
        """One 限期缴费通知书 per unit still unpaid after its 催缴通知书's deadline, with the 滞纳金 accrued."""
        selected = self.due_for_deadline(as_of)
        who = self._staff(handler)
        docs = []
        for a in selected:
            assert a.dunning is not None
            docs.append({"unit": a.unit, "owner": a.owner, "issue_date": as_of.isoformat(), "handler": who,
                         "dunning_date": a.dunning.issued_on.isoformat(), "dunning_number": a.dunning.doc_number,
                         "arrears": [{"item": ln.item, "period": rules.month_label(ln.month),
                                      "amount": str(rules.yuan(ln.amount_cents)), "due_date": ln.due_date.isoformat()}
                                     for ln in a.lines]})
        return self._print(rules.DEADLINE, docs, {a.unit: a.lines for a in selected}, merge=merge, progress=progress)

    def _print(self, kind: str, docs: list[dict[str, Any]], chain: Mapping[str, tuple[NoticeLine, ...]], *,
               merge: bool, progress: Progress | None) -> NoticeBatch:
        """Render the notices (the forms' batch), then file each and link it to its unit and months, in the
        same transaction as its record."""
        from dangan.app.core import generated_request
        from dangan.forms.generate import generate

        if not docs:
            return NoticeBatch(kind)
        form_id = rules.NOTICE_FORMS[kind]
        out_dir = self.app.ws.output_dir / form_id
        result = generate(self.app.ws, form_id, documents=docs, formats=("pdf",), out_dir=out_dir, merge=merge,
                          progress=progress, numbers=self.app.numbers(), clock=self.app.clock)
        by_number = {d.doc_number: d for d in result.documents}
        filed: dict[str, NoticeFiled] = {}

        def link(results: list[Any]) -> None:
            for r in results:
                doc = by_number[r.record.doc_number]
                unit = str(doc.unit)
                data = doc.data
                already = {(ln.month, ln.item) for n in self.catalogue.fee_notices(unit=unit, kind=kind)
                           for ln in n.lines}
                if already & {(ln.month, ln.item) for ln in chain[unit]}:  # another clerk printed it meanwhile
                    raise DanganError(f"{unit} 的{rules.NOTICE_NAMES[kind]}刚由别人打印归档，本批未归档；请重新运行")
                deadline = data.get("new_deadline") or data.get("deadline")
                late = rules.cents(Decimal(data.get("late_fee_total") or "0"))
                self.catalogue.add_fee_notice(FeeNotice(
                    kind, unit, dt.date.fromisoformat(data["issue_date"]), r.record.archival_code, doc.doc_number,
                    chain[unit], dt.date.fromisoformat(deadline) if deadline else None, late))
                filed[doc.doc_number] = NoticeFiled(kind, unit, doc.owner or "", doc.doc_number,
                                                    r.record.archival_code, doc.files["pdf"],
                                                    sum(ln.amount_cents for ln in chain[unit]), late,
                                                    dt.date.fromisoformat(deadline) if deadline else None)

        self.app.archive.file_many([generated_request(d) for d in result.documents], within=link)
        return NoticeBatch(kind, [filed[d.doc_number] for d in result.documents], [], result.merged)

    # ---------------------------------------------------------------- statistics and one household

    def stats(self, period: Period, *, values: Mapping[str, Any] | None = None) -> Any:
        """The 收费情况统计表 for a month, quarter, half-year or year, computed and filed (a ReportResult)."""
        return self.app.ledger.report("fee-collection-stats", period, values=values)

    def status(self, unit: str, *, as_of: dt.date | None = None) -> UnitChain:
        unit = unit.strip()
        cat = self.catalogue
        if not cat.bill_lines(unit=unit):
            raise DanganError(f"没有 {unit} 的缴费清单", field="房号")
        day = as_of or self.app.clock.today()
        bills, standing = self.standing(unit=unit)
        alloc = rules.allocate(bills, standing, as_of=day)
        notices = cat.fee_notices(unit=unit)
        under_deadline = {(ln.month, ln.item) for n in notices if n.kind == rules.DEADLINE for ln in n.lines}
        late = sum(rules.late_fee_cents(ln.remaining, ln.bill.due_date, day, self.daily_rate) for ln in alloc.lines
                   if (ln.bill.month, ln.bill.item) in under_deadline and ln.remaining > 0)
        return UnitChain(unit, day, alloc.lines, cat.payments(unit=unit), notices, sum(alloc.credit.values()), late,
                         cat.fee_reversals(unit=unit))

    # ---------------------------------------------------------------- 冲正

    def reverse_payment(self, payment_id: int, *, reason: str) -> FeeReversal:
        """Undo a payment recorded wrongly (wrong unit, item, amount or date): it counts for nothing from now
        on; the right one is recorded with ``fees payments``.  Audited; the payment stays on record."""
        why = _reason(reason)
        with self.catalogue.transaction():
            paid = next((p for p in self.catalogue.payments() if p.id == int(payment_id)), None)
            if paid is None:
                raise InputError(f"没有第 {payment_id} 笔缴费（编号见 dangan fees status 房号）", field="--payment")
            done = next((r for r in self.catalogue.fee_reversals(unit=paid.unit) if r.payment_id == paid.id), None)
            if done is not None:
                raise InputError(f"第 {paid.id} 笔缴费已于 {done.reversed_at:%Y-%m-%d %H:%M} 冲正（{done.reason}）",
                                 field="--payment")
            made: FeeReversal = self.catalogue.add_fee_reversal(FeeReversal(
                rules.REVERSE_PAYMENT, paid.unit, paid.item, paid.amount_cents, why, self.app.clock.now(),
                self.app.actor, payment_id=paid.id))
            self.app.archive.log(AuditEvent.FEES, details={
                "what": "reversal", "kind": "payment", "payment": paid.id, "unit": paid.unit, "item": paid.item,
                "amount_cents": paid.amount_cents, "paid_on": paid.paid_on.isoformat(), "source": paid.source,
                "reason": why})
        return made

    def reverse_bill(self, month: str, unit: str, item: str, *, reason: str, corrected: Decimal | None = None
                     ) -> FeeReversal:
        """Undo a bill line recorded wrongly: from now on it stands at ``corrected`` yuan (None: 0, not owed).
        Notices already filed stay as filed; the chain and the statistics count the corrected amount."""
        why = _reason(reason)
        period = parse_period(PeriodKind.MONTH, month)
        unit, item = unit.strip(), item.strip()
        try:
            new = rules.cents(corrected) if corrected is not None else 0
        except ValueError as e:
            raise InputError(str(e), field="--amount") from e
        if new < 0:
            raise InputError("冲正后的金额不能是负数", field="--amount")
        with self.catalogue.transaction():
            if not any(b.item == item for b in self.catalogue.bill_lines(months=[period.key], unit=unit)):
                raise InputError(f"{period.label}的缴费清单没有 {unit} 的「{item}」", field="--item")
            now_at = next((b.amount_cents for b in self.standing(months=[period.key], unit=unit)[0] if b.item == item), 0)
            if new == now_at:
                raise InputError(f"{unit} {period.label}「{item}」现在就是 {rules.yuan(now_at)} 元，无需冲正",
                                 field="--amount")
            made: FeeReversal = self.catalogue.add_fee_reversal(FeeReversal(
                rules.REVERSE_BILL, unit, item, now_at, why, self.app.clock.now(), self.app.actor, month=period.key,
                corrected_cents=new))
            self.app.archive.log(AuditEvent.FEES, details={
                "what": "reversal", "kind": "bill", "month": period.key, "unit": unit, "item": item,
                "amount_cents": now_at, "corrected_cents": new, "reason": why})
        return made

