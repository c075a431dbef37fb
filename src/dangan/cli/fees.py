"""CLI commands of the fee-collection chain: ``fees`` (import, payments, notices, dunning, deadline, stats, status, reverse)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from dangan.cli.common import Bar, app, echo_json, parse_date, parse_pairs
from dangan.cli.periods import chosen_period, period_options


@click.group("fees")
def fees_group() -> None:
    """收费：缴费清单 → 缴费通知单 → 缴费记录 → 催缴通知书 → 限期缴费通知书（滞纳金）→ 收费情况统计表。"""


def _yuan(text: str) -> str:
    """"1149.00" → "1,149.00" (as a clerk reads amounts)."""
    from decimal import Decimal

    return f"{Decimal(text):,.2f}"


def _print_batch(batch: Any, *, as_json: bool) -> None:
    if as_json:
        echo_json(batch.to_dict())
        return
    for n in batch.notices:
        extra = f"  滞纳金 {n.to_dict()['late_fee']} 元" if n.late_fee_cents else ""
        click.echo(f"{n.unit}  {n.owner}  {n.name} {n.doc_number}  {_yuan(n.to_dict()['total'])} 元{extra}  "
                   f"档号 {n.archival_code}")
    for s in batch.skipped:
        click.echo(f"未重复打印：{s}")
    if batch.merged:
        click.echo(f"合并打印：{batch.merged}")
    click.echo(f"共 {len(batch.notices)} 份")


@fees_group.command("import")
@click.argument("month")
@click.argument("sheet", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--issue-date", default=None, help="缴费清单/缴费通知单的日期（默认今天）；缴费期限 = 此日 + fees.payment_days")
@click.pass_context
def import_command(ctx: click.Context, month: str, sheet: Path, issue_date: str | None) -> None:
    """导入收银员的缴费清单（表头：房号、业主、项目、金额；每户每个收费项目一行）。"""
    result = app(ctx, index=False).fees.import_bills(month, sheet, issue_date=parse_date(issue_date, field="--issue-date"))
    d = result.to_dict()
    click.echo(f"已导入 {d['month']} 缴费清单：{d['units']} 户 {d['lines']} 项，合计 {_yuan(d['total'])} 元；"
               f"缴费期限 {d['due_date']}")


@fees_group.command("payments")
@click.argument("sheet", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
def payments_command(ctx: click.Context, sheet: Path) -> None:
    """记录缴费（表头：房号、项目、实收金额、缴费日期）；每笔先冲抵该户该项目最早的欠费。"""
    d = app(ctx, index=False).fees.record_payments(sheet).to_dict()
    extra = f"，其中 {d['credit']} 元超出应缴（记为预存）" if d["credit"] != "0.00" else ""
    click.echo(f"已记录 {d['payments']} 笔缴费（{d['units']} 户），合计 {_yuan(d['total'])} 元{extra}")


@fees_group.command("notices")
@click.argument("month")
@click.option("--merge", is_flag=True, help="另外生成一个合并的 PDF，便于一次打印")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出")
@click.pass_context
def notices_command(ctx: click.Context, month: str, merge: bool, as_json: bool) -> None:
    """按缴费清单给该月每户打印缴费通知单并归档（已打印过的户不重复）。"""
    bar = Bar("缴费通知单", enabled=not as_json)
    try:
        batch = app(ctx).fees.notices(month, merge=merge, progress=bar)
    finally:
        bar.close()
    _print_batch(batch, as_json=as_json)


@fees_group.command("dunning")
@click.option("--as-of", "as_of", required=True, help="以此日为准（YYYY-MM-DD）：缴费期限已过仍有欠费的户")
@click.option("--handler", default=None, help="片区管理员（默认 ledger.staff 或当前用户名）")
@click.option("--merge", is_flag=True, help="另外生成一个合并的 PDF，便于一次打印")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出")
@click.pass_context
def dunning_command(ctx: click.Context, as_of: str, handler: str | None, merge: bool, as_json: bool) -> None:
    """给缴费期限已过仍有欠费的每户打印一份催缴通知书并归档，每份一行。"""
    day = parse_date(as_of, field="--as-of")
    _print_batch(app(ctx).fees.dunning(day, handler=handler, merge=merge), as_json=as_json)


@fees_group.command("deadline")
@click.option("--as-of", "as_of", required=True, help="以此日为准（YYYY-MM-DD）：催缴期限已过仍有欠费的户")
@click.option("--handler", default=None, help="片区管理员（默认 ledger.staff 或当前用户名）")
@click.option("--merge", is_flag=True, help="另外生成一个合并的 PDF，便于一次打印")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出")
@click.pass_context
def deadline_command(ctx: click.Context, as_of: str, handler: str | None, merge: bool, as_json: bool) -> None:
    """给收到催缴通知书后逾期仍未缴清的每户打印限期缴费通知书（含已计滞纳金）并归档。"""
    day = parse_date(as_of, field="--as-of")
    _print_batch(app(ctx).fees.deadline(day, handler=handler, merge=merge), as_json=as_json)


@fees_group.command("stats")
@period_options(kinds=("month", "quarter", "half", "year"))
@click.option("--set", "pairs", multiple=True, help="表中手写的栏目=值，如 remarks=情况说明、assistant=片区管理员")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出")
@click.pass_context
def stats_command(ctx: click.Context, pairs: tuple[str, ...], as_json: bool, **periods: str | None) -> None:
    """收费情况统计表（月、季、半年、年）：应收、实收、收缴率，物业管理费 95%、其余 100% 是否达标，生成并归档。"""
    dangan = app(ctx)
    result = dangan.fees.stats(dangan.ledger.period("fee-collection-stats", chosen_period(periods)),
                               values=parse_pairs(pairs, option="--set"))
    if as_json:
        echo_json(result.to_dict())
        return
    state = "（本期数据未变，沿用已归档的报表）" if result.reused else ""
    click.echo(f"已归档：{result.title} → 档号 {result.archival_code}{state}")
    for row in result.rows:
        met = {True: "达标", False: "未达标"}.get(row.get("met"), "—")
        click.echo(f"  {row['fee_type']}：应收 {row['due']} 元，实收 {row['collected']} 元，收缴率 {row.get('rate')}%，"
                   f"目标 {row.get('target')}%，{met}")
    f = result.figures
    click.echo(f"  应收 {f.get('total_due')} 元，实收 {f.get('total_collected')} 元，总收缴率 {f.get('total_rate')}%")


@fees_group.command("status")
@click.argument("unit")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出")
@click.pass_context
def status_command(ctx: click.Context, unit: str, as_json: bool) -> None:
    """一户的收费链：各月账单与缴费、缴费通知单、催缴通知书、限期缴费通知书（档号）、欠费与滞纳金。"""
    chain = app(ctx, index=False).fees.status(unit)
    d = chain.to_dict()
    if as_json:
        echo_json(d)
        return
    click.echo(f"{d['unit']}（截至 {d['as_of']}）")
    for ln in d["lines"]:
        state = f"已缴清（{ln['settled_on']}）" if ln["settled_on"] else f"未缴 {ln['remaining']} 元（期限 {ln['due_date']}）"
        click.echo(f"  账单 {ln['month']} {ln['item']} {ln['amount']} 元：{state}")
    for p in d["payments"]:
        mark = "（已冲正，不计入）" if p["reversed"] else ""
        click.echo(f"  缴费 第 {p['id']} 笔 {p['paid_on']} {p['item']} {p['amount']} 元{mark}")
    for r in d["reversals"]:
        what = f"第 {r['payment']} 笔缴费" if r["kind"] == "payment" else f"账单 {r['month']} {r['item']} → {r['corrected']} 元"
        click.echo(f"  冲正 {r['reversed_at'][:16].replace('T', ' ')} {what}（{r['reversed_by'] or ''}）：{r['reason']}")
    for n in d["notices"]:
        items = "、".join(f"{ln['month']} {ln['item']}" for ln in n["lines"])
        click.echo(f"  {n['name']} {n['doc_number']}（{n['issued_on']}）档号 {n['archival_code']}：{items}")
    click.echo(f"  逾期欠费 {d['arrears']} 元；滞纳金 {d['late_fee']} 元；预存 {d['credit']} 元")


@fees_group.command("reverse")
@click.option("--payment", "payment_id", type=int, default=None, help="冲正这笔缴费（编号见 dangan fees status 房号）")
@click.option("--bill", "month", default=None, help="冲正这个月（YYYY-MM）缴费清单上的一项，与 --unit、--item 一起用")
@click.option("--unit", default=None, help="房号（与 --bill 一起用）")
@click.option("--item", default=None, help="收费项目（与 --bill 一起用）")
@click.option("--amount", default=None, help="冲正后该项应收的金额（默认 0：不应收）")
@click.option("--reason", required=True, help="冲正原因（必填，记入审计）")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出")
@click.pass_context
def reverse_command(ctx: click.Context, payment_id: int | None, month: str | None, unit: str | None,
                    item: str | None, amount: str | None, reason: str, as_json: bool) -> None:
    """冲正记错的一笔缴费或缴费清单上的一项（写明原因，原记录保留，不删除）；改正后的缴费再用 fees payments 记录。"""
    from decimal import Decimal, InvalidOperation

    from dangan.app.fees import reversal_dict

    if (payment_id is None) == (month is None):
        raise click.UsageError("请用 --payment 编号 冲正一笔缴费，或用 --bill 月份 --unit 房号 --item 项目 冲正一项账单")
    fees = app(ctx, index=False).fees
    if payment_id is not None:
        if unit or item or amount:
            raise click.UsageError("--unit、--item、--amount 只和 --bill 一起用")
        made = fees.reverse_payment(payment_id, reason=reason)
    else:
        if not unit or not item:
            raise click.UsageError("--bill 需要 --unit 房号 和 --item 项目")
        try:
            corrected = Decimal(amount.replace(",", "").lstrip("¥￥")) if amount is not None else None
        except InvalidOperation:
            raise click.BadParameter(f"不是金额：{amount}", param_hint="--amount") from None
        made = fees.reverse_bill(month or "", unit, item, reason=reason, corrected=corrected)
    d = reversal_dict(made)
    if as_json:
        echo_json(d)
        return
    if made.kind == "payment":
        click.echo(f"已冲正第 {d['payment']} 笔缴费：{d['unit']} {d['item']} {_yuan(d['amount'])} 元（不再计入）；原因：{d['reason']}")
    else:
        click.echo(f"已冲正 {d['unit']} {d['month']}「{d['item']}」：{_yuan(d['amount'])} 元 → {_yuan(d['corrected'])} 元；"
                   f"原因：{d['reason']}")


COMMANDS: list[click.Command] = [fees_group]
