"""Lending (借阅): overdue by the app's clock, disposal refused while on loan, the watermark on every page of an
electronic copy, the status 借出 on the record and in search, every loan and return audited, the monthly register."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from tests.conftest import TODAY

from dangan.app import Dangan, FixedClock
from dangan.archive import lending as rules
from dangan.archive.catalogue import Loan
from dangan.config import Workspace
from dangan.content.pdf import read_text, render_page
from dangan.errors import ArchiveError, RetentionError, WorkspaceError


def _old_record(app: Dangan, tmp_path: Path, name: str = "old.txt") -> str:
    path = tmp_path / name
    path.write_text(f"2010年空置房巡查记录 {name}", encoding="utf-8")
    [filed] = app.file([path], category="KZ", title="空置房巡查", date=dt.date(2010, 3, 1))
    return filed.result.record.archival_code


def _pdf(path: Path, pages: int) -> Path:
    import pikepdf

    pdf = pikepdf.new()
    for _ in range(pages):
        pdf.add_blank_page(page_size=(595, 842))
    pdf.save(path)
    return path


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(TODAY)


@pytest.fixture(params=["sqlite", "postgresql"])
def any_ws(request: pytest.FixtureRequest) -> Workspace:
    """The lending rules hold on either catalogue."""
    return request.getfixturevalue("ws" if request.param == "sqlite" else "pg_ws")


def test_a_record_on_loan_cannot_be_disposed_of_until_it_is_returned(any_ws: Workspace, tmp_path: Path,
                                                                     clock: FixedClock) -> None:
    with Dangan.open(any_ws, clock=clock, index=False) as app:
        code = _old_record(app, tmp_path)
        [loan] = app.lending.out([code], to="张审计", purpose="年度审计", due=dt.date(2027, 1, 31)).loans
        assert app.record(code).status == "lent"
        with pytest.raises(RetentionError, match="已借出，须归还后才能销毁"):
            app.dispose([code], approver="王主任", reason="保管期满")
        assert app.record(code).status == "lent"  # nothing changed
        app.lending.return_([code], note="完好")
        assert app.record(code).status == "active"
        assert app.dispose([code], approver="王主任", reason="保管期满").disposed[0].status == "disposed"
        events = [(e.event, (e.details or {}).get("borrower")) for e in app.audit_trail(code)]
        assert ("loan", "张审计") in events and [e for e, _ in events].count("return") == 1
        assert app.lending.list()[0].loan.id == loan.id
        assert app.verify(index=False).ok


def test_overdue_follows_the_apps_clock(ws: Workspace, tmp_path: Path, clock: FixedClock) -> None:
    with Dangan.open(ws, clock=clock, index=False) as app:
        code = _old_record(app, tmp_path)
        app.lending.out([code], to="张审计", purpose="年度审计", due=dt.date(2026, 12, 10))
        assert app.lending.list(overdue=True) == []
        clock.set(dt.datetime(2026, 12, 15, 9, 0, tzinfo=TODAY.tzinfo))
        [late] = app.lending.list(overdue=True)
        assert late.days_overdue == 5 and late.to_dict()["overdue"] is True
        app.lending.return_([code])
        assert app.lending.list(overdue=True) == []


def _loan(lent: str, due: str, returned: str | None = None) -> Loan:
    at = dt.datetime.fromisoformat(lent)
    back = dt.datetime.fromisoformat(returned) if returned else None
    return Loan(1, "C", "张", "审计", dt.date.fromisoformat(due), at, returned_at=back)


@pytest.mark.parametrize(("loan", "today", "days"), [
    (_loan("2026-11-01T09:00", "2026-11-30"), "2026-11-30", 0),  # due today: not yet late
    (_loan("2026-11-01T09:00", "2026-11-30"), "2026-12-01", 1),
    (_loan("2026-11-01T09:00", "2026-11-30"), "2027-03-01", 91),
    (_loan("2026-11-01T09:00", "2026-11-30", "2026-12-20T10:00"), "2027-01-01", 0),  # returned
])
def test_days_overdue(loan: Loan, today: str, days: int) -> None:
    assert rules.days_overdue(loan, dt.date.fromisoformat(today)) == days


@pytest.mark.parametrize(("lent", "returned", "month", "listed"), [
    ("2026-11-03T09:00", None, (2026, 11), True),
    ("2026-10-03T09:00", None, (2026, 11), True),  # still out in November
    ("2026-10-03T09:00", "2026-10-20T09:00", (2026, 11), False),
    ("2026-10-03T09:00", "2026-11-01T09:00", (2026, 11), True),
    ("2026-12-01T09:00", None, (2026, 11), False),
    ("2026-12-31T09:00", None, (2026, 12), True),
])
def test_which_loans_a_months_register_lists(lent: str, returned: str | None, month: tuple[int, int],
                                              listed: bool) -> None:
    assert rules.in_month(_loan(lent, "2027-01-31", returned), *month) is listed


def test_requests_that_cannot_be_lent_are_refused_and_nothing_changes(ws: Workspace, tmp_path: Path,
                                                                     clock: FixedClock) -> None:
    with Dangan.open(ws, clock=clock, index=False) as app:
        code = _old_record(app, tmp_path)
        secret = tmp_path / "s.txt"
        secret.write_text("内部资料", encoding="utf-8")
        [filed] = app.file([secret], category="ZL", security="内部")
        inner = filed.result.record.archival_code
        with pytest.raises(ArchiveError, match="早于今天"):
            app.lending.out([code], to="张审计", purpose="审计", due=dt.date(2026, 11, 30))
        with pytest.raises(ArchiveError, match="批准人"):
            app.lending.out([code, inner], to="张审计", purpose="审计", due=dt.date(2026, 12, 31))
        assert app.lending.list() == [] and app.record(code).status == "active"
        app.lending.out([code], to="张审计", purpose="审计", due=dt.date(2026, 12, 31))
        with pytest.raises(ArchiveError, match="已借给 张审计"):
            app.lending.out([code], to="李律师", purpose="取证", due=dt.date(2026, 12, 31))
        with pytest.raises(ArchiveError, match="没有未归还的借阅"):
            app.lending.return_([inner])


def test_an_electronic_copy_carries_the_watermark_on_every_page(ws: Workspace, tmp_path: Path,
                                                                clock: FixedClock) -> None:
    with Dangan.open(ws, clock=clock, index=False) as app:
        [filed] = app.file([_pdf(tmp_path / "three.pdf", 3)], category="TS", title="三页投诉记录")
        code = filed.result.record.archival_code
        outcome = app.lending.out([code], to="李律师", purpose="诉讼取证", due=dt.date(2026, 12, 31),
                                  copy_to=tmp_path / "给李律师")
        [copy] = outcome.copies
        data = copy.read_bytes()
        texts = read_text(data).texts
        assert len(texts) == 3
        for text in texts:
            compact = "".join(text.split())
            assert "借阅专用" in compact and "李律师" in compact and "2026-12-01" in compact
        for i in range(3):
            raw = render_page(data, i, dpi=36).convert("RGB").tobytes()
            tinted = sum(1 for j in range(0, len(raw), 3) if raw[j] > raw[j + 1] + 25)
            assert tinted > 500  # the watermark is drawn on this page
        assert app.record(code).rendition is not None  # the copy was made from the archival copy
        [loan] = outcome.loans
        assert loan.electronic
        with pytest.raises(WorkspaceError):
            app.lending.out([code], to="王", purpose="x", due=dt.date(2026, 12, 31), copy_to=ws.archive_dir / "x")


def test_an_electronic_copy_never_goes_into_a_watched_folder(ws: Workspace, tmp_path: Path, clock: FixedClock) -> None:
    inbox = tmp_path / "扫描投递"
    inbox.mkdir()
    toml = ws.root / "dangan.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + f'\n[[watch]]\npath = "{inbox}"\ncategory = "TS"\n',
                    encoding="utf-8")
    with Dangan.open(ws.root, clock=clock, index=False) as app:
        [filed] = app.file([_pdf(tmp_path / "one.pdf", 1)], category="TS")
        code = filed.result.record.archival_code
        with pytest.raises(WorkspaceError, match="监视目录"):
            app.lending.out([code], to="王", purpose="x", due=dt.date(2026, 12, 31), copy_to=inbox / "借阅")
        assert app.lending.list() == [] and list(inbox.iterdir()) == []


def test_the_cli_lends_lists_and_files_the_monthly_register(cli, ws: Workspace, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "old.txt"
    path.write_text("2010年空置房巡查记录", encoding="utf-8")
    added = cli("archive", "add", str(path), "-c", "KZ", "--date", "2010-03-01", "--json")
    code = json.loads(added.output)["archival_code"]
    out = cli("lend", "out", code, "--to", "张审计", "--purpose", "年度审计", "--due", "2026-12-20",
              "--unit", "集团审计部", "--approver", "王主任")
    assert out.exit_code == 0 and f"已借出：{code}" in out.output
    listed = json.loads(cli("lend", "list", "--json").output)
    assert [(x["code"], x["borrower"], x["overdue"]) for x in listed] == [(code, "张审计", False)]
    shown = json.loads(cli("archive", "show", code, "--json").output)
    assert shown["status"] == "lent" and shown["loans"][0]["borrower"] == "张审计"
    assert "借出：#1 张审计（年度审计）" in cli("archive", "show", code).output
    found = cli("search", "空置房巡查", "--status", "lent", "--json")
    assert code in found.output
    register = cli("lend", "register", "--month", "2026-12")
    assert register.exit_code == 0, register.output
    reg_code = register.output.strip().split("：")[1].split("（")[0]
    shown = json.loads(cli("archive", "show", reg_code, "--json").output)
    assert shown["category"] == "DA" and shown["period"] == "Y"
    assert shown["form_data"]["rows"][0]["borrower"] == "张审计"
    pdf = ws.archive_dir / shown["path"]
    assert "张审计" in "".join((read_text(pdf).text or "").split())
    back = cli("lend", "return", code, "--note", "完好")
    assert back.exit_code == 0 and "已归还" in back.output
    assert cli("retention", "dispose", code, "--approver", "王主任", "--reason", "保管期满").exit_code == 0
