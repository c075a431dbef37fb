"""CLI command ``today``: what is due now (the same list the web dashboard shows)."""

from __future__ import annotations

from typing import Any

import click

from dangan.cli.common import app, echo_json


def _lines(agenda: Any) -> list[str]:
    out: list[str] = []
    for r in agenda.reports:
        state = f"已逾期（应于 {r.last_day:%m月%d日} 前）" if r.overdue else f"今日应报（{r.when}）"
        out.append(f"报表  {r.title} {r.period.label}：{state}  dangan report {r.report} --{r.period.kind} {r.period.key}")
    signs = agenda.sign_checks
    if signs is not None and signs.missing:
        out.append(f"巡查  今日标识巡查已记录 {len(signs.recorded)}/2 遍，还缺 {'、'.join(signs.missing)}（第一篇 4.3.5）")
    for c in agenda.complaints_overdue:
        who = c.entry.values.get("complainant") or ""
        out.append(f"投诉  第 {c.entry.number} 号 {who}：接诉 {c.entry.at:%m-%d %H:%M}，已 {c.minutes} 分钟未提出处理方案"
                   "（第三篇第十六条：30 分钟内）")
    for c in agenda.complaints_waiting:
        who = c.entry.values.get("complainant") or ""
        out.append(f"投诉  第 {c.entry.number} 号 {who}：须在 {c.deadline:%H:%M} 前提出处理方案")
    for a in agenda.dunning:
        out.append(f"催缴  {a.unit} {a.owner}：逾期未缴 {a.to_dict()['arrears']} 元，应发催缴通知书  dangan fees dunning")
    for a in agenda.deadline:
        out.append(f"限期  {a.unit} {a.owner}：催缴后仍欠 {a.to_dict()['arrears']} 元，应发限期缴费通知书  dangan fees deadline")
    if agenda.disposal:
        out.append(f"销毁  {len(agenda.disposal)} 件档案保管期满，待鉴定或销毁  dangan retention due")
    return out


@click.command("today")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出")
@click.pass_context
def today_command(ctx: click.Context, as_json: bool) -> None:
    """今天要做的事：到期的报表、标识巡查、超过 30 分钟的投诉、应催缴和限期缴费的住户、保管期满的档案。"""
    agenda = app(ctx, index=False).ledger.today()
    if as_json:
        echo_json(agenda.to_dict())
        return
    lines = _lines(agenda)
    click.echo(f"{agenda.day:%Y年%m月%d日} 待办")
    for line in lines:
        click.echo(f"  {line}")
    if not lines:
        click.echo("  没有到期的事项")


COMMANDS: list[click.Command] = [today_command]
