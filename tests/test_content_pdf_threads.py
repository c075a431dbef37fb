"""pdfium is not thread-safe; verify checks files on two threads and the web server serves on several.

Before the process-wide lock in content/pdf.py, a verify of a few hundred PDFs corrupted pdfium's state:
every later PDF in the process was reported as 已损坏 or 已加密 (a month of the ledger failed verify).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from dangan.content import pdf


def _sample_pdf() -> bytes:
    from weasyprint import HTML

    pages = "".join(f"<p style='page-break-after: always'>第 {n} 页 缴费通知单 1栋101室</p>" for n in range(1, 4))
    return HTML(string=f"<html><body>{pages}</body></html>").write_pdf()


def test_pdfs_read_on_several_threads_at_once_stay_readable() -> None:
    data = _sample_pdf()
    expected = pdf.read_text(data).texts

    def work(n: int) -> tuple[int, bool, tuple[str, ...]]:
        return pdf.page_count(data), pdf.is_encrypted(data), tuple(pdf.read_text(data).texts)

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(work, range(600)))
    assert all(r == (3, False, tuple(expected)) for r in results)
    # and pdfium still works in this process afterwards
    assert pdf.page_count(data) == 3
