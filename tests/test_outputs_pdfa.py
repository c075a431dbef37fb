"""PDF/A-2b: what can be checked without a validator, on generated documents (one and a batch), and the check
itself catching what PDF/A forbids (fonts not embedded, encryption, JavaScript, external references)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pikepdf
import pytest
from tests.conftest import TODAY

from dangan.app import Dangan, FixedClock
from dangan.config import Workspace
from dangan.content import pdfa


def _identification(data: bytes) -> tuple[str, str, str]:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        meta = pdf.open_metadata()
        return str(meta.get("pdfaid:part")), str(meta.get("pdfaid:conformance")), str(meta.get("dc:title"))


def test_a_generated_form_is_pdfa_2b_with_its_own_title(ws: Workspace) -> None:
    with Dangan.open(ws, clock=FixedClock(TODAY), index=False) as app:
        doc = app.generate("renovation-violation", sample=True, formats=("pdf",)).documents[0]
        data = doc.files["pdf"].read_bytes()
    assert pdfa.check(data) == []
    part, conformance, title = _identification(data)
    assert (part, conformance) == ("2", "B") and doc.doc_number in title


def test_every_document_of_a_batch_is_pdfa_2b_with_its_own_title(ws: Workspace, tmp_path: Path) -> None:
    rows = [[f"{i}栋{100 + i}室", f"业主{i}", "13900001111", "2026年11月", "2026-11-01", "物业管理费", "320.00"]
            for i in range(1, 4)]
    batch = tmp_path / "b.csv"
    with batch.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["房号", "业主", "联系电话", "收费期间", "通知日期", "项目", "金额"])
        writer.writerows(rows)
    with Dangan.open(ws, clock=FixedClock(TODAY), index=False) as app:
        docs = app.generate("payment-notice", batch=batch, formats=("pdf",)).documents
    assert len(docs) == 3
    titles = set()
    for doc in docs:
        data = doc.files["pdf"].read_bytes()
        assert pdfa.check(data) == [], doc.files["pdf"].name
        titles.add(_identification(data)[2])
    assert len(titles) == 3  # each piece cut from a chunk carries its own dc:title


def _plain(**root: object) -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    for key, value in root.items():
        pdf.Root[pikepdf.Name("/" + key)] = value
    buf = io.BytesIO()
    pdf.save(buf)
    return buf.getvalue()


def _marked(data: bytes) -> bytes:
    return pdfa.mark(data, pdfa.DocInfo(title="测试"))


def test_marking_a_clean_pdf_makes_it_pass_and_a_plain_one_does_not() -> None:
    plain = _plain()
    assert any("XMP" in p for p in pdfa.check(plain)) and any("输出意图" in p for p in pdfa.check(plain))
    assert pdfa.check(_marked(plain)) == []


def test_a_font_that_is_not_embedded_is_reported() -> None:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    font = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1,
                                                BaseFont=pikepdf.Name.Helvetica))
    pdf.pages[0].obj.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
    buf = io.BytesIO()
    pdf.save(buf)
    assert any("Helvetica" in p and "没有嵌入" in p for p in pdfa.check(_marked(buf.getvalue())))


@pytest.mark.parametrize(("action", "expected"), [
    ({"S": pikepdf.Name.JavaScript, "JS": pikepdf.String("app.alert(1)")}, "JavaScript"),
    ({"S": pikepdf.Name.Launch, "F": pikepdf.String("calc.exe")}, "外部引用"),
    ({"S": pikepdf.Name.GoToR, "F": pikepdf.String("other.pdf"), "D": pikepdf.Array([0])}, "外部引用"),
])
def test_scripts_and_references_outside_the_file_are_reported(action: dict, expected: str) -> None:
    data = _plain(OpenAction=pikepdf.Dictionary(Type=pikepdf.Name.Action, **action))
    assert any(expected in p for p in pdfa.check(_marked(data)))


def test_an_encrypted_pdf_is_reported() -> None:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    buf = io.BytesIO()
    pdf.save(buf, encryption=pikepdf.Encryption(owner="o", user=""))
    assert any("加密" in p for p in pdfa.check(buf.getvalue()))


def test_a_pdf_that_cannot_stay_as_it_is_gets_the_wrapper(ws: Workspace, tmp_path: Path) -> None:
    """A PDF with a script is not copied page for page: its pages become images (the script does not come along)."""
    path = tmp_path / "script.pdf"
    path.write_bytes(_plain(OpenAction=pikepdf.Dictionary(Type=pikepdf.Name.Action, S=pikepdf.Name.JavaScript,
                                                          JS=pikepdf.String("app.alert(1)"))))
    with Dangan.open(ws, clock=FixedClock(TODAY), index=False) as app:
        [filed] = app.file([path], category="QT")
        [made] = app.outputs.stamp([filed.result.record.archival_code])
        data = app.archive.store.abs(made.path).read_bytes()
    assert made.method == "wrapper" and pdfa.check(data) == []
