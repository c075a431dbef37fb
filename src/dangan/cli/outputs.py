"""CLI commands of what the archive hands over: ``lend`` (借阅) and ``transfer`` (移交)."""

from __future__ import annotations

from pathlib import Path

import click

from dangan.cli.common import app, echo_json, fail, parse_date
from dangan.errors import ArchiveError, DanganError

# ----------------------------------------------------------------------- lend


@click.group("lend")
def lend_group() -> None:
    """借阅：借出、归还、借阅清单（逾期）、每月的档案借阅登记表。借出中的档案不能销毁。"""


@lend_group.command("out")
@click.argument("codes", nargs=-1, required=True)
@click.option("--to", "borrower", required=True, help="借阅人")
@click.option("--purpose", required=True, help="借阅目的，如 年度审计")
@click.option("--due", "due_text", required=True, help="应还日期 YYYY-MM-DD")
@click.option("--unit", default="", help="借阅人单位/部门")
@click.option("--approver", default="", help="批准人（密级不是“无”的档案必须填写）")
@click.option("--copy-to", "copy_to", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="电子借阅：把每页带“借阅专用”水印的副本写到这个目录")
@click.pass_context
def lend_out_command(ctx: click.Context, codes: tuple[str, ...], borrower: str, purpose: str, due_text: str,
                     unit: str, approver: str, copy_to: Path | None) -> None:
    """借出档案（记入审计，状态变为“借出”）。"""
    due = parse_date(due_text, field="--due")
    outcome = app(ctx).lending.out(codes, to=borrower, purpose=purpose, due=due, unit=unit, approver=approver,
                                   copy_to=copy_to)
    for loan in outcome.loans:
        click.echo(f"已借出：{loan.code} → {loan.borrower}，应还 {loan.due.isoformat()}（借阅 #{loan.id}）")
    for path in outcome.copies:
        click.echo(f"电子借阅副本：{path}")


@lend_group.command("return")
@click.argument("codes", nargs=-1, required=True)
@click.option("--note", default="", help="归还检查情况，如 完好")
@click.pass_context
def lend_return_command(ctx: click.Context, codes: tuple[str, ...], note: str) -> None:
    """归还档案（记入审计）。"""
    for loan in app(ctx).lending.return_(codes, note=note):
        click.echo(f"已归还：{loan.code}（借阅 #{loan.id}，{loan.borrower}）")


@lend_group.command("list")
@click.option("--overdue", is_flag=True, help="只列出逾期未还的借阅")
@click.option("--open", "active_only", is_flag=True, help="只列出未归还的借阅")
@click.option("--code", default=None, help="只列出这件档案的借阅")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出")
@click.pass_context
def lend_list_command(ctx: click.Context, overdue: bool, active_only: bool, code: str | None, as_json: bool) -> None:
    """借阅清单（逾期按今天计算）。"""
    views = app(ctx, index=False).lending.list(overdue=overdue, active_only=active_only, code=code)
    if as_json:
        echo_json([v.to_dict() for v in views])
        return
    for v in views:
        loan = v.loan
        state = (f"{loan.returned_at:%Y-%m-%d} 已还" if loan.returned_at
                 else f"逾期 {v.days_overdue} 天" if v.days_overdue else "借出中")
        click.echo(f"#{loan.id} {loan.code} {v.title}  {loan.borrower}  {loan.lent_at:%Y-%m-%d} → "
                   f"{loan.due.isoformat()}  {state}")
    click.echo(f"共 {len(views)} 条")


@lend_group.command("register")
@click.option("--month", "month_text", required=True, help="月份 YYYY-MM，如 2026-11")
@click.pass_context
def lend_register_command(ctx: click.Context, month_text: str) -> None:
    """生成并归档某月的档案借阅登记表。"""
    try:
        year, month = (int(x) for x in month_text.strip().split("-"))
    except ValueError:
        raise click.BadParameter("应写成 YYYY-MM，如 2026-11", param_hint="--month") from None
    record = app(ctx).lending.register(year=year, month=month)
    click.echo(f"借阅登记表已归档：{record.archival_code}（{record.title}）")


# ------------------------------------------------------------------- transfer


@click.group("transfer")
def transfer_group() -> None:
    """移交：导出移交包（含登记表）、核验移交包、在接收方导入。"""


@transfer_group.command("export")
@click.option("--year", "-y", type=int, required=True, help="年度")
@click.option("--category", "-c", default=None, help="类别代码（默认：该年度全部类别）")
@click.option("--to", "to_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="移交包目录（必须不存在或为空）")
@click.option("--receiver", default=None, help="接收单位（默认：设置项 outputs.receiving_unit）")
@click.pass_context
def transfer_export_command(ctx: click.Context, year: int, category: str | None, to_dir: Path,
                            receiver: str | None) -> None:
    """导出一个年度（类别）的移交包：每件一个目录（文件 + XML 元数据）、清单（SHA-256、SM3）、
    归档文件目录、移交与接收登记表（登记表同时归档）。"""
    result = app(ctx).transfer.export(year=year, category=category, to=to_dir, receiver=receiver)
    click.echo(f"移交包：{result.path}（{result.items} 件，{result.files} 个文件，{result.volume}）")
    click.echo(f"清单 SHA-256：{result.manifest_sha256}")
    click.echo(f"清单 SM3：{result.manifest_sm3}")
    click.echo(f"移交与接收登记表已归档：{result.register}")


@transfer_group.command("verify")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出")
@click.pass_context
def transfer_verify_command(ctx: click.Context, directory: Path, as_json: bool) -> None:
    """核验移交包（可在任何地方运行）：每个文件的摘要、元数据格式、件数与登记表是否一致。"""
    from dangan.app.transfer import verify_package

    try:
        report = verify_package(directory)
    except DanganError as e:
        fail(e)
    if as_json:
        echo_json(report.to_dict())
    else:
        for line in report.lines():
            click.echo(line)
    if not report.ok:
        fail(ArchiveError(f"移交包核验发现 {len(report.problems)} 个问题", path=directory))


@transfer_group.command("import")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.pass_context
def transfer_import_command(ctx: click.Context, directory: Path) -> None:
    """把移交包导入本工作区（接收）：保留档号和审计历史，导入后做四性检测。"""
    result = app(ctx).transfer.import_(directory)
    click.echo(f"已接收：{result.items} 件（其中已销毁 {result.disposed} 件，仅目录）")
    for line in result.verify.lines():
        click.echo(line)
    if not result.verify.ok:
        fail(ArchiveError(f"接收后的四性检测发现 {len(result.verify.problems)} 个问题"))


COMMANDS: list[click.Command] = [lend_group, transfer_group]
