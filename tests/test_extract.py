"""Text extraction and format detection (dangan.content)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from dangan.archive.testing import minimal_pdf
from dangan.content.extract import extract
from dangan.content.formats import detect_format
from dangan.errors import IngestError


def test_pdf_text_layer_and_pages(tmp_path: Path) -> None:
    p = tmp_path / "x.pdf"
    p.write_bytes(minimal_pdf("Fee notice 447.50", pages=3))
    e = extract(p)
    assert (e.format, e.page_count, e.source, e.pages_without_text) == ("pdf", 3, "layer", 0)
    assert "Fee notice 447.50 p3" in e.text


def test_pdf_without_text_layer(tmp_path: Path) -> None:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument.new()
    pdf.new_page(200, 200)
    buf = io.BytesIO()
    pdf.save(buf)
    p = tmp_path / "scan.pdf"
    p.write_bytes(buf.getvalue())
    e = extract(p)
    assert (e.text, e.source, e.pages_without_text) == (None, "none", 1)


def test_docx_paragraphs_tables_headers_footers(tmp_path: Path) -> None:
    import docx

    d = docx.Document()
    d.sections[0].header.paragraphs[0].text = "示例物业服务有限公司"
    d.sections[0].footer.paragraphs[0].text = "客服电话 0755-12345678"
    d.add_paragraph("装修违规整改通知")
    t = d.add_table(rows=1, cols=2)
    t.cell(0, 0).text = "房号"
    t.cell(0, 1).text = "3栋1201室"
    p = tmp_path / "x.docx"
    d.save(p)
    e = extract(p)
    assert e.format == "docx" and e.source == "docx"
    for part in ("示例物业服务有限公司", "装修违规整改通知", "3栋1201室", "0755-12345678"):
        assert part in e.text


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "utf-16"])
def test_text_encodings(tmp_path: Path, encoding: str) -> None:
    text = "业主欧阳喆投诉电梯噪音，客服中心已于30分钟内答复处理方案。\n"
    p = tmp_path / "x.txt"
    p.write_bytes(text.encode(encoding))
    e = extract(p)
    assert e.format == "txt" and e.text.strip() == text.strip()


def test_images_have_no_text_and_format_comes_from_content(tmp_path: Path) -> None:
    from PIL import Image

    p = tmp_path / "looks-like.pdf"  # a JPEG with the wrong extension
    Image.new("RGB", (10, 10)).save(p, "JPEG")
    e = extract(p)
    assert (e.format, e.text, e.source) == ("jpg", None, "none")
    t = tmp_path / "multi.tif"
    frames = [Image.new("L", (10, 10)) for _ in range(2)]
    frames[0].save(t, "TIFF", save_all=True, append_images=frames[1:])
    assert extract(t).page_count == 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "空"),
        (b"%PDF-1.4\n1 0 obj<<>>\n", "PDF"),
        (b"\xff\xd8\xff\xe0 broken jpeg", "图片"),
        (b"PK\x03\x04 not a zip", "损坏"),
        (bytes(range(256)) * 4, "无法识别"),
    ],
)
def test_broken_files_raise_naming_the_file(tmp_path: Path, data: bytes, message: str) -> None:
    p = tmp_path / "bad.bin"
    p.write_bytes(data)
    with pytest.raises(IngestError, match=message) as info:
        extract(p)
    assert "bad.bin" in str(info.value)


def test_encrypted_pdf_is_refused(tmp_path: Path) -> None:
    from pypdf import PdfWriter

    w = PdfWriter()
    w.add_blank_page(100, 100)
    w.encrypt(user_password="secret", owner_password="owner")
    p = tmp_path / "locked.pdf"
    with p.open("wb") as fh:
        w.write(fh)
    with pytest.raises(IngestError, match="加密"):
        extract(p)


def test_xlsx_is_refused_with_advice(tmp_path: Path) -> None:
    from openpyxl import Workbook

    p = tmp_path / "x.xlsx"
    Workbook().save(p)
    with pytest.raises(IngestError, match="XLSX"):
        extract(p)
    assert detect_format(b"%PDF-1.7\n") == "pdf"
