"""登记台账: entries of the live registers (issue 12) — the list, an entry form built from each register's
columns, an entry with its versions and a correction with a reason, and the complaints past 30 minutes.

Every call goes through ``g.app.ledger``; the entry form is built from ``app.ledger.registers()`` (a
whole-form register's table columns come from the form definition, as on the form pages).  Values the
ledger returns are already masked; a correction sends only the columns the clerk changed, so a masked phone
number shown on the page is never saved back over the real one.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for

from dangan.app import Permission
from dangan.errors import DanganError, InputError
from dangan.web.security import needs
from dangan.web.views.forms import place_problems, read_fields

bp = Blueprint("registers", __name__)

LIST_DAYS = 31  # the entry list shows the last month unless a range is asked for
COMPLAINTS = "complaint-register"
LOCAL_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")  # what <input type="datetime-local"> sends


@dataclass(frozen=True)
class Column:
    """A register column as the shared input macro reads it (``_field.html``)."""

    id: str
    label: str
    type: str
    required: bool = False
    help: str = ""
    choices: tuple[str, ...] = ()
    mask: str | None = None
    min: Any = None
    max: Any = None
    max_length: int | None = None
    columns: tuple[Any, ...] = ()  # a table column's own columns (a whole-form register)
    min_rows: int = 0


@dataclass(frozen=True)
class EntryForm:
    """A register's entry form: its columns in order (what ``read_fields``/``place_problems`` take)."""

    info: Any  # dangan.app.ledger.RegisterInfo
    fields: list[Column] = field(default_factory=list)

    @property
    def id(self) -> str:
        return str(self.info.form_id)

    @property
    def title(self) -> str:
        return str(self.info.title)

    def field(self, field_id: str) -> Column:
        return next(c for c in self.fields if c.id == field_id)


def _entry_form(register_id: str) -> EntryForm:
    info = next((r for r in g.app.ledger.registers() if r.form_id == register_id), None)
    if info is None:
        abort(404)
    definition = g.app.form(register_id) if info.whole_form else None
    cols = []
    for c in info.columns:
        extra: dict[str, Any] = {}
        if c["type"] == "table" and definition is not None:
            table = definition.field(c["id"])
            extra = {"columns": tuple(table.columns), "min_rows": table.min_rows}
        cols.append(Column(c["id"], c["label"], c["type"], bool(c["required"]), c.get("help") or "",
                           tuple(c.get("choices") or ()), c.get("mask"), **extra))
    return EntryForm(info, cols)


def _tables(form: EntryForm, data: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    return {c.id: (data.get(c.id) or [{}] * max(1, c.min_rows)) for c in form.fields if c.type == "table"}


def _problems(form: EntryForm, e: InputError) -> tuple[dict[str, list[str]], list[str]]:
    return place_problems(form, getattr(e, "problems", None) or [e])


def _shown(value: Any) -> Any:
    """A value as the entry form shows it (datetimes as the datetime input wants them)."""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, bool):
        return "是" if value else "否"
    return "" if value is None else value


@bp.route("/registers")
@needs(Permission.REGISTER)
def index() -> Any:
    return render_template("registers.html", registers=g.app.ledger.registers())


def _day(name: str) -> dt.date | None:
    text = (request.args.get(name) or "").strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


@bp.route("/registers/<register_id>")
@needs(Permission.REGISTER)
def entries(register_id: str) -> Any:
    form = _entry_form(register_id)
    today = g.app.clock.today()
    start = _day("from") or today - dt.timedelta(days=LIST_DAYS - 1)
    end = _day("to") or today
    rows = g.app.ledger.entries(register_id, start=start, end=end)
    answers = {}
    if register_id == COMPLAINTS:
        answers = {c.entry.number: c for c in g.app.ledger.complaints()}
    shown = [c for c in form.fields if c.type != "table"][:7]
    return render_template("register_entries.html", form=form, rows=list(reversed(rows)), start=start, end=end,
                           shown=shown, answers=answers)


@bp.route("/registers/<register_id>/new", methods=["GET", "POST"])
@needs(Permission.REGISTER)
def new(register_id: str) -> Any:
    form = _entry_form(register_id)
    if request.method == "GET":
        data: dict[str, Any] = {form.info.time_field: _shown(g.app.ledger.now().replace(second=0, microsecond=0))}
        if form.field(form.info.time_field).type == "date":
            data[form.info.time_field] = g.app.clock.today().isoformat()
        return render_template("register_form.html", form=form, data=data, tables=_tables(form, data), errors={},
                               general=[], entry=None)
    data = read_fields(form, request.form)
    values = {k: v for k, v in data.items() if v not in ("", [])}
    try:
        entry = g.app.ledger.add(register_id, values)
    except InputError as e:
        errors, general = _problems(form, e)
        return render_template("register_form.html", form=form, data=data, tables=_tables(form, data),
                               errors=errors, general=general, entry=None), 422
    except DanganError as e:
        return render_template("register_form.html", form=form, data=data, tables=_tables(form, data), errors={},
                               general=[str(e)], entry=None), 400
    flash(f"已登记：{form.title} 第 {entry.number} 号", "ok")
    return redirect(url_for("registers.entries", register_id=register_id))


@bp.route("/registers/<register_id>/<int:number>", methods=["GET", "POST"])
@needs(Permission.REGISTER)
def entry(register_id: str, number: int) -> Any:
    form = _entry_form(register_id)
    try:
        current = g.app.ledger.entry(register_id, number)
    except DanganError:
        abort(404)
    shown = {k: _shown(v) for k, v in current.values.items()}
    if request.method == "GET":
        return _entry_page(form, current, shown, errors={}, general=[])
    posted = read_fields(form, request.form)
    tables = {c.id for c in form.fields if c.type == "table"}  # shown, not corrected here (masked cells)
    changes = {k: v for k, v in posted.items() if k not in tables and _comparable(v) != _comparable(shown.get(k))}
    reason = (request.form.get("reason") or "").strip()
    if not changes:
        return _entry_page(form, current, posted, errors={}, general=["没有改动：改正栏目后再提交"], status=422)
    if not reason:
        return _entry_page(form, current, posted, errors={}, general=["更正登记必须写明原因"], status=422,
                           reason_missing=True)
    try:
        changed = g.app.ledger.update(register_id, number, changes, reason=reason)
    except InputError as e:
        errors, general = _problems(form, e)
        return _entry_page(form, current, posted, errors=errors, general=general, status=422)
    except DanganError as e:
        return _entry_page(form, current, posted, errors={}, general=[str(e)], status=400)
    note = "（该期已关账：更正随下次关账以登记更正单归档）" if changed.frozen else ""
    flash(f"已更正第 {number} 号登记（第 {changed.version} 版）{note}", "ok")
    return redirect(url_for("registers.entry", register_id=register_id, number=number))


def _comparable(value: Any) -> Any:
    text = str(value).strip()
    return text.replace("T", " ") if LOCAL_DATETIME.fullmatch(text) else text


def _entry_page(form: EntryForm, current: Any, data: dict[str, Any], *, errors: dict[str, list[str]],
                general: list[str], status: int = 200, reason_missing: bool = False) -> Any:
    history = g.app.ledger.history(form.id, current.number)
    return render_template("register_entry.html", form=form, entry=current, data=data, tables=_tables(form, data),
                           errors=errors, general=general, history=history, reason_missing=reason_missing,
                           reason=request.form.get("reason", "")), status


@bp.route("/complaints")
@needs(Permission.REGISTER)
def complaints() -> Any:
    """Complaints without a proposed solution after 30 minutes (第三篇 第十六条), and those still open."""
    return render_template("complaints.html", complaints=g.app.ledger.overdue(), now=g.app.ledger.now())
