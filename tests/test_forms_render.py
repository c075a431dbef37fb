"""Rendering: sandbox, escaping, missing glyphs, QR codes, pages, numbering."""

from __future__ import annotations

import multiprocessing
import shutil
from pathlib import Path

import pytest
from docx import Document

from dangan.config import Workspace
from dangan.docnumber import is_doc_number, qr_payload
from dangan.errors import GlyphError, TemplateSecurityError
from dangan.forms import load_form, render_form
from dangan.forms.catalog import builtin_dir
from dangan.forms.numbering import allocate
from forms_helpers import docx_text, pdf_text, squash

EVIL = "{{ cycler.__init__.__globals__.os }}"
TRICKY = 'A<B & C "x"'
MISSING = "\U00030000"  # CJK Ext. G 𰀀: no installed font has it (checked below with fc-list)


def sample(ws: Workspace, **changes: object) -> dict:
    data = dict(load_form(ws, "payment-notice").sample)
    data.update(changes)
    return data


def local_copy(ws: Workspace) -> Path:
    dst = ws.templates_dir / "payment-notice"
    shutil.copytree(builtin_dir() / "payment-notice", dst)
    return dst


def test_sandbox_blocks_escape_in_html_template(ws: Workspace, tmp_path: Path) -> None:
    folder = local_copy(ws)
    (folder / "template.html").write_text('{% extends "_base/base.html" %}{% block body %}' + EVIL
                                          + "{% endblock %}", encoding="utf-8")
    with pytest.raises(TemplateSecurityError) as e:
        render_form(ws, "payment-notice", sample(ws), formats=("pdf",), out_dir=tmp_path / "o")
    assert e.value.form == "payment-notice" and "禁止" in e.value.message
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").iterdir())


def test_sandbox_blocks_escape_in_docx_template(ws: Workspace, tmp_path: Path) -> None:
    folder = local_copy(ws)
    doc = Document()
    doc.add_paragraph(EVIL)
    doc.save(str(folder / "template.docx"))
    with pytest.raises(TemplateSecurityError):
        render_form(ws, "payment-notice", sample(ws), formats=("docx",), out_dir=tmp_path / "o")
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").iterdir())


def test_sandbox_error_through_cli(ws: Workspace, cli, tmp_path: Path) -> None:
    folder = local_copy(ws)
    (folder / "template.html").write_text(EVIL, encoding="utf-8")
    r = cli("generate", "payment-notice", "--sample", "--format", "pdf", "--out", str(tmp_path / "o"))
    assert r.exit_code != 0 and "payment-notice" in r.output and "禁止" in r.output


def test_special_characters_appear_verbatim(ws: Workspace, tmp_path: Path) -> None:
    doc = render_form(ws, "payment-notice", sample(ws, owner=TRICKY, remark=TRICKY), formats=("pdf", "docx"),
                      out_dir=tmp_path)
    assert squash(TRICKY) in squash(pdf_text(doc.files["pdf"]))
    assert TRICKY in docx_text(doc.files["docx"])


def test_missing_glyph_is_verified_missing_from_every_font() -> None:
    import subprocess

    out = subprocess.run(["fc-list", f":charset={ord(MISSING):x}"], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_missing_glyph_is_reported_with_character_and_field(ws: Workspace, tmp_path: Path) -> None:
    doc = render_form(ws, "payment-notice", sample(ws, owner=f"张{MISSING}国"), formats=("pdf",), out_dir=tmp_path)
    assert len(doc.warnings) == 1
    assert MISSING in doc.warnings[0] and "U+30000" in doc.warnings[0] and "业主" in doc.warnings[0]


def test_missing_glyph_in_table_cell_names_row_and_column(ws: Workspace, tmp_path: Path) -> None:
    items = [{"name": f"水费{MISSING}", "amount": "1.00"}]
    doc = render_form(ws, "payment-notice", sample(ws, items=items), formats=("docx",), out_dir=tmp_path)
    assert "收费项目 第 1 行 项目" in doc.warnings[0]


def test_common_rare_name_characters_are_not_reported(ws: Workspace, tmp_path: Path) -> None:
    doc = render_form(ws, "payment-notice", sample(ws, owner="王喆 𠮷田 赟"), formats=("docx",), out_dir=tmp_path)
    assert doc.warnings == []


def test_strict_refuses_missing_glyph(ws: Workspace, tmp_path: Path, cli) -> None:
    with pytest.raises(GlyphError):
        render_form(ws, "payment-notice", sample(ws, owner=f"张{MISSING}"), strict=True, out_dir=tmp_path / "a")
    assert not (tmp_path / "a").exists() or not any((tmp_path / "a").iterdir())
    data = tmp_path / "d.yaml"
    import yaml

    data.write_text(yaml.safe_dump({**sample(ws), "owner": f"张{MISSING}"}, allow_unicode=True), encoding="utf-8")
    r = cli("generate", "payment-notice", "--data", str(data), "--out", str(tmp_path / "b"))
    assert r.exit_code == 0 and "U+30000" in r.output and "业主" in r.output
    r = cli("generate", "payment-notice", "--data", str(data), "--strict", "--out", str(tmp_path / "c"))
    assert r.exit_code != 0 and "U+30000" in r.output
    assert not (tmp_path / "c").exists() or not any((tmp_path / "c").iterdir())


def test_qr_code_decodes_from_200_dpi_raster(ws: Workspace, tmp_path: Path) -> None:
    import pypdfium2 as pdfium
    import zxingcpp

    doc = render_form(ws, "payment-notice", sample(ws), formats=("pdf",), out_dir=tmp_path)
    page = pdfium.PdfDocument(str(doc.files["pdf"]))[0]
    image = page.render(scale=200 / 72).to_pil()
    found = zxingcpp.read_barcodes(image)
    assert [b.text for b in found] == [qr_payload(doc.doc_number, "payment-notice", page=1, pages=1)]
    box = found[0].position
    width_mm = (box.top_right.x - box.top_left.x) / 200 * 25.4
    assert 14 <= width_mm <= 21  # ~19 mm printed (quiet zone excluded)
    assert box.top_left.x > image.width / 2 and box.top_left.y < image.height / 5  # top right


def test_docx_carries_the_qr_image(ws: Workspace, tmp_path: Path) -> None:
    import io
    import zipfile

    import zxingcpp
    from PIL import Image

    doc = render_form(ws, "payment-notice", sample(ws), formats=("docx",), out_dir=tmp_path)
    with zipfile.ZipFile(doc.files["docx"]) as z:
        pngs = [n for n in z.namelist() if n.startswith("word/media/")]
        image = Image.open(io.BytesIO(z.read(pngs[0])))
    assert [b.text for b in zxingcpp.read_barcodes(image)] == [qr_payload(doc.doc_number, "payment-notice")]


def test_paper_size(ws: Workspace, tmp_path: Path) -> None:
    from pypdf import PdfReader

    doc = render_form(ws, "payment-notice", sample(ws), formats=("pdf",), out_dir=tmp_path)
    box = PdfReader(str(doc.files["pdf"])).pages[0].mediabox
    assert round(float(box.width) / 72 * 25.4) == 148 and round(float(box.height) / 72 * 25.4) == 210  # A5


def _grab(args: tuple[str, int]) -> list[str]:
    from dangan.config import open_workspace

    root, count = args
    ws = open_workspace(root)
    return [n for _ in range(count) for n in allocate(ws, "JF", 2026, "payment-notice")]


def test_numbers_unique_across_processes(ws: Workspace) -> None:
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(3) as pool:
        parts = pool.map(_grab, [(str(ws.root), 15)] * 3)
    numbers = [n for p in parts for n in p]
    assert len(numbers) == len(set(numbers)) == 45
    assert all(is_doc_number(n) for n in numbers)
    assert sorted(numbers)[-1] == "JF-2026-0045"
