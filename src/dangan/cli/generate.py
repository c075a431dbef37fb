"""CLI command: ``dangan generate``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from dangan.cli.common import Bar, app, echo_json, fail, warn


def _formats(value: str) -> tuple[str, ...]:
    return tuple(p.strip().lower() for p in value.split(",") if p.strip())


def _report(result: Any, filed: list[Any], *, as_json: bool) -> None:
    if as_json:
        echo_json({
            "form": result.form_id,
            "documents": [{"doc_number": d.doc_number, "title": d.title,
                           "files": {k: str(v) for k, v in d.files.items()}, "warnings": d.warnings,
                           **({"archival_code": filed[i].record.archival_code} if i < len(filed) else {})}
                          for i, d in enumerate(result.documents)],
            "merged": str(result.merged) if result.merged else None,
            "failures": [str(e) for e in result.failures],
        })
        return
    for i, d in enumerate(result.documents):
        code = f"  档号 {filed[i].record.archival_code}" if i < len(filed) else ""
        click.echo(f"{d.doc_number}  {d.title}{code}")
        for p in d.files.values():
            click.echo(f"    {p}")
    if result.merged:
        click.echo(f"合并打印：{result.merged}")
    click.echo(f"共生成 {len(result.documents)} 份")


@click.command("generate")
@click.argument("form_id", metavar="FORM")
@click.option("--data", "data", type=click.Path(dir_okay=False, path_type=Path), help="YAML 或 JSON 数据文件")
@click.option("--sample", is_flag=True, help="用表单自带的示例数据")
@click.option("--batch", type=click.Path(dir_okay=False, path_type=Path),
              help="CSV 或 XLSX：通知每行一份；登记表/报表的每行填入表格（其他字段取 --data 或示例）")
@click.option("--format", "formats", default="pdf,docx", show_default=True, help="输出格式：pdf、docx，逗号分隔")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), help="输出目录（默认工作区 output/）")
@click.option("--merge", is_flag=True, help="另外生成一个合并的 PDF，便于一次打印整批")
@click.option("--blank", type=click.IntRange(0, 200), metavar="N",
              help="打印空白登记表：表格留 N 行空行供手写（表头可用 --data 预先填好）")
@click.option("--keep-going", is_flag=True, help="批量时跳过有错的行，其余照常生成，最后列出错误")
@click.option("--strict", is_flag=True, help="有字体里没有的字时拒绝生成（默认只警告）")
@click.option("--no-archive", is_flag=True, help="只生成文件，不归档")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出结果")
@click.pass_context
def generate_command(ctx: click.Context, form_id: str, data: Path | None, sample: bool, batch: Path | None,
                     formats: str, out_dir: Path | None, merge: bool, blank: int | None, keep_going: bool,
                     strict: bool, no_archive: bool, as_json: bool) -> None:
    """用数据、示例或批量表格生成表单（PDF/DOCX），并归档。"""
    given = {n for n, on in (("data", data is not None), ("sample", sample), ("batch", batch is not None)) if on}
    if blank is not None:
        if given - {"data"}:
            raise click.UsageError("--blank 只能和 --data 一起用（--data 提供表头，可不给）")
    elif len(given) != 1 and given != {"data", "batch"}:
        raise click.UsageError("请在 --data、--sample、--batch 中选择一个（登记表的 --batch 可再加 --data），或用 --blank N")
    bar = Bar(form_id, enabled=not as_json)
    try:
        outcome = app(ctx).generate(form_id, data=data, batch=batch, sample=sample, formats=_formats(formats),
                                    out_dir=out_dir, merge=merge, keep_going=keep_going, strict=strict,
                                    file=not no_archive, progress=bar, blank=blank)
    finally:
        bar.close()
    result = outcome.result
    for d in result.documents:
        for w in d.warnings:
            warn(f"{d.doc_number}：{w}")
    for w in outcome.warnings:
        warn(w)
    _report(result, outcome.filed, as_json=as_json)
    if result.failures and result.one_document:
        for e in result.failures:
            click.echo(f"未列入：{e}", err=True)
        fail(f"{len(result.failures)} 行有错，未列入表中（其余各行已生成 {len(result.documents)} 份）")
    if result.failures:
        for e in result.failures:
            click.echo(f"未生成：{e}", err=True)
        fail(f"{len(result.failures)} 行有错，未生成（其余 {len(result.documents)} 份已生成）")


COMMANDS: list[click.Command] = [generate_command]
