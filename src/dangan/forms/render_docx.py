"""DOCX rendering with docxtpl, in the same sandbox and with the same filters."""

from __future__ import annotations

import io
import re
import zipfile
from collections import OrderedDict
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage
from jinja2 import Template, TemplateError
from jinja2.exceptions import SecurityError

from dangan.errors import FormError
from dangan.forms.filters import make_env
from dangan.forms.qr import QR_MM
from dangan.forms.render_html import template_error
from dangan.forms.sandbox import FormSandbox


class _CachingSandbox(FormSandbox):
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
def docx_env() -> FormSandbox:
    return make_env(env_class=_CachingSandbox, docx=True)


_REL = re.compile(rb"<Relationship\b[^>]*>", re.S)
_ATTR = re.compile(rb'(\w+)="([^"]*)"')
_FIELDS = re.compile(rb"\b(INCLUDEPICTURE|INCLUDETEXT|LINK|DDE|DDEAUTO|IMPORT)\b")
_INSTR = re.compile(rb"<w:instrText\b[^>]*>([^<]*)</w:instrText>|<w:fldSimple\b[^>]*w:instr=\"([^\"]*)\"", re.S)
_ATTACHED = re.compile(rb"<w:attachedTemplate\b[^>]*/>")
HYPERLINK = "/relationships/hyperlink"
ATTACHED_TEMPLATE = "/relationships/attachedTemplate"


@lru_cache(maxsize=64)
def _template_bytes(path: Path, mtime_ns: int) -> bytes:
    return safe_template(path.read_bytes(), path)


def template_bytes(path: Path) -> bytes:
    try:
        return _template_bytes(path, path.stat().st_mtime_ns)
    except OSError as e:
        raise FormError("找不到 Word 模板 template.docx", form=path.parent.name, path=path) from e


def safe_template(data: bytes, path: Path) -> bytes:
    """The template, following nothing outside itself (or a FormError naming what it would follow).

    A relationship to an outside file or URL (a linked picture, an OLE link, a
    frame) would make Word or WPS fetch it when the clerk opens the DOCX; so would
    an INCLUDEPICTURE/INCLUDETEXT/LINK/DDE field: all are refused.  Hyperlinks
    stay (nothing is fetched until someone clicks).  The attached template that
    Word records when a document was made from a ``.dotm`` is dropped."""
    try:
        src = zipfile.ZipFile(io.BytesIO(data))
        parts = {i.filename: src.read(i) for i in src.infolist()}
    except (zipfile.BadZipFile, OSError) as e:
        raise FormError(f"Word 模板不是有效的 .docx 文件：{e}", form=path.parent.name, path=path) from e
    changed = False
    for name, xml in list(parts.items()):
        if name.endswith(".rels"):
            kept = xml
            for rel in _REL.findall(xml):
                attrs = {k.decode(): v.decode() for k, v in _ATTR.findall(rel)}
                if attrs.get("TargetMode") != "External" or attrs.get("Type", "").endswith(HYPERLINK):
                    continue
                if attrs.get("Type", "").endswith(ATTACHED_TEMPLATE):
                    kept = kept.replace(rel, b"")
                    continue
                raise FormError(f"Word 模板引用了模板以外的文件，已拒绝：{attrs.get('Target', '')}（请把图片等直接插入"
                                "文档，不要“链接到文件”）", form=path.parent.name, path=path)
            if kept != xml:
                parts[name], changed = kept, True
        elif name.startswith("word/") and name.endswith(".xml"):
            for instr in _INSTR.findall(xml):
                code = b"".join(instr)
                m = _FIELDS.search(code)
                if m:
                    raise FormError(f"Word 模板含有读取外部内容的域代码 {m.group(1).decode()}，已拒绝",
                                    form=path.parent.name, path=path)
            if name == "word/settings.xml" and _ATTACHED.search(xml):
                parts[name], changed = _ATTACHED.sub(b"", xml), True
    if not changed:
        return data
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name, content in parts.items():
            dst.writestr(name, content)
    return out.getvalue()


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
