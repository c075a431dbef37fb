"""The needs-review queue: confirm, or reclassify a scan filed to 其他资料 under a new code in the right category.

A 档号 never changes and 件号 have no gaps (DOMAIN.md §3): reclassifying files the document again (new code,
copies of its files and text, ``supersedes``) and leaves the old record in place naming the new one
(``superseded_by``), both audited.  The core case runs on both catalogues (SQLite and PostgreSQL).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from tests.conftest import TODAY

from dangan.app import Actor, Dangan, FilingRequest, FixedClock, Source
from dangan.config import Workspace, init_workspace
from dangan.errors import ArchiveError
from dangan.masking import mask_text

SCAN = "扫描件：3栋1201室 标识巡查记录，消防通道标识缺损，已通知维修。联系电话13983456721。\n"
ARCHIVIST = Actor("laowang", role="archivist")


@pytest.fixture(params=["sqlite", "postgres"])
def workspace(request: pytest.FixtureRequest, tmp_path: Path) -> Workspace:
    if request.param == "postgres":
        return init_workspace(tmp_path / "ws", database=request.getfixturevalue("pg_server").new_database())
    return init_workspace(tmp_path / "ws")


def under_review(app: Dangan, folder: Path, *, doc_number: str | None = None) -> str:
    """A scan the rules could not place: filed to QT and marked for review (what intake does)."""
    path = folder / "scan.txt"
    path.write_text(SCAN, encoding="utf-8")
    req = FilingRequest(path=path, category="QT", title="扫描件", date=dt.date(2026, 3, 2), source=Source.SCANNED,
                        needs_review=True, doc_number=doc_number)
    return app.file_requests([req])[0].record.archival_code


def test_reclassifying_files_the_document_again_and_keeps_the_old_code(workspace: Workspace, tmp_path: Path) -> None:
    with Dangan.open(workspace, actor=ARCHIVIST, clock=FixedClock(TODAY)) as app:
        old_code = under_review(app, tmp_path)
        done = app.review.reclassify(old_code, "XJ", reason="标识巡查记录，属楼宇巡检", title="3栋标识巡查记录")
        old, new = done.old, done.new
        assert old.archival_code == old_code == "Z001-2026-D10-QT-0001"  # the code never changes
        assert new.archival_code == "Z001-2026-D10-XJ-0001" and new.category == "XJ" and new.period == "D10"
        assert (old.superseded_by, new.supersedes) == (new.archival_code, old_code)
        assert not old.needs_review and not new.needs_review and app.review.items() == []
        assert (new.title, new.date, new.source) == ("3栋标识巡查记录", old.date, old.source)
        # the files: a copy of the same bytes under the new code; the old one stays where it was
        assert [f.sha256 for f in new.files] == [f.sha256 for f in old.files]
        assert new.files[0].path != old.files[0].path
        assert (workspace.archive_dir / old.files[0].path).is_file() and (workspace.archive_dir / new.files[0].path).is_file()
        assert app.text_of(new.archival_code) == app.text_of(old_code) == mask_text(SCAN)  # stored masked (issue 10, item 11)
        # both audited, with the acting user
        moved = [e for e in app.audit_trail(old_code) if e.event == "reclassified"]
        filed = [e for e in app.audit_trail(new.archival_code) if e.event == "filed"]
        assert len(moved) == 1 and moved[0].details["to"] == new.archival_code
        assert moved[0].details["reason"] == "标识巡查记录，属楼宇巡检" and moved[0].actor.name == "laowang"
        assert filed[0].details["supersedes"] == old_code and filed[0].actor.name == "laowang"
        # the text is found under the new code; the old entry by its code
        assert [h.archival_code for h in app.search("消防通道").hits] == [new.archival_code]
        assert [h.archival_code for h in app.search(f"code:{old_code}").hits] == [old_code]
        # 四性检测 holds: no gap in QT's 件号, digests match, no 文号 twice, the index in step
        report = app.verify()
        assert report.ok, report.lines()


def test_the_same_scan_uploaded_again_is_a_duplicate_of_the_new_record(ws: Workspace, tmp_path: Path) -> None:
    with Dangan.open(ws, actor=ARCHIVIST, clock=FixedClock(TODAY)) as app:
        done = app.review.reclassify(under_review(app, tmp_path), "XJ", reason="楼宇巡检")
        again = tmp_path / "again.txt"
        again.write_text(SCAN, encoding="utf-8")
        result = app.file([again], category="QT")[0].result
        assert result.duplicate and result.record.archival_code == done.new.archival_code


def test_a_document_number_moves_with_the_document(ws: Workspace, tmp_path: Path) -> None:
    with Dangan.open(ws, actor=ARCHIVIST, clock=FixedClock(TODAY)) as app:
        done = app.review.reclassify(under_review(app, tmp_path, doc_number="SQ-2026-0007"), "SQ", reason="通知通告")
        assert done.new.doc_number == "SQ-2026-0007" and done.old.doc_number is None
        assert app.verify(index=False).ok


@pytest.mark.parametrize(("setup", "category", "reason", "message"), [
    ("confirmed", "XJ", "x", "只有待审核的档案可以改类"),
    ("held", "XJ", "x", "先解除冻结"),
    ("lent", "XJ", "x", "借出未还"),
    ("twice", "XJ", "x", "已改类为"),
    ("plain", "QT", "x", "无需改类"),
    ("plain", "XH", "x", "销毁清册"),
    ("plain", "XJ", " ", "改类必须填写原因"),
    ("plain", "NOPE", "x", "类别"),
])
def test_what_may_not_be_reclassified_is_refused_and_nothing_changes(ws: Workspace, tmp_path: Path, setup: str,
                                                                     category: str, reason: str, message: str) -> None:
    with Dangan.open(ws, actor=ARCHIVIST, clock=FixedClock(TODAY)) as app:
        code = under_review(app, tmp_path)
        if setup == "confirmed":
            app.review.confirm(code, reason="审核确认")
        elif setup == "held":
            app.hold([code], reason="诉讼")
        elif setup == "lent":
            app.lending.out([code], to="业委会", purpose="查阅", due=dt.date(2026, 12, 20))
        elif setup == "twice":
            app.review.reclassify(code, "SQ", reason="通知")
        before = {r.archival_code: r for r in app.records()}
        with pytest.raises(ArchiveError, match=message):
            app.review.reclassify(code, category, reason=reason)
        assert {r.archival_code: r for r in app.records()} == before
        if setup != "twice":  # no 件号 was used up by the refusal
            assert app.file([_note(tmp_path)], category="XJ")[0].result.record.archival_code == "Z001-2026-D10-XJ-0001"


def _note(folder: Path) -> Path:
    p = folder / "note.txt"
    p.write_text("楼宇巡检记录：电梯机房门锁完好。\n", encoding="utf-8")
    return p


def test_confirming_takes_an_item_out_of_the_queue_with_its_corrections(ws: Workspace, tmp_path: Path) -> None:
    with Dangan.open(ws, actor=ARCHIVIST, clock=FixedClock(TODAY)) as app:
        code = under_review(app, tmp_path)
        record = app.review.confirm(code, reason="", changes={"title": "标识巡查记录", "status": "disposed"})
        assert (record.title, record.needs_review, str(record.status)) == ("标识巡查记录", False, "active")
        assert [e.details["reason"] for e in app.audit_trail(code) if e.event == "metadata"] == ["审核确认"]
        with pytest.raises(ArchiveError, match="不在待审核队列"):
            app.review.confirm(code, reason="again")


def test_the_file_list_notes_the_reclassification_both_ways(ws: Workspace, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    with Dangan.open(ws, actor=ARCHIVIST, clock=FixedClock(TODAY)) as app:
        done = app.review.reclassify(under_review(app, tmp_path), "XJ", reason="楼宇巡检")
        remarks = {}
        for category in ("QT", "XJ"):
            sheet = load_workbook(app.catalogue(year=2026, category=category, fmt="xlsx",
                                                out=ws.output_dir / f"{category}.xlsx")).active
            remarks.update({row[1]: row[8] for row in sheet.iter_rows(min_row=3, values_only=True)})
        assert remarks == {done.old.archival_code: f"已改类，见 {done.new.archival_code}",
                           done.new.archival_code: f"由 {done.old.archival_code} 改类"}


def test_the_command_reclassifies(ws: Workspace, tmp_path: Path, cli) -> None:
    with Dangan.open(ws, clock=FixedClock(TODAY)) as app:
        code = under_review(app, tmp_path)
    r = cli("archive", "reclassify", code, "--category", "楼宇巡检", "--reason", "标识巡查记录")
    assert r.exit_code == 0 and "Z001-2026-D10-QT-0001 → Z001-2026-D10-XJ-0001" in r.output
    r = cli("archive", "reclassify", code, "--category", "XJ", "--reason", "again")
    assert r.exit_code != 0 and "已改类为 Z001-2026-D10-XJ-0001" in r.output
