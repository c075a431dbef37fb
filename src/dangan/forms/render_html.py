"""HTML rendering: the form's ``template.html`` through the sandboxed Jinja."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import TemplateError
from jinja2.exceptions import SecurityError

from dangan.errors import FormError, TemplateSecurityError
from dangan.forms.filters import html_loader, make_env
from dangan.forms.sandbox import FormSandbox

PAGE_SIZES = {"A4": "A4", "A5": "A5", "A4-landscape": "A4 landscape"}


@lru_cache(maxsize=16)
def html_env(dirs: tuple[Path, ...]) -> FormSandbox:
    """One environment per template search path (templates are compiled once)."""
    return make_env(html_loader(list(dirs)))


def template_error(form_id: str, path: Path, error: Exception) -> FormError:
    """A Jinja failure as a clerk-readable error (security errors are their own kind)."""
    if isinstance(error, SecurityError):
        return TemplateSecurityError(
            f"模板试图访问被禁止的内容，已拒绝渲染（{error}）", form=form_id, path=path
        )
    line = getattr(error, "lineno", None)
    where = f"第 {line} 行：" if line else ""
    return FormError(f"模板出错，{where}{error}", form=form_id, path=path)


def render_html(dirs: tuple[Path, ...], form_id: str, context: Mapping[str, Any]) -> str:
    """The filled HTML of ``<form_id>/template.html`` (workspace first, then built-in)."""
    name = f"{form_id}/template.html"
    env = html_env(dirs)
    try:
        return env.get_template(name).render(context)
    except (TemplateError, SecurityError) as e:
        raise template_error(form_id, _source(dirs, name), e) from e


def _source(dirs: tuple[Path, ...], name: str) -> Path:
    return next((d / name for d in dirs if (d / name).exists()), dirs[-1] / name)
