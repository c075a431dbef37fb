"""Build a form's ``template.docx`` from its ``template.html``: the same form, as a Word document.

The HTML template is the one description of a form's layout; this module
turns it into a docxtpl template a clerk opens and edits in Word or WPS:

- the page frame of ``_base/base.html`` becomes the Word header (company, the
  QR code ``{{ qr }}``, title, 文号) and footer (``第 X 页 共 Y 页`` from PAGE and
  NUMPAGES fields), on every page, with the page size and margins of the CSS;
- each ``<table>`` becomes a Word table with the same rows, columns, merged
  cells (colspan/rowspan), header rows repeated on every page (``<thead>``) and
  the column widths WeasyPrint gave it for the sample data;
- Jinja statements between rows become ``{%tr … %}`` rows, between blocks
  ``{%p … %}`` paragraphs, inside text they stay in their run; every tag is one
  run, so Word never splits it;
- fonts are 宋体 (SimSun) for the body and 黑体 (SimHei) for titles as the East
  Asian font, Times New Roman for Latin text, language zh-CN.

Only the markup the built-in templates use is understood (see docs/FORMS.md,
"Word templates"); anything else is an error naming it, so a template that
cannot be converted is known at once.  ``dangan templates docx FORM`` runs it.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from lxml import etree
from lxml import html as lxml_html

from dangan.errors import FormError

BODY_FONT = "宋体"  # SimSun: what Word and WPS on Chinese Windows have
TITLE_FONT = "黑体"  # SimHei
LATIN_FONT = "Times New Roman"
FONT_ALIASES = {BODY_FONT: "SimSun", TITLE_FONT: "SimHei"}

# Page geometry (mm), as _base/style.css sets it.
PAPER = {"A4": (210, 297, False), "A5": (148, 210, False), "A4-landscape": (297, 210, True)}
MARGINS = {"A4": (42, 14, 14), "A5": (40, 12, 12), "A4-landscape": (42, 14, 14)}  # top, sides, bottom (CSS)
HEADER_TITLE_MM = 13  # the title and 文号 lines: in Word they open page 1's body, so its top margin is that much less
HEADER_DISTANCE, FOOTER_DISTANCE = 7, 6
BODY_PT = {"A4": 10.5, "A5": 9.5, "A4-landscape": 10.5}
SMALL_PT, GRID_SMALL_PT, H2_PT, TITLE_PT = 8.5, 9, 11, {"A4": 17, "A5": 15, "A4-landscape": 17}
LINE = "____________"  # a signature line (span.line)
PX_PER_MM = 96 / 25.4

_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
_BLOCK = re.compile(r"\{%-?\s*block\s+(\w+)\s*-?%\}(.*?)\{%-?\s*endblock(?:\s+\w+)?\s*-?%\}", re.S)
_EXTENDS = re.compile(r"\{%-?\s*extends\s+[\"']([^\"']+)[\"']\s*-?%\}")
_SELF_BLOCK = re.compile(r"self\.(\w+)\(\)")


class ConversionError(FormError):
    """template.html uses markup the Word converter does not know."""


# -- 1. the template source: inheritance resolved, Jinja tags set aside -----------------------------


def flatten(dirs: tuple[Path, ...], form_id: str) -> str:
    """``<form>/template.html`` with its ``{% extends %}`` resolved into one source."""
    name = f"{form_id}/template.html"
    child = _read(dirs, name)
    m = _EXTENDS.search(child)
    if m is None:
        return child
    blocks = {b: body for b, body in _BLOCK.findall(child)}
    parent = _read(dirs, m.group(1))
    filled = _BLOCK.sub(lambda b: str(blocks.get(b.group(1), b.group(2))), parent)
    return _SELF_BLOCK.sub(lambda s: "(" + _inline_text(blocks.get(s.group(1), "")) + ")", filled)


def _inline_text(block: str) -> str:
    """A block used as ``self.title()`` inside an expression: its expressions joined as one."""
    parts = [p.strip()[2:-2].strip() if p.startswith("{{") else repr(p) for p in re.split(r"(\{\{.*?\}\})", block) if p]
    return " ~ ".join(f"({p})" for p in parts) or "''"


def _read(dirs: tuple[Path, ...], name: str) -> str:
    for d in dirs:
        if (d / name).is_file():
            return (d / name).read_text(encoding="utf-8")
    raise ConversionError(f"找不到模板 {name}")


@dataclass
class Marked:
    html: str
    tags: list[str]  # the Jinja source of placeholder i


def mark_tags(source: str) -> Marked:
    """Each Jinja tag becomes ``<dj i="n"/>`` (a statement) or ``<dx i="n"/>`` (an expression);
    tags inside an HTML start tag (a class that depends on a value) are dropped: Word has no classes."""
    tags: list[str] = []
    out: list[str] = []
    pos = 0
    for m in _TAG.finditer(source):
        text = source[pos:m.start()]
        out.append(text)
        pos = m.end()
        tag = m.group()
        if tag.startswith("{#") or _inside_start_tag("".join(out)):
            continue
        tags.append(tag)
        kind = "dx" if tag.startswith("{{") else "dj"
        out.append(f'<{kind} i="{len(tags) - 1}"></{kind}>')
    out.append(source[pos:])
    return Marked("".join(out), tags)


def _inside_start_tag(before: str) -> bool:
    return before.rfind("<") > before.rfind(">")


def statement(tag: str, kind: str = "") -> str:
    """``{%- for r in rows %}`` → ``{%tr for r in rows %}`` (docxtpl's row/paragraph tags)."""
    inner = tag[2:-2].strip().strip("-").strip()
    return f"{{%{kind} {inner} %}}"


def expression(tag: str) -> str:
    return "{{ " + tag[2:-2].strip().strip("-").strip() + " }}"


# -- 2. measuring the PDF's tables ------------------------------------------------------------------


def table_widths(dirs: tuple[Path, ...], form: Any, context: dict[str, Any]) -> dict[int, list[float]]:
    """Column widths (mm) WeasyPrint gives each body table of the form for ``context``:
    ``{k: widths}`` for the k-th ``<table>`` of the body, in source order."""
    from weasyprint.formatting_structure.boxes import TableBox

    from dangan.forms.filters import html_loader, make_env
    from dangan.forms.render_pdf import pdf_engine

    source = flatten(dirs, form.id)
    head_end = source.find("</header>")
    counter = iter(range(10_000))
    body = re.sub(r"<table\b", lambda _: f'<table data-dangan-table="{next(counter)}"', source[head_end:])
    env = make_env(html_loader(list(dirs)))
    html = env.from_string(source[:head_end] + body).render(context)
    doc = pdf_engine(dirs).render(html, base_url=form.folder, form_id=form.id)
    found: dict[int, list[float]] = {}
    for page in doc.pages:
        for box in page._page_box.descendants():
            if isinstance(box, TableBox) and box.element is not None:
                k = box.element.get("data-dangan-table")
                if k is not None and int(k) not in found and box.column_widths:
                    found[int(k)] = [w / PX_PER_MM for w in box.column_widths]
    return found


# -- 3. the Word document ----------------------------------------------------------------------------


@dataclass
class Builder:
    form: Any
    marked: Marked
    widths: dict[int, list[float]]
    doc: Any = None
    paper: str = "A4"
    table_no: int = 0
    used: set[int] = field(default_factory=set)

    @property
    def body_pt(self) -> float:
        return BODY_PT.get(self.paper, 10.5)

    def tag(self, el: Any) -> str:
        i = int(el.get("i"))
        self.used.add(i)
        return self.marked.tags[i]


def build(form: Any, dirs: tuple[Path, ...], context: dict[str, Any]) -> bytes:
    """The ``template.docx`` of ``form`` (bytes, reproducible: fixed dates and zip times)."""
    source = flatten(dirs, form.id)
    start, end = source.find("<body"), source.rfind("</body>")
    if start < 0 or end < 0:
        raise ConversionError("template.html 缺少 <body>（应继承 _base/base.html）", form=form.id)
    marked = mark_tags("<html>" + source[start:end] + "</body></html>")
    tree = lxml_html.document_fromstring(marked.html)
    b = Builder(form=form, marked=marked, widths=table_widths(dirs, form, context), paper=form.paper)
    b.doc = Document()
    _setup_document(b)
    body = tree.find("body")
    header = body.find("header")
    if header is None:
        raise ConversionError("template.html 缺少页眉 <header>（应继承 _base/base.html）", form=form.id)
    for p in list(b.doc.paragraphs):  # python-docx starts with one empty paragraph
        p._element.getparent().remove(p._element)
    _page_header(b, header)
    body.remove(header)
    _blocks(b, b.doc, body)
    missing = set(range(len(marked.tags))) - b.used
    if missing:
        raise ConversionError(f"有 Jinja 标签没有放进 Word 模板：{marked.tags[min(missing)]}", form=form.id)
    return _save(b.doc, form.title)


def _setup_document(b: Builder) -> None:
    doc = b.doc
    width, height, landscape = PAPER.get(b.paper, PAPER["A4"])
    sec = doc.sections[0]
    sec.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    sec.page_width, sec.page_height = Mm(width), Mm(height)
    top, side, bottom = MARGINS.get(b.paper, MARGINS["A4"])
    sec.top_margin = Mm(top - HEADER_TITLE_MM)
    sec.bottom_margin = Mm(bottom)
    sec.left_margin = sec.right_margin = Mm(side)
    sec.header_distance, sec.footer_distance = Mm(HEADER_DISTANCE), Mm(FOOTER_DISTANCE)
    styles = doc.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    for el in rpr.findall(qn("w:rFonts")) + rpr.findall(qn("w:lang")):
        rpr.remove(el)
    rpr.insert(0, _fonts(BODY_FONT))
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), "zh-CN")
    lang.set(qn("w:eastAsia"), "zh-CN")
    lang.set(qn("w:bidi"), "ar-SA")
    rpr.append(lang)
    ppr = defaults.find(qn("w:pPrDefault"))
    if ppr is None:
        ppr = OxmlElement("w:pPrDefault")
        defaults.append(ppr)
    if ppr.find(qn("w:pPr")) is None:
        ppr.append(OxmlElement("w:pPr"))
    inner = ppr.find(qn("w:pPr"))
    for tag in ("w:autoSpaceDN", "w:autoSpaceDE"):  # no extra gap between 汉字 and digits: the PDF has none
        el = OxmlElement(tag)
        el.set(qn("w:val"), "0")
        inner.insert(0, el)  # inserted last-first: DE before DN, ahead of w:spacing as the schema orders them
    spacing = inner.find(qn("w:spacing"))
    if spacing is None:
        spacing = OxmlElement("w:spacing")
        inner.append(spacing)
    for k, v in (("w:before", "0"), ("w:after", "0"), ("w:line", "240"), ("w:lineRule", "auto")):
        spacing.set(qn(k), v)  # single lines: the fonts' own line height is about the CSS line-height
    normal = doc.styles["Normal"]
    normal.font.size = Pt(b.body_pt)
    normal.element.get_or_add_rPr().insert(0, _fonts(BODY_FONT))
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.space_before = Pt(0)
    settings = doc.settings.element
    for el in settings.iter(qn("w:themeFontLang")):
        el.set(qn("w:val"), "zh-CN")
        el.set(qn("w:eastAsia"), "zh-CN")
    _font_table(doc)


def _fonts(east_asian: str) -> Any:
    el = OxmlElement("w:rFonts")
    for attr in ("w:ascii", "w:hAnsi", "w:cs"):
        el.set(qn(attr), LATIN_FONT)
    el.set(qn("w:eastAsia"), east_asian)
    el.set(qn("w:hint"), "eastAsia")
    return el


def _font_table(doc: Any) -> None:
    """Declare 宋体/黑体 (with their Latin names) so Word and WPS pick the installed fonts."""
    part = next((r.target_part for r in doc.part.rels.values() if r.reltype.endswith("/fontTable")), None)
    if part is None or not hasattr(part, "_element"):
        return
    root = part._element
    for name, alt in FONT_ALIASES.items():
        font = OxmlElement("w:font")
        font.set(qn("w:name"), name)
        alt_el = OxmlElement("w:altName")
        alt_el.set(qn("w:val"), alt)
        font.append(alt_el)
        for tag, val in (("w:charset", "86"), ("w:family", "roman" if name == BODY_FONT else "modern"),
                         ("w:pitch", "variable")):
            e = OxmlElement(tag)
            e.set(qn("w:val"), val)
            font.append(e)
        root.append(font)


def _save(doc: Any, title: str) -> bytes:
    props = doc.core_properties
    props.author = props.last_modified_by = "dangan"
    props.title = title
    props.language = "zh-CN"
    props.created = props.modified = dt.datetime(2026, 1, 1)
    props.revision = 1
    buf = io.BytesIO()
    doc.save(buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename.startswith("docProps/thumbnail"):
                continue
            data = src.read(info.filename)
            if info.filename == "[Content_Types].xml" or info.filename.endswith(".rels"):
                data = re.sub(rb'<(Override|Relationship)\b[^>]*thumbnail[^>]*/>', b"", data)
            fixed = zipfile.ZipInfo(info.filename, date_time=(2026, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, data)
    return out.getvalue()


# -- header and footer -------------------------------------------------------------------------------


def _page_header(b: Builder, header: Any) -> None:
    """Every page: company and QR code in the Word header, page numbers in the footer.  The title and
    文号 open the body of page 1 (where a clerk edits them) and stand in the header of every later page,
    so a loose page 2 names its document, as in the PDF."""
    sec = b.doc.sections[0]
    sec.different_first_page_header_footer = True
    if header.find(".//div[@id='dangan-qr']") is None:
        raise ConversionError("页眉缺少二维码位置 <div id=\"dangan-qr\">", form=b.form.id)
    for hdr, with_title in ((sec.first_page_header, False), (sec.header, True)):
        hdr.is_linked_to_previous = False
        for p in list(hdr.paragraphs):
            p._element.getparent().remove(p._element)
        _org_table(b, hdr, header)
        if with_title:
            _title(b, hdr, header)
    _title(b, b.doc, header)
    for foot in (sec.first_page_footer, sec.footer):
        foot.is_linked_to_previous = False
        fp = foot.paragraphs[0]
        fp.alignment = WD_ALIGN_PARAGRAPH.CENTER
        for piece in ("第 ", ("PAGE",), " 页 共 ", ("NUMPAGES",), " 页"):
            if isinstance(piece, tuple):
                _field(fp, piece[0], SMALL_PT)
            else:
                _run(fp, piece, size=SMALL_PT)


def _org_table(b: Builder, container: Any, header: Any) -> None:
    usable = _usable_mm(b)
    table = container.add_table(rows=1, cols=2, width=Mm(usable))
    _borders(table, bottom=True)
    left, right = table.rows[0].cells
    _widths(table, [usable - 22, 22])
    _cell_blocks(b, left, header.find(".//td[@class='org']"),
                 sizes={"company": (12, True), "centre": (9, None), "contact": (8, None)})
    rp = right.paragraphs[0]
    rp.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _run(rp, "{{ qr }}")  # the document's code as an image (qr.py); the PDF draws one per page


def _title(b: Builder, container: Any, header: Any) -> None:
    p = container.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.space_before = Pt(4)
    p.paragraph_format.space_after = Pt(1)
    p.paragraph_format.keep_with_next = True
    _inline(b, p, header.find("h1"), size=TITLE_PT.get(b.paper, 17), bold=True, font=TITLE_FONT)
    p = container.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    p.paragraph_format.space_after = Pt(4)
    _inline(b, p, header.find("div[@class='docno']"), size=9)


def _field(paragraph: Any, code: str, size: float) -> None:
    def add(tag: str, **attrs: str) -> Any:
        run = paragraph.add_run()
        _font(run, size=size)
        el = OxmlElement(tag)
        for k, v in attrs.items():
            el.set(qn(k), v)
        run._r.append(el)
        return el

    add("w:fldChar", **{"w:fldCharType": "begin"})
    instr = add("w:instrText", **{"xml:space": "preserve"})
    instr.text = f" {code} "
    add("w:fldChar", **{"w:fldCharType": "separate"})
    run = paragraph.add_run("1")
    _font(run, size=size)
    add("w:fldChar", **{"w:fldCharType": "end"})


# -- blocks ------------------------------------------------------------------------------------------


def _usable_mm(b: Builder) -> float:
    width, _, _ = PAPER.get(b.paper, PAPER["A4"])
    return width - 2 * MARGINS.get(b.paper, MARGINS["A4"])[1]


def _classes(el: Any) -> set[str]:
    return set((el.get("class") or "").split())


def _blocks(b: Builder, container: Any, parent: Any) -> None:
    """The block-level children of ``parent`` into ``container`` (the document or a cell)."""
    if (parent.text or "").strip():
        raise ConversionError(f"Word 转换不支持块外的文字：{parent.text.strip()[:30]}", form=b.form.id)
    for el in parent:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag == "dj":
            _par(container, statement(b.tag(el), "p"))
        elif tag == "dx":
            raise ConversionError(f"表达式 {b.tag(el)} 应放在段落或单元格里", form=b.form.id)
        elif tag == "table":
            _table(b, container, el)
        elif tag in ("p", "div", "h2"):
            _paragraph(b, container, el)
        elif tag in ("style", "script") or not tag:
            # the PDF's own styling (and the Jinja tags in it, kept as text by the HTML parser): not for Word
            b.used.update(int(i) for i in re.findall(r'<d[jx] i="(\d+)"', el.text or ""))
        else:
            raise ConversionError(f"Word 转换不支持 <{tag}>", form=b.form.id)
        if (el.tail or "").strip():
            raise ConversionError(f"Word 转换不支持块外的文字：{el.tail.strip()[:30]}", form=b.form.id)


def _par(container: Any, text: str) -> Any:
    p = container.add_paragraph()
    _run(p, text)
    return p


def _paragraph(b: Builder, container: Any, el: Any) -> None:
    cls = _classes(el)
    p = container.add_paragraph()
    size = SMALL_PT if "small" in cls else None
    bold = None
    fmt = p.paragraph_format
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(3)
    if el.tag == "h2":
        size, bold = (12 if "center" in cls else H2_PT), True
        fmt.space_before, fmt.space_after = Pt(5), Pt(2)
        fmt.keep_with_next = True
    if cls & {"note", "text"}:
        fmt.first_line_indent = Pt(2 * (size or b.body_pt))
    if "right" in cls:
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    elif "center" in cls:
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _inline(b, p, el, size=size, bold=bold, font=TITLE_FONT if el.tag == "h2" else None)


def _inline(b: Builder, p: Any, el: Any, *, size: float | None = None, bold: bool | None = None,
            font: str | None = None) -> None:
    """The inline content of ``el`` as runs of paragraph ``p``."""
    for text, fmt in _pieces(b, el, bold=bold):
        if text == "\n":
            p.add_run().add_break(WD_BREAK.LINE)
            continue
        _run(p, text, size=size, bold=fmt, font=font)
    _trim(p)


def _pieces(b: Builder, el: Any, *, bold: bool | None) -> Iterator[tuple[str, bool | None]]:
    """(text, bold) pieces of ``el``'s inline content; a Jinja tag is always a piece of its own."""
    if el.text:
        yield _ws(el.text), bold
    for child in el:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag == "dx":
            yield expression(b.tag(child)), bold
        elif tag == "dj":
            yield statement(b.tag(child)), bold
        elif tag == "br":
            yield "\n", bold
        elif tag in ("strong", "b"):
            yield from _pieces(b, child, bold=True)
        elif tag == "span" and "line" in _classes(child):
            yield LINE, bold
        elif tag in ("span", "em"):
            yield from _pieces(b, child, bold=bold)
        elif tag:
            raise ConversionError(f"Word 转换不支持行内的 <{tag}>", form=b.form.id)
        if child.tail:
            yield _ws(child.tail), bold


def _ws(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def _trim(p: Any) -> None:
    """No space at the start or end of a paragraph (HTML drops it too); drop empty runs."""
    for r in p.runs:
        if r.text == "" and r._r.find(qn("w:br")) is None:
            r._r.getparent().remove(r._r)
    texts = [r for r in p.runs if r._r.find(qn("w:br")) is None]
    if texts:
        texts[0].text = texts[0].text.lstrip()
        texts[-1].text = texts[-1].text.rstrip()


def _run(p: Any, text: str, *, size: float | None = None, bold: bool | None = None,
         font: str | None = None) -> Any:
    run = p.add_run(text)
    _font(run, size=size, bold=bold, font=font)
    return run


def _font(run: Any, *, size: float | None = None, bold: bool | None = None, font: str | None = None) -> None:
    if size is not None:
        run.font.size = Pt(size)
    if bold:
        run.bold = True
    if font is not None:
        rpr = run._r.get_or_add_rPr()
        rpr.insert(0, _fonts(font))  # rFonts comes first in w:rPr


# -- tables ------------------------------------------------------------------------------------------


@dataclass
class _Row:
    tag: str | None = None  # a Jinja statement row ({%tr … %})
    cells: list[Any] = field(default_factory=list)
    header: bool = False
    classes: set[str] = field(default_factory=set)


def _rows(b: Builder, table: Any) -> list[_Row]:
    rows: list[_Row] = []

    def walk(parent: Any, header: bool) -> None:
        for el in parent:
            tag = el.tag if isinstance(el.tag, str) else ""
            if tag == "dj":
                rows.append(_Row(tag=statement(b.tag(el), "tr")))
            elif tag == "tr":
                cells = [c for c in el if isinstance(c.tag, str) and c.tag in ("td", "th")]
                if any(isinstance(c.tag, str) and c.tag == "dj" for c in el):
                    raise ConversionError("Word 转换不支持在一行的单元格之间写 {% %}", form=b.form.id)
                rows.append(_Row(cells=cells, header=header, classes=_classes(el)))
            elif tag in ("thead", "tbody", "tfoot"):
                walk(el, header or tag == "thead")
            elif tag in ("colgroup", "col"):
                continue  # the widths come from the PDF's layout (table_widths)
            elif tag:
                raise ConversionError(f"表格里不支持 <{tag}>", form=b.form.id)

    walk(table, False)
    return rows


def _grid(rows: list[_Row]) -> tuple[int, list[list[tuple[Any, int, int, int]]]]:
    """Columns, and for each row its cells as (cell, column, colspan, rowspan), rowspans taken into account."""
    placed: list[list[tuple[Any, int, int, int]]] = []
    busy: dict[tuple[int, int], bool] = {}
    width = 0
    for r, row in enumerate(rows):
        out = []
        col = 0
        for cell in row.cells:
            while busy.get((r, col)):
                col += 1
            span, down = int(cell.get("colspan", 1)), int(cell.get("rowspan", 1))
            for dr in range(down):
                for dc in range(span):
                    busy[(r + dr, col + dc)] = True
            out.append((cell, col, span, down))
            col += span
        width = max(width, col, max((c for (rr, c) in busy if rr == r), default=-1) + 1)
        placed.append(out)
    return width, placed


def _table(b: Builder, container: Any, el: Any) -> None:
    cls = _classes(el)
    k = b.table_no
    b.table_no += 1
    rows = _rows(b, el)
    ncols, placed = _grid(rows)
    if ncols == 0:
        return
    usable = _usable_mm(b)
    widths = b.widths.get(k) or [usable / ncols] * ncols
    if len(widths) != ncols:
        widths = [usable / ncols] * ncols
    widths = _with_slack(widths, _unbroken_columns(b, placed, cls))
    scale = usable / sum(widths) if sum(widths) > usable else 1.0
    widths = [w * scale for w in widths]
    table = container.add_table(rows=len(rows), cols=ncols)
    ruled = bool(cls & {"fields", "grid"})
    if ruled:
        table.style = b.doc.styles["Table Grid"]
    else:
        _borders(table, bottom=False)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _fixed(table)
    if ruled:  # the CSS padding: 1.2 mm 2 mm (0.8 mm 1.2 mm in small grids)
        _cell_margins(table, *((0.8, 1.2) if "small" in cls else (1.2, 2.0)))
    size = GRID_SMALL_PT if "small" in cls else (None if ruled else b.body_pt)
    for r, row in enumerate(rows):
        wrow = table.rows[r]
        if row.tag is not None:
            _cell_text(wrow.cells[0], row.tag)
            continue
        if row.header:
            _repeat_header(wrow)
        if "blank" in row.classes:
            wrow.height, wrow.height_rule = Mm(8), WD_ROW_HEIGHT_RULE.AT_LEAST
        wrow_cells = wrow.cells
        for cell_el, col, span, down in placed[r]:
            cell = wrow_cells[col]
            if span > 1 or down > 1:
                cell = cell.merge(table.rows[r + down - 1].cells[col + span - 1])
            _fill_cell(b, cell, cell_el, size=size, table_classes=cls)
            ccls = _classes(cell_el)
            if "tall" in ccls:
                wrow.height, wrow.height_rule = Mm(25), WD_ROW_HEIGHT_RULE.AT_LEAST
            if "sign-box" in ccls:
                wrow.height, wrow.height_rule = Mm(12), WD_ROW_HEIGHT_RULE.AT_LEAST
            if "seal" in ccls:
                wrow.height, wrow.height_rule = Mm(40 if b.paper != "A5" else 36), WD_ROW_HEIGHT_RULE.AT_LEAST
    _widths(table, widths)
    if container is b.doc:
        gap = b.doc.add_paragraph()
        gap.paragraph_format.space_after = Pt(0)
        _run(gap, "", size=4)
        _mark_size(gap, 4)


UNBROKEN = re.compile(r"\|\s*(date_cn|datetime_cn|money|percent)\b")
SLACK = 0.12  # Word and LibreOffice set a little space between 汉字 and digits, which the PDF has not


def _unbroken_columns(b: Builder, placed: list[list[tuple[Any, int, int, int]]], table_classes: set[str]) -> set[int]:
    """Columns whose values the PDF never breaks (labels of a fields table, class nw/num, a date, time or
    amount filter)."""
    keep: set[int] = set()
    for row in placed:
        for cell, col, span, _ in row:
            if span != 1:
                continue
            if cell.tag == "th" and "fields" in table_classes:
                keep.add(col)
                continue
            exprs = " ".join(b.marked.tags[int(x.get("i"))] for x in cell.iter("dx"))
            if _classes(cell) & {"nw", "num"} or UNBROKEN.search(exprs) or cell.find(".//span[@class='nw']") is not None:
                keep.add(col)
    return keep


def _with_slack(widths: list[float], keep: set[int]) -> list[float]:
    """Give the unbroken columns a little more room, taken from the others in proportion."""
    if not keep or len(keep) == len(widths):
        return widths
    extra = sum(widths[c] for c in keep) * SLACK
    rest = sum(w for c, w in enumerate(widths) if c not in keep)
    if rest <= extra * 2:
        return widths
    return [w * (1 + SLACK) if c in keep else w - extra * w / rest for c, w in enumerate(widths)]


def _fill_cell(b: Builder, cell: Any, el: Any, *, size: float | None, table_classes: set[str]) -> None:
    cls = _classes(el)
    header = el.tag == "th"
    blocks = [c for c in el if isinstance(c.tag, str) and c.tag in ("div", "p")]
    first = cell.paragraphs[0]
    if blocks and not (el.text or "").strip():
        first._element.getparent().remove(first._element)
        for child in blocks:
            p = cell.add_paragraph()
            _inline(b, p, child, size=size, bold=True if "issuer" in _classes(child) else None)
            _align(p, cls)
    else:
        _inline(b, first, el, size=size, bold=True if header else None)
        _align(first, cls | ({"center"} if header and "num" not in cls else set()))
    for p in cell.paragraphs:
        if size is not None:
            _mark_size(p, size)
    if header:
        _shade(cell)
    if "seal" in cls or "closing" in table_classes:
        cell.vertical_alignment = (WD_CELL_VERTICAL_ALIGNMENT.CENTER if "seal" in cls
                                   else WD_CELL_VERTICAL_ALIGNMENT.TOP)


def _align(p: Any, cls: set[str]) -> None:
    if "num" in cls or "right" in cls:
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    elif cls & {"center", "seal"}:
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER


def _cell_text(cell: Any, text: str) -> None:
    _run(cell.paragraphs[0], text)


def _cell_blocks(b: Builder, cell: Any, el: Any, *, sizes: dict[str, tuple[float, bool | None]]) -> None:
    """A cell of divs (the header's company, centre, contact): one paragraph each, sized by class."""
    first = cell.paragraphs[0]
    first._element.getparent().remove(first._element)
    for child in el:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag == "div":
            size, bold = next((sizes[c] for c in _classes(child) if c in sizes), (None, None))
            p = cell.add_paragraph()
            _inline(b, p, child, size=size, bold=bold)
            if size:
                _mark_size(p, size)
        elif tag == "dj":
            _par(cell, statement(b.tag(child), "p"))
        elif tag:
            raise ConversionError(f"页眉里不支持 <{tag}>", form=b.form.id)
    if not cell.paragraphs:
        cell.add_paragraph()


def _mark_size(p: Any, size: float) -> None:
    """The paragraph mark at the text's size, so an empty or short line is not taller than its text."""
    ppr = p._p.get_or_add_pPr()
    rpr = ppr.find(qn("w:rPr"))
    if rpr is None:
        rpr = OxmlElement("w:rPr")
        ppr.append(rpr)
    for tag in ("w:sz", "w:szCs"):
        el = OxmlElement(tag)
        el.set(qn("w:val"), str(int(size * 2)))
        rpr.append(el)


def _shade(cell: Any, fill: str = "EEEEEE") -> None:
    tcpr = cell._element.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    tcpr.append(shd)


def _repeat_header(row: Any) -> None:
    trpr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    trpr.append(el)


_TBLPR_AFTER_BORDERS = ("w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption", "w:tblDescription")


def _borders(table: Any, *, bottom: bool) -> None:
    tblpr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{side}")
        if side == "bottom" and bottom:
            el.set(qn("w:val"), "single")
            el.set(qn("w:sz"), "10")
            el.set(qn("w:color"), "000000")
        else:
            el.set(qn("w:val"), "nil")
        borders.append(el)
    later = next((c for c in tblpr if c.tag in {qn(t) for t in _TBLPR_AFTER_BORDERS}), None)
    if later is not None:
        later.addprevious(borders)
    else:
        tblpr.append(borders)


def _cell_margins(table: Any, vertical_mm: float, horizontal_mm: float) -> None:
    mar = OxmlElement("w:tblCellMar")
    for side, mm in (("top", vertical_mm), ("left", horizontal_mm), ("bottom", vertical_mm), ("right", horizontal_mm)):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:w"), str(int(Mm(mm).twips)))
        el.set(qn("w:type"), "dxa")
        mar.append(el)
    tblpr = table._tbl.tblPr
    later = next((c for c in tblpr if c.tag in {qn("w:tblLook"), qn("w:tblCaption"), qn("w:tblDescription")}), None)
    if later is not None:
        later.addprevious(mar)
    else:
        tblpr.append(mar)


def _fixed(table: Any) -> None:
    table._tbl.tblPr.get_or_add_tblLayout().set(qn("w:type"), "fixed")


def _widths(table: Any, widths_mm: list[float]) -> None:
    table.autofit = False
    grid = table._tbl.tblGrid
    for col, w in zip(grid.findall(qn("w:gridCol")), widths_mm, strict=False):
        col.set(qn("w:w"), str(int(Mm(w).twips)))
    for row in table.rows:
        for tc in row._tr.findall(qn("w:tc")):
            tcpr = tc.get_or_add_tcPr()
            span = tcpr.find(qn("w:gridSpan"))
            start = _column_of(row._tr, tc)
            n = int(span.get(qn("w:val"))) if span is not None else 1
            w = sum(widths_mm[start:start + n])
            tcw = tcpr.find(qn("w:tcW"))
            if tcw is None:
                tcw = OxmlElement("w:tcW")
                tcpr.insert(0, tcw)
            tcw.set(qn("w:w"), str(int(Mm(w).twips)))
            tcw.set(qn("w:type"), "dxa")
    tblw = table._tbl.tblPr.find(qn("w:tblW"))
    if tblw is None:
        raise ValueError("python-docx table without w:tblW")
    tblw.set(qn("w:w"), str(int(Mm(sum(widths_mm)).twips)))
    tblw.set(qn("w:type"), "dxa")


def _column_of(tr: Any, tc: Any) -> int:
    col = 0
    for other in tr.findall(qn("w:tc")):
        if other is tc:
            return col
        span = other.tcPr.find(qn("w:gridSpan")) if other.tcPr is not None else None
        col += int(span.get(qn("w:val"))) if span is not None else 1
    return col


def describe(docx: bytes) -> str:
    """The document XML, for tests and for ``templates docx --show``."""
    return etree.tostring(etree.fromstring(zipfile.ZipFile(io.BytesIO(docx)).read("word/document.xml")),
                          encoding="unicode", pretty_print=True)


def build_for(ws: Any, form_id: str) -> bytes:
    """``template.docx`` for a form of the catalogue, its table widths measured on its sample data."""
    from dangan.forms.catalog import load_form, template_dirs
    from dangan.forms.context import build_context
    from dangan.forms.generate import prepare

    form = load_form(ws, form_id)
    job = prepare(ws, form, form.sample)
    ctx = build_context(ws, form, job.values, f"{form.prefix}-2026-0001", today=dt.date(2026, 1, 1))
    return build(form, tuple(template_dirs(ws)), ctx)
