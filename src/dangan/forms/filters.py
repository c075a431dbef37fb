"""Template filters and the sandboxed Jinja environments (HTML and DOCX)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    FileSystemLoader,
    StrictUndefined,
    TemplateRuntimeError,
    Undefined,
)
from markupsafe import Markup, escape

from dangan.forms.cleantext import BadCharacter, clean_text
from dangan.forms.fields import mask_id, mask_phone
from dangan.forms.money import format_money, format_percent
from dangan.forms.sandbox import FormSandbox


def f_money(value: Any) -> str:
    return format_money(value)


def f_date_cn(value: Any) -> str:
    if value is None or value == "" or isinstance(value, Undefined):
        return ""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return f"{value.year}年{value.month}月{value.day}日"
    return str(value)


def f_datetime_cn(value: Any) -> str:
    if value is None or value == "" or isinstance(value, Undefined):
        return ""
    if isinstance(value, dt.datetime):
        return f"{value.year}年{value.month}月{value.day}日 {value:%H:%M}"
    return f_date_cn(value)


def f_percent(value: Any) -> str:
    if value is None or value == "" or isinstance(value, Undefined):
        return "—"
    if isinstance(value, float | int):
        value = Decimal(str(value))
    return format_percent(value)


def f_yesno(value: Any, yes: str = "是", no: str = "否") -> str:
    if value is None or isinstance(value, Undefined):
        return ""
    return yes if value else no


FILTERS = {
    "money": f_money,
    "date_cn": f_date_cn,
    "datetime_cn": f_datetime_cn,
    "percent": f_percent,
    "yesno": f_yesno,
    "mask_phone": lambda v: "" if v is None else mask_phone(v),
    "mask_id": lambda v: "" if v is None else mask_id(v),
}


def signatures(roles: Any, dated: bool = True) -> Markup:
    """Signature (and date) lines for the HTML templates: ``{{ signatures(["经办人", "业主"]) }}``."""
    cells = []
    for role in roles or ():
        date = '<br>日期：<span class="line">&nbsp;</span>' if dated else ""
        cells.append(f'<td>{escape(role)}（签字）：<span class="line">&nbsp;</span>{date}</td>')
    return Markup('<table class="signatures"><tr>' + "".join(cells) + "</tr></table>")


def _finalize(value: Any) -> Any:
    """None prints as nothing; text is printable in both formats (validated values already are:
    this also covers what a template prints from elsewhere, such as the company settings)."""
    if value is None:
        return ""
    if isinstance(value, str) and not value.isprintable():
        try:
            return type(value)(clean_text(value)) if isinstance(value, Markup) else clean_text(value)
        except BadCharacter as e:
            raise TemplateRuntimeError(f"模板要打印的内容{e}") from e
    return value


def make_env(loader: BaseLoader | None = None, *, strict: bool = False,
             env_class: type[FormSandbox] = FormSandbox) -> FormSandbox:
    """A sandboxed (with limits: sandbox.py), autoescaping environment with dangan's filters.

    ``None`` renders as an empty string.  ``strict`` makes undefined names an
    error (used by ``templates check``).
    """
    env = env_class(
        loader=loader,
        autoescape=True,
        finalize=_finalize,
        undefined=StrictUndefined if strict else Undefined,
        trim_blocks=False,
    )
    env.filters.update(FILTERS)
    env.globals["signatures"] = signatures
    return env


def html_loader(dirs: list[Any]) -> ChoiceLoader:
    return ChoiceLoader([FileSystemLoader(str(d)) for d in dirs])
