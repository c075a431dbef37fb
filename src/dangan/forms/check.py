"""``dangan templates check``: every template against its form's fields.

Reports Jinja syntax errors, Jinja tags split across Word runs, and names
the templates use that the form does not define.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree as ET

from jinja2 import TemplateSyntaxError, meta

from dangan.config import Workspace
from dangan.errors import FormError
from dangan.forms.catalog import DEFINITION, FormDef, _form_folders, _load_folder, template_dirs
from dangan.forms.filters import html_loader, make_env

CONTEXT_NAMES = {"form", "doc_number", "today", "company", "fees", "qr", "page_size", "signatures"}
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
_DOCX_PARTS = re.compile(r"^word/(document|header\d*|footer\d*)\.xml$")


@dataclass(frozen=True)
class Problem:
    form: str
    path: str
    message: str

    def __str__(self) -> str:
        return f"表单 {self.form}：{self.path}：{self.message}"


def defined_names(form: FormDef) -> set[str]:
    names = {f.id for f in form.fields} | {d.id for d in form.derive if "." not in d.id}
    return names | CONTEXT_NAMES


def split_tags(docx: Path) -> list[str]:
    """Jinja tags whose text is spread over several Word runs (paragraph text shown)."""
    found: list[str] = []
    with zipfile.ZipFile(docx) as z:
        for name in z.namelist():
            if not _DOCX_PARTS.match(name):
                continue
            root = ET.fromstring(z.read(name))
            for p in root.iter(f"{_W}p"):
                texts = [t.text or "" for t in p.iter(f"{_W}t")]
                joined = "".join(texts)
                for tag in _TAG.findall(joined):
                    if not any(tag in t for t in texts):
                        found.append(tag)
                if re.search(r"\{[{%#]", joined) and not _TAG.search(joined):
                    found.append(joined[:60])
    return found


def _check_names(form: FormDef, names: set[str], path: Path) -> list[Problem]:
    unknown = sorted(names - defined_names(form))
    return [Problem(form.id, str(path), f"使用了表单没有定义的变量「{n}」") for n in unknown]


def check_html(ws: Workspace | None, form: FormDef) -> list[Problem]:
    env = make_env(html_loader(template_dirs(ws)))
    name = f"{form.id}/template.html"
    path = next((d / name for d in template_dirs(ws) if (d / name).is_file()), None)
    if path is None:
        return [Problem(form.id, name, "缺少 template.html")]
    try:
        ast = env.parse(path.read_text(encoding="utf-8"), name=name)
    except TemplateSyntaxError as e:
        return [Problem(form.id, str(path), f"第 {e.lineno} 行语法错误：{e.message}")]
    return _check_names(form, meta.find_undeclared_variables(ast), path)


def check_docx(form: FormDef) -> list[Problem]:
    from docxtpl import DocxTemplate

    path = form.docx_path
    if not path.is_file():
        return [Problem(form.id, str(path), "缺少 template.docx")]
    try:
        problems = [Problem(form.id, str(path), f"Jinja 标签被拆到了几段文字里（在 Word 里重新一次性输入）：{t}")
                    for t in split_tags(path)]
    except (zipfile.BadZipFile, ET.ParseError) as e:
        return [Problem(form.id, str(path), f"不是有效的 .docx 文件：{e}")]
    try:
        names = DocxTemplate(str(path)).get_undeclared_template_variables(make_env())
    except TemplateSyntaxError as e:
        return [*problems, Problem(form.id, str(path), f"语法错误：{e.message}")]
    return problems + _check_names(form, set(names), path)


def check_all(ws: Workspace | None) -> tuple[int, list[Problem]]:
    """(number of forms checked, problems) over built-in and local templates."""
    problems: list[Problem] = []
    folders = _form_folders(ws)
    for form_id, (folder, local) in sorted(folders.items()):
        try:
            form = _load_folder(folder, local=local)
        except FormError as e:
            problems.append(Problem(form_id, str(folder / DEFINITION), e.message))
            continue
        problems += check_html(ws, form)
        problems += check_docx(form)
    return len(folders), problems
