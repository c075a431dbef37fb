"""A long table laid out in pieces (the 归档文件目录 of a year): one PDF/A file that reads as if laid out at once."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from dangan.archive import filelist
from dangan.config import Workspace
from dangan.content import pdfa
from dangan.content.pdf import read_text
from dangan.forms import pieces, render_in_pieces


def page_codes(pdf: Path) -> list:
    """The dangan QR code read from each page's image at 150 dpi (as a scan would be read)."""
    import pypdfium2 as pdfium
    import zxingcpp

    from dangan.docnumber import parse_qr

    found = []
    for page in pdfium.PdfDocument(str(pdf)):
        codes = [parse_qr(b.text) for b in zxingcpp.read_barcodes(page.render(scale=150 / 72).to_pil())]
        found.append(next((c for c in codes if c), None))
    return found


def _rows(n: int) -> list[dict]:
    return [{"seq": i, "code": f"Z001-2026-Y-ZX-{i:04d}", "doc_number": f"ZXTZ-2026-{i:04d}", "author": "客服中心",
             "title": f"{i}号楼装修违规整改通知书" + ("（含复查记录、照片说明与业主回执）" if i % 9 == 0 else ""),
             "date": "20260301", "security": "无", "pages": 1} for i in range(1, n + 1)]


def _data(n: int) -> dict:
    return filelist.file_list_data("2026年度 综合事务（ZX）", _rows(n), printed_on=dt.date(2026, 12, 1))


def test_a_long_list_in_pieces_reads_as_one_document(ws: Workspace, tmp_path: Path) -> None:
    doc = render_in_pieces(ws, filelist.FORM_ID, _data(75), out_dir=tmp_path, rows_per_piece=30)
    data = doc.files["pdf"].read_bytes()
    texts = read_text(data).texts
    whole = "\n".join(texts).replace(" ", "")
    codes = re.findall(r"Z001-2026-Y-ZX-(\d{4})", whole)
    assert codes == [f"{i:04d}" for i in range(1, 76)]  # every row once, in order
    # The closing line once, on the last page.
    assert whole.count("共75件") == 1 and "共75件" in texts[-1].replace(" ", "")
    # Every page stands on its own (issue 11): the document's title and 文号, the page of the whole
    # document in the footer and in a QR code naming the page, whichever piece it was laid out in.
    pages = len(texts)
    assert pages >= 3
    for n, text in enumerate(texts, start=1):
        flat = text.replace(" ", "")
        assert "归档文件目录" in flat and f"文号：{doc.doc_number}" in flat, f"page {n} does not name its document"
        assert re.findall(r"第(\d+)页共(\d+)页", flat) == [(str(n), str(pages))]
    assert [(c.doc_number, c.form_id, c.page, c.pages) for c in page_codes(doc.files["pdf"])] == [
        (doc.doc_number, filelist.FORM_ID, n, pages) for n in range(1, pages + 1)]
    assert pdfa.check(data) == []
    assert doc.doc_number.endswith("-0001")


def test_one_number_for_the_whole_list(ws: Workspace, tmp_path: Path) -> None:
    first = render_in_pieces(ws, filelist.FORM_ID, _data(45), out_dir=tmp_path, rows_per_piece=20)
    second = render_in_pieces(ws, filelist.FORM_ID, _data(3), out_dir=tmp_path, rows_per_piece=20)
    assert [first.doc_number[-4:], second.doc_number[-4:]] == ["0001", "0002"]


def test_a_short_list_is_laid_out_at_once(ws: Workspace, tmp_path: Path) -> None:
    doc = render_in_pieces(ws, filelist.FORM_ID, _data(5), out_dir=tmp_path, rows_per_piece=20)
    text = read_text(doc.files["pdf"]).text or ""
    assert "第 1 页 共 1 页" in text and "共 5 件" in text


def test_the_archive_catalogue_command_writes_a_long_year_in_pieces(cli, ws: Workspace, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pieces, "ROWS_PER_PIECE", 2)
    for n in range(5):
        f = tmp_path / f"{n}.txt"
        f.write_text(f"空置房巡查记录 {n}", encoding="utf-8")
        assert cli("archive", "add", str(f), "--category", "KZ", "--title", f"空置房巡查{n}",
                   "--date", "2026-03-01").exit_code == 0
    out = tmp_path / "目录.pdf"
    r = cli("archive", "catalogue", "--year", "2026", "--out", str(out))
    assert r.exit_code == 0, r.output
    texts = read_text(out).texts
    assert len(texts) == 3  # three pieces, one page each
    assert "".join(texts).replace(" ", "").count("空置房巡查") == 5
    assert "第3页共3页" in texts[-1].replace(" ", "")
