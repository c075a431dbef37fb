"""DOCX rendering with docxtpl, in the same sandbox and with the same filters."""

from __future__ import annotations

import io
from collections import OrderedDict
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage
from jinja2 import Template, TemplateError
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment

from dangan.errors import FormError
from dangan.forms.filters import make_env
from dangan.forms.qr import QR_MM
from dangan.forms.render_html import template_error


class _CachingSandbox(SandboxedEnvironment):
    """The sandboxed environment, compiling each distinct XML part once.

    docxtpl hands every part of the document (body, headers, footers…) to
    ``from_string`` on every render; the source is the same for every document
    of one template, and compiling it was a fifth of a DOCX's time."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._compiled: OrderedDict[str, Template] = OrderedDict()

    def from_string(self, source: Any, globals: Any = None, template_class: Any = None) -> Template:
        if globals is not None or template_class is not None or not isinstance(source, str):
            return super().from_string(source, globals, template_class)
        tpl = self._compiled.get(source)
        if tpl is None:
            tpl = self._compiled[source] = super().from_string(source)
            while len(self._compiled) > 256:
                self._compiled.popitem(last=False)
        else:
            self._compiled.move_to_end(source)
        return tpl


@lru_cache(maxsize=1)
def docx_env() -> SandboxedEnvironment:
    return make_env(env_class=_CachingSandbox)


@lru_cache(maxsize=64)
def _template_bytes(path: Path, mtime_ns: int) -> bytes:
    return path.read_bytes()


def template_bytes(path: Path) -> bytes:
    try:
        return _template_bytes(path, path.stat().st_mtime_ns)
    except OSError as e:
        raise FormError("找不到 Word 模板 template.docx", form=path.parent.name, path=path) from e


def render_docx(path: Path, form_id: str, context: Mapping[str, Any], *, qr_png: bytes | None) -> bytes:
    """Fill ``template.docx`` (sandboxed, autoescaped) and return the .docx bytes."""
    tpl = DocxTemplate(io.BytesIO(template_bytes(path)))
    ctx = dict(context)
    if qr_png is not None:
        ctx["qr"] = InlineImage(tpl, io.BytesIO(qr_png), width=Mm(QR_MM), height=Mm(QR_MM))
    try:
        tpl.render(ctx, jinja_env=docx_env(), autoescape=True)
    except (TemplateError, SecurityError) as e:
        raise template_error(form_id, path, e) from e
    buf = io.BytesIO()
    tpl.save(buf)
    return buf.getvalue()
