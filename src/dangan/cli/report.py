"""CLI command ``report``: a periodic report computed from the register entries, rendered and filed."""

from __future__ import annotations

from typing import Any

import click

from dangan.cli.common import app, echo_json, parse_pairs
from dangan.cli.periods import chosen_period, period_options

FIGURE_NAMES = {
    "total": "投诉件数", "within_30_rate": "30分钟内提出方案率", "n_within_30": "30分钟内提出方案（件）",
    "n_open": "未结案件", "total_reported": "报事件数", "total_completed": "已完成", "completion_rate": "完成率",
    "total_inspected": "巡检户次", "total_violations": "违规户数", "total_started": "本周开工",
    "total_accepted": "竣工验收", "total_requests": "受理件数", "total_fee": "收费合计（元）",
    "satisfaction_rate": "满意率", "return_rate": "回收率", "met": "回收率达到70%", "total_received": "受理件数",
    "effective_rate": "有效率", "on_time_rate": "及时率", "total_due": "应收合计（元）",
    "total_collected": "实收合计（元）", "total_rate": "总收缴率",
}


def _figure(value: Any) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    return "—" if value is None else str(value)


@click.command("report")
@click.argument("report_id", metavar="REPORT")
@period_options()
@click.option("--set", "pairs", multiple=True,
              help="报表中需手写的栏目=值，如 analysis=原因分析、measures=改进措施、reviewer=审核人；可重复")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出")
@click.pass_context
def report_command(ctx: click.Context, report_id: str, pairs: tuple[str, ...], as_json: bool,
                   **periods: str | None) -> None:
    """用本期登记计算报表（投诉分析、报事周报、装修周报、特约服务、问卷回收、有效率及时率、收费统计），生成并归档。"""
    result = app(ctx).ledger.report(report_id, chosen_period(periods), values=parse_pairs(pairs, option="--set"))
    if as_json:
        echo_json(result.to_dict())
        return
    if result.reused:
        click.echo(f"本期登记没有变化，报表已于此前归档：{result.title} → 档号 {result.archival_code}")
    else:
        click.echo(f"已归档：{result.title}（{result.period_label}）→ 档号 {result.archival_code}  文号 {result.doc_number}")
    for key, name in FIGURE_NAMES.items():
        if key in result.figures:
            value = result.figures[key]
            shown = f"{value}%" if key.endswith("rate") and value is not None else _figure(value)
            click.echo(f"  {name}：{shown}")
    for form_id, numbers in result.counted.items():
        click.echo(f"  统计依据：{form_id} {len(numbers)} 条")


COMMANDS: list[click.Command] = [report_command]
