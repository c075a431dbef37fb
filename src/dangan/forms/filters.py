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


BLANK = "__________"  # the line a clerk fills in by hand


def _empty(value: Any) -> bool:
    return value is None or value == "" or isinstance(value, Undefined)


def f_blank(value: Any, width: int = len(BLANK)) -> Any:
    """The value, or a line to fill in by hand when there is none: ``{{ remarks|blank }}``."""
    return "_" * max(2, min(int(width), 60)) if _empty(value) else value


def f_checkboxes(value: Any, choices: Any, suffix: str = "", sep: str = "　") -> str:
    """Every choice with ☑ before the chosen one and ☐ before the others:
    ``{{ period_type|checkboxes(["月", "季"], "度") }}`` → ☑月度　☐季度."""
    chosen = None if _empty(value) else str(value)
    return sep.join(("☑" if str(c) == chosen else "☐") + str(c) + suffix for c in choices or ())


_CN_DIGITS = "零一二三四五六七八九"


def _cn_number(n: int) -> str:
    """12 → 十二, 305 → 三百零五 (0 ≤ n < 10,000; the spoken form, not 大写)."""
    if n < 10:
        return _CN_DIGITS[n]
    out, zero = "", False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d, n = divmod(n, value)
        if d:
            out += ("零" if zero and out else "") + ("" if (value == 10 and d == 1 and not out) else _CN_DIGITS[d]) + unit
            zero = False
        elif out:
            zero = True
    return out


def f_rate_cn(value: Any) -> str:
    """A daily rate as offices write it: 0.0003 → 万分之三, 0.001 → 千分之一, 0.00025 → 万分之二点五."""
    if _empty(value):
        return ""
    rate = Decimal(str(value))
    for scale, name in ((Decimal(100), "百分之"), (Decimal(1000), "千分之"), (Decimal(10000), "万分之")):
        n = rate * scale
        if n == n.to_integral_value() and 0 < n < 10000:
            return name + _cn_number(int(n))
    n = (rate * 10000).normalize()
    if 0 < n < 10000:
        whole, _, frac = f"{n:f}".partition(".")
        return "万分之" + _cn_number(int(whole)) + "点" + "".join(_CN_DIGITS[int(d)] for d in frac)
    return f"{rate:f}"


FILTERS = {
    "money": f_money,
    "date_cn": f_date_cn,
    "datetime_cn": f_datetime_cn,
    "percent": f_percent,
    "yesno": f_yesno,
    "blank": f_blank,
    "checkboxes": f_checkboxes,
    "rate_cn": f_rate_cn,
    "mask_phone": lambda v: "" if v is None else mask_phone(v),
    "mask_id": lambda v: "" if v is None else mask_id(v),
}


def _unbroken(fn: Any) -> Any:
    """HTML: a short value (a date, an amount) is never broken across lines."""
    def wrapped(value: Any, *args: Any) -> Any:
        text = fn(value, *args)
        return Markup('<span class="nw">%s</span>') % text if text else text
    return wrapped


HTML_FILTERS = {**FILTERS, **{name: _unbroken(FILTERS[name]) for name in ("money", "date_cn", "datetime_cn", "percent")}}


def signatures(roles: Any, dated: bool = True) -> Markup:
    """Signature (and date) lines, for HTML templates written before the sign-row convention
    (docs/FORMS.md): ``{{ signatures(["经办人", "业主"]) }}``.  The Word conversion does not know it."""
    cells = []
    for role in roles or ():
        date = "<br>日期：____年__月__日" if dated else ""
        cells.append(f'<td>{escape(role)}（签字）：<span class="line"></span>{date}</td>')
    return Markup('<table class="sign-row"><tr>' + "".join(cells) + "</tr></table>")


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
             env_class: type[FormSandbox] = FormSandbox, docx: bool = False) -> FormSandbox:
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
    env.filters.update(FILTERS if docx else HTML_FILTERS)
    env.globals["signatures"] = signatures
    return env


def html_loader(dirs: list[Any]) -> ChoiceLoader:
    return ChoiceLoader([FileSystemLoader(str(d)) for d in dirs])
