"""Filing, lookup, duplicates, signed copies, metadata, listeners, export and the archive CLI."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from dangan.archive.model import ArchiveEvent, FileRole, FilingRequest, Source, Status
from dangan.archive.service import Archive
from dangan.archive.testing import minimal_pdf
from dangan.config import Workspace
from dangan.errors import ArchiveError, IngestError, SearchIndexError


@pytest.fixture
def archive(ws: Workspace) -> Archive:
    with Archive.open(ws) as a:
        yield a


def write(tmp: Path, name: str, data: bytes | str) -> Path:
    p = tmp / name
    p.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return p


def test_filing_gives_codes_in_sequence_and_stores_a_copy(archive: Archive, tmp_path: Path) -> None:
    a = write(tmp_path, "a.txt", "业主张建国投诉噪音")
    b = write(tmp_path, "b.pdf", minimal_pdf("noise complaint"))
    ra = archive.file(FilingRequest(path=a, category="TS", date=dt.date(2026, 3, 1), title="噪音投诉"))
    rb = archive.file(FilingRequest(path=b, category="TS", date=dt.date(2026, 5, 2)))
    assert ra.record.archival_code == "Z001-2026-D10-TS-0001"
    assert rb.record.archival_code == "Z001-2026-D10-TS-0002"
    stored = archive.store.abs(rb.record.original.path)
    assert stored.read_bytes() == b.read_bytes()
    assert rb.record.original.path == "files/2026/D10/TS/Z001-2026-D10-TS-0002.pdf"
    assert rb.record.original.page_count == 1 and rb.record.original.format == "pdf"
    assert rb.record.title == "b"  # default title: the file name
    assert a.exists()  # the original is never moved or changed
    other = archive.file(FilingRequest(path=write(tmp_path, "c.txt", "x"), category="TS", date=dt.date(2025, 1, 1)))
    assert other.record.archival_code == "Z001-2025-D10-TS-0001"  # numbering per year


def test_metadata_is_kept(archive: Archive, tmp_path: Path) -> None:
    p = write(tmp_path, "n.pdf", minimal_pdf("notice"))
    req = FilingRequest(
        path=p, category="SF", title="缴费通知单 3栋1201", date=dt.date(2026, 11, 26), doc_number="JF-2026-0001",
        author="示例花园客服中心", source=Source.GENERATED, building="3", unit="1", room="1201",
        form_id="payment-notice", form_data={"total": "447.50"}, meta={"owner": "张建国"},
    )
    r = archive.file(req).record
    again = archive.get(r.archival_code)
    assert again == r
    assert (again.doc_number, again.building, again.room, again.form_data) == (
        "JF-2026-0001", "3", "1201", {"total": "447.50"})
    assert again.period == "D30" and again.meta == {"owner": "张建国"} and again.source is Source.GENERATED
    assert archive.find_by_doc_number("JF-2026-0001") == r
    assert archive.find_by_sha256(r.original.sha256) == r
    assert archive.find_by_doc_number("JF-2026-9999") is None
    assert archive.text_of(r.archival_code) == "notice p1"


def test_duplicate_bytes_return_the_existing_record(archive: Archive, tmp_path: Path) -> None:
    p = write(tmp_path, "a.txt", "同一份文件")
    first = archive.file(FilingRequest(path=p, category="TS"))
    copy = write(tmp_path, "copy-of-a.txt", "同一份文件")
    second = archive.file(FilingRequest(path=copy, category="ZB"))
    assert second.duplicate and second.record.archival_code == first.record.archival_code
    assert len(archive.list()) == 1
    events = [e.event for e in archive.audit_trail(first.record.archival_code)]
    assert events == ["filed", "duplicate"]
    batch = archive.file_many([FilingRequest(path=write(tmp_path, f"x{i}.txt", "批内重复"), category="TS")
                               for i in range(2)])
    assert [r.duplicate for r in batch] == [False, True]


def test_generated_document_with_docx_attachment_and_signed_copy(archive: Archive, tmp_path: Path) -> None:
    import docx

    d = docx.Document()
    d.add_paragraph("缴费通知单")
    d.save(tmp_path / "n.docx")
    pdf = write(tmp_path, "n.pdf", minimal_pdf("payment notice"))
    r = archive.file(FilingRequest(path=pdf, category="SF", source=Source.GENERATED, doc_number="JF-2026-0002",
                                   attachments=[tmp_path / "n.docx"])).record
    assert [f.role for f in r.files] == [FileRole.ORIGINAL, FileRole.ATTACHMENT]
    assert r.files[1].path.endswith("-att-1.docx") and r.files[1].format == "docx"
    scan = write(tmp_path, "scan.png", _png())
    res = archive.attach_signed_copy(r.archival_code, scan, text="业主签字 张建国", text_source="ocr")
    assert not res.duplicate
    assert res.record.files[-1].role is FileRole.SIGNED
    assert res.record.files[-1].path.endswith("-signed-1.png")
    assert "张建国" in archive.text_of(r.archival_code)
    assert archive.attach_signed_copy(r.archival_code, scan).duplicate


def _png() -> bytes:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buf, "PNG")
    return buf.getvalue()


def test_bad_files_are_refused_naming_the_file(archive: Archive, tmp_path: Path) -> None:
    broken = write(tmp_path, "broken.pdf", b"%PDF-1.4\n1 0 obj<<>>\n")
    with pytest.raises(IngestError, match="broken.pdf"):
        archive.file(FilingRequest(path=broken, category="TS"))
    empty = write(tmp_path, "empty.pdf", b"")
    with pytest.raises(IngestError, match="空"):
        archive.file(FilingRequest(path=empty, category="TS"))
    with pytest.raises(ArchiveError, match="没有类别"):
        archive.file(FilingRequest(path=write(tmp_path, "ok.txt", "x"), category="NOPE"))
    assert archive.list() == []
    assert list(archive.store.tmp_dir.iterdir()) == []


def test_list_filters_and_index_documents(archive: Archive, tmp_path: Path) -> None:
    for i, (cat, year) in enumerate([("TS", 2025), ("TS", 2026), ("SF", 2026)]):
        archive.file(FilingRequest(path=write(tmp_path, f"{i}.txt", f"文本{i}"), category=cat,
                                   date=dt.date(year, 1, 2), needs_review=(i == 2)))
    assert len(archive.list(category="TS")) == 2
    assert len(archive.list(year=2026)) == 2
    assert len(archive.list(category="投诉处理", year=2026)) == 1
    assert [r.category for r in archive.list(needs_review=True)] == ["SF"]
    assert len(archive.list(status=Status.ACTIVE)) == 3
    docs = list(archive.iter_index_documents(batch=2))
    assert sorted(t for _, t in docs) == ["文本0", "文本1", "文本2"]


def test_update_metadata_is_audited_and_code_never_changes(archive: Archive, tmp_path: Path) -> None:
    r = archive.file(FilingRequest(path=write(tmp_path, "a.txt", "x"), category="TS", date=dt.date(2026, 2, 1))).record
    u = archive.update_metadata(r.archival_code, {"title": "更正后的题名", "room": "1201", "owner": "李四"},
                                reason="题名录入错误")
    assert (u.title, u.room, u.meta["owner"], u.archival_code) == ("更正后的题名", "1201", "李四", r.archival_code)
    with pytest.raises(ArchiveError, match="不能修改"):
        archive.update_metadata(r.archival_code, {"category": "SF"}, reason="x")
    with pytest.raises(ArchiveError, match="同一年度"):
        archive.update_metadata(r.archival_code, {"date": "2025-01-01"}, reason="x")
    entry = archive.audit_trail(r.archival_code)[-1]
    assert entry.event == "metadata" and entry.details["before"]["title"] == "a"


class Recorder:
    def __init__(self, fail_on: str | None = None) -> None:
        self.events: list[tuple[ArchiveEvent, str, str | None]] = []
        self.fail_on = fail_on

    def on_archive_event(self, event, record, text) -> None:  # type: ignore[no-untyped-def]
        self.events.append((event, record.archival_code, text))
        if self.fail_on and self.fail_on in (text or ""):
            raise RuntimeError("index is broken")


def test_listeners_hear_filing_and_a_failing_listener_does_not_roll_back(ws: Workspace, tmp_path: Path) -> None:
    bad, good = Recorder(fail_on="坏"), Recorder()
    with Archive.open(ws, listeners=[bad, good]) as archive:
        ok = archive.file(FilingRequest(path=write(tmp_path, "ok.txt", "好文本"), category="TS")).record
        assert good.events == [(ArchiveEvent.FILED, ok.archival_code, "好文本")]
        with pytest.raises(SearchIndexError, match="dangan index rebuild") as info:
            archive.file(FilingRequest(path=write(tmp_path, "bad.txt", "坏文本"), category="TS"))
        code = info.value.codes[0]
        assert code.endswith("-0002") and code in str(info.value)
        assert archive.get(code).title == "bad"  # filed, not rolled back
        assert good.events[-1][1] == code  # the other listener still ran


class BatchRecorder:
    def __init__(self) -> None:
        self.batches: list[list[str]] = []

    def on_archive_event(self, event, record, text) -> None:  # type: ignore[no-untyped-def]
        raise AssertionError("a batch listener is handed whole batches")

    def on_archive_events(self, batch) -> None:  # type: ignore[no-untyped-def]
        self.batches.append([record.archival_code for _, record, _ in batch])


def test_a_batch_listener_gets_a_whole_filing_batch_in_one_call(ws: Workspace, tmp_path: Path) -> None:
    listener = BatchRecorder()
    paths = [write(tmp_path, f"{i}.txt", f"投诉记录 {i}") for i in range(30)]
    with Archive.open(ws, listeners=[listener]) as archive:
        results = archive.file_many([FilingRequest(path=p, category="TS") for p in paths])
    assert listener.batches == [[r.record.archival_code for r in results]]


def test_export_copies_and_never_writes_back(archive: Archive, tmp_path: Path) -> None:
    r = archive.file(FilingRequest(path=write(tmp_path, "a.txt", "导出"), category="TS")).record
    out = archive.export(r.archival_code, tmp_path / "out")
    assert out.read_text(encoding="utf-8") == "导出"
    out.write_text("改动副本", encoding="utf-8")
    assert archive.store.abs(r.original.path).read_text(encoding="utf-8") == "导出"
    assert archive.export(r.archival_code, tmp_path / "out").name != out.name  # no overwrite
    with pytest.raises(ArchiveError, match="档案库"):
        archive.export(r.archival_code, archive.store.root / "x")
    assert archive.audit_trail(r.archival_code)[-1].event == "export"
    with pytest.raises(ArchiveError, match="Z001-2026-D10-TS-9999"):
        archive.get("Z001-2026-D10-TS-9999")


def test_catalogue_migrates_and_uses_wal(archive: Archive) -> None:
    catalogue = archive.catalogue
    assert catalogue.pragma("journal_mode") == "wal"
    assert catalogue.schema_version() >= 2
    assert catalogue.pragma("busy_timeout") > 0


# -- CLI -------------------------------------------------------------------------------


def test_cli_add_show_list_json(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    a = write(tmp_path, "a.txt", "旧投诉记录")
    b = write(tmp_path, "b.txt", "另一份")
    res = cli("archive", "add", str(a), "--category", "TS", "--date", "2010-03-01", "--title", "旧投诉",
              "--meta", "room=1201", "--meta", "owner=张建国", "--json")
    assert res.exit_code == 0, res.output
    one = json.loads(res.output)
    assert one["archival_code"] == "Z001-2010-D10-TS-0001" and len(one["sha256"]) == 64
    assert Path(one["path"]).is_file() and one["duplicate"] is False
    many = json.loads(cli("archive", "add", str(a), str(b), "-c", "TS", "--json").output)
    assert [m["duplicate"] for m in many] == [True, False]
    shown = json.loads(cli("archive", "show", one["archival_code"], "--json").output)
    assert shown["room"] == "1201" and shown["meta"] == {"owner": "张建国"} and shown["expiry"] == "2021-01-01"
    listed = json.loads(cli("archive", "list", "--json").output)
    assert len(listed) == 2
    text = cli("archive", "show", one["archival_code"]).output
    assert "旧投诉" in text and "定期10年" in text
    missing = cli("archive", "show", "Z001-2010-D10-TS-0099")
    assert missing.exit_code != 0 and "Z001-2010-D10-TS-0099" in missing.output


def test_cli_categories_json(cli) -> None:  # type: ignore[no-untyped-def]
    cats = json.loads(cli("archive", "categories", "--json").output)
    assert {"code": "TS", "name": "投诉处理", "period": "D10"}.items() <= next(
        c for c in cats if c["code"] == "TS").items()


def test_cli_catalogue_xlsx(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from openpyxl import load_workbook

    cli("archive", "add", str(write(tmp_path, "a.txt", "x")), "-c", "TS", "--date", "2026-11-26", "--title", "题名甲")
    out = tmp_path / "list.xlsx"
    res = cli("archive", "catalogue", "--year", "2026", "--category", "TS", "--format", "xlsx", "--out", str(out))
    assert res.exit_code == 0, res.output
    sheet = load_workbook(out).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1] == ("序号", "档号", "文号", "责任者", "题名", "日期", "密级", "页数", "备注")
    assert rows[2][1] == "Z001-2026-D10-TS-0001" and rows[2][4] == "题名甲" and rows[2][5] == "20261126"
    assert sheet.print_title_rows == "$1:$2" and sheet.page_setup.orientation == "landscape"


@pytest.mark.parametrize("title", ['=HYPERLINK("http://127.0.0.1/x","点我")', "+1+2", "-3", "@SUM(A1)"])
def test_catalogue_xlsx_never_writes_a_formula(cli, tmp_path: Path, title: str) -> None:  # type: ignore[no-untyped-def]
    """A title taken from a file name is text in the XLSX, never a formula Excel or WPS would run."""
    from openpyxl import load_workbook

    cli("archive", "add", str(write(tmp_path, "a.txt", "x")), "-c", "TS", "--date", "2026-11-26", "--title", title)
    out = tmp_path / "list.xlsx"
    assert cli("archive", "catalogue", "--year", "2026", "--format", "xlsx", "--out", str(out)).exit_code == 0
    cells = [c for row in load_workbook(out).active.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    titles = [c.value for c in cells if c.column == 5 and c.row > 2]
    assert titles == ["'" + title]


def test_catalogue_out_never_replaces_the_configuration(cli, ws, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cli("archive", "add", str(write(tmp_path, "a.txt", "x")), "-c", "TS", "--date", "2026-11-26", "--title", "甲")
    before = (ws.root / "dangan.toml").read_bytes()
    r = cli("archive", "catalogue", "--year", "2026", "--format", "xlsx", "--out", str(ws.root / "dangan.toml"))
    assert r.exit_code != 0 and "配置文件" in r.output
    assert (ws.root / "dangan.toml").read_bytes() == before
    for inside in (ws.templates_dir / "x.xlsx", ws.quarantine_dir / "x.xlsx"):
        assert cli("archive", "catalogue", "--year", "2026", "--format", "xlsx", "--out", str(inside)).exit_code != 0
        assert not inside.exists()


def test_cli_has_no_delete_command() -> None:
    import click

    from dangan.cli import main

    def walk(cmd, prefix=()):  # type: ignore[no-untyped-def]
        yield prefix
        if isinstance(cmd, click.Group):
            ctx = click.Context(cmd)
            for name in cmd.list_commands(ctx):
                yield from walk(cmd.get_command(ctx, name), (*prefix, name))

    words = {w for p in walk(main) for w in p}
    assert {"archive", "retention", "dispose"} <= words
    assert not words & {"delete", "remove", "rm", "purge", "del", "destroy"}


def test_cli_catalogue_pdf_is_a4_landscape_with_the_columns(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import pypdfium2 as pdfium

    cli("archive", "add", str(write(tmp_path, "a.txt", "x")), "-c", "TS", "--date", "2026-11-26", "--title", "题名甲")
    out = tmp_path / "list.pdf"
    res = cli("archive", "catalogue", "--year", "2026", "--category", "TS", "--format", "pdf", "--out", str(out))
    assert res.exit_code == 0, res.output
    pdf = pdfium.PdfDocument(out)
    width, height = pdf[0].get_size()
    assert width > height and round(width / 72 * 25.4) == 297
    text = pdf[0].get_textpage().get_text_range().replace(" ", "")  # the title is letter-spaced
    for part in ("归档文件目录", "序号", "档号", "责任者", "Z001-2026-D10-TS-0001", "20261126", "题名甲"):
        assert part in text


def test_no_output_option_can_overwrite_archived_files_or_the_catalogue(cli, ws: Workspace, tmp_path: Path) -> None:
    out = cli("archive", "add", str(write(tmp_path, "a.txt", "原件内容")), "--category", "TS", "--date", "2010-03-01")
    assert out.exit_code == 0
    record_files = sorted(p for p in (ws.archive_dir / "files").rglob("*") if p.is_file())
    before = {p: p.read_bytes() for p in record_files}
    for target in [*record_files, ws.archive_dir / "catalog.sqlite"]:
        r = cli("archive", "catalogue", "--year", "2010", "--format", "xlsx", "--out", str(target))
        assert r.exit_code == 1 and "拒绝" in r.output
    r = cli("generate", "payment-notice", "--sample", "--no-archive", "--out", str(ws.archive_dir / "files"))
    assert r.exit_code == 1 and "档案库" in r.output
    assert {p: p.read_bytes() for p in before} == before
    assert cli("verify").exit_code == 0  # catalogue intact, no stray files in the archive


def test_a_signed_copy_committed_while_the_index_fails_is_reported_with_its_result(ws: Workspace, tmp_path: Path) -> None:
    """The watcher needs the committed result to remove the scan from the inbox instead of retrying it."""
    bad = Recorder(fail_on="签字")
    with Archive.open(ws, listeners=[bad]) as archive:
        code = archive.file(FilingRequest(path=write(tmp_path, "n.txt", "通知单"), category="ZX")).record.archival_code
        with pytest.raises(SearchIndexError) as info:
            archive.attach_signed_copy(code, write(tmp_path, "scan.txt", "签字扫描件"), text="签字扫描件")
        [result] = info.value.results
        assert result.record.archival_code == code
        assert [f.role for f in archive.get(code).files] == [FileRole.ORIGINAL, FileRole.SIGNED]
