"""CLI commands of the live registers: ``register`` (add, update, list, show, import, overdue, close, forms)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from dangan.cli.common import app, echo_json, fail, parse_date, parse_pairs
from dangan.cli.periods import chosen_period, period_options


def _brief(entry: Any, *, width: int = 4) -> str:
    """The first few filled-in fields of an entry, for one line of a listing."""
    parts = []
    for key, label in entry.labels.items():
        value = entry.values.get(key)
        if value in (None, "") or key == "received_at":
            continue
        parts.append(f"{label} {_shown(value)}")
        if len(parts) == width:
            break
    return "  ".join(parts)


def _shown(value: Any) -> str:
    import datetime as dt

    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return f"{len(value)} 项"
    return str(value)


def _line(entry: Any) -> str:
    state = f"  （已关账：{entry.closed_in}）" if entry.frozen else ""
    changed = f"  第 {entry.version} 版" if entry.version > 1 else ""
    return f"第 {entry.number} 号  {entry.at:%Y-%m-%d %H:%M}  {_brief(entry)}{changed}{state}"


@click.group("register")
def register_group() -> None:
    """登记表：随时登记（投诉、巡检、巡访、特约服务、报事……），更正留痕，按期关账归档。"""


@register_group.command("forms")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出")
@click.pass_context
def forms_command(ctx: click.Context, as_json: bool) -> None:
    """列出可以登记的登记表及其栏目。"""
    registers = app(ctx, index=False).ledger.registers()
    if as_json:
        echo_json([r.to_dict() for r in registers])
        return
    for r in registers:
        kind = "（每次登记一整份）" if r.whole_form else ""
        cols = "、".join(f"{c['id']}（{c['label']}{'，必填' if c['required'] else ''}）" for c in r.columns)
        click.echo(f"{r.form_id}  {r.title}{kind}\n    栏目：{cols}")


@register_group.command("add")
@click.argument("form_id", metavar="FORM")
@click.option("--set", "pairs", multiple=True, help="栏目=值（栏目编号或中文名），可重复，如 --set received_at='2026-11-04 09:12'")
@click.option("--data", "data", type=click.Path(dir_okay=False, path_type=Path), help="YAML 或 JSON 文件：一条登记的各栏")
@click.option("--reason", default=None, help="补登已关账期间的登记时写明原因")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出这条登记")
@click.pass_context
def add_command(ctx: click.Context, form_id: str, pairs: tuple[str, ...], data: Path | None, reason: str | None,
                as_json: bool) -> None:
    """登记一条（如一件投诉、一次巡检）；最后一行打印登记号。"""
    if bool(pairs) == bool(data):
        raise click.UsageError("请用 --set 栏目=值（可重复）或 --data 文件给出登记内容（二选一）")
    values: Any = data if data is not None else parse_pairs(pairs, option="--set")
    entry = app(ctx, index=False).ledger.add(form_id, values, reason=reason)
    if as_json:
        echo_json(entry.to_dict())
        return
    click.echo(f"已登记：{entry.form_title} 第 {entry.number} 号（{entry.at:%Y-%m-%d %H:%M}）")
    if entry.frozen:
        click.echo(f"  该期间（{entry.closed_in}）已关账：这条补登将随下一次关账以《登记更正单》归档")
    deadline = getattr(entry, "deadline", None)
    if deadline:
        click.echo(f"  须在 {deadline:%Y-%m-%d %H:%M} 前提出处理方案（第三篇第十六条）")
    click.echo(str(entry.number))


@register_group.command("update")
@click.argument("form_id", metavar="FORM")
@click.argument("number", type=int)
@click.option("--set", "pairs", multiple=True, required=True, help="栏目=值，可重复；值留空表示清除该栏")
@click.option("--reason", required=True, help="更正原因（必填，记入审计）")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出更正后的登记")
@click.pass_context
def update_command(ctx: click.Context, form_id: str, number: int, pairs: tuple[str, ...], reason: str,
                   as_json: bool) -> None:
    """更正一条登记（原因必填，旧版本保留；已关账的登记随下次关账以更正单归档）。"""
    entry = app(ctx, index=False).ledger.update(form_id, number, parse_pairs(pairs, option="--set"), reason=reason)
    if as_json:
        echo_json(entry.to_dict())
        return
    click.echo(f"已更正：{entry.form_title} 第 {entry.number} 号，第 {entry.version} 版（原因：{reason}）")
    if entry.frozen:
        click.echo(f"  该登记所属期间（{entry.closed_in}）已关账归档：更正将随下一次关账以《登记更正单》归档")


@register_group.command("list")
@click.argument("form_id", metavar="FORM")
@click.option("--from", "date_from", default=None, help="起始日期 YYYY-MM-DD（含）")
@click.option("--to", "date_to", default=None, help="截止日期 YYYY-MM-DD（含）")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出（{\"entries\": [...]}）")
@click.pass_context
def list_command(ctx: click.Context, form_id: str, date_from: str | None, date_to: str | None, as_json: bool) -> None:
    """列出一种登记表的登记（按时间）。电话、证件号码已打码。"""
    entries = app(ctx, index=False).ledger.entries(form_id, start=parse_date(date_from, field="--from"),
                                                   end=parse_date(date_to, field="--to"))
    if as_json:
        echo_json({"form": form_id, "entries": [e.to_dict() for e in entries]})
        return
    for e in entries:
        click.echo(_line(e))
    click.echo(f"共 {len(entries)} 条")


@register_group.command("show")
@click.argument("form_id", metavar="FORM")
@click.argument("number", type=int)
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出（含全部版本）")
@click.pass_context
def show_command(ctx: click.Context, form_id: str, number: int, as_json: bool) -> None:
    """显示一条登记及其全部版本：谁、何时、改了什么、为什么。"""
    ledger = app(ctx, index=False).ledger
    entry, history = ledger.entry(form_id, number), ledger.history(form_id, number)
    if as_json:
        echo_json({**entry.to_dict(), "history": [h.to_dict() for h in history]})
        return
    click.echo(f"{entry.form_title} 第 {entry.number} 号（{entry.at:%Y-%m-%d %H:%M}）"
               + (f"  已关账：{entry.closed_in}" if entry.frozen else ""))
    for key, label in entry.labels.items():
        value = entry.values.get(key)
        click.echo(f"  {label}：{'' if value in (None, '') else _shown(value)}")
    for h in history:
        what = "登记" if h.version == 1 else "更正 " + "、".join(entry.labels.get(f, f) for f in h.changed_fields)
        why = f"（{h.reason}）" if h.reason else ""
        note = f"  更正已关账的 {h.amends}" if h.amends else ""
        filed = f"，已随 {h.filed_in} 归档" if h.filed_in else ("，待下次关账归档" if h.amends else "")
        click.echo(f"  第 {h.version} 版  {h.changed_at:%Y-%m-%d %H:%M}  {h.changed_by or ''}  {what}{why}{note}{filed}")


@register_group.command("import")
@click.argument("form_id", metavar="FORM")
@click.argument("sheet", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--keep-going", is_flag=True, help="跳过有错的行，其余照常登记，最后列出错误")
@click.pass_context
def import_command(ctx: click.Context, form_id: str, sheet: Path, keep_going: bool) -> None:
    """从表格（XLSX/CSV，每行一条登记，表头为栏目名）导入登记；任何一行有错则一条也不登记。"""
    result = app(ctx, index=False).ledger.import_sheet(form_id, sheet, keep_going=keep_going)
    if result.entries:
        first, last = result.entries[0].number, result.entries[-1].number
        click.echo(f"已登记 {len(result.entries)} 条：第 {first}—{last} 号")
    else:
        click.echo("没有登记任何一条")
    if result.failures:
        for e in result.failures:
            click.echo(f"未登记：{e}", err=True)
        fail(f"{len(result.failures)} 行有错，未登记（其余 {len(result.entries)} 条已登记）")


@register_group.command("overdue")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出")
@click.pass_context
def overdue_command(ctx: click.Context, as_json: bool) -> None:
    """投诉的 30 分钟时限：超过 30 分钟仍未提出处理方案的投诉，以及尚未结案的投诉。"""
    items = app(ctx, index=False).ledger.overdue()
    if as_json:
        echo_json({"complaints": [c.to_dict() for c in items]})
        return
    for c in items:
        v = c.entry.values
        state = "未结案" if c.open else "已结案"
        click.echo(f"第 {c.entry.number} 号  接诉 {c.entry.at:%Y-%m-%d %H:%M}  {v.get('complainant') or ''}  "
                   f"{c.answer_label}（{c.minutes} 分钟）  {state}")
    click.echo(f"共 {len(items)} 件需要处理")


@register_group.command("close")
@click.argument("form_id", metavar="FORM")
@period_options(kinds=("day", "week", "month"))
@click.option("--set", "pairs", multiple=True, help="登记表表头的栏目=值，如 area=翠湖苑一期、reviewer=刘晓燕")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出")
@click.pass_context
def close_command(ctx: click.Context, form_id: str, pairs: tuple[str, ...], as_json: bool, **periods: str | None
                  ) -> None:
    """关账：用本期登记生成登记表并归档；本期登记随即冻结，此后的更正随下次关账以更正单归档。"""
    result = app(ctx).ledger.close(form_id, chosen_period(periods), values=parse_pairs(pairs, option="--set"))
    if as_json:
        echo_json(result.to_dict())
        return
    click.echo(f"已关账：{result.title} {result.period_label}，登记 {result.entries} 条 → 档号 {result.archival_code}")
    if result.amendment_code:
        click.echo(f"  更正单（{result.amendments} 处更正/补登）→ 档号 {result.amendment_code}")


COMMANDS: list[click.Command] = [register_group]
