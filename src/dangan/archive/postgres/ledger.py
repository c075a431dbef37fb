"""The PostgreSQL catalogue's ledger tables: register entries, their versions, closes, report runs, and the
fee-collection chain (bills, payments, notices).  Mixed into :class:`~dangan.archive.postgres.PostgresCatalogue`.

These are ordinary (exclusive) writes: they run under the writers' lock like every write but filing, so an
entry number read and bumped inside the transaction is never shared.  Times are ISO text, as on SQLite;
entry times are compared and ordered in the "C" collation (they are ISO text of one shape).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import psycopg

from dangan.actor import Actor
from dangan.archive.catalogue import (
    BillLine,
    Close,
    Entry,
    EntryChange,
    EntryQuery,
    FeeNotice,
    FeeReversal,
    NewClose,
    NewEntry,
    NoticeLine,
    Payment,
    ReportRun,
)
from dangan.errors import ArchiveError

if TYPE_CHECKING:
    from dangan.archive.postgres.connections import Connections


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def _actor(actor: Actor | None) -> str | None:
    return _json(actor.to_dict()) if actor else None


def _read_actor(text: str | None) -> Actor | None:
    if not text:
        return None
    try:
        return Actor.from_dict(json.loads(text))
    except (TypeError, ValueError):
        return Actor(name=str(text))


def _ts(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _dt(text: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text) if text else None


def _wall(value: dt.datetime) -> str:
    return value.replace(tzinfo=None).isoformat(timespec="seconds")


class PostgresLedgerTables:
    """Ledger entries and fee accounts in PostgreSQL (needs the catalogue's ``_db``)."""

    if TYPE_CHECKING:
        _db: Connections

    # -- entries -------------------------------------------------------------------------------------

    def add_entry(self, new: NewEntry) -> Entry:
        row = self._db.write(
            "INSERT INTO ledger_counters AS c (form_id, last) VALUES (%s, 1) "
            "ON CONFLICT (form_id) DO UPDATE SET last = c.last + 1 RETURNING last", (new.form_id,)).fetchone()
        assert row is not None
        number = int(row["last"])
        data = _json(dict(new.data))
        self._db.write(
            "INSERT INTO ledger_entries (form_id, number, at, data, entered_at, entered_by, close_id) "
            "VALUES (%s, %s, %s, %s::json, %s, %s, %s)",
            (new.form_id, number, _wall(new.at), data, _ts(new.entered_at), _actor(new.entered_by), new.amends))
        self._db.write(
            "INSERT INTO ledger_changes (form_id, number, version, at, data, changed_at, changed_by, reason, amends) "
            "VALUES (%s, %s, 1, %s, %s::json, %s, %s, %s, %s)",
            (new.form_id, number, _wall(new.at), data, _ts(new.entered_at), _actor(new.entered_by), new.reason,
             new.amends))
        found = self.entry(new.form_id, number)
        assert found is not None
        return found

    def change_entry(self, form_id: str, number: int, *, at: dt.datetime, data: Mapping[str, Any],
                     changed_at: dt.datetime, changed_by: Actor | None, reason: str, amends: int | None) -> Entry:
        current = self.entry(form_id, number)
        if current is None:
            raise ArchiveError(f"没有第 {number} 号登记", field=form_id)
        version = current.version + 1
        text = _json(dict(data))
        self._db.write(
            "UPDATE ledger_entries SET at = %s, data = %s::json, version = %s, changed_at = %s, changed_by = %s "
            "WHERE form_id = %s AND number = %s",
            (_wall(at), text, version, _ts(changed_at), _actor(changed_by), form_id, number))
        self._db.write(
            "INSERT INTO ledger_changes (form_id, number, version, at, data, changed_at, changed_by, reason, amends) "
            "VALUES (%s, %s, %s, %s, %s::json, %s, %s, %s, %s)",
            (form_id, number, version, _wall(at), text, _ts(changed_at), _actor(changed_by), reason, amends))
        found = self.entry(form_id, number)
        assert found is not None
        return found

    def entries(self, query: EntryQuery) -> list[Entry]:
        clauses: list[str] = ["form_id = %s"]
        params: list[Any] = [query.form_id]
        if query.start is not None:
            clauses.append('at COLLATE "C" >= %s')
            params.append(_wall(query.start))
        if query.end is not None:
            clauses.append('at COLLATE "C" < %s')
            params.append(_wall(query.end))
        if query.open_only:
            clauses.append("close_id IS NULL")
        if query.numbers is not None:
            if not query.numbers:
                return []
            clauses.append("number = ANY(%s)")
            params.append([int(n) for n in query.numbers])
        rows = self._db.all(f"SELECT * FROM ledger_entries WHERE {' AND '.join(clauses)} "
                            'ORDER BY at COLLATE "C", number', params)
        return [_entry(r) for r in rows]

    def entry(self, form_id: str, number: int) -> Entry | None:
        row = self._db.one("SELECT * FROM ledger_entries WHERE form_id = %s AND number = %s", (form_id, int(number)))
        return _entry(row) if row else None

    def entry_changes(self, form_id: str, number: int | None = None, *, unfiled_amendments: bool = False
                      ) -> list[EntryChange]:
        clauses: list[str] = ["form_id = %s"]
        params: list[Any] = [form_id]
        if number is not None:
            clauses.append("number = %s")
            params.append(int(number))
        if unfiled_amendments:
            clauses.append("amends IS NOT NULL AND filed_with IS NULL")
        rows = self._db.all(f"SELECT * FROM ledger_changes WHERE {' AND '.join(clauses)} ORDER BY number, version",
                            params)
        return [_change(r) for r in rows]

    def close_period(self, new: NewClose) -> Close:
        row = self._db.write(
            'INSERT INTO ledger_closes (form_id, period, start, "end", archival_code, closed_at, closed_by, '
            "amendment_code, entries) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, 0) RETURNING id",
            (new.form_id, new.period, _wall(new.start), _wall(new.end), new.archival_code, _ts(new.closed_at),
             _actor(new.closed_by), new.amendment_code)).fetchone()
        assert row is not None
        close_id = int(row["id"])
        frozen = self._db.write(
            "UPDATE ledger_entries SET close_id = %s WHERE form_id = %s AND close_id IS NULL "
            'AND at COLLATE "C" >= %s AND at COLLATE "C" < %s',
            (close_id, new.form_id, _wall(new.start), _wall(new.end))).rowcount
        self._db.write("UPDATE ledger_closes SET entries = %s WHERE id = %s", (frozen, close_id))
        self._db.write("UPDATE ledger_changes SET filed_with = %s WHERE form_id = %s AND amends IS NOT NULL "
                       "AND filed_with IS NULL", (close_id, new.form_id))
        return next(c for c in self.closes(new.form_id) if c.id == close_id)

    def closes(self, form_id: str | None = None) -> list[Close]:
        if form_id is None:
            rows = self._db.all("SELECT * FROM ledger_closes ORDER BY id")
        else:
            rows = self._db.all("SELECT * FROM ledger_closes WHERE form_id = %s ORDER BY id", (form_id,))
        return [Close(r["id"], r["form_id"], r["period"], dt.datetime.fromisoformat(r["start"]),
                      dt.datetime.fromisoformat(r["end"]), r["archival_code"],
                      dt.datetime.fromisoformat(r["closed_at"]), _read_actor(r["closed_by"]), r["amendment_code"],
                      r["entries"]) for r in rows]

    def add_report_run(self, run: ReportRun) -> None:
        self._db.write(
            "INSERT INTO ledger_reports (form_id, period, digest, archival_code, filed_at, counted) "
            "VALUES (%s, %s, %s, %s, %s, %s::json)",
            (run.form_id, run.period, run.digest, run.archival_code, _ts(run.filed_at),
             _json({k: list(v) for k, v in run.counted.items()})))

    def report_runs(self, form_id: str | None = None, period: str | None = None) -> list[ReportRun]:
        clauses: list[str] = ["true"]
        params: list[Any] = []
        for column, value in (("form_id", form_id), ("period", period)):
            if value is not None:
                clauses.append(f"{column} = %s")
                params.append(value)
        rows = self._db.all(f"SELECT * FROM ledger_reports WHERE {' AND '.join(clauses)} ORDER BY id", params)
        return [ReportRun(r["form_id"], r["period"], r["digest"], r["archival_code"],
                          dt.datetime.fromisoformat(r["filed_at"]),
                          {k: tuple(v) for k, v in r["counted"].items()}) for r in rows]

    # -- fees ----------------------------------------------------------------------------------------

    def add_bill_lines(self, lines: Sequence[BillLine]) -> None:
        try:
            self._db.write_many(
                "INSERT INTO fee_bills (month, unit, owner, item, amount_cents, issue_date, due_date, imported_at) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                [(b.month, b.unit, b.owner, b.item, int(b.amount_cents), b.issue_date, b.due_date, _ts(b.imported_at))
                 for b in lines])
        except psycopg.errors.UniqueViolation as e:
            raise ArchiveError("缴费清单中有已导入过的房号和项目（同一月份）") from e

    def bill_lines(self, *, months: Sequence[str] | None = None, unit: str | None = None) -> list[BillLine]:
        clauses: list[str] = ["true"]
        params: list[Any] = []
        if months is not None:
            if not months:
                return []
            clauses.append("month = ANY(%s)")
            params.append(list(months))
        if unit is not None:
            clauses.append("unit = %s")
            params.append(unit)
        rows = self._db.all(f"SELECT * FROM fee_bills WHERE {' AND '.join(clauses)} "
                            'ORDER BY month, unit COLLATE "C", item COLLATE "C"', params)
        return [BillLine(r["month"], r["unit"], r["owner"], r["item"], r["amount_cents"], r["issue_date"],
                         r["due_date"], dt.datetime.fromisoformat(r["imported_at"])) for r in rows]

    def add_payments(self, payments: Sequence[Payment]) -> None:
        self._db.write_many(
            "INSERT INTO fee_payments (unit, item, amount_cents, paid_on, imported_at, source) "
            "VALUES (%s, %s, %s, %s, %s, %s)",
            [(p.unit, p.item, int(p.amount_cents), p.paid_on, _ts(p.imported_at), p.source) for p in payments])

    def payments(self, *, unit: str | None = None) -> list[Payment]:
        if unit is None:
            rows = self._db.all("SELECT * FROM fee_payments ORDER BY paid_on, id")
        else:
            rows = self._db.all("SELECT * FROM fee_payments WHERE unit = %s ORDER BY paid_on, id", (unit,))
        return [Payment(r["unit"], r["item"], r["amount_cents"], r["paid_on"],
                        dt.datetime.fromisoformat(r["imported_at"]), r["source"], r["id"]) for r in rows]

    def add_fee_notice(self, notice: FeeNotice) -> FeeNotice:
        row = self._db.write(
            "INSERT INTO fee_notices (kind, unit, issued_on, archival_code, doc_number, deadline, late_fee_cents) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING id",
            (notice.kind, notice.unit, notice.issued_on, notice.archival_code, notice.doc_number, notice.deadline,
             int(notice.late_fee_cents))).fetchone()
        assert row is not None
        notice_id = int(row["id"])
        self._db.write_many(
            "INSERT INTO fee_notice_lines (notice_id, month, item, amount_cents, due_date) VALUES (%s, %s, %s, %s, %s)",
            [(notice_id, ln.month, ln.item, int(ln.amount_cents), ln.due_date) for ln in notice.lines])
        return FeeNotice(notice.kind, notice.unit, notice.issued_on, notice.archival_code, notice.doc_number,
                         tuple(notice.lines), notice.deadline, notice.late_fee_cents, notice_id)

    def fee_notices(self, *, unit: str | None = None, kind: str | None = None) -> list[FeeNotice]:
        clauses: list[str] = ["true"]
        params: list[Any] = []
        for column, value in (("unit", unit), ("kind", kind)):
            if value is not None:
                clauses.append(f"{column} = %s")
                params.append(value)
        rows = self._db.all(f"SELECT * FROM fee_notices WHERE {' AND '.join(clauses)} ORDER BY id", params)
        lines: dict[int, list[NoticeLine]] = {}
        if rows:
            for ln in self._db.all("SELECT * FROM fee_notice_lines WHERE notice_id = ANY(%s) ORDER BY id",
                                   ([r["id"] for r in rows],)):
                lines.setdefault(ln["notice_id"], []).append(
                    NoticeLine(ln["month"], ln["item"], ln["amount_cents"], ln["due_date"]))
        return [FeeNotice(r["kind"], r["unit"], r["issued_on"], r["archival_code"], r["doc_number"],
                          tuple(lines.get(r["id"], [])), r["deadline"], r["late_fee_cents"], r["id"]) for r in rows]

    def add_fee_reversal(self, reversal: FeeReversal) -> FeeReversal:
        r = reversal
        try:
            row = self._db.write(
                "INSERT INTO fee_reversals (kind, unit, item, month, payment_id, amount_cents, corrected_cents, reason, "
                "reversed_at, reversed_by) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
                (r.kind, r.unit, r.item, r.month, r.payment_id, int(r.amount_cents), int(r.corrected_cents), r.reason,
                 _ts(r.reversed_at), _actor(r.reversed_by))).fetchone()
        except (psycopg.errors.UniqueViolation, psycopg.errors.ForeignKeyViolation) as e:
            raise ArchiveError(f"第 {r.payment_id} 笔缴费已经冲正过，或没有这笔缴费") from e
        assert row is not None
        return replace(r, id=int(row["id"]))

    def fee_reversals(self, *, unit: str | None = None) -> list[FeeReversal]:
        if unit is None:
            rows = self._db.all("SELECT * FROM fee_reversals ORDER BY id")
        else:
            rows = self._db.all("SELECT * FROM fee_reversals WHERE unit = %s ORDER BY id", (unit,))
        return [FeeReversal(r["kind"], r["unit"], r["item"], r["amount_cents"], r["reason"],
                            dt.datetime.fromisoformat(r["reversed_at"]), _read_actor(r["reversed_by"]), r["month"],
                            r["payment_id"], r["corrected_cents"], r["id"]) for r in rows]


def _entry(row: dict[str, Any]) -> Entry:
    return Entry(form_id=row["form_id"], number=row["number"], at=dt.datetime.fromisoformat(row["at"]),
                 data=row["data"], entered_at=dt.datetime.fromisoformat(row["entered_at"]),
                 entered_by=_read_actor(row["entered_by"]), version=row["version"], changed_at=_dt(row["changed_at"]),
                 changed_by=_read_actor(row["changed_by"]), close_id=row["close_id"])


def _change(row: dict[str, Any]) -> EntryChange:
    return EntryChange(form_id=row["form_id"], number=row["number"], version=row["version"],
                       at=dt.datetime.fromisoformat(row["at"]), data=row["data"],
                       changed_at=dt.datetime.fromisoformat(row["changed_at"]),
                       changed_by=_read_actor(row["changed_by"]), reason=row["reason"], amends=row["amends"],
                       filed_with=row["filed_with"])
