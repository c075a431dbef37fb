"""Transfer (移交): a year with generated forms, scans and a disposed record goes out as a package that verifies,
comes into a new workspace with the same codes, digests and audit history, and any change to the package is caught."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from tests.conftest import TODAY

from dangan.app import Dangan, FilingRequest, FixedClock
from dangan.app.transfer import verify_package
from dangan.config import Workspace, init_workspace
from dangan.errors import ArchiveError, WorkspaceError
from dangan.outputs.transfer import manifest as mf
from dangan.outputs.transfer import metadata as md

LATER = dt.datetime(2037, 1, 5, 9, 0, tzinfo=TODAY.tzinfo)  # the 2026 D10 records have expired


def _scan(path: Path) -> Path:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (1240, 1754), "white")  # A4 at 150 dpi
    ImageDraw.Draw(image).rectangle((150, 400, 1000, 520), fill="black")
    image.save(path, dpi=(150, 150))
    return path


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A 2026 archive (two generated forms, a scan, a text record disposed of in 2037), exported."""
    base = tmp_path_factory.mktemp("transfer")
    ws = init_workspace(base / "ws")
    clock = FixedClock(TODAY)
    with Dangan.open(ws, clock=clock, index=False) as app:
        forms = [app.generate("renovation-violation", sample=True).filed[0].record.archival_code for _ in range(2)]
        [scan] = app.file_requests([FilingRequest(path=_scan(base / "scan.png"), category="TS", title="投诉扫描件",
                                                  text="业主投诉楼上漏水 已修复", text_source="ocr")])
        note = base / "note.txt"
        note.write_text("2026年值班记录", encoding="utf-8")
        [gone] = app.file([note], category="ZB", title="值班记录")
        clock.set(LATER)
        app.dispose([gone.result.record.archival_code], approver="王主任", reason="保管期满")
        result = app.transfer.export(year=2026, to=base / "pkg", receiver="集团档案室")
        records = {r.archival_code: r for r in app.records(year=2026)}
        trails = {code: app.audit_trail(code) for code in records}
    return {"base": base, "ws": ws, "result": result, "forms": forms, "scan": scan.record.archival_code,
            "gone": gone.result.record.archival_code, "records": records, "trails": trails, "clock": clock}


def test_a_fresh_package_verifies_and_holds_what_the_register_says(exported: dict) -> None:
    result = exported["result"]
    report = verify_package(result.path)
    assert report.ok, report.problems
    items = {p.name for p in (result.path / "items").iterdir()}
    assert set(exported["forms"]) | {exported["scan"], exported["gone"]} <= items
    assert report.counts.items == len(items) == result.items
    assert report.counts.disposed == 1
    assert not any((result.path / "items" / exported["gone"]).glob("*.txt"))  # only its metadata went
    for name in ("package.xml", "manifest.txt", "register.xml", "移交与接收登记表.pdf", "归档文件目录.pdf",
                 "归档文件目录.xlsx", "schema/dangan-transfer-1.xsd"):
        assert (result.path / name).is_file(), name
    entries, problems = mf.parse((result.path / "manifest.txt").read_bytes())
    assert problems == [] and all(len(e.sm3) == 64 for e in entries)
    assert mf.digest_file(result.path / "manifest.txt").sha256 == result.manifest_sha256
    for code in exported["forms"] + [exported["scan"]]:  # every stampable record went with its 归档章 copy
        meta = md.from_xml((result.path / "items" / code / "metadata.xml").read_bytes())
        assert [f.role for f in meta.files].count("rendition") == 1


def test_the_metadata_documents_follow_the_schema_in_gbt_18894_terms(exported: dict) -> None:
    code = exported["forms"][0]
    data = (exported["result"].path / "items" / code / "metadata.xml").read_bytes()
    assert md.validate(data) == []
    text = data.decode("utf-8")
    for term in ("<题名>", "<文件编号>", "<责任者>", "<日期>", "<机构或问题", "<保管期限>", "<密级>", "<格式>",
                 "<文件名>", "<文件大小>", "<创建程序>", "<SHA256>", "<SM3>", "<审计记录>"):
        assert term in text, term
    assert md.validate(data.replace("<密级>无</密级>".encode(), b"")) != []  # a required term missing


def test_the_records_handed_over_are_marked_and_the_transfer_is_in_their_history(exported: dict) -> None:
    with Dangan.open(exported["ws"], clock=exported["clock"], index=False) as app:
        register = app.record(exported["result"].register)
        assert register.category == "DA" and register.form_id == "transfer-register"
        assert register.form_data["package"] == register.meta["package"] == "pkg"  # the folder handed over
        for code in exported["forms"] + [exported["scan"], exported["gone"]]:
            record = app.record(code)
            assert record.meta["transfer"] == register.archival_code
            assert app.audit_trail(code)[-1].event == "transfer"
        assert app.verify(index=False).ok


def test_import_keeps_codes_digests_and_audit_history_and_verifies(exported: dict, tmp_path: Path) -> None:
    target = init_workspace(tmp_path / "received")
    with Dangan.open(target, clock=exported["clock"], index=False) as app:
        result = app.transfer.import_(exported["result"].path)
        assert result.verify.ok, result.verify.problems
        assert result.items == len(exported["records"])  # (the register is a record of 2037, filed after it)
        assert result.disposed == 1
        for code in result.codes:
            source = exported["records"][code]
            here = app.record(code)
            assert [(f.role, f.sha256, f.path, f.destroyed) for f in here.files] == [
                (f.role, f.sha256, f.path, f.destroyed) for f in source.files]
            assert (here.title, here.date, here.period, here.filed_at, here.status) == (
                source.title, source.date, source.period, source.filed_at, source.status)
            imported = app.audit_trail(code)[-1]
            assert imported.event == "imported"
            history = imported.details["history"]
            before_transfer = [e for e in exported["trails"][code] if e.event != "transfer"]
            assert [(h["id"], h["event"], h["hash"]) for h in history] == [
                (e.id, e.event, e.hash) for e in before_transfer]
            for f in here.files:
                if not f.destroyed:
                    assert app.archive.store.abs(f.path).is_file()
        assert app.record(exported["gone"]).status == "disposed"
        assert "漏水" in (app.text_of(exported["scan"]) or "")
        with pytest.raises(ArchiveError, match="已有这些档号"):
            app.transfer.import_(exported["result"].path)
        # the series go on after the imported numbers
        note = tmp_path / "n.txt"
        note.write_text("新的投诉", encoding="utf-8")
        [filed] = app.file([note], category="TS", date=dt.date(2026, 12, 2))
        assert filed.result.record.archival_code.endswith("-0002")


def _tampered(exported: dict, tmp_path: Path, change) -> list[str]:  # type: ignore[no-untyped-def]
    copy = tmp_path / "copy"
    shutil.copytree(exported["result"].path, copy)
    change(copy)
    report = verify_package(copy)
    assert not report.ok
    return report.problems


def _recompute_manifest(pkg: Path) -> None:
    entries, _ = mf.parse((pkg / "manifest.txt").read_bytes())
    fresh = []
    for e in entries:
        if not (pkg / e.path).is_file():
            continue
        d = mf.digest_file(pkg / e.path)
        fresh.append(mf.Entry(d.sha256, d.sm3, d.size, e.path))
    (pkg / "manifest.txt").write_bytes(mf.render(fresh))


def test_a_changed_file_is_reported(exported: dict, tmp_path: Path) -> None:
    code = exported["forms"][0]

    def change(pkg: Path) -> None:
        with open(pkg / "items" / code / f"{code}.pdf", "ab") as fh:
            fh.write(b"x")

    problems = _tampered(exported, tmp_path, change)
    assert any(f"{code}.pdf" in p and "被改动" in p for p in problems)


def test_a_changed_file_with_a_recomputed_manifest_is_still_reported(exported: dict, tmp_path: Path) -> None:
    code = exported["scan"]

    def change(pkg: Path) -> None:
        meta = pkg / "items" / code / "metadata.xml"
        meta.write_bytes(meta.read_bytes().replace("投诉扫描件".encode(), "改过的题名".encode()))
        _recompute_manifest(pkg)

    problems = _tampered(exported, tmp_path, change)
    assert any("清单的摘要与移交与接收登记表登记的不符" in p for p in problems)
    assert any("移交与接收登记表.pdf 上印的清单摘要与清单不符" in p for p in problems)


def test_a_changed_manifest_is_reported(exported: dict, tmp_path: Path) -> None:
    def change(pkg: Path) -> None:
        text = (pkg / "manifest.txt").read_text(encoding="utf-8")
        line = text.splitlines()[1]
        (pkg / "manifest.txt").write_text(text.replace(line, ("0" if line[0] != "0" else "1") + line[1:]),
                                          encoding="utf-8")

    problems = _tampered(exported, tmp_path, change)
    assert any("摘要与清单不符" in p for p in problems)
    assert any("清单的摘要" in p for p in problems)


@pytest.mark.parametrize("how", ["removed", "added", "audit", "count"])
def test_other_changes_are_reported(exported: dict, tmp_path: Path, how: str) -> None:
    code = exported["forms"][1]

    def change(pkg: Path) -> None:
        item = pkg / "items" / code
        if how == "removed":
            (item / f"{code}-att-1.docx").unlink()
        elif how == "added":
            (item / "extra.pdf").write_bytes(b"%PDF-1.7")
        elif how == "audit":  # an audit entry rewritten, manifest recomputed
            meta = item / "metadata.xml"
            meta.write_bytes(meta.read_bytes().replace("归档".encode(), "改档".encode(), 1)
                             .replace(b'"source": "generated"', b'"source": "manual"'))
            _recompute_manifest(pkg)
        else:  # an item removed altogether, manifest recomputed: the counts no longer match the register
            shutil.rmtree(item)
            _recompute_manifest(pkg)

    problems = _tampered(exported, tmp_path, change)
    expected = {"removed": "缺失", "added": "不在清单中", "audit": "清单的摘要", "count": "件数"}[how]
    assert any(expected in p for p in problems), problems


def test_an_import_of_a_tampered_package_files_nothing(exported: dict, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(exported["result"].path, copy)
    with open(next((copy / "items").glob("*/metadata.xml")), "ab") as fh:
        fh.write(b" ")
    target = init_workspace(tmp_path / "received")
    with Dangan.open(target, clock=exported["clock"], index=False) as app:
        with pytest.raises(ArchiveError, match="未接收任何档案"):
            app.transfer.import_(copy)
        assert app.records() == []


def test_the_package_goes_only_where_it_overwrites_nothing(ws: Workspace, tmp_path: Path) -> None:
    with Dangan.open(ws, clock=FixedClock(TODAY), index=False) as app:
        note = tmp_path / "n.txt"
        note.write_text("值班记录", encoding="utf-8")
        [filed] = app.file([note], category="ZB")
        busy = tmp_path / "busy"
        busy.mkdir()
        (busy / "keep.txt").write_text("别人的文件", encoding="utf-8")
        for where in (busy, ws.archive_dir / "pkg", ws.templates_dir / "pkg", ws.root / ".dangan" / "pkg"):
            with pytest.raises(WorkspaceError):
                app.transfer.export(year=2026, to=where)
        assert (busy / "keep.txt").read_text(encoding="utf-8") == "别人的文件"
        app.lending.out([filed.result.record.archival_code], to="张", purpose="查阅", due=dt.date(2026, 12, 31))
        with pytest.raises(ArchiveError, match="借出未还"):
            app.transfer.export(year=2026, to=tmp_path / "pkg")
        assert not (tmp_path / "pkg").exists()


def test_the_cli_exports_verifies_and_imports(cli, cli_for, ws: Workspace, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert cli("generate", "renovation-violation", "--sample", "--format", "pdf").exit_code == 0
    out = cli("transfer", "export", "--year", "2026", "--category", "ZX", "--to", str(tmp_path / "pkg"))
    assert out.exit_code == 0, out.output
    assert "清单 SM3" in out.output and "移交与接收登记表已归档" in out.output
    checked = cli("transfer", "verify", str(tmp_path / "pkg"))
    assert checked.exit_code == 0 and "结果：通过" in checked.output
    other = init_workspace(tmp_path / "other")
    received = cli_for(other)("transfer", "import", str(tmp_path / "pkg"))
    assert received.exit_code == 0, received.output
    assert "已接收：1 件" in received.output and "结果：通过" in received.output
    (tmp_path / "pkg" / "package.xml").write_text("changed", encoding="utf-8")
    bad = cli("transfer", "verify", str(tmp_path / "pkg"))
    assert bad.exit_code == 1 and "package.xml" in bad.output
