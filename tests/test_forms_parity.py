"""The Word file is the same form as the PDF: every form rendered from its sample in both formats, the
DOCX turned into a PDF by LibreOffice (as a clerk's Word or WPS would show it), and the two compared as a
reader sees them: the same text in the same order, the same tables and columns, the same page count."""

from __future__ import annotations

import collections
import datetime as dt
import difflib
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest
from lxml import html as lxml_html

from dangan.config import init_workspace
from dangan.forms import list_forms, load_form, render_form
from dangan.forms.catalog import builtin_dir, template_dirs
from dangan.forms.context import build_context
from dangan.forms.generate import prepare
from dangan.forms.render_html import render_html

FORM_IDS = sorted(p.name for p in builtin_dir().iterdir() if (p / "form.yaml").is_file())
FONTS = Path(__file__).parent / "fontconfig" / "fonts.conf"  # 宋体 → Noto Serif CJK SC, as on a PC with 宋体
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", info).group(1))  # type: ignore[union-attr]


def _text(pdf: Path) -> str:
    """What a reader sees, line by line (pdftotext's layout mode), letters and digits only."""
    out = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return re.sub(r"[^\u4e00-\u9fff0-9A-Za-z]", "", out)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """Every form's sample as PDF, as DOCX, and the DOCX through LibreOffice (one soffice call)."""
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.fail("LibreOffice (soffice) is not installed: scripts/setup.sh installs libreoffice-writer-nogui")
    tmp = tmp_path_factory.mktemp("parity")
    ws = init_workspace(tmp / "ws")
    out, lo = tmp / "out", tmp / "lo"
    docs = {}
    for form in list_forms(ws):
        doc = render_form(ws, form.id, form.sample, formats=("pdf", "docx"), out_dir=out)
        job = prepare(ws, form, form.sample)
        ctx = build_context(ws, form, job.values, doc.doc_number, today=dt.date(2026, 12, 1))
        docs[form.id] = {"doc": doc, "html": render_html(tuple(template_dirs(ws)), form.id, ctx)}
    env = {**os.environ, "FONTCONFIG_FILE": str(FONTS)}
    profile = (tmp / "lo-profile").as_uri()
    subprocess.run([soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf", "--outdir",
                    str(lo), *(str(d["doc"].files["docx"]) for d in docs.values())],
                   capture_output=True, env=env, timeout=900, check=True)
    for d in docs.values():
        d["lo"] = lo / (d["doc"].files["docx"].stem + ".pdf")
    return docs


def _html_tables(html: str) -> list[int]:
    """Columns of each table of the page body (the repeated page header left out)."""
    body = lxml_html.fromstring(html).find("body")
    header = body.find("header")
    body.remove(header)
    out = []
    for table in body.iter("table"):
        out.append(max(sum(int(c.get("colspan", 1)) for c in tr if c.tag in ("td", "th")) for tr in table.iter("tr")))
    return out


def _docx_tables(docx: Path) -> list[int]:
    from lxml import etree

    root = etree.fromstring(zipfile.ZipFile(docx).read("word/document.xml"))
    return [len(t.find(f"{W}tblGrid").findall(f"{W}gridCol")) for t in root.iter(f"{W}tbl")]


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_docx_is_the_same_form_as_the_pdf(rendered: dict[str, dict[str, Any]], form_id: str) -> None:
    d = rendered[form_id]
    pdf, lo, docx = d["doc"].files["pdf"], d["lo"], d["doc"].files["docx"]
    assert lo.is_file(), f"LibreOffice could not open {docx.name}"
    assert _pages(lo) == _pages(pdf), "page count"
    assert _docx_tables(docx) == _html_tables(d["html"]), "tables and their columns"
    a, b = _text(pdf), _text(lo)
    ca, cb = collections.Counter(a), collections.Counter(b)
    common = sum((ca & cb).values())
    missing = "".join(sorted((ca - cb).elements()))[:80]
    extra = "".join(sorted((cb - ca).elements()))[:80]
    # (a table header repeated where the two renderers break a page differently is the only leeway)
    assert common / len(a) >= 0.97 and common / len(b) >= 0.97, f"only in the PDF: {missing!r}; only in Word: {extra!r}"
    order = difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()
    assert order >= 0.9, f"the same text in another order ({order:.2f})"


def test_parity_test_tells_a_generic_dump_from_the_form(rendered: dict[str, dict[str, Any]], tmp_path: Path) -> None:
    """The comparison fails a DOCX that lists the fields instead of laying out the form (the old templates)."""
    d = rendered["fee-collection-stats"]
    form = load_form(None, "fee-collection-stats")
    from docx import Document

    dump = Document()
    for f in form.fields:
        dump.add_paragraph(f"{f.label}：{form.sample.get(f.id, '')}")
    dump.save(str(tmp_path / "dump.docx"))
    assert _docx_tables(tmp_path / "dump.docx") != _html_tables(d["html"])


def test_docx_is_a_chinese_office_document(rendered: dict[str, dict[str, Any]]) -> None:
    """宋体/黑体 as the East Asian fonts, zh-CN, page numbers, repeated table headers, no Noto in the body."""
    for form_id, d in rendered.items():
        with zipfile.ZipFile(d["doc"].files["docx"]) as z:
            styles = z.read("word/styles.xml").decode()
            document = z.read("word/document.xml").decode()
            footers = "".join(z.read(n).decode() for n in z.namelist() if re.match(r"word/footer\d*\.xml", n))
            headers = "".join(z.read(n).decode() for n in z.namelist() if re.match(r"word/header\d*\.xml", n))
            settings = z.read("word/settings.xml").decode()
        assert 'w:eastAsia="宋体"' in styles and 'w:lang w:val="zh-CN" w:eastAsia="zh-CN"' in styles, form_id
        assert "Noto" not in styles + document + headers, form_id
        assert 'w:eastAsia="黑体"' in headers and d["doc"].doc_number in headers, form_id
        assert "ja-JP" not in settings and 'w:eastAsia="zh-CN"' in settings, form_id
        assert " PAGE " in footers and " NUMPAGES " in footers and "第" in footers, form_id
        if "<thead>" in d["html"]:
            assert "<w:tblHeader" in document, form_id
