"""Hostile or broken input and templates (issue 10 items 3, 4, 9, 15): refused with a clear error, never a traceback."""

from __future__ import annotations

import io
import os
import shutil
import tracemalloc
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from docx import Document

from dangan.config import Workspace
from dangan.errors import FormError, InputError
from dangan.forms import limits, load_form, render_form
from dangan.forms.catalog import builtin_dir
from dangan.forms.generate import collect_jobs
from dangan.forms.inputs import read_sheet
from forms_helpers import docx_text, pdf_text, squash


def local_copy(ws: Workspace, form_id: str = "community-notice") -> Path:
    dst = ws.templates_dir / form_id
    shutil.copytree(builtin_dir() / form_id, dst)
    return dst


def notice(ws: Workspace, **changes: Any) -> dict[str, Any]:
    return {**load_form(ws, "community-notice").sample, **changes}


def no_output(folder: Path) -> bool:
    return not folder.exists() or not any(folder.iterdir())


# -- item 4: control characters, lone surrogates, noncharacters, bidi controls --------------------

LINE_BREAKS = ["\u000b", "\u000c", "\r", "\r\n", "\u2028", "\u2029", "\u0085"]
REFUSED = ["\u0000", "\u0001", "\u0008", "\u001b", "\u007f", "\u009b", "\ud83d", "\udc00", "\ufffe", "\uffff",
           "\U0010ffff", "\u202e", "\u202a", "\u2066", "\u2069", "\u200f", "\u061c"]


@pytest.mark.parametrize("char", LINE_BREAKS, ids=[f"U+{ord(c[0]):04X}" for c in LINE_BREAKS])
def test_line_breaks_in_disguise_print_as_line_breaks(ws: Workspace, tmp_path: Path, char: str) -> None:
    content = f"第一行{char}第二行 R&D <A&B>"
    doc = render_form(ws, "community-notice", notice(ws, content=content, place="会所 R&D <1>"),
                      formats=("pdf", "docx"), out_dir=tmp_path)
    xml = zipfile.ZipFile(doc.files["docx"]).read("word/document.xml").decode()
    assert "R&amp;D &lt;A&amp;B&gt;" in xml and "会所 R&amp;D &lt;1&gt;" in xml
    assert not any(c in xml for c in "\x0b\x0c\r\x85\u2028\u2029")
    assert "第一行</w:t><w:br/>" in xml  # a real line break in Word
    Document(str(doc.files["docx"]))  # a valid document
    text = squash(docx_text(doc.files["docx"]))
    assert "第一行" in text and "第二行R&D<A&B>" in text
    pdf = squash(pdf_text(doc.files["pdf"]))
    assert "第二行R&D<A&B>" in pdf and "会所R&D<1>" in pdf
    assert doc.data["content"] == "第一行\n第二行 R&D <A&B>"


@pytest.mark.parametrize("char", REFUSED, ids=[f"U+{ord(c):04X}" for c in REFUSED])
def test_invisible_characters_are_refused_with_the_field_named(ws: Workspace, tmp_path: Path, char: str) -> None:
    out = tmp_path / "o"
    with pytest.raises(InputError) as e:
        render_form(ws, "community-notice", notice(ws, content=f"内容{char}第二行 R&D"), formats=("pdf", "docx"),
                    out_dir=out)
    assert e.value.field == "内容" and f"U+{ord(char):04X}" in e.value.message and "第 3 个字" in e.value.message
    assert no_output(out)


def test_a_bad_character_in_a_batch_names_row_and_column(ws: Workspace, tmp_path: Path) -> None:
    sheet = tmp_path / "b.csv"
    sheet.write_text("房号,业主,收费期间,通知日期,项目,金额\n1栋101室,张\u202e三,2026年11月,2026-11-01,物业管理费,10\n",
                     encoding="utf-8")
    with pytest.raises(InputError) as e:
        collect_jobs(ws, load_form(ws, "payment-notice"), data=None, batch=sheet, sample=False, keep_going=False)
    assert e.value.row == 2 and e.value.field == "业主" and "U+202E" in e.value.message


def test_company_settings_with_a_control_character_do_not_corrupt_the_docx(ws: Workspace, tmp_path: Path) -> None:
    from dangan.config import open_workspace

    toml = ws.root / "dangan.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('centre = "示例花园客服中心"', 'centre = "客服\\u0001中心"'),
                    encoding="utf-8")
    ws2 = open_workspace(ws.root)
    with pytest.raises(FormError) as e:
        render_form(ws2, "community-notice", notice(ws2), formats=("docx",), out_dir=tmp_path / "o")
    assert "U+0001" in e.value.message
    assert no_output(tmp_path / "o")


# -- item 9: templates fetch nothing outside their folders -----------------------------------------


@pytest.mark.parametrize("html", [
    '<img src="file:///etc/hostname">',
    '<img src="http://127.0.0.1:9/pixel.png">',
    '<a rel="attachment" href="file:///etc/passwd">附件</a>',
    '<link rel="attachment" href="/etc/passwd">',
    '<div style="background: url(file:///etc/hostname)">x</div>',
    '<link rel="stylesheet" href="https://example.com/x.css">',
    '<object data="file:///etc/hostname"></object>',
])
def test_template_cannot_fetch_outside_its_folders(ws: Workspace, tmp_path: Path, html: str) -> None:
    folder = local_copy(ws)
    page = folder / "template.html"
    page.write_text(page.read_text(encoding="utf-8").replace("{% endblock %}", html + "{% endblock %}", 1),
                    encoding="utf-8")
    out = tmp_path / "o"
    with pytest.raises(FormError) as e:
        render_form(ws, "community-notice", notice(ws), formats=("pdf",), out_dir=out)
    assert "已拒绝" in e.value.message and e.value.form == "community-notice"
    assert any(u in e.value.message for u in ("/etc/hostname", "/etc/passwd", "127.0.0.1", "example.com"))
    assert no_output(out)


def test_symlink_out_of_the_template_folder_is_refused(ws: Workspace, tmp_path: Path) -> None:
    folder = local_copy(ws)
    os.symlink("/etc/hostname", folder / "logo.png")
    page = folder / "template.html"
    page.write_text(page.read_text(encoding="utf-8").replace("{% endblock %}", '<img src="logo.png">{% endblock %}', 1),
                    encoding="utf-8")
    with pytest.raises(FormError) as e:
        render_form(ws, "community-notice", notice(ws), formats=("pdf",), out_dir=tmp_path / "o")
    assert "已拒绝" in e.value.message and "logo.png" in e.value.message


def test_files_in_the_form_folder_may_be_used(ws: Workspace, tmp_path: Path) -> None:
    from PIL import Image

    folder = local_copy(ws)
    Image.new("RGB", (40, 20), (200, 0, 0)).save(folder / "logo.png")
    page = folder / "template.html"
    page.write_text(page.read_text(encoding="utf-8").replace("{% endblock %}", '<img src="logo.png">{% endblock %}', 1),
                    encoding="utf-8")
    doc = render_form(ws, "community-notice", notice(ws), formats=("pdf",), out_dir=tmp_path)
    import pypdf

    images = [img for p in pypdf.PdfReader(doc.files["pdf"]).pages for img in p.images]
    assert any(i.image.size == (40, 20) for i in images)


def test_workspace_stylesheet_cannot_import_outside(ws: Workspace, tmp_path: Path) -> None:
    base = ws.templates_dir / "_base"
    base.mkdir(parents=True)
    css = (builtin_dir() / "_base" / "style.css").read_text(encoding="utf-8")
    (base / "style.css").write_text('@import url("file:///etc/passwd");\n' + css, encoding="utf-8")
    with pytest.raises(FormError) as e:
        render_form(ws, "community-notice", notice(ws), formats=("pdf",), out_dir=tmp_path / "o")
    assert "/etc/passwd" in e.value.message and "style.css" in str(e.value.path)


def _docx_with(tmp: Path, edit: Any) -> bytes:
    src = zipfile.ZipFile(builtin_dir() / "community-notice" / "template.docx")
    parts = {n: src.read(n) for n in src.namelist()}
    edit(parts)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for n, d in parts.items():
            z.writestr(n, d)
    return buf.getvalue()


def _linked_picture(parts: dict[str, bytes]) -> None:
    rels = parts["word/_rels/document.xml.rels"].decode()
    parts["word/_rels/document.xml.rels"] = rels.replace("</Relationships>", (
        '<Relationship Id="rIdX" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image" '
        'Target="file:///etc/hostname" TargetMode="External"/></Relationships>')).encode()


def _include_field(parts: dict[str, bytes]) -> None:
    xml = parts["word/document.xml"].decode()
    field = ('<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve"> '
             'INCLUDETEXT "/etc/passwd" </w:instrText></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>')
    parts["word/document.xml"] = xml.replace("<w:body>", "<w:body>" + field, 1).encode()


@pytest.mark.parametrize(("edit", "words"), [(_linked_picture, "/etc/hostname"), (_include_field, "INCLUDETEXT")])
def test_docx_template_follows_nothing_outside(ws: Workspace, tmp_path: Path, edit: Any, words: str) -> None:
    folder = local_copy(ws)
    (folder / "template.docx").write_bytes(_docx_with(tmp_path, edit))
    with pytest.raises(FormError) as e:
        render_form(ws, "community-notice", notice(ws), formats=("docx",), out_dir=tmp_path / "o")
    assert words in e.value.message and "已拒绝" in e.value.message
    assert no_output(tmp_path / "o")


def test_docx_attached_template_is_dropped(ws: Workspace, tmp_path: Path) -> None:
    def attach(parts: dict[str, bytes]) -> None:
        parts["word/_rels/settings.xml.rels"] = (
            b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            b'attachedTemplate" Target="http://evil.example/t.dotm" TargetMode="External"/></Relationships>')
        xml = parts["word/settings.xml"].decode()
        parts["word/settings.xml"] = xml.replace(">", '><w:attachedTemplate r:id="rId1"/>', 2).replace(
            '><w:attachedTemplate r:id="rId1"/>', ">", 1).encode()

    folder = local_copy(ws)
    (folder / "template.docx").write_bytes(_docx_with(tmp_path, attach))
    doc = render_form(ws, "community-notice", notice(ws), formats=("docx",), out_dir=tmp_path)
    with zipfile.ZipFile(doc.files["docx"]) as z:
        everything = b"".join(z.read(n) for n in z.namelist())
    assert b"evil.example" not in everything and b"attachedTemplate" not in everything


# -- item 15: limits on templates and batch input --------------------------------------------------

HOSTILE = [
    ("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}", "循环"),
    ("{{ range(10**9)|list|length }}", "range()"),
    ("{{ 'x' * 10**9 }}", "上限"),
    ("{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}", "宏"),
    ("{{ '%*s'|format(1000000000, 'x') }}", "上限"),
]


@pytest.mark.parametrize(("tag", "words"), HOSTILE)
def test_runaway_html_template_ends_with_a_clear_error(ws: Workspace, tmp_path: Path, tag: str, words: str) -> None:
    folder = local_copy(ws)
    page = folder / "template.html"
    page.write_text(page.read_text(encoding="utf-8").replace("{% endblock %}", tag + "{% endblock %}", 1),
                    encoding="utf-8")
    with pytest.raises(FormError) as e:
        render_form(ws, "community-notice", notice(ws), formats=("pdf",), out_dir=tmp_path / "o")
    assert words in e.value.message and "模板" in e.value.message
    assert no_output(tmp_path / "o")


@pytest.mark.parametrize(("tag", "words"), HOSTILE[:2])
def test_runaway_docx_template_ends_with_a_clear_error(ws: Workspace, tmp_path: Path, tag: str, words: str) -> None:
    folder = local_copy(ws)
    d = Document()
    d.add_paragraph(tag)
    d.save(str(folder / "template.docx"))
    with pytest.raises(FormError) as e:
        render_form(ws, "community-notice", notice(ws), formats=("docx",), out_dir=tmp_path / "o")
    assert words in e.value.message
    assert no_output(tmp_path / "o")


def test_runaway_template_through_the_cli(ws: Workspace, cli, tmp_path: Path) -> None:
    folder = local_copy(ws)
    page = folder / "template.html"
    page.write_text(page.read_text(encoding="utf-8").replace("{% endblock %}", HOSTILE[1][0] + "{% endblock %}", 1),
                    encoding="utf-8")
    r = cli("generate", "community-notice", "--sample", "--format", "pdf", "--no-archive", "--out", str(tmp_path / "o"))
    assert r.exit_code == 1 and "Traceback" not in r.output and "range()" in r.output and "community-notice" in r.output


def _huge_inline_string_xlsx(path: Path, megabytes: int) -> None:
    """A small file whose one cell is a huge inline string (it compresses to almost nothing)."""
    head = ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
            'spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>房号</t></is></c></row>'
            '<row r="2"><c r="A2" t="inlineStr"><is><t>')
    tail = "</t></is></c></row></sheetData></worksheet>"
    buf = io.BytesIO()
    from openpyxl import Workbook

    Workbook().save(buf)
    src = zipfile.ZipFile(buf)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n in src.namelist():
            if n != "xl/worksheets/sheet1.xml":
                z.writestr(n, src.read(n))
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            f.write(head.encode())
            chunk = b"A" * (1024 * 1024)
            for _ in range(megabytes):
                f.write(chunk)
            f.write(tail.encode())


def test_xlsx_with_a_huge_string_is_refused_before_it_is_read(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "bomb.xlsx"
    _huge_inline_string_xlsx(path, limits.MAX_SHEET_MB + 20)
    assert path.stat().st_size < 2 * 1024 * 1024
    tracemalloc.start()
    try:
        with pytest.raises(InputError) as e:
            read_sheet(path, form="payment-notice")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert f"{limits.MAX_SHEET_MB} MB" in e.value.message and str(e.value.path) == str(path)
    assert peak < 20 * 1024 * 1024


def test_a_cell_over_excels_own_limit_is_refused(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "big.xlsx"
    _huge_inline_string_xlsx(path, 1)  # one cell of a megabyte
    with pytest.raises(InputError) as e:
        read_sheet(path, form="payment-notice")
    assert e.value.row == 2 and "32767" in e.value.message.replace(",", "") and "第 1 列" in e.value.message


def test_csv_cell_over_the_limit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    path.write_text("房号,业主\n1栋," + "张" * (limits.MAX_CELL_CHARS * 5) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as e:
        read_sheet(path, form="payment-notice")
    assert e.value.row == 2 and "上限" in e.value.message


def test_too_many_rows_is_refused_with_the_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_BATCH_ROWS", 50)
    path = tmp_path / "many.csv"
    path.write_text("房号,业主\n" + "".join(f"1栋{i}室,张三\n" for i in range(60)), encoding="utf-8")
    with pytest.raises(InputError) as e:
        read_sheet(path, form="payment-notice")
    assert "50 行" in e.value.message and str(e.value.path) == str(path)


def test_huge_data_file_is_refused(ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_DATA_MB", 1)
    path = tmp_path / "d.yaml"
    path.write_text(yaml.safe_dump({"content": "字" * 600_000}, allow_unicode=True), encoding="utf-8")
    with pytest.raises(InputError) as e:
        collect_jobs(ws, load_form(ws, "community-notice"), data=path, batch=None, sample=False, keep_going=False)
    assert "1 MB" in e.value.message
