"""CLI commands: ``dangan search`` and ``dangan index rebuild|check``."""

from __future__ import annotations

import sys
from typing import Any

import click

from dangan.cli.common import app, echo_json, parse_date


@click.command("search")
@click.argument("query", nargs=-1, required=True)
@click.option("--category", help="类别代码或名称，如 TS 或 投诉处理")
@click.option("--year", type=int, help="年度，如 2026")
@click.option("--from", "date_from", help="起始日期 YYYY-MM-DD（含）")
@click.option("--to", "date_to", help="截止日期 YYYY-MM-DD（含）")
@click.option("--unit", help="房号/单元，如 3栋1201")
@click.option("--form", help="表单编号，如 payment-notice")
@click.option("--period", type=click.Choice(["Y", "D30", "D10"], case_sensitive=False), help="保管期限")
@click.option("--status", type=click.Choice(["active", "held", "disposed", "lent", "在库", "冻结", "已销毁", "借出"]), help="状态")
@click.option("--limit", type=click.IntRange(1, 1000), default=10, show_default=True, help="最多显示几条")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出（total、results、facets）")
@click.pass_context
def search_command(
    ctx: click.Context, query: tuple[str, ...], category: str | None, year: int | None, date_from: str | None,
    date_to: str | None, unit: str | None, form: str | None, period: str | None, status: str | None, limit: int,
    as_json: bool,
) -> None:
    """全文检索档案。多个词默认同时满足；支持 OR、NOT（或 -词）、"短语"、字段:值（如 category:TS、year:2026）。"""
    dangan = app(ctx)
    results = dangan.search(" ".join(query), category=category, year=year,
                            date_from=parse_date(date_from, field="--from"), date_to=parse_date(date_to, field="--to"),
                            unit=unit, form=form, period=period, status=status, limit=limit)
    if as_json:
        echo_json(results.to_dict())
        return
    _print_results(results, dangan.category_names())


def _print_results(results: Any, names: dict[str, str]) -> None:
    from dangan.app import STATUS_LABELS

    if not results.hits:
        click.echo(f"没有找到与「{results.query}」匹配的档案。")
        click.echo(f"检索式被理解为：{results.understood}")
        click.echo("提示：减少关键词、去掉筛选条件，或用 OR 连接近义词（如 噪音 OR 噪声）。")
        return
    click.echo(f"共 {results.total} 条，显示前 {len(results.hits)} 条（检索式：{results.understood}）\n")
    tty = sys.stdout.isatty()
    for i, h in enumerate(results.hits, 1):
        status = "" if h.status == "active" else f" [{STATUS_LABELS.get(h.status, h.status)}]"
        click.echo(f"{i:>2}. {h.archival_code}  {h.date}  {names.get(h.category, h.category)}{status}")
        click.echo(f"    {h.title}")
        if h.snippet:
            click.echo(f"    {_emphasise(h.snippet) if tty else h.snippet.marked()}")
    click.echo("")
    for name, label in (("category", "按类别"), ("year", "按年度")):
        counts = results.facets.get(name, {})
        if counts:
            parts = "  ".join(f"{names.get(k, k) if name == 'category' else k} {v}" for k, v in counts.items())
            click.echo(f"{label}：{parts}")


def _emphasise(snippet: Any) -> str:
    return str(snippet.marked("\x1b[1;31m", "\x1b[0m"))


@click.group("index")
def index_group() -> None:
    """全文索引维护：重建（rebuild）与一致性检查（check）。"""


@index_group.command("rebuild")
@click.option("--processes", type=click.IntRange(0, 8), default=None,
              help="写索引的进程数（默认按 CPU 核数，最多 2；0 或 1 为单进程）")
@click.pass_context
def rebuild_command(ctx: click.Context, processes: int | None) -> None:
    """按档案目录重建全文索引（先建新索引再切换，失败时旧索引保留）。"""
    from tqdm import tqdm

    with tqdm(desc="重建索引", unit="件", disable=None, file=sys.stderr) as bar:
        result = app(ctx).rebuild_index(progress=bar.update, processes=processes)
    click.echo(f"索引已重建：{result.documents} 件。")


@index_group.command("check")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出")
@click.pass_context
def check_command(ctx: click.Context, as_json: bool) -> None:
    """检查索引与档案目录是否一致（缺失、过期、多余）；不一致时退出码为 1。"""
    report = app(ctx).check_index()
    if as_json:
        echo_json(report.to_dict())
    else:
        _print_report(report)
    if not report.ok:
        ctx.exit(1)


def _print_report(report: Any) -> None:
    if report.problem:
        click.echo(f"索引不可用：{report.problem}")
    click.echo(f"目录 {report.checked} 件，索引 {report.indexed} 条。")
    for label, codes in (("缺失（目录有、索引无）", report.missing), ("过期（索引内容落后于目录）", report.stale),
                         ("多余（索引有、目录无）", report.extra)):
        if codes:
            shown = "、".join(codes[:20]) + (f" 等 {len(codes)} 件" if len(codes) > 20 else "")
            click.echo(f"{label}：{shown}")
    click.echo("一致。" if report.ok else "索引与目录不一致，请运行 dangan index rebuild。")


COMMANDS: list[click.Command] = [search_command, index_group]
