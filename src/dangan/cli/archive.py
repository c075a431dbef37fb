"""CLI commands of the archive: ``archive``, ``hold``, ``retention`` and ``verify``.

Each command parses its arguments, makes one library call and formats the
result.  No command here deletes a record or a file except
``retention dispose``, which the retention rules guard.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from dangan.cli.common import app, echo_json, fail, parse_date, parse_pairs, warn
from dangan.errors import ArchiveError

STATUS_NAMES = {"active": "在库", "held": "冻结", "disposed": "已销毁", "lent": "借出"}
SOURCE_NAMES = {"generated": "系统生成", "scanned": "扫描件", "manual": "手工添加"}


def _result_dict(ws_archive_dir: Path, src: Path, result: Any) -> dict[str, Any]:
    from dangan.app import readable

    record = result.record
    original = record.original
    return {
        "file": readable(src),
        "archival_code": record.archival_code,
        "duplicate": result.duplicate,
        "sha256": original.sha256 if original else None,
        "path": str(ws_archive_dir / original.path) if original else None,
        "title": record.title,
        "category": record.category,
        "period": record.period,
        "date": record.date.isoformat(),
    }


# ---------------------------------------------------------------- archive group


@click.group("archive")
def archive_group() -> None:
    """档案库：归档、查看、列表、导出、归档文件目录。"""


_ADD_PROPERTY_META = ("building", "unit", "room", "doc_number", "author", "security")


@archive_group.command("add")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--category", "-c", required=True, help="类别代码，如 TS（见 dangan archive categories）")
@click.option("--title", "-t", default=None, help="题名（默认：文件名）")
@click.option("--date", "-d", "date_text", default=None, help="文件日期 YYYY-MM-DD（默认：今天），决定年度")
@click.option("--meta", "-m", "meta_items", multiple=True,
              help="元数据 键=值，可重复；building/unit/room/doc_number/author/security 进入对应字段")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出每个文件的结果")
@click.pass_context
def add_command(
    ctx: click.Context, files: tuple[Path, ...], category: str, title: str | None, date_text: str | None,
    meta_items: tuple[str, ...], as_json: bool,
) -> None:
    """归档文件（PDF、DOCX、JPG、PNG、TIFF、文本）。相同内容不会重复归档。"""
    from dangan.app import ListenerError

    date = parse_date(date_text)
    meta = parse_pairs(meta_items, option="--meta")
    fields = {k: meta.pop(k) for k in _ADD_PROPERTY_META if k in meta}
    dangan = app(ctx)
    try:
        filed, error = dangan.file(files, category=category, title=title, date=date, meta=meta, **fields), None
    except ListenerError as e:
        filed, error = e.results, e
    _print_filing(dangan.ws.archive_dir, filed, as_json=as_json)
    if error is not None:
        fail(error)


def _print_filing(root: Path, filed: Sequence[Any], *, as_json: bool) -> None:
    rows = [_result_dict(root, f.source, f.result) for f in filed]
    if as_json:
        echo_json(rows[0] if len(rows) == 1 else rows)
        return
    for row in rows:
        if row["duplicate"]:
            click.echo(f"重复：{row['file']} 与已归档的 {row['archival_code']} 内容相同，未重复归档")
        else:
            click.echo(f"已归档：{row['file']} → {row['archival_code']}（{row['title']}）")


@archive_group.command("show")
@click.argument("code")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出")
@click.pass_context
def show_command(ctx: click.Context, code: str, as_json: bool) -> None:
    """显示一件档案的元数据、文件和冻结情况。"""
    from dangan.app import record_to_dict

    dangan = app(ctx)
    details = dangan.show(code)
    record, expiry, holds = details.record, details.expiry, details.holds
    loans = dangan.lending.list(code=record.archival_code, active_only=True)
    if as_json:
        data = record_to_dict(record)
        data["expiry"] = expiry.isoformat() if expiry else None
        data["holds"] = [h.to_dict() for h in holds]
        data["loans"] = [v.to_dict() for v in loans]
        echo_json(data)
        return
    for label, value in _show_lines(record, expiry, holds):
        click.echo(f"{label}：{value}")
    for v in loans:
        late = f"，已逾期 {v.days_overdue} 天" if v.days_overdue else ""
        click.echo(f"借出：#{v.loan.id} {v.loan.borrower}（{v.loan.purpose}），{v.loan.lent_at:%Y-%m-%d} 借出，"
                   f"应还 {v.loan.due.isoformat()}{late}")


ROLE_NAMES = {"original": "归档文件", "attachment": "附件", "signed": "签字扫描件",
              "rendition": "归档副本（归档章，PDF/A）", "rendition_superseded": "旧归档副本（已被替换）"}
TEXT_SOURCE_NAMES = {"layer": "PDF 文字层", "docx": "Word 文档", "txt": "文本文件", "ocr": "OCR 识别",
                     "none": "无文字（图片未识别）"}
META_NAMES = {"form_title": "表单名称", "owner": "业主", "transfer": "已移交（登记表档号）"}


def _show_lines(record: Any, expiry: dt.date | None, holds: list[Any]) -> list[tuple[str, str]]:
    from dangan.app import period_label

    lines = [
        ("档号", record.archival_code), ("题名", record.title), ("文号", record.doc_number or ""),
        ("责任者", record.author), ("日期", record.date.isoformat()), ("类别", record.category),
        ("保管期限", period_label(record.period)),
        ("可销毁日期", expiry.isoformat() if expiry else "永久保存"),
        ("密级", record.security), ("来源", SOURCE_NAMES.get(str(record.source), str(record.source))),
        ("状态", STATUS_NAMES.get(str(record.status), str(record.status))),
    ]
    for label, value in (("楼栋", record.building), ("单元", record.unit), ("房号", record.room),
                         ("表单", record.form_id)):
        if value:
            lines.append((label, value))
    if record.text_source:
        lines.append(("全文来源", TEXT_SOURCE_NAMES.get(record.text_source, record.text_source)))
    lines += [(META_NAMES.get(k, k), v) for k, v in record.meta.items() if not k.startswith("_")]
    for f in record.files:
        state = "（已销毁）" if f.destroyed else ""
        pages = f"，{f.page_count} 页" if f.page_count else ""
        role = ROLE_NAMES.get(str(f.role), str(f.role))
        lines.append((role, f"{f.path}（{f.format}，{f.size} 字节{pages}，原名 {f.original_name}）{state}"))
    lines += [("冻结", f"#{h.id} {h.reason}（{h.placed_at:%Y-%m-%d}{'，' + h.placed_by if h.placed_by else ''}）")
              for h in holds]
    if record.needs_review:
        lines.append(("待复核", "是"))
    return lines


@archive_group.command("list")
@click.option("--category", "-c", default=None, help="类别代码")
@click.option("--year", "-y", type=int, default=None, help="年度")
@click.option("--status", type=click.Choice(["active", "held", "disposed", "lent"]), default=None,
              help="状态：active 在库、held 冻结、disposed 已销毁、lent 借出")
@click.option("--needs-review", is_flag=True, default=None, help="只列出待复核（自动分类不确定）的档案")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出")
@click.pass_context
def list_command(ctx: click.Context, category: str | None, year: int | None, status: str | None,
                 needs_review: bool | None, as_json: bool) -> None:
    """列出档案。"""
    from dangan.app import record_to_dict

    records = app(ctx).records(category=category, year=year, status=status, needs_review=needs_review)
    if as_json:
        echo_json([record_to_dict(r) for r in records])
        return
    for r in records:
        state = STATUS_NAMES.get(str(r.status), str(r.status))
        click.echo(f"{r.archival_code}  {r.date.isoformat()}  {state}  {r.title}")
    click.echo(f"共 {len(records)} 件")


@archive_group.command("open")
@click.argument("code")
@click.pass_context
def open_command(ctx: click.Context, code: str) -> None:
    """用系统默认程序打开一件档案的副本（档案库中的原件不会被改动）。"""
    path = app(ctx).open_copy(code)
    click.echo(f"副本：{path}")
    click.launch(str(path))


@archive_group.command("export")
@click.argument("code")
@click.option("--to", "to_dir", required=True, type=click.Path(file_okay=False, path_type=Path), help="导出到的目录")
@click.pass_context
def export_command(ctx: click.Context, code: str, to_dir: Path) -> None:
    """把一件档案的文件复制到目录（副本不会写回档案库）。"""
    path = app(ctx).export(code, to_dir)
    click.echo(f"已导出：{path}")


@archive_group.command("edit")
@click.argument("code")
@click.option("--set", "changes", multiple=True, required=True, help="键=值，如 title=新题名；可重复")
@click.option("--reason", required=True, help="修改原因（记入审计）")
@click.pass_context
def edit_command(ctx: click.Context, code: str, changes: tuple[str, ...], reason: str) -> None:
    """更正档案的描述性元数据（档号、类别、文件不能改）。"""
    record = app(ctx).edit(code, parse_pairs(changes, option="--set"), reason=reason)
    click.echo(f"已更新：{record.archival_code}")


@archive_group.command("stamp")
@click.argument("codes", nargs=-1, required=True)
@click.option("--force", is_flag=True, help="即使归档副本已是最新也重新制作")
@click.pass_context
def stamp_command(ctx: click.Context, codes: tuple[str, ...], force: bool) -> None:
    """制作加盖归档章的归档副本（PDF/A-2b，原件不变）；元数据更正后会重新制作。"""
    for r in app(ctx).outputs.stamp(codes, force=force):
        state = "已制作" if r.made else "已是最新"
        click.echo(f"{state}：{r.code} → {r.path}")


@archive_group.command("reclassify")
@click.argument("code")
@click.option("--category", "-c", required=True, help="正确的类别代码或名称，如 LY 或 楼宇巡检")
@click.option("--reason", required=True, help="改类原因（记入审计）")
@click.option("--title", default=None, help="同时更正题名（可不填）")
@click.pass_context
def reclassify_command(ctx: click.Context, code: str, category: str, reason: str, title: str | None) -> None:
    """把待审核的档案改入正确的类别：以新档号重新归档，原档号保留并注明“已改类”（档号一经给出不再改变）。"""
    done = app(ctx).review.reclassify(code, category, reason=reason, title=title)
    click.echo(f"已改类：{done.old.archival_code} → {done.new.archival_code}（原档号保留，注明已改类）")


@archive_group.command("mask")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出")
@click.pass_context
def mask_command(ctx: click.Context, as_json: bool) -> None:
    """遮蔽目录中以前保存的电话、身份证、银行卡号（题名、全文、原文件名、元数据、表单数据），并重建索引；原文件不动，可重复运行。"""
    result = app(ctx).mask_stored_text()
    if as_json:
        echo_json(result.to_dict())
    else:
        click.echo(f"已检查 {result.records} 件档案，遮蔽了 {result.changed} 件：题名 {result.titles} 个、全文 {result.texts} 份、"
                   f"原文件名 {result.names} 个、元数据 {result.meta} 项、表单数据 {result.form_data} 件；"
                   f"新增号码检索词 {result.number_keys} 个" + ("（用完整号码仍能查到这些档案）。" if result.number_keys else "。"))
        if result.indexed is not None:
            click.echo(f"索引已重建：{result.indexed} 件。")
    if result.refused:
        fail(f"{len(result.refused)} 件档案的目录记录与审计记录不符，没有遮蔽：{'、'.join(result.refused[:20])}"
             "（请先运行 dangan verify 查明）")


@archive_group.command("categories")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出")
@click.pass_context
def categories_command(ctx: click.Context, as_json: bool) -> None:
    """列出文件计划（归档类别、代码、保管期限）。"""
    from dangan.app import period_label

    plan = app(ctx, index=False).categories()
    for w in plan.warnings:
        warn(w)
    if as_json:
        echo_json([{"code": c.code, "name": c.name, "period": c.period, "period_label": period_label(c.period),
                    "minimum": c.minimum, "contents": c.contents} for c in plan.categories])
        return
    for c in plan.categories:
        click.echo(f"{c.code:<4} {c.name}  {period_label(c.period)}  {c.contents}")


@archive_group.command("catalogue")
@click.option("--year", "-y", type=int, required=True, help="年度")
@click.option("--category", "-c", default=None, help="类别代码（默认：全部类别，每类一节）")
@click.option("--format", "fmt", type=click.Choice(["pdf", "xlsx"]), default="pdf", help="输出格式")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), default=None, help="输出文件")
@click.option("--force", is_flag=True, help="覆盖 --out 处已有的、不是 dangan 生成的文件（工作区自己的文件始终不能覆盖）")
@click.pass_context
def catalogue_command(ctx: click.Context, year: int, category: str | None, fmt: str, out: Path | None,
                      force: bool) -> None:
    """打印归档文件目录（A4 横向，每页重复表头，带页码）。"""
    path = app(ctx).catalogue(year=year, category=category, fmt=fmt, out=out, force=force)
    click.echo(f"归档文件目录：{path}")


# ----------------------------------------------------------------- hold group


@click.group("hold")
def hold_group() -> None:
    """冻结（诉讼、纠纷）：冻结中的档案不能销毁。"""


@hold_group.command("add")
@click.argument("codes", nargs=-1, required=True)
@click.option("--reason", required=True, help="冻结原因，如 诉讼")
@click.pass_context
def hold_add_command(ctx: click.Context, codes: tuple[str, ...], reason: str) -> None:
    """冻结档案（一件档案可以有多项冻结）。"""
    for r in app(ctx).hold(codes, reason=reason):
        click.echo(f"已冻结：{r.archival_code}")


@hold_group.command("release")
@click.argument("codes", nargs=-1, required=True)
@click.option("--reason", required=True, help="解除原因，如 结案")
@click.option("--all", "all_holds", is_flag=True, help="解除该档案的全部冻结（默认只解除最早的一项）")
@click.pass_context
def hold_release_command(ctx: click.Context, codes: tuple[str, ...], reason: str, all_holds: bool) -> None:
    """解除冻结。全部冻结解除后档案才恢复在库状态。"""
    for r in app(ctx).release(codes, reason=reason, all_holds=all_holds):
        state = "仍有冻结" if r.status == "held" else "已恢复在库"
        click.echo(f"已解除冻结：{r.archival_code}（{state}）")


@hold_group.command("list")
@click.argument("code")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出")
@click.pass_context
def hold_list_command(ctx: click.Context, code: str, as_json: bool) -> None:
    """列出一件档案的全部冻结记录。"""
    holds = app(ctx).holds(code, active_only=False)
    if as_json:
        echo_json([h.to_dict() for h in holds])
        return
    for h in holds:
        by = f"（{h.released_by}）" if h.released_by else ""
        state = f"已解除 {h.released_at:%Y-%m-%d}{by}：{h.release_reason}" if h.released_at else "冻结中"
        click.echo(f"#{h.id} {h.placed_at:%Y-%m-%d} {h.reason}{'（' + h.placed_by + '）' if h.placed_by else ''}  {state}")


# ------------------------------------------------------------ retention group


@click.group("retention")
def retention_group() -> None:
    """保管期限：到期清单、延长、销毁。"""


@retention_group.command("due")
@click.option("--as-of", "as_of", default=None, help="按此日期计算（只用于查看，不授权销毁）")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出（按类别分组）")
@click.pass_context
def due_command(ctx: click.Context, as_of: str | None, as_json: bool) -> None:
    """列出保管期限已满的档案，按类别分组。"""
    from dangan.app import period_label, record_to_dict

    dangan = app(ctx)
    names = dangan.category_names()
    items = dangan.due(parse_date(as_of, field="--as-of"))
    groups: dict[str, list] = {}
    for item in items:
        groups.setdefault(item.record.category, []).append(item)
    if as_json:
        echo_json([
            {"category": cat, "name": names.get(cat, ""), "records": [
                {**record_to_dict(i.record), "effective_period": i.period, "expiry": i.expiry.isoformat(),
                 "held": i.held} for i in group]}
            for cat, group in groups.items()
        ])
        return
    for cat, group in groups.items():
        click.echo(f"{cat} {names.get(cat, '')}（{len(group)} 件）")
        for i in group:
            held = "  [冻结中]" if i.held else ""
            click.echo(f"  {i.record.archival_code}  {i.record.title}  {period_label(i.period)}，"
                       f"{i.expiry.isoformat()} 起可销毁{held}")
    click.echo(f"共 {len(items)} 件到期")


@retention_group.command("extend")
@click.argument("codes", nargs=-1, required=True)
@click.option("--to", "to", required=True, help="新的保管期限：Y、D30、D10 或年数（如 15，即 D15）；只能延长")
@click.option("--reason", required=True, help="鉴定意见/原因")
@click.pass_context
def extend_command(ctx: click.Context, codes: tuple[str, ...], to: str, reason: str) -> None:
    """鉴定后延长保管期限（不能缩短）。"""
    from dangan.app import period_label

    for r in app(ctx).extend(codes, to=to, reason=reason):
        click.echo(f"已延长：{r.archival_code} → {period_label(r.period)}")


@retention_group.command("dispose")
@click.argument("codes", nargs=-1, required=True)
@click.option("--approver", required=True, help="批准人")
@click.option("--reason", required=True, help="销毁原因/鉴定意见")
@click.pass_context
def dispose_command(ctx: click.Context, codes: tuple[str, ...], approver: str, reason: str) -> None:
    """销毁到期且未冻结的档案：先生成并永久归档销毁清册，再销毁文件内容。"""
    from dangan.app import ListenerError

    try:
        result = app(ctx).dispose(codes, approver=approver, reason=reason)
    except ListenerError as e:
        click.echo("销毁已完成，但全文索引未更新。", err=True)
        fail(e)
    click.echo(f"销毁清册已归档：{result.register.archival_code}")
    for r in result.disposed:
        click.echo(f"已销毁：{r.archival_code}（{r.title}）")


# --------------------------------------------------------------------- verify


@click.command("verify")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出检测报告")
@click.option("--report", "as_record", is_flag=True, help="把检测报告生成为 PDF 并作为永久档案归档（DA/T 70）")
@click.pass_context
def verify_command(ctx: click.Context, as_json: bool, as_record: bool) -> None:
    """四性检测：真实性、完整性、可用性、安全性。发现问题时以非零状态退出。"""
    if as_record:
        report, filed = app(ctx).outputs.report()
    else:
        report, filed = app(ctx).verify(), None
    if as_json:
        echo_json(report.to_dict())
    else:
        for line in report.lines():
            click.echo(line)
    if filed is not None and not as_json:
        click.echo(f"检测报告已归档：{filed.archival_code}（{filed.title}）")
    if not report.ok:
        fail(ArchiveError(f"四性检测发现 {len(report.problems)} 个问题"))


COMMANDS: list[click.Command] = [archive_group, hold_group, retention_group, verify_command]
