"""四性检测: verify passes on a clean archive and catches each kind of tampering."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

import pytest

from dangan.app import Dangan
from dangan.archive.model import FilingRequest
from dangan.archive.service import Archive
from dangan.archive.testing import minimal_pdf
from dangan.archive.verify import Problem
from dangan.config import Workspace


@pytest.fixture
def filled(ws: Workspace, tmp_path: Path) -> Workspace:
    with Dangan.open(ws) as app:  # the index follows, so the CLI's verify (index check included) passes
        archive = app.archive
        for i in range(3):
            p = tmp_path / f"d{i}.pdf"
            p.write_bytes(minimal_pdf(f"document {i}"))
            archive.file(FilingRequest(path=p, category="TS", date=dt.date(2026, 1, 1 + i)))
        t = tmp_path / "t.txt"
        t.write_text("值班记录", encoding="utf-8")
        archive.file(FilingRequest(path=t, category="ZB"))
    return ws


def verify(ws: Workspace):  # type: ignore[no-untyped-def]
    with Archive.open(ws) as archive:
        return archive.verify()


def stored(ws: Workspace, code_suffix: str = "TS-0002") -> Path:
    return next(ws.archive_dir.glob(f"files/**/*{code_suffix}.pdf"))


def checks(report) -> set[str]:  # type: ignore[no-untyped-def]
    return {p.check for p in report.problems}


def test_clean_archive_passes_and_run_is_audited(filled: Workspace, cli) -> None:  # type: ignore[no-untyped-def]
    report = verify(filled)
    assert report.ok, report.problems
    assert report.files == 4
    res = cli("verify", "--json")
    assert res.exit_code == 0
    assert json.loads(res.output)["ok"] is True
    with Archive.open(filled) as archive:
        assert archive.audit_trail()[-1].event == "verify"
    assert verify(filled).ok  # its own audit entries keep the chain intact


def test_flipped_byte(filled: Workspace, cli) -> None:  # type: ignore[no-untyped-def]
    path = stored(filled)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 1
    path.write_bytes(bytes(data))
    report = verify(filled)
    assert "hash" in checks(report)
    assert any("TS-0002" in (p.code or "") for p in report.problems)
    res = cli("verify")
    assert res.exit_code != 0 and "哈希" in res.output


def test_deleted_file(filled: Workspace) -> None:
    stored(filled).unlink()
    assert "missing" in checks(verify(filled))


def test_extra_file(filled: Workspace) -> None:
    (stored(filled).parent / "Z001-2026-D10-TS-0009.pdf").write_bytes(minimal_pdf("intruder"))
    (filled.archive_dir / "stray.txt").write_text("x", encoding="utf-8")
    report = verify(filled)
    assert [p.path for p in report.problems if p.check == "extra"] == [
        "files/2026/D10/TS/Z001-2026-D10-TS-0009.pdf", "stray.txt"]


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE records SET title = '改过的题名' WHERE archival_code LIKE '%TS-0001'",
        "UPDATE files SET sha256 = 'aaaa' WHERE path LIKE '%TS-0003.pdf'",
        "DELETE FROM records WHERE archival_code LIKE '%ZB-0001'",
    ],
)
def test_catalogue_row_edited_by_hand(filled: Workspace, sql: str) -> None:
    conn = sqlite3.connect(filled.archive_dir / "catalog.sqlite")
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute(sql)
    conn.commit()
    conn.close()
    assert {"digest"} <= checks(verify(filled))


def test_audit_row_edited_by_hand(filled: Workspace) -> None:
    conn = sqlite3.connect(filled.archive_dir / "catalog.sqlite")
    conn.execute("UPDATE audit SET details = replace(details, 'd1.pdf', 'zz.pdf') WHERE id = 2")
    conn.commit()
    conn.close()
    report = verify(filled)
    assert "audit" in checks(report)
    assert any("第 2 条" in p.message for p in report.problems)


def test_gap_in_item_numbers(filled: Workspace) -> None:
    conn = sqlite3.connect(filled.archive_dir / "catalog.sqlite")
    conn.execute("UPDATE records SET seq = 5 WHERE archival_code LIKE '%TS-0003'")
    conn.execute("UPDATE records SET archival_code = replace(archival_code, 'TS-0003', 'TS-0005')")
    conn.commit()
    conn.close()
    report = verify(filled)
    assert any(p.check == "sequence" and "0003、0004" in p.message for p in report.problems)


def test_file_that_does_not_open_as_its_format(filled: Workspace) -> None:
    path = stored(filled)
    path.write_bytes(b"%PDF-1.4\nnot really a pdf\n")
    assert "format" in checks(verify(filled))


def test_extra_checks_are_run(filled: Workspace) -> None:
    def index_check() -> list[Problem]:
        return [Problem("index", "索引缺少 1 件")]

    index_check.name = "index"  # type: ignore[attr-defined]
    with Archive.open(filled) as archive:
        report = archive.verify(extra_checks=[index_check])
    assert not report.ok and "index" in report.checks


# -- verify tells the truth under its thread pool (issue 10, item 6) -------------------------------------


@pytest.fixture
def many_pdfs(ws: Workspace, tmp_path: Path) -> Workspace:
    folder = tmp_path / "pdfs"
    folder.mkdir()
    reqs = []
    for i in range(240):
        p = folder / f"p{i}.pdf"
        p.write_bytes(minimal_pdf(f"notice {i}", pages=1 + i % 4))
        reqs.append(FilingRequest(path=p, category="TS", date=dt.date(2026, 1, 1)))
    with Archive.open(ws) as archive:
        archive.file_many(reqs)
    return ws


class _Overlap:
    """Wraps every pdfium function and records whether two threads were ever inside pdfium at once."""

    def __init__(self) -> None:
        import threading

        self.inside: set[int] = set()
        self.lock = threading.Lock()
        self.overlaps = 0
        self.calls = 0

    def wrap(self, func):  # type: ignore[no-untyped-def]
        import threading
        import time

        def wrapped(*args, **kwargs):  # type: ignore[no-untyped-def]
            me = threading.get_ident()
            with self.lock:
                self.calls += 1
                outer = me in self.inside
                if self.inside - {me}:
                    self.overlaps += 1
                self.inside.add(me)
            try:
                time.sleep(0.0002)  # widen the window, as a loaded machine does
                return func(*args, **kwargs)
            finally:
                if not outer:
                    with self.lock:
                        self.inside.discard(me)

        return wrapped


def test_verify_never_enters_pdfium_from_two_threads_and_never_cries_wolf(many_pdfs: Workspace,
                                                                          monkeypatch) -> None:
    """pdfium is not thread-safe: verify's pool made healthy PDFs fail to open (已损坏/已加密), a different
    set each run.  Every pdfium call is now serialised; many verify runs over 240 PDFs report nothing and
    the audit trail records only passed checks."""
    import pypdfium2.raw as pdfium_c

    overlap = _Overlap()
    for name in dir(pdfium_c):
        obj = getattr(pdfium_c, name)
        if name.startswith("FPDF") and callable(obj) and not isinstance(obj, type):
            monkeypatch.setattr(pdfium_c, name, overlap.wrap(obj))
    with Archive.open(many_pdfs) as archive:
        for _ in range(8):
            report = archive.verify()
            assert report.ok, report.problems[:3]
            assert report.files == 240
        runs = [e for e in archive.audit_trail() if e.event == "verify"]
    assert overlap.calls > 240 * 8 * 2
    assert overlap.overlaps == 0, f"two threads were inside pdfium at once {overlap.overlaps} times"
    assert len(runs) == 8 and all(e.details["ok"] and e.details["problems"] == 0 for e in runs)


def test_a_fault_seen_once_is_checked_again_before_it_is_reported(filled: Workspace, monkeypatch) -> None:
    """A file that fails once and then passes (a fault of the machine, not of the file) is not reported."""
    from dangan.archive import verify as v

    real = v._check_format
    seen: dict[str, int] = {}

    def flaky(path, data, f, code):  # type: ignore[no-untyped-def]
        seen[f.path] = seen.get(f.path, 0) + 1
        if seen[f.path] == 1 and f.format == "pdf":
            return [Problem("format", "PDF 文件已损坏，无法打开", code, f.path)]
        return real(path, data, f, code)

    monkeypatch.setattr(v, "_check_format", flaky)
    assert verify(filled).ok
    stored(filled).write_bytes(b"%PDF-1.4 broken")  # a real fault fails both times
    assert [p.check for p in verify(filled).problems if p.path and p.path.endswith("TS-0002.pdf")] == \
        ["hash", "hash", "format"]
