"""``dangan templates check``: every template against its form's fields, and the two against each other.

Reports Jinja syntax errors, Jinja tags split across Word runs, names the
templates use that the form does not define, and fields (or table columns)
that one of template.html and template.docx prints and the other does not:
the Word file must be the same form as the PDF.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree as ET

from jinja2 import TemplateSyntaxError, meta, nodes

from dangan.config import Workspace
from dangan.errors import FormError
from dangan.forms.catalog import DEFINITION, FormDef, _form_folders, _load_folder, template_dirs
from dangan.forms.filters import html_loader, make_env

CONTEXT_NAMES = {"form", "doc_number", "today", "company", "fees", "qr", "page_size", "density", "blank_rows", "signatures", "self",
                 "flow", "qr_src", "piece"}  # piece: which piece of a long document (forms/pieces.py)
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


def fields_used(form: FormDef, ast: nodes.Template) -> set[str]:
    """The form's fields and derived values a template prints (``unit``), and the table columns
    it prints in its loops (``items.amount``)."""
    own = {f.id for f in form.fields} | {d.id for d in form.derive if "." not in d.id}
    used = meta.find_undeclared_variables(ast) & own
    tables = {f.id for f in form.fields if f.type == "table"}
    for loop in ast.find_all(nodes.For):
        table = next((n.name for n in loop.iter.find_all(nodes.Name) if n.name in tables), None)
        if table is None and isinstance(loop.iter, nodes.Name) and loop.iter.name in tables:
            table = loop.iter.name
        if table is None or not isinstance(loop.target, nodes.Name):
            continue
        target = loop.target.name
        for node in loop.find_all(nodes.Getattr):
            if isinstance(node.node, nodes.Name) and node.node.name == target:
                used.add(f"{table}.{node.attr}")
    return used


def _html_ast(ws: Workspace | None, form: FormDef) -> tuple[Path | None, nodes.Template | None, list[Problem]]:
    env = make_env(html_loader(template_dirs(ws)))
    name = f"{form.id}/template.html"
    path = next((d / name for d in template_dirs(ws) if (d / name).is_file()), None)
    if path is None:
        return None, None, [Problem(form.id, name, "缺少 template.html")]
    try:
        return path, env.parse(path.read_text(encoding="utf-8"), name=name), []
    except TemplateSyntaxError as e:
        return path, None, [Problem(form.id, str(path), f"第 {e.lineno} 行语法错误：{e.message}")]


def check_html(ws: Workspace | None, form: FormDef) -> list[Problem]:
    path, ast, problems = _html_ast(ws, form)
    if ast is None or path is None:
        return problems
    return _check_names(form, meta.find_undeclared_variables(ast), path)


def _docx_ast(form: FormDef) -> tuple[nodes.Template | None, list[Problem]]:
    from docx import Document
    from docx.oxml import parse_xml
    from docxtpl import DocxTemplate

    path = form.docx_path
    if not path.is_file():
        return None, [Problem(form.id, str(path), "缺少 template.docx")]
    try:
        problems = [Problem(form.id, str(path), f"Jinja 标签被拆到了几段文字里（在 Word 里重新一次性输入）：{t}")
                    for t in split_tags(path)]
    except (zipfile.BadZipFile, ET.ParseError) as e:
        return None, [Problem(form.id, str(path), f"不是有效的 .docx 文件：{e}")]
    tpl = DocxTemplate(str(path))
    doc = Document(str(path))
    xml = tpl.patch_xml(tpl.xml_to_string(doc._element.body))
    for rel in doc.part.rels.values():  # headers and footers, as docxtpl renders them
        if rel.reltype in (tpl.HEADER_URI, tpl.FOOTER_URI) and rel.target_part.blob:
            xml += tpl.patch_xml(tpl.xml_to_string(parse_xml(rel.target_part.blob)))
    try:
        return make_env(docx=True).parse(xml), problems
    except TemplateSyntaxError as e:
        return None, [*problems, Problem(form.id, str(path), f"语法错误：{e.message}")]


def check_docx(form: FormDef) -> list[Problem]:
    ast, problems = _docx_ast(form)
    if ast is None:
        return problems
    return problems + _check_names(form, meta.find_undeclared_variables(ast), form.docx_path)


def _label(form: FormDef, path: str) -> str:
    name, _, col = path.partition(".")
    f = form.field(name)
    if f is None:
        return path
    c = f.column(col) if col else None
    return f"{f.label}的{c.label}列" if c else f.label if not col else f"{f.label}.{col}"


def check_pair(ws: Workspace | None, form: FormDef) -> list[Problem]:
    """The fields one template prints and the other does not (the DOCX must be the same form)."""
    html_path, html_ast, _ = _html_ast(ws, form)
    docx_ast, _ = _docx_ast(form)
    if html_ast is None or docx_ast is None:
        return []
    in_html, in_docx = fields_used(form, html_ast), fields_used(form, docx_ast)
    problems = []
    for missing, where, other in ((in_html - in_docx, form.docx_path, "template.html"),
                                  (in_docx - in_html, html_path, "template.docx")):
        for p in sorted(missing):
            problems.append(Problem(form.id, str(where), f"没有印出「{_label(form, p)}」（{p}），{other} 里有；"
                                    "两个模板应是同一张表（可用 dangan templates docx 重新生成 Word 模板）"))
    return problems


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
        problems += check_pair(ws, form)
    return len(folders), problems
