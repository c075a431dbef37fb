"""Pages as offices use them: one household one sheet, every page names its document, seals, date lines,
blank registers, and the wording fixes."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from dangan.config import Workspace
from dangan.docnumber import parse_qr
from dangan.forms import generate, list_forms, load_form, render_form
from dangan.forms.catalog import FormDef
from dangan.forms.fields import FieldDef
from forms_helpers import docx_text, pdf_text, squash

NOTICES = ["payment-notice", "dunning-notice", "deadline-payment-notice", "renovation-violation", "community-notice",
           "opinion-survey"]


def pages(pdf: Path) -> int:
    return len(PdfReader(str(pdf)).pages)


def page_texts(pdf: Path) -> list[str]:
    return [squash(p.extract_text()) for p in PdfReader(str(pdf)).pages]


def codes(pdf: Path, dpi: int = 150) -> list[Any]:
    """The dangan QR code read from each page's rasterised image (as a scan would be read)."""
    import pypdfium2 as pdfium
    import zxingcpp

    out = []
    for page in pdfium.PdfDocument(str(pdf)):
        found = [parse_qr(b.text) for b in zxingcpp.read_barcodes(page.render(scale=dpi / 72).to_pil())]
        out.append(next((c for c in found if c), None))
    return out


def _filled(f: FieldDef, sample: Any) -> Any:
    """The widest value a field allows (text at its maximum length, money at its maximum)."""
    if f.type == "text" and f.max_length and not f.pattern:
        return "测" * f.max_length
    if f.type == "money":
        return "99,999,999.99" if f.max is None else str(f.max)
    return sample


def at_limits(form: FormDef) -> dict[str, Any]:
    data = copy.deepcopy(dict(form.sample))
    for f in form.fields:
        if f.type == "table":
            rows = data.get(f.id) or []
            n = f.max_rows or len(rows)
            data[f.id] = [{c.id: _filled(c, rows[i % len(rows)].get(c.id)) for c in f.columns} for i in range(n)]
        elif f.id in data or f.max_length:
            data[f.id] = _filled(f, data.get(f.id))
    return data


@pytest.mark.parametrize("form_id", NOTICES)
def test_a_notice_fits_its_sheet_at_the_field_limits(ws: Workspace, tmp_path: Path, form_id: str) -> None:
    """Every text at its maximum length, every table at its maximum rows: still one sheet, signatures included."""
    form = load_form(ws, form_id)
    data = at_limits(form)
    doc = render_form(ws, form_id, data, formats=("pdf",), out_dir=tmp_path)
    assert pages(doc.files["pdf"]) == 1, f"{form_id} at its limits takes {pages(doc.files['pdf'])} pages"
    assert "（盖章）" in page_texts(doc.files["pdf"])[0]
    assert not doc.warnings


def test_past_the_limit_is_refused_not_split(ws: Workspace) -> None:
    from dangan.errors import InputError
    from dangan.forms.generate import prepare

    form = load_form(ws, "payment-notice")
    data = {**form.sample, "items": [{"name": "物业管理费", "amount": "1.00"}] * (form.table_field.max_rows + 1)}
    with pytest.raises(InputError, match="最多"):
        prepare(ws, form, data)


def test_eight_items_and_a_long_remark_fit_an_a5_sheet(ws: Workspace, tmp_path: Path) -> None:
    names = ["物业管理费", "水费", "电费", "燃气费", "车位管理费", "公摊电费", "垃圾清运费", "有线电视费"]
    data = {**load_form(ws, "payment-notice").sample, "remark": "请于缴费期限前缴纳。" * 20,
            "items": [{"name": n, "detail": "按实际用量计费", "amount": "123.45"} for n in names]}
    doc = render_form(ws, "payment-notice", data, formats=("pdf",), out_dir=tmp_path)
    assert pages(doc.files["pdf"]) == 1
    text = page_texts(doc.files["pdf"])[0]
    assert all(n in text for n in names) and "业主签收" in text and "987.60" in text


def test_merged_print_file_has_one_sheet_per_household(ws: Workspace, tmp_path: Path) -> None:
    """50 households, some with many items and long remarks: the merged file has exactly 50 pages."""
    from openpyxl import Workbook

    wb = Workbook()
    sheet = wb.active
    sheet.append(["房号", "业主", "收费期间", "通知日期", "项目", "计费说明", "金额", "备注"])
    for i in range(50):
        unit = f"{1 + i // 10}栋{1001 + i}室"
        n = 10 if i % 7 == 0 else 2 + i % 4
        for k in range(n):
            head = [unit, f"业主{i}", "2026年11月", "2026-11-01"]
            remark = "测" * 200 if i % 5 == 0 else ""
            sheet.append([*head, f"项目{k}", "按实际用量计费", "12.50", remark])
    wb.save(tmp_path / "b.xlsx")
    result = generate(ws, "payment-notice", batch=tmp_path / "b.xlsx", formats=("pdf",), out_dir=tmp_path / "o",
                      merge=True, workers=1)
    assert len(result.documents) == 50
    assert result.merged is not None and pages(result.merged) == 50
    assert all(pages(d.files["pdf"]) == 1 for d in result.documents)
    first, last = codes(result.merged)[0], codes(result.merged)[-1]
    assert (first.doc_number, first.page, first.pages) == (result.documents[0].doc_number, 1, 1)
    assert last.doc_number == result.documents[-1].doc_number


def _long_register(ws: Workspace, n: int = 65) -> dict[str, Any]:
    data = copy.deepcopy(dict(load_form(ws, "complaint-register").sample))
    row = data["rows"][0]
    data["rows"] = [{**row, "complainant": f"业主{i}"} for i in range(n)]
    return data


def test_every_page_names_its_document(ws: Workspace, tmp_path: Path) -> None:
    """A loose page of a long register still shows its title, 文号, page number and a QR code naming the page."""
    doc = render_form(ws, "complaint-register", _long_register(ws), formats=("pdf", "docx"), out_dir=tmp_path)
    texts = page_texts(doc.files["pdf"])
    n = len(texts)
    assert n >= 3
    for i, text in enumerate(texts, start=1):
        assert "客户投诉管理登记表" in text and doc.doc_number in text and f"第{i}页共{n}页" in text
        assert "接诉时间" in text  # the table header repeats
    found = codes(doc.files["pdf"])
    assert [(c.doc_number, c.form_id, c.page, c.pages) for c in found] == [
        (doc.doc_number, "complaint-register", i, n) for i in range(1, n + 1)]


def test_titles_carry_no_alternative_name(ws: Workspace, tmp_path: Path) -> None:
    for form in list_forms(ws):
        assert "（" not in form.title, form.title
    assert load_form(ws, "业主投诉记录表").id == "complaint-register"  # the rules' other name still finds it
    doc = render_form(ws, "community-notice", load_form(ws, "community-notice").sample, formats=("pdf", "docx"),
                      out_dir=tmp_path)
    for text in (squash(pdf_text(doc.files["pdf"])), squash(docx_text(doc.files["docx"]))):
        assert "通知通告" not in text and "关于举办" in text  # the notice's own subject is its title
        assert "社区活动通知文号" in text and text.count("社区活动通知") == text.count("社区活动通知文号")  # named only beside the 文号
        assert text.count("为增进邻里感情") == 1  # the body once


@pytest.mark.parametrize("form_id", NOTICES)
def test_notices_have_room_for_the_seal(ws: Workspace, tmp_path: Path, form_id: str) -> None:
    form = load_form(ws, form_id)
    doc = render_form(ws, form_id, form.sample, formats=("pdf", "docx"), out_dir=tmp_path)
    for text in (squash(pdf_text(doc.files["pdf"])), squash(docx_text(doc.files["docx"]))):
        assert "（盖章）" in text


def test_wording(ws: Workspace, tmp_path: Path) -> None:
    def text_of(form_id: str, **changes: Any) -> str:
        data = {**load_form(ws, form_id).sample, **changes}
        doc = render_form(ws, form_id, data, formats=("pdf",), out_dir=tmp_path)
        return pdf_text(doc.files["pdf"])

    assert "万分之三" in squash(text_of("deadline-payment-notice")) and "0.0003" not in text_of("deadline-payment-notice")
    assert "万分之三" in squash(text_of("payment-notice"))
    assert "一式两联" not in squash(text_of("renovation-violation"))
    payment = text_of("payment-notice")
    assert re.search(r"您2026年11月应缴纳", payment.replace("\n", "")) and "您 2026" not in payment
    survey = squash(text_of("fee-collection-stats"))
    assert "☑月度" in survey and "☐季度" in survey


def test_dates_and_short_values_never_break(ws: Workspace, tmp_path: Path) -> None:
    """Label columns follow their labels, so a date, a shift or a unit is never split over two lines."""
    for form_id, values in (("front-desk-log", ["2026年11月26日", "☑早班"]), ("vacant-signin", ["翠湖苑一期（1—6栋）"]),
                            ("payment-notice", ["2.50元/㎡", "2026年11月"]), ("visit-record", ["非常满意"])):
        doc = render_form(ws, form_id, load_form(ws, form_id).sample, formats=("pdf",), out_dir=tmp_path)
        lines = [re.sub(r"\s+", "", line) for line in pdf_text(doc.files["pdf"]).splitlines()]
        for v in values:
            assert any(v in line for line in lines), f"{form_id}: {v} broken over lines"


def test_register_printed_blank(ws: Workspace, cli, tmp_path: Path) -> None:
    """空置房屋巡查签到表 with no rows: 20 empty rows for the pen, the signature column empty, a 文号 and QR."""
    heading = tmp_path / "h.yaml"
    heading.write_text("area: 翠湖苑一期\n", encoding="utf-8")
    out = tmp_path / "o"
    r = cli("generate", "vacant-signin", "--blank", "20", "--data", str(heading), "--format", "pdf,docx",
            "--no-archive", "--out", str(out))
    assert r.exit_code == 0, r.output
    pdf = next(out.glob("*.pdf"))
    text = squash(pdf_text(pdf))
    assert "翠湖苑一期" in text and "巡查人签名" in text and "____年__月__日至____年__月__日" in text
    assert codes(pdf)[0] is not None


def test_blank_rows_are_printed(ws: Workspace, tmp_path: Path) -> None:
    from dangan.forms.generate import prepare_blank

    form = load_form(ws, "vacant-signin")
    job = prepare_blank(ws, form, {}, 12)
    assert job.values["rows"] == [] and job.values["visits"] is None and job.blank_rows == 12
    doc = render_form(ws, "vacant-signin", {}, formats=("pdf", "docx"), out_dir=tmp_path, blank=12)
    import zipfile

    xml = zipfile.ZipFile(doc.files["docx"]).read("word/document.xml").decode()
    assert xml.count("<w:tr") >= 13
    with pytest.raises(Exception, match="只有登记表"):
        render_form(ws, "payment-notice", {}, formats=("pdf",), out_dir=tmp_path, blank=3)


def test_signature_column_is_left_for_the_pen(ws: Workspace, tmp_path: Path) -> None:
    form = load_form(ws, "vacant-signin")
    """The inspector's name may be typed (巡查人, from the ledger), never into the signature column."""
    sign = next(c for c in form.table_field.columns if c.id == "inspector")
    assert sign.label == "巡查人"
    data = {**form.sample, "rows": [{"checked_at": "2026-11-02 09:30", "unit": "1栋1502室", "inspector": "钱芳"}]}
    doc = render_form(ws, "vacant-signin", data, formats=("pdf", "docx"), out_dir=tmp_path)
    text = pdf_text(doc.files["pdf"])
    assert "巡查人签名" in text and text.count("钱芳") == 1
    from docx import Document

    table = next(t for t in Document(str(doc.files["docx"])).tables if "巡查人签名" in t.rows[0].cells[-2].text)
    assert [c.text for c in table.rows[1].cells][3:5] == ["钱芳", ""]
