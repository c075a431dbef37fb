#!/usr/bin/env python3
"""Build a starter ``template.docx`` for a form from its ``form.yaml``.

    .venv/bin/python scripts/make_docx_template.py templates/dunning-notice [more form dirs...]
    .venv/bin/python scripts/make_docx_template.py --all

The result is an ordinary Word document a clerk can open and edit:

- a header with ``{{ company.name }}`` / ``{{ company.centre }}`` and a cell
  holding the QR code ``{{ qr }}``;
- the title, and ``文号：{{ doc_number }}``;
- for notices, the form's standard wording (NOTICE_TEXT below);
- a two-column label/value table of the scalar fields;
- a Word table per table field: a header row (repeated on every page), then
  ``{%tr for r in <field> %}`` / one row of cells / ``{%tr endfor %}``;
- the derived values (totals, rates, 大写, dates);
- signature and date lines.

Every Jinja tag is written as ONE run (one ``add_run`` call holding the whole
tag), so Word never sees a tag split across runs.  The body font is
Noto Serif CJK SC (``w:eastAsia``), with 宋体 named as its alternative in the
font table for machines without the Noto fonts.

Only python-docx and pyyaml are needed; the script never imports dangan.
"""

from __future__ import annotations

import argparse
import datetime
import io
import sys
import zipfile
from pathlib import Path
from typing import Any

import yaml
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

CJK_FONT = "Noto Serif CJK SC"
CJK_ALT = "宋体"
LATIN_FONT = "Times New Roman"

PAPER = {  # width, height (mm), landscape?
    "A4": (210, 297, False),
    "A5": (148, 210, False),
    "A4-landscape": (297, 210, True),
}

# Labels of derived values (derive entries carry only id/fn/args).  Keys are
# the derived id (``total`` or ``rows.rate``); FORM_LABELS overrides per form.
DERIVED_LABELS: dict[str, str] = {
    "total": "合计（小写）",
    "total_upper": "合计（大写）",
    "new_deadline": "缴费期限",
    "principal": "欠费小计",
    "late_fee_total": "滞纳金小计",
    "daily_rate": "滞纳金日费率",
    "deadline": "限期缴费截止日期",
    "late_fee": "滞纳金（元）",
    "days_overdue": "逾期天数",
    "rate": "收缴率",
    "target": "目标（%）",
    "met": "是否达标",
    "total_due": "应收合计（元）",
    "total_collected": "实收合计（元）",
    "total_rate": "总收缴率",
    "inspections": "巡检户次",
    "days_given": "整改天数",
    "duration_days": "计划工期（天）",
    "failed_checks": "不合格项数",
    "total_in_progress": "在装户数合计",
    "total_started": "本周开工合计",
    "total_inspected": "巡检户次合计",
    "total_violations": "违规户数合计",
    "total_accepted": "竣工验收合计",
    "violation_rate": "违规户占在装户比例",
    "total_quantity": "数量合计",
    "checks": "巡查次数",
    "member_count": "家庭成员人数",
    "visits": "巡访、回访次数",
    "return_rate": "回收率",
    "total_households": "入住户数合计",
    "total_issued": "发放份数合计",
    "total_returned": "回收份数合计",
    "total_satisfied": "满意份数合计",
    "satisfaction_rate": "满意率",
    "requests": "受理件数",
    "total_fee": "收费合计（元）",
    "completion": "完成率",
    "total_requests": "受理件数合计",
    "total_completed": "完成件数合计",
    "completion_rate": "完成率",
    "effective_rate": "有效率",
    "on_time_rate": "及时率",
    "total_received": "受理件数合计",
    "total_effective": "有效处理件数合计",
    "total_on_time": "及时处理件数合计",
    "total_reported": "报事件数合计",
    "minutes": "用时（分钟）",
    "within_30": "30分钟内提出方案",
    "cases": "登记件数",
    "n_service": "服务投诉",
    "n_business": "业务投诉",
    "n_phone": "电话投诉",
    "n_chat": "聊天工具投诉",
    "n_valid": "有效投诉",
    "n_invalid": "无效投诉",
    "n_malignant": "恶性投诉",
    "n_general": "一般投诉",
    "n_general_invalid": "一般无效投诉",
    "n_malicious": "恶意投诉",
    "n_within_30": "30分钟内提出方案（件）",
    "within_30_rate": "30分钟达标率",
    "n_open": "未结案件",
    "n_closed": "已结案件",
    "reports": "报事件数",
    "n_done": "已完成件数",
    "amendments": "更正及补登（处）",
    "vacant_units": "空置房屋（套）",
    "keys_held": "管理处代管钥匙（套）",
    "with_leaks": "发现渗漏（户次）",
    "mail_count": "未发放信报刊合计（件）",
}
FORM_LABELS: dict[str, dict[str, str]] = {
    "deadline-payment-notice": {"total": "应缴合计（小写）", "total_upper": "应缴合计（大写）"},
    "survey-return-report": {"met": "总回收率达到70%", "rows.met": "达到70%"},
    "complaint-analysis": {"total": "本月投诉（件）"},
    "vacant-signin": {"visits": "签到次数"},
    "sign-usage-list": {"checks": "巡查次数"},
}

# Signature lines (roles) per form; the default is one line for the clerk.
SIGNERS: dict[str, list[str]] = {
    "dunning-notice": ["片区管理员", "业主/住户签收"],
    "deadline-payment-notice": ["片区管理员", "业主/住户签收"],
    "fee-collection-stats": ["统计人", "片区管理员", "管理处主任"],
    "renovation-inspection": ["巡检人", "审核（助理）"],
    "renovation-violation": ["巡检人", "业主"],
    "renovation-approval": ["业主", "施工负责人", "工程部"],
    "renovation-weekly": ["报告人", "助理"],
    "sign-usage-list": ["申请人", "审核人"],
    "sign-inspection": ["巡查人", "审核（助理）"],
    "resident-info": ["登记人", "户主"],
    "visit-record": ["走访人", "审核（助理）"],
    "opinion-survey": ["业主/住户"],
    "survey-return-report": ["统计人", "助理"],
    "community-notice": [],
    "special-service-register": ["受理人", "前台接待"],
    "special-service-monthly": ["统计人", "前台接待", "助理"],
    "repair-complaint-monthly": ["填报人", "前台接待", "管理处主任"],
    "incident-weekly": ["统计人", "助理"],
    "incident-register": ["受理人", "审核（助理）"],
    "ledger-amendment": ["更正人", "审核人"],
    "complaint-register": ["接待人", "客服主管"],
    "complaint-analysis": ["编制人", "审核人"],
    "vacant-register": ["登记人", "助理"],
    "vacant-signin": ["审核（助理）"],
    "vacant-inspection": ["巡查人", "审核（助理）"],
    "front-desk-log": ["交班人", "接班人"],
}

# Standard wording of notices: paragraphs before ("intro") and after
# ("outro") the field tables.  Each paragraph is a list of pieces; a piece
# starting with "{{" or "{%" is a Jinja tag and becomes one run.
NOTICE_TEXT: dict[str, dict[str, list[list[str]]]] = {
    "dunning-notice": {
        "intro": [["尊敬的", "{{ owner }}", "业主/住户：您好！截至", "{{ issue_date|date_cn }}",
                   "，您尚有以下费用未缴纳，合计人民币", "{{ total_upper }}", "（¥", "{{ total|money }}", "）。"]],
        "outro": [["请您于", "{{ new_deadline|date_cn }}", "前到客服中心收费处缴清上述费用。逾期仍未缴纳的，"
                   "管理处将发出《限期缴费通知书》，并按规定计收滞纳金。如已缴纳，请忽略本通知。"],
                  ["感谢您对物业管理工作的理解与支持！"]],
    },
    "deadline-payment-notice": {
        "intro": [["尊敬的", "{{ owner }}", "业主/住户：管理处已于", "{{ dunning_date|date_cn }}",
                   "向您发出《催缴通知书》，但至今未收到您的缴费。自原缴费期限次日起，滞纳金已开始计算，日费率为欠费金额的",
                   "{{ daily_rate }}", "。截至", "{{ issue_date|date_cn }}", "，欠费及滞纳金如下。"]],
        "outro": [["请您务必于", "{{ deadline|date_cn }}", "前到客服中心缴清上述欠费及滞纳金，合计人民币",
                   "{{ total_upper }}", "。滞纳金每日累计至缴清之日；限期内仍不缴费的，管理员将上门了解情况，协商解决。"]],
    },
    "renovation-violation": {
        "intro": [["{{ owner }}", "业主：您的房屋在装修过程中存在下列违反《装修管理规定》《住户手册》的情况，"
                   "请督促施工方立即停止违规施工，并于", "{{ deadline|date_cn }}", "前按要求整改完毕，报管理处复查。"]],
        "outro": [["逾期未整改的，管理处将按《装修管理规定》处理，由此造成的损失由业主承担。"],
                  ["本通知一式两联：第一联交业主，第二联由管理处存档。"]],
    },
    "opinion-survey": {
        "intro": [["尊敬的业主/住户：为了解您对我们服务的真实评价，不断改进物业管理工作，特开展本次意见征询。请于",
                   "{{ return_by|date_cn }}", "前将本表交回客服中心或交给上门回访的管理员。谢谢您的支持！"]],
        "outro": [],
    },
    "community-notice": {
        "intro": [["{{ subject }}"], ["{{ audience }}", "："], ["{{ content }}"]],
        "outro": [["欢迎广大业主、住户积极参与！"]],
    },
}

# Extra tables built from an existing table field with a filter.
EXTRA_TABLES: dict[str, list[dict[str, Any]]] = {
    "complaint-analysis": [{
        "label": "未结案件",
        "loop": "{%tr for r in cases if not r.closed %}",
        "columns": [("登记号", "{{ r.number }}"), ("接诉时间", "{{ r.received_at|datetime_cn }}"),
                    ("投诉事由", "{{ r.summary }}"), ("性质", "{{ r.severity }}"), ("处理进展", "{{ r.status }}")],
    }],
}


# --------------------------------------------------------------------------- formatting

def value_tag(expr: str, ftype: str) -> str:
    """The Jinja tag printing a value of a field type."""
    filt = {"money": "|money", "date": "|date_cn", "datetime": "|datetime_cn", "bool": "|yesno"}.get(ftype, "")
    return "{{ " + expr + filt + " }}"


def derived_tag(expr: str, fn: str, args: list[Any], types: dict[str, str]) -> str:
    if fn == "sum":
        if any(isinstance(a, str) and types.get(a) == "money" for a in args):
            return "{{ " + expr + "|money }}"
        return "{{ " + expr + " }}"
    if fn == "late_fee":
        return "{{ " + expr + "|money }}"
    if fn == "rmb_upper":
        return "{{ " + expr + " }}"
    if fn == "add_days":
        return "{{ " + expr + "|date_cn }}"
    if fn == "rate":
        return "{{ " + expr + "|percent }}"
    if fn == "collection_target":
        return "{{ " + expr + " }}%"
    if fn == "at_least":
        return "{{ " + expr + '|yesno("达标", "未达标") }}'
    if fn == "within_minutes":
        return "{{ " + expr + "|yesno }}"
    return "{{ " + expr + " }}"


def derived_label(form_id: str, did: str) -> str:
    over = FORM_LABELS.get(form_id, {})
    if did in over:
        return over[did]
    col = did.split(".", 1)[-1]
    return DERIVED_LABELS.get(did) or DERIVED_LABELS.get(col) or col


# --------------------------------------------------------------------------- docx helpers

def set_run_font(run, size: float | None = None, bold: bool | None = None) -> None:
    rpr = run._element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    fonts.set(qn("w:eastAsia"), CJK_FONT)
    if size is not None:
        run.font.size = Pt(size)
    if bold is not None:
        run.bold = bold


def add_pieces(paragraph, pieces: list[str], size: float | None = None, bold: bool | None = None) -> None:
    """Literal text and Jinja tags; every tag is one ``add_run`` call."""
    for piece in pieces:
        if piece:
            set_run_font(paragraph.add_run(piece), size, bold)


def para(doc_or_cell, pieces: list[str] | str = (), *, size: float | None = None, bold: bool | None = None,
         align=None, space_after: float = 2, indent_first: bool = False):
    p = doc_or_cell.add_paragraph()
    add_pieces(p, [pieces] if isinstance(pieces, str) else list(pieces), size, bold)
    fmt = p.paragraph_format
    fmt.space_after = Pt(space_after)
    fmt.space_before = Pt(0)
    if align is not None:
        p.alignment = align
    if indent_first:
        fmt.first_line_indent = Pt(21)
    return p


def mark_size(paragraph, size: float) -> None:
    """Give the paragraph mark the run size, so line height follows the text."""
    ppr = paragraph._p.get_or_add_pPr()
    rpr = ppr.find(qn("w:rPr"))
    if rpr is None:
        rpr = OxmlElement("w:rPr")
        ppr.append(rpr)
    for tag in ("w:sz", "w:szCs"):
        el = OxmlElement(tag)
        el.set(qn("w:val"), str(int(size * 2)))
        rpr.append(el)


def cell_text(cell, pieces: list[str] | str, *, size: float, bold: bool = False, align=None) -> None:
    p = cell.paragraphs[0]
    add_pieces(p, [pieces] if isinstance(pieces, str) else list(pieces), size, bold)
    p.paragraph_format.space_after = Pt(0)
    mark_size(p, size)
    if align is not None:
        p.alignment = align


def shade(cell, fill: str = "EEEEEE") -> None:
    tcpr = cell._element.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    tcpr.append(shd)


def repeat_header(row) -> None:
    trpr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    trpr.append(el)


def no_borders(table) -> None:
    tblpr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        b = OxmlElement(f"w:{side}")
        b.set(qn("w:val"), "nil")
        borders.append(b)
    tblpr.append(borders)


def bottom_border(paragraph) -> None:
    ppr = paragraph._p.get_or_add_pPr()
    bdr = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for k, v in (("val", "single"), ("sz", "8"), ("space", "1"), ("color", "000000")):
        bottom.set(qn(f"w:{k}"), v)
    bdr.append(bottom)
    ppr.append(bdr)


def setup_fonts(doc) -> None:
    """Body font: Noto Serif CJK SC for Chinese (宋体 as the alternative name)."""
    for style_name in ("Normal", "Table Grid"):
        try:
            style = doc.styles[style_name]
        except KeyError:
            continue
        style.font.name = LATIN_FONT
        rpr = style.element.get_or_add_rPr()
        fonts = rpr.find(qn("w:rFonts"))
        if fonts is None:
            fonts = OxmlElement("w:rFonts")
            rpr.insert(0, fonts)
        fonts.set(qn("w:eastAsia"), CJK_FONT)
        fonts.set(qn("w:hint"), "eastAsia")
    doc.styles["Normal"].font.size = Pt(10.5)
    # Font table: declare the CJK font with 宋体 as its alternative.
    font_table = None
    for rel in doc.part.rels.values():
        if rel.reltype.endswith("/fontTable"):
            font_table = rel.target_part
    if font_table is not None and hasattr(font_table, "_element"):
        root = font_table._element
        font = OxmlElement("w:font")
        font.set(qn("w:name"), CJK_FONT)
        alt = OxmlElement("w:altName")
        alt.set(qn("w:val"), CJK_ALT)
        font.append(alt)
        charset = OxmlElement("w:charset")
        charset.set(qn("w:val"), "86")
        font.append(charset)
        family = OxmlElement("w:family")
        family.set(qn("w:val"), "roman")
        font.append(family)
        root.append(font)


def setup_page(doc, paper: str) -> None:
    width, height, landscape = PAPER.get(paper, PAPER["A4"])
    sec = doc.sections[0]
    sec.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    sec.page_width, sec.page_height = Mm(width), Mm(height)
    margin = Mm(12 if paper == "A5" else 15)
    sec.left_margin = sec.right_margin = margin
    sec.top_margin, sec.bottom_margin = Mm(12), Mm(14)
    # Page numbers "第 X 页 共 Y 页" in the footer.
    fp = sec.footer.paragraphs[0]
    fp.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for piece in ("第 ", ("PAGE",), " 页 共 ", ("NUMPAGES",), " 页"):
        if isinstance(piece, tuple):
            add_field(fp, piece[0])
        else:
            set_run_font(fp.add_run(piece), 8.5)


def add_field(paragraph, code: str) -> None:
    run = paragraph.add_run()
    set_run_font(run, 8.5)
    for kind, text in (("begin", None), (None, f" {code} "), ("separate", None), (None, "1"), ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
            run._r.append(el)
        elif text.strip() == code:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
            run._r.append(el)
        else:
            el = OxmlElement("w:t")
            el.text = text
            run._r.append(el)


def col_widths(table, widths_mm: list[float]) -> None:
    table.autofit = False
    for col, w in zip(table.columns, widths_mm, strict=False):
        col.width = Mm(w)
    for row in table.rows:
        for cell, w in zip(row.cells, widths_mm, strict=False):
            cell.width = Mm(w)


# Relative column widths of loop tables by column type.
WIDTH_WEIGHT = {"text": 1.8, "datetime": 1.5, "date": 1.3, "money": 1.1, "choice": 1.0, "integer": 0.8,
                "bool": 0.7, "number": 0.9}


# --------------------------------------------------------------------------- builder

def build(form: dict[str, Any]) -> Any:
    fid = form["id"]
    paper = form.get("paper", "A4")
    width, _, _ = PAPER.get(paper, PAPER["A4"])
    usable = width - 2 * (12 if paper == "A5" else 15)
    body_size = 9.5 if paper == "A5" else 10.5
    grid_size = 8 if paper == "A4-landscape" else (8.5 if paper == "A5" else 9)

    doc = Document()
    setup_fonts(doc)
    setup_page(doc, paper)
    # python-docx starts with one empty paragraph: reuse nothing, remove it.
    for p in list(doc.paragraphs):
        p._element.getparent().remove(p._element)

    # Header: company and centre on the left, QR code on the right.
    head = doc.add_table(rows=1, cols=2)
    no_borders(head)
    head.alignment = WD_TABLE_ALIGNMENT.CENTER
    left, right = head.rows[0].cells
    cell_text(left, "{{ company.name }}", size=12, bold=True)
    para(left, "{{ company.centre }}", size=9, space_after=0)
    cell_text(right, "{{ qr }}", size=9, align=WD_ALIGN_PARAGRAPH.RIGHT)
    col_widths(head, [usable - 25, 25])
    rule = para(doc, "", size=4, space_after=4)
    bottom_border(rule)

    para(doc, form["title"], size=16, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=2)
    para(doc, ["文号：", "{{ doc_number }}"], size=9, align=WD_ALIGN_PARAGRAPH.RIGHT, space_after=4)

    fields = form.get("fields") or []
    derive = form.get("derive") or []
    types: dict[str, str] = {}
    for f in fields:
        types[f["id"]] = f.get("type", "text")
        for c in f.get("columns") or []:
            types[f"{f['id']}.{c['id']}"] = c.get("type", "text")
    for d in derive:  # derived values used as sum arguments keep their money-ness
        if d["fn"] in ("late_fee",) or (d["fn"] == "sum" and any(types.get(a) == "money" for a in d.get("args", [])
                                                                 if isinstance(a, str))):
            types[d["id"]] = "money"

    text = NOTICE_TEXT.get(fid, {})
    for i, pieces in enumerate(text.get("intro", [])):
        title_like = fid == "community-notice" and i == 0
        para(doc, pieces, size=14 if title_like else body_size, bold=title_like or None,
             align=WD_ALIGN_PARAGRAPH.CENTER if title_like else None,
             indent_first=not title_like and not (fid == "community-notice" and i == 1), space_after=3)

    # Scalar fields: label | value.
    scalars = [f for f in fields if f.get("type", "text") != "table"]
    if scalars:
        t = doc.add_table(rows=0, cols=2)
        t.style = doc.styles["Table Grid"]
        for f in scalars:
            label_cell, value_cell = t.add_row().cells
            cell_text(label_cell, f["label"], size=body_size, bold=True)
            shade(label_cell)
            cell_text(value_cell, value_tag(f["id"], f.get("type", "text")), size=body_size)
        col_widths(t, [usable * 0.3, usable * 0.7])
        para(doc, "", size=4, space_after=2)

    # Table fields: header row, {%tr for %}, cells, {%tr endfor %}.
    row_derived: dict[str, list[dict[str, Any]]] = {}
    for d in derive:
        if "." in d["id"]:
            row_derived.setdefault(d["id"].split(".", 1)[0], []).append(d)
    for f in fields:
        if f.get("type") != "table":
            continue
        cols = [(c["label"], value_tag("r." + c["id"], c.get("type", "text")), c.get("type", "text"))
                for c in f["columns"]]
        for d in row_derived.get(f["id"], []):
            col = d["id"].split(".", 1)[1]
            cols.append((derived_label(fid, d["id"]), derived_tag("r." + col, d["fn"], d.get("args", []), types),
                         "number"))
        add_loop_table(doc, f["label"], "{%tr for r in " + f["id"] + " %}", cols, usable, grid_size)

    for extra in EXTRA_TABLES.get(fid, []):
        add_loop_table(doc, extra["label"], extra["loop"], extra["columns"], usable, grid_size)

    # Derived scalar values.
    scalars_d = [d for d in derive if "." not in d["id"]]
    if scalars_d:
        para(doc, "计算结果", size=body_size, bold=True, space_after=1)
        t = doc.add_table(rows=0, cols=2)
        t.style = doc.styles["Table Grid"]
        for d in scalars_d:
            label_cell, value_cell = t.add_row().cells
            cell_text(label_cell, derived_label(fid, d["id"]), size=body_size, bold=True)
            shade(label_cell)
            cell_text(value_cell, derived_tag(d["id"], d["fn"], d.get("args", []), types), size=body_size)
        col_widths(t, [usable * 0.3, usable * 0.7])
        para(doc, "", size=4, space_after=2)

    for pieces in text.get("outro", []):
        para(doc, pieces, size=body_size, indent_first=True, space_after=3)

    # Signature and date lines.
    roles = SIGNERS.get(fid, ["经办人"])
    if roles:
        para(doc, "", size=6, space_after=6)
        for role in roles:
            para(doc, [f"{role}（签字）：______________　　日期：______年____月____日"], size=body_size, space_after=8)
    date_field = form.get("date_field")
    if date_field:
        label = next((f["label"] for f in fields if f["id"] == date_field), "日期")
        para(doc, [f"{label}：", "{{ " + date_field + "|date_cn }}"], size=body_size,
             align=WD_ALIGN_PARAGRAPH.RIGHT, space_after=0)
    para(doc, "{{ company.centre }}", size=body_size, align=WD_ALIGN_PARAGRAPH.RIGHT, space_after=0)
    return doc


def add_loop_table(doc, label: str, loop_tag: str, cols: list[tuple[str, str]], usable: float, size: float) -> None:
    para(doc, label, size=size + 1, bold=True, space_after=1)
    t = doc.add_table(rows=4, cols=len(cols))
    t.style = doc.styles["Table Grid"]
    header, loop_row, cells_row, end_row = t.rows
    repeat_header(header)
    cols = [c if len(c) == 3 else (c[0], c[1], "text") for c in cols]
    for cell, (lab, _, _) in zip(header.cells, cols, strict=True):
        cell_text(cell, lab, size=size, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
        shade(cell)
    cell_text(loop_row.cells[0], loop_tag, size=size)
    for cell, (_, tag, ctype) in zip(cells_row.cells, cols, strict=True):
        right = ctype in ("money", "integer", "number")
        cell_text(cell, tag, size=size, align=WD_ALIGN_PARAGRAPH.RIGHT if right else None)
    cell_text(end_row.cells[0], "{%tr endfor %}", size=size)
    weights = [WIDTH_WEIGHT.get(ctype, 1.0) for _, _, ctype in cols]
    col_widths(t, [usable * w / sum(weights) for w in weights])
    para(doc, "", size=4, space_after=2)


def make(form_dir: Path) -> Path:
    form = yaml.safe_load((form_dir / "form.yaml").read_text(encoding="utf-8"))
    doc = build(form)
    # Fixed metadata so regenerating an unchanged form gives identical bytes.
    props = doc.core_properties
    props.author = props.last_modified_by = "dangan"
    props.title = form["title"]
    props.created = props.modified = datetime.datetime(2026, 1, 1)
    props.revision = 1
    out = form_dir / "template.docx"
    tmp = out.with_name(".template.docx.tmp")
    buf = io.BytesIO()
    doc.save(buf)
    tmp.write_bytes(stable_zip(buf.getvalue()))
    tmp.replace(out)
    return out


def stable_zip(data: bytes) -> bytes:
    """The same .docx with fixed zip timestamps (reproducible bytes)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(2026, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dirs", nargs="*", type=Path, help="form folders (templates/<id>)")
    ap.add_argument("--all", action="store_true", help="every catalogue form this script knows (see SIGNERS)")
    args = ap.parse_args(argv)
    dirs = list(args.dirs)
    if args.all:
        root = Path(__file__).resolve().parent.parent / "templates"
        dirs += [d for d in sorted(root.iterdir())
                 if (d / "form.yaml").is_file() and d.name in SIGNERS]
    if not dirs:
        ap.error("give form folders or --all")
    for d in dirs:
        print(make(d))
    return 0


if __name__ == "__main__":
    sys.exit(main())
