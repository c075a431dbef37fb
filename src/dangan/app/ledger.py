"""The ledger's use cases: register entries kept as they happen, the 30-minute clock, what is due today,
closing a period, and reports computed from the entries.  Reached as ``app.ledger``.

Entries are validated by the register form's own definitions (:func:`dangan.forms.entry.validate_entry`)
and stored one by one in the catalogue (:class:`~dangan.archive.catalogue.LedgerEntries`) with the acting
user and the time; every entry and every correction is in the audit trail.  The rules are pure functions
of :mod:`dangan.ledger`; "now" is the app's clock.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dangan.app.core import generated_request
from dangan.archive.audit import AuditEvent
from dangan.archive.catalogue import Close, Entry, EntryQuery, NewClose, NewEntry, ReportRun
from dangan.archive.digest import canonical
from dangan.errors import DanganError, InputError
from dangan.ledger import complaints, reports, schedule
from dangan.ledger.periods import MONDAY, Period, from_key, parse_period
from dangan.ledger.registers import AMENDMENT_FORM, Register, keeps_entries, register_of, time_problems, typed
from dangan.ledger.results import (
    ChangeView,
    CloseResult,
    ComplaintView,
    EntryView,
    ImportResult,
    ReportResult,
    change_views,
    entry_view,
)

if TYPE_CHECKING:
    from dangan.app.core import Dangan


def data_digest(data: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical(dict(data)).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class RegisterInfo:
    """A register that keeps entries, with its columns (for a form a web page builds)."""

    form_id: str
    title: str
    rule: str
    time_field: str
    columns: list[dict[str, Any]]
    whole_form: bool  # each entry is a whole form (前台交接日志), not a row

    def to_dict(self) -> dict[str, Any]:
        return {"form": self.form_id, "title": self.title, "rule": self.rule, "time_field": self.time_field,
                "columns": self.columns, "whole_form": self.whole_form}


@dataclass(frozen=True)
class Agenda:
    """``dangan today``: what is due now (the web dashboard shows the same)."""

    day: dt.date
    now: dt.datetime
    reports: list[schedule.ReportDue] = field(default_factory=list)
    sign_checks: schedule.SignChecks | None = None  # None: the sign register is not in use
    complaints_overdue: list[ComplaintView] = field(default_factory=list)
    complaints_waiting: list[ComplaintView] = field(default_factory=list)
    dunning: list[Any] = field(default_factory=list)  # dangan.ledger.fees.Arrears per unit due for 催缴
    deadline: list[Any] = field(default_factory=list)  # … due for 限期缴费
    disposal: list[dict[str, Any]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.reports or (self.sign_checks and self.sign_checks.missing) or self.complaints_overdue
                    or self.complaints_waiting or self.dunning or self.deadline or self.disposal)

    def to_dict(self) -> dict[str, Any]:
        return {
            "date": self.day.isoformat(), "now": self.now.isoformat(sep=" ", timespec="minutes"),
            "reports": [r.to_dict() for r in self.reports],
            "sign_checks": self.sign_checks.to_dict() if self.sign_checks else None,
            "complaints_overdue": [c.to_dict() for c in self.complaints_overdue],
            "complaints_waiting": [c.to_dict() for c in self.complaints_waiting],
            "dunning": [a.to_dict() for a in self.dunning],
            "deadline": [a.to_dict() for a in self.deadline],
            "disposal": self.disposal,
        }


class Ledger:
    """The live registers of one open workspace (``app.ledger``)."""

    def __init__(self, app: Dangan) -> None:
        self.app = app

    @property
    def catalogue(self) -> Any:
        return self.app.archive.catalogue

    def now(self) -> dt.datetime:
        """The clock's wall time (entries' times are the centre's wall-clock times)."""
        return self.app.clock.now().replace(tzinfo=None)

    # ---------------------------------------------------------------- registers

    def register(self, form_id: str) -> Register:
        return register_of(self.app.form(form_id))

    def registers(self) -> list[RegisterInfo]:
        out = []
        for form in self.app.forms():
            if not keeps_entries(form):
                continue
            reg = register_of(form)
            cols = [{"id": c.id, "label": c.label, "type": c.type, "required": c.required, "help": c.help,
                     "choices": list(c.choices), "mask": c.mask} for c in reg.columns]
            out.append(RegisterInfo(reg.form_id, reg.title, form.rule, reg.time_field, cols, reg.table is None))
        return out

    # ---------------------------------------------------------------- entries

    def _validate(self, reg: Register, values: Mapping[str, Any], *, row: int | None = None,
                  path: str | None = None) -> dict[str, Any]:
        from dangan.forms.entry import validate_entry
        from dangan.forms.validate import combine

        checked = validate_entry(reg.form, reg.table, values, row=row, path=path)
        problems = [InputError(text, form=reg.form_id, row=row, field=reg.label(fid), path=path)
                    for fid, text in time_problems(reg, checked, self.now())]
        if problems:
            raise combine(problems, form=reg.form_id, path=path)
        return checked

    def _closing(self, form_id: str, at: dt.datetime) -> Close | None:
        """The close whose period holds ``at`` (the period is already closed), if any."""
        return next((c for c in self.catalogue.closes(form_id) if c.start <= at < c.end), None)

    def _insert(self, reg: Register, checked: dict[str, Any], *, reason: str | None) -> Entry:
        from dangan.forms.context import jsonable

        at = reg.time_of(checked)
        data = jsonable(checked)
        late = self._closing(reg.form_id, at)
        if late is not None and not (reason or "").strip():
            reason = f"补登（{late.period} 已关账）"
        entry: Entry = self.catalogue.add_entry(NewEntry(
            reg.form_id, at, data, self.app.clock.now(), self.app.actor, reason=reason,
            amends=late.id if late else None))
        self.app.archive.log(AuditEvent.LEDGER_ENTRY, details={
            "form": reg.form_id, "number": entry.number, "version": 1, "at": at.isoformat(),
            "digest": data_digest(data), **({"late_for": late.period, "reason": reason} if late else {})})
        return entry

    def add(self, form_id: str, values: Mapping[str, Any] | Path, *, reason: str | None = None) -> EntryView:
        """Enter one entry (a complaint as it is received, a round as it is made); returns it with its number.
        ``values``: the fields by id or label, or a YAML/JSON file of them."""
        reg = self.register(form_id)
        if isinstance(values, Path):
            from dangan.forms.inputs import read_data

            values = read_data(values, form=form_id)
        checked = self._validate(reg, values)
        with self.catalogue.transaction():
            entry = self._insert(reg, checked, reason=reason)
        return self._view(reg, entry)

    def update(self, form_id: str, number: int, changes: Mapping[str, Any], *, reason: str) -> EntryView:
        """Correct an entry.  The reason is required and kept; the earlier versions stay.  An entry of a
        closed period is corrected by an amendment, filed with the form's next close."""
        from dangan.forms.context import jsonable

        if not (reason or "").strip():
            raise InputError("更正登记必须写明原因（--reason）", form=form_id, field="--reason")
        reg = self.register(form_id)
        current = self._entry(reg, number)
        merged = {**current.data, **{self._column_id(reg, k): v for k, v in changes.items()}}
        checked = self._validate(reg, merged)
        data = jsonable(checked)
        if data == {c.id: current.data.get(c.id) for c in reg.columns}:
            raise InputError(f"第 {number} 号登记没有改动", form=form_id)
        at = reg.time_of(checked)
        with self.catalogue.transaction():
            current = self._entry(reg, number)
            closing = self._closing(reg.form_id, at) if current.close_id is None else None
            amends = current.close_id if current.close_id is not None else (closing.id if closing else None)
            entry = self.catalogue.change_entry(form_id, number, at=at, data=data, changed_at=self.app.clock.now(),
                                                changed_by=self.app.actor, reason=reason.strip(), amends=amends)
            fields = sorted(k for k in data if data[k] != current.data.get(k))
            self.app.archive.log(AuditEvent.LEDGER_CHANGE, details={
                "form": form_id, "number": number, "version": entry.version, "reason": reason.strip(),
                "fields": fields, "digest": data_digest(data), "amends": self._period_of_close(amends)})
        return self._view(reg, entry)

    def _column_id(self, reg: Register, key: str) -> str:
        key = str(key).strip()
        found = next((c.id for c in reg.columns if key in (c.id, c.label)), None)
        if found is None:
            raise InputError("登记表没有这一栏", form=reg.form_id, field=key)
        return found

    def _entry(self, reg: Register, number: int) -> Entry:
        entry: Entry | None = self.catalogue.entry(reg.form_id, int(number))
        if entry is None:
            raise DanganError(f"{reg.title} 没有第 {number} 号登记", field=reg.form_id)
        return entry

    def _period_of_close(self, close_id: int | None) -> str | None:
        if close_id is None:
            return None
        return next((c.period for c in self.catalogue.closes() if c.id == close_id), None)

    def _view(self, reg: Register, entry: Entry, closes: Mapping[int, str] | None = None) -> EntryView:
        if entry.close_id is None:
            closed_in = None
        elif closes is not None:
            closed_in = closes.get(entry.close_id)
        else:
            closed_in = self._period_of_close(entry.close_id)
        deadline = None
        if reg.form_id == complaints.FORM and not entry.data.get("proposed_at"):
            deadline = complaints.deadline(entry.at)
        return entry_view(reg, entry, closed_in=closed_in, deadline=deadline)

    def _periods(self, form_id: str) -> dict[int, str]:
        return {c.id: c.period for c in self.catalogue.closes(form_id)}

    def entry(self, form_id: str, number: int) -> EntryView:
        reg = self.register(form_id)
        return self._view(reg, self._entry(reg, number))

    def history(self, form_id: str, number: int) -> list[ChangeView]:
        """Every version of an entry, oldest first, with who changed what and why."""
        reg = self.register(form_id)
        self._entry(reg, number)
        closes = self.catalogue.closes(form_id)
        return change_views(reg, self.catalogue.entry_changes(form_id, int(number)),
                            periods={c.id: c.period for c in closes},
                            amendment_codes={c.id: c.amendment_code or "" for c in closes})

    def entries(self, form_id: str, *, start: dt.date | None = None, end: dt.date | None = None,
                period: Period | None = None) -> list[EntryView]:
        """Entries of a register, by time; ``start``–``end`` inclusive (days), or one ``period``."""
        reg = self.register(form_id)
        lo: dt.datetime | None
        hi: dt.datetime | None
        if period is not None:
            lo, hi = period.bounds()
        else:
            lo = dt.datetime.combine(start, dt.time()) if start else None
            hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time()) if end else None
        closes = self._periods(form_id)
        return [self._view(reg, e, closes) for e in self.catalogue.entries(EntryQuery(form_id, start=lo, end=hi))]

    def import_sheet(self, form_id: str, path: Path, *, keep_going: bool = False) -> ImportResult:
        """Entries from a spreadsheet (CSV/XLSX, one entry per row, headers the register's columns).

        Every row is checked first; any bad row stops the import before anything is entered (every problem
        listed with its row and column), unless ``keep_going``: then the good rows are entered."""
        from dangan.forms.inputs import read_sheet
        from dangan.forms.validate import combine

        reg = self.register(form_id)
        rows = read_sheet(Path(path), form=form_id, columns={k for c in reg.columns for k in (c.id, c.label)})
        good: list[dict[str, Any]] = []
        failures: list[InputError] = []
        for n, raw in rows:
            try:
                good.append(self._validate(reg, raw, row=n, path=str(path)))
            except InputError as e:
                failures.append(e)
        if failures and not keep_going:
            raise combine(failures, form=form_id, path=str(path))
        with self.catalogue.transaction():
            made = [self._insert(reg, checked, reason=None) for checked in good]
        closes = self._periods(form_id)
        return ImportResult(form_id, [self._view(reg, e, closes) for e in made], failures)

    # ---------------------------------------------------------------- the 30-minute clock

    def complaints(self, *, period: Period | None = None) -> list[ComplaintView]:
        """Every complaint (of ``period``) with where it stands against 第十六条 now."""
        reg = self.register(complaints.FORM)
        lo, hi = period.bounds() if period else (None, None)
        now = self.now()
        closes = self._periods(reg.form_id)
        out = []
        for e in self.catalogue.entries(EntryQuery(reg.form_id, start=lo, end=hi)):
            values = typed(reg.columns, e.data)
            st = complaints.state(e.number, values, now)
            out.append(ComplaintView(self._view(reg, e, closes), str(st.answer), complaints.ANSWER_NAMES[st.answer],
                                     st.minutes, complaints.deadline(st.received_at), st.open))
        return out

    def overdue(self) -> list[ComplaintView]:
        """Complaints without a proposed solution after 30 minutes, and complaints still open."""
        return [c for c in self.complaints() if c.answer == complaints.Answer.OVERDUE or c.open]

    # ---------------------------------------------------------------- today

    def _first_use(self) -> dict[str, dt.date]:
        """The day each register was first used (its earliest entry)."""
        out: dict[str, dt.date] = {}
        for form_id in {f for s in schedule.SCHEDULES for f in s.sources} | {schedule.SIGN_FORM}:
            first = self.catalogue.entries(EntryQuery(form_id))[:1]
            if first:
                out[form_id] = first[0].at.date()
        return out

    def today(self) -> Agenda:
        """What is due now: reports, today's sign checks, complaints past 30 minutes, units due for 催缴 or
        限期缴费, records due for disposal.  One call; the CLI's ``today`` and the web dashboard show it."""
        now, day = self.now(), self.app.clock.today()
        since = self._first_use()
        filed = {(r.form_id, r.period) for r in self.catalogue.report_runs()}
        reports = schedule.reports_due(day, filed=filed, since=since)
        signs = None
        if schedule.SIGN_FORM in since:
            reg = self.register(schedule.SIGN_FORM)
            lo = dt.datetime.combine(day, dt.time())
            todays = self.catalogue.entries(EntryQuery(reg.form_id, start=lo, end=lo + dt.timedelta(days=1)))
            signs = schedule.sign_checks(day, [(e.number, e.data.get("round")) for e in todays])
        states = self.complaints() if complaints.FORM in since else []
        waiting = [c for c in states if c.answer == complaints.Answer.WAITING]
        late = [c for c in states if c.answer == complaints.Answer.OVERDUE]
        fees = self.app.fees
        disposal = [{"archival_code": d.record.archival_code, "title": d.record.title, "expiry": d.expiry.isoformat(),
                     "held": d.held} for d in self.app.due()]
        return Agenda(day=day, now=now, reports=reports, sign_checks=signs, complaints_overdue=late,
                      complaints_waiting=waiting, dunning=fees.due_for_dunning(day), deadline=fees.due_for_deadline(day),
                      disposal=disposal)

    # ---------------------------------------------------------------- reports from entries

    def period(self, report_or_form: str, period: Period | tuple[str, str]) -> Period:
        """A period as written (kind, text), with the rhythm of ``report_or_form`` (the renovation report's
        weeks run Saturday–Friday)."""
        if isinstance(period, Period):
            return period
        kind, text = period
        week_start = next((s.week_start for s in schedule.SCHEDULES if s.report == report_or_form), MONDAY)
        return parse_period(kind, text, week_start=week_start)

    def rhythm(self, report: str) -> str:
        """The period kind the rules give ``report`` (week for the weekly reports, else month)."""
        return str(next((s.kind for s in schedule.SCHEDULES if s.report == report), "month"))

    def typed_entries(self, form_id: str, period: Period) -> list[tuple[int, dict[str, Any]]]:
        """(number, typed values) of the entries of ``period`` (what a report counts)."""
        reg = self.register(form_id)
        lo, hi = period.bounds()
        return [(e.number, typed(reg.columns, e.data))
                for e in self.catalogue.entries(EntryQuery(form_id, start=lo, end=hi))]

    def compute(self, report: str, period: Period | tuple[str, str]) -> reports.Computed:
        """The report's figures from the period's entries (nothing rendered or filed)."""
        p = self.period(report, period)
        if report == "complaint-analysis":
            return reports.complaint_analysis(self.typed_entries(complaints.FORM, p), p)
        if report == "incident-weekly":
            return reports.incident_weekly(self.typed_entries("incident-register", p), p)
        if report == "renovation-weekly":
            return reports.renovation_weekly(self.typed_entries("renovation-inspection", p), p)
        if report == "special-service-monthly":
            return reports.special_service_monthly(self.typed_entries("special-service-register", p), p)
        if report == "repair-complaint-monthly":
            return reports.repair_complaint_monthly(self.typed_entries(complaints.FORM, p),
                                                    self.typed_entries("incident-register", p), p)
        if report == "survey-return-report":
            computed = reports.survey_return(self.typed_entries("visit-record", p), p, self._households(p))
            if not computed.data["rows"]:
                raise InputError(f"{p.label}没有发放问卷的回访登记（巡访、回访记录表的「问卷」栏）", form=report)
            return computed
        if report == "fee-collection-stats":
            from dangan.ledger import fees

            bills, payments = self.app.fees.standing(months=p.months())
            rows = fees.collection_rows(bills, payments, p.months())
            if not rows:
                raise InputError(f"{p.label}没有导入缴费清单（dangan fees import）", form=report)
            return reports.fee_collection(rows, p)
        known = "、".join(REPORTS)
        raise InputError(f"不能从登记计算这个报表；可计算的报表：{known}（其他报表请用 dangan generate 手工填写）",
                         form=report)

    def _households(self, period: Period) -> dict[str, int]:
        """入住户数 per building: the units on the latest fee list up to the period's end."""
        months = [m for m in sorted({b.month for b in self.catalogue.bill_lines()}) if m <= period.months()[-1]]
        if not months:
            return {}
        units = {b.unit for b in self.app.fees.standing(months=[months[-1]])[0]}
        out: dict[str, int] = {}
        for u in units:
            b = reports.building_of(u)
            out[b] = out.get(b, 0) + 1
        return out

    def _staff(self) -> str:
        name = str(self.app.ws.config["ledger.staff"] or "").strip()
        return name or (self.app.actor.name if self.app.actor else "")

    def _area(self) -> str:
        c = self.app.ws.config
        return str(c["ledger.area"] or "").strip() or str(c["company.centre"] or c["company.name"] or "")

    def _fill(self, form: Any, data: dict[str, Any], values: Mapping[str, Any]) -> dict[str, Any]:
        """The computed data with the form's other fields: area, dates, the person who prepares it, and
        what the clerk gives (``values``: analysis, measures, reviewer … by id or label; not the tables)."""
        out = dict(data)
        defaults = {"area": self._area(), "report_date": self.app.clock.today().isoformat(), "preparer": self._staff(),
                    "reporter": self._staff(), "date": self.app.clock.today().isoformat()}
        for f in form.fields:
            if f.id in defaults and f.id not in out and f.type != "table":
                out[f.id] = defaults[f.id]
        for key, value in values.items():
            f = next((f for f in form.fields if str(key).strip() in (f.id, f.label)), None)
            if f is None:
                raise InputError("表单没有这个栏目", form=form.id, field=str(key))
            if f.type == "table" or f.id == "basis":
                raise InputError("这一栏由登记统计得出，不能手填", form=form.id, field=f.label)
            out[f.id] = value
        return out

    def _basis(self, counted: Mapping[str, Sequence[int]]) -> str:
        parts = []
        for form_id, numbers in counted.items():
            title = self.app.form(form_id).title
            parts.append(f"{title} 第 {numbers_text(numbers)} 号（共 {len(numbers)} 条）" if numbers
                         else f"{title}（本期无登记）")
        return "；".join(parts)

    def report(self, report: str, period: Period | tuple[str, str], *,
               values: Mapping[str, Any] | None = None) -> ReportResult:
        """Compute a report from the period's entries, render it and file it.  The same figures for the same
        period are filed once: running it again returns the report already filed."""
        from dangan.forms import render_form

        p = self.period(report, period)
        computed = self.compute(report, p)
        form = self.app.form(report)
        data = self._fill(form, computed.data, values or {})
        data["basis"] = self._basis(computed.counted)
        digest = data_digest({k: v for k, v in data.items() if k != form.date_field})
        for run in self.catalogue.report_runs(report, p.key):
            if run.digest == digest:
                return self._report_result(report, p, run.archival_code, computed.counted, reused=True)
        out_dir = self.app.ws.output_dir / report
        doc = render_form(self.app.ws, report, data, formats=("pdf",), out_dir=out_dir, numbers=self.app.numbers(),
                          clock=self.app.clock)
        request = generated_request(doc)
        request.meta.update({"ledger_period": p.key, "ledger_basis": data["basis"][:2000]})

        def remember(results: list[Any]) -> None:
            self.catalogue.add_report_run(ReportRun(report, p.key, digest, results[0].record.archival_code,
                                                    self.app.clock.now(), computed.counted))

        filed = self.app.archive.file_many([request], within=remember)
        return self._report_result(report, p, filed[0].record.archival_code, computed.counted)

    def _report_result(self, report: str, period: Period, code: str, counted: Mapping[str, Sequence[int]], *,
                       reused: bool = False) -> ReportResult:
        record = self.app.archive.get(code)
        data = record.form_data or {}
        figures = {k: v for k, v in data.items() if not isinstance(v, list)}
        rows = next((v for v in data.values() if isinstance(v, list)), [])
        original = record.original
        return ReportResult(report, record.title, period.key, period.label, code, record.doc_number,
                            original.path if original else None, {k: tuple(v) for k, v in counted.items()}, figures,
                            rows, reused)

    # ---------------------------------------------------------------- closing a period

    def close(self, form_id: str, period: Period | tuple[str, str], *,
              values: Mapping[str, Any] | None = None) -> CloseResult:
        """Close a period of a register: render its sheet from the period's entries and file it; the entries
        are frozen from then on.  Corrections and late entries of earlier closes are filed with it as a
        登记更正单.  A period is closed once, and not before it has begun."""
        from dangan.forms.context import jsonable

        reg = self.register(form_id)
        p = self.period(form_id, period)
        if p.start > self.app.clock.today():
            raise InputError(f"{p.label}还没有开始，不能关账", form=form_id)
        lo, hi = p.bounds()
        for c in self.catalogue.closes(form_id):
            if c.start < hi and lo < c.end:
                raise InputError(f"{reg.title} 的 {c.period} 已于 {c.closed_at:%Y-%m-%d} 关账（档号 {c.archival_code}），"
                                 f"与 {p.label} 重叠", form=form_id)
        entries = self.catalogue.entries(EntryQuery(form_id, start=lo, end=hi))
        if not entries:
            raise InputError(f"{p.label}没有{reg.title}的登记，无需关账", form=form_id)
        docs = self._render_sheets(reg, p, [jsonable(typed(reg.columns, e.data)) for e in entries], values or {})
        pending = self.catalogue.entry_changes(form_id, unfiled_amendments=True)
        amendment = self._render_amendment(reg, p, pending) if pending else None
        requests = [generated_request(d) for d in docs]
        if amendment is not None:
            req = generated_request(amendment)
            req.category = reg.form.category
            requests.append(req)
        closed: dict[str, Close] = {}

        rendered = [(e.number, e.version) for e in entries]
        amended = [(c.number, c.version) for c in pending]

        def freeze(results: list[Any]) -> None:
            # under the write lock: what was rendered must still be what is there (another clerk may have
            # entered or corrected meanwhile); otherwise nothing is filed and the close is run again
            now_there = [(e.number, e.version) for e in self.catalogue.entries(EntryQuery(form_id, start=lo, end=hi))]
            now_pending = [(c.number, c.version)
                           for c in self.catalogue.entry_changes(form_id, unfiled_amendments=True)]
            overlap = [c for c in self.catalogue.closes(form_id) if c.start < hi and lo < c.end]
            if now_there != rendered or now_pending != amended or overlap:
                raise InputError(f"关账时{reg.title}有新的登记、更正或关账，未归档；请重新运行关账", form=form_id)
            codes = [r.record.archival_code for r in results]
            sheet_codes, amend_code = (codes[:-1], codes[-1]) if amendment is not None else (codes, None)
            close = self.catalogue.close_period(NewClose(
                form_id, p.key, lo, hi, " ".join(sheet_codes), self.app.clock.now(), self.app.actor,
                amendment_code=amend_code))
            self.app.archive.log(AuditEvent.LEDGER_CLOSE, code=sheet_codes[0], details={
                "form": form_id, "period": p.key, "entries": [e.number for e in entries], "sheets": sheet_codes,
                "amendment": amend_code, "amended": sorted({(c.number, c.version) for c in pending})})
            closed["close"] = close

        if len(requests) > 200:
            raise InputError(f"{p.label}有 {len(requests)} 份要归档，请按日关账", form=form_id)
        self.app.archive.file_many(requests, within=freeze)
        close = closed["close"]
        codes = tuple(close.archival_code.split())
        return CloseResult(form_id, reg.title, p.key, p.label, codes[0], codes, close.entries, close.amendment_code,
                           len(pending))

    def _sheet_fields(self, reg: Register, p: Period, values: Mapping[str, Any]) -> dict[str, Any]:
        base = {"month": p.label, "start_date": p.start.isoformat(), "end_date": p.end.isoformat(), "area": self._area()}
        out = {f.id: base[f.id] for f in reg.form.fields if f.id in base and f.type != "table"}
        for key, value in values.items():
            f = next((f for f in reg.form.fields if str(key).strip() in (f.id, f.label)), None)
            if f is None or f.type == "table" or (reg.table is None):
                raise InputError("关账时只能填写登记表表头的栏目", form=reg.form_id, field=str(key))
            out[f.id] = value
        return out

    def _render_sheets(self, reg: Register, p: Period, rows: list[dict[str, Any]], values: Mapping[str, Any]
                       ) -> list[Any]:
        from dangan.forms import render_form

        out_dir = self.app.ws.output_dir / reg.form_id
        numbers, clock = self.app.numbers(), self.app.clock
        if reg.table is None:  # each entry is a whole form: one document per entry
            return [render_form(self.app.ws, reg.form_id, row, formats=("pdf",), out_dir=out_dir, numbers=numbers,
                                clock=clock) for row in rows]
        data = {**self._sheet_fields(reg, p, values), reg.table: rows}
        return [render_form(self.app.ws, reg.form_id, data, formats=("pdf",), out_dir=out_dir, numbers=numbers,
                            clock=clock)]

    def _render_amendment(self, reg: Register, p: Period, pending: Sequence[Any]) -> Any:
        from dangan.forms import render_form

        closes = {c.id: c for c in self.catalogue.closes(reg.form_id)}
        rows = []
        for change in pending:
            history = self.catalogue.entry_changes(reg.form_id, change.number)
            before = next((h for h in history if h.version == change.version - 1), None)
            was = closes.get(change.amends)
            rows.append({
                "number": str(change.number),
                "original": f"{from_key(was.period).label} {was.archival_code}" if was else "",
                "change": amendment_text(reg, before.data if before else None, change.data),
                "reason": change.reason or "（未写原因）",
                "changed_at": change.changed_at.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M"),
                "changed_by": change.changed_by.label() if change.changed_by else "",
            })
        data = {"register": reg.title, "period": p.label, "date": self.app.clock.today().isoformat(), "rows": rows}
        return render_form(self.app.ws, AMENDMENT_FORM, data, formats=("pdf",),
                           out_dir=self.app.ws.output_dir / AMENDMENT_FORM, numbers=self.app.numbers(),
                           clock=self.app.clock)


REPORTS = ("complaint-analysis", "incident-weekly", "renovation-weekly", "special-service-monthly",
           "survey-return-report", "repair-complaint-monthly", "fee-collection-stats")


def _shown(value: Any) -> str:
    if value is None or value == "":
        return "（空）"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.datetime):
        return f"{value.year}年{value.month}月{value.day}日 {value:%H:%M}"
    if isinstance(value, dt.date):
        return f"{value.year}年{value.month}月{value.day}日"
    if isinstance(value, list):
        return f"{len(value)} 项"
    return str(value)


def amendment_text(reg: Register, before: Mapping[str, Any] | None, after: Mapping[str, Any]) -> str:
    """What a correction changed, in words (masked): 结案时间：（空）→ 2026年12月2日 10:00；…  A late entry
    (no earlier version) reads 补登：接诉时间 …，投诉人 …"""
    from dangan.forms.fields import mask_values

    new = mask_values(reg.columns, typed(reg.columns, after))
    if before is None:
        shown = [f"{c.label} {_shown(new[c.id])}" for c in reg.columns if new.get(c.id) not in (None, "")][:4]
        return "补登：" + "，".join(shown)
    old = mask_values(reg.columns, typed(reg.columns, before))
    parts = [f"{c.label}：{_shown(old.get(c.id))} → {_shown(new.get(c.id))}" for c in reg.columns
             if old.get(c.id) != new.get(c.id)]
    return "；".join(parts) or "（内容未变）"


def numbers_text(numbers: Sequence[int]) -> str:
    """1, 2, 3, 5, 8, 9 → 1—3、5、8—9 (how a report names the entries it counted)."""
    ordered = sorted(set(numbers))
    parts: list[str] = []
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + 1:
            j += 1
        parts.append(str(ordered[i]) if i == j else f"{ordered[i]}—{ordered[j]}")
        i = j + 1
    return "、".join(parts)
