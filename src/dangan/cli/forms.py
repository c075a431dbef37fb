"""CLI commands: ``forms list``, ``forms show``, ``templates check``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from dangan.cli.common import app, echo_json, fail

TYPE_NAMES = {"text": "文本", "integer": "整数", "money": "金额", "date": "日期", "datetime": "日期时间",
              "choice": "选项", "bool": "是/否", "table": "表格"}


@click.group("forms")
def forms_group() -> None:
    """表单目录：查看所有标准表单及其字段。"""


@forms_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 数组输出（id、title、kind、category 等）")
@click.pass_context
def forms_list(ctx: click.Context, as_json: bool) -> None:
    """列出所有表单（内置的和工作区 templates/ 里的）。"""
    from dangan.app import KIND_NAMES

    forms = app(ctx, index=False).forms()
    if as_json:
        echo_json([f.summary() for f in forms])
        return
    for f in forms:
        local = "（本地）" if f.local else ""
        click.echo(f"{f.id:<28} {f.title}{local}  [{KIND_NAMES[f.kind]} · 类别 {f.category} · {f.paper}]")
    click.echo(f"共 {len(forms)} 个表单")


def _field_line(f: Any, indent: str = "  ") -> str:
    req = "必填" if f.required or f.min_rows > 0 else "选填"
    extra = []
    if f.choices:
        extra.append("可选：" + "、".join(f.choices))
    if f.mask:
        extra.append("打印时遮盖")
    if f.help:
        extra.append(f.help)
    tail = f"  {'；'.join(extra)}" if extra else ""
    return f"{indent}{f.id:<20} {f.label}  {TYPE_NAMES[f.type]}  {req}{tail}"


def _show(form: Any) -> None:
    from dangan.app import KIND_NAMES

    click.echo(f"{form.title}（{form.id}）  {KIND_NAMES[form.kind]} · 类别 {form.category} · 文号前缀 "
               f"{form.prefix} · {form.paper}")
    if form.rule:
        click.echo(f"依据：{form.rule}")
    click.echo("字段：")
    for f in form.fields:
        click.echo(_field_line(f))
        for c in f.columns:
            click.echo(_field_line(c, indent="      "))
    if form.derive:
        click.echo("自动计算：")
        for d in form.derive:
            click.echo(f"  {d.id:<20} {d.fn}({', '.join(map(str, d.args))})")


@forms_group.command("show")
@click.argument("form_id", metavar="FORM")
@click.pass_context
def forms_show(ctx: click.Context, form_id: str) -> None:
    """显示一个表单的字段、类型和是否必填。"""
    _show(app(ctx, index=False).form(form_id))


@click.group("templates")
def templates_group() -> None:
    """模板维护。"""


@templates_group.command("check")
@click.pass_context
def templates_check(ctx: click.Context) -> None:
    """检查所有模板（内置和本地）：语法错误、被拆开的标签、未定义的变量。"""
    count, problems = app(ctx, index=False).check_templates()
    for p in problems:
        click.echo(str(p), err=True)
    if problems:
        fail(f"{count} 个表单中发现 {len(problems)} 个问题")
    click.echo(f"已检查 {count} 个表单，模板没有问题")


@templates_group.command("docx")
@click.argument("form_id", metavar="FORM")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="输出文件（内置表单必须指定）")
@click.pass_context
def templates_docx(ctx: click.Context, form_id: str, out: Path | None) -> None:
    """由 template.html 生成同样版式的 Word 模板 template.docx（可再在 Word 里修改）。"""
    path = app(ctx, index=False).build_docx_template(form_id, out=out)
    click.echo(f"已生成 Word 模板：{path}")


COMMANDS: list[click.Command] = [forms_group, templates_group]
