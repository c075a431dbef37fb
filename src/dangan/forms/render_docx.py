"""DOCX rendering with docxtpl, in the same sandbox and with the same filters."""

from __future__ import annotations

import io
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage
from jinja2 import TemplateError
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment

from dangan.errors import FormError
from dangan.forms.filters import make_env
from dangan.forms.qr import QR_MM
from dangan.forms.render_html import template_error


@lru_cache(maxsize=1)
def docx_env() -> SandboxedEnvironment:
    return make_env()


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
