"""The catalogue contract, ledger part: register entries (numbers, versions, closes, report runs) and the
fee accounts (bills, payments, notices).  Mixed into :class:`CatalogueContract`, so every backend runs it.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
from collections.abc import Callable

import pytest

from dangan.actor import Actor
from dangan.archive.catalogue import (
    BillLine,
    Catalogue,
    EntryQuery,
    FeeNotice,
    FeeReversal,
    NewClose,
    NewEntry,
    NoticeLine,
    Payment,
    ReportRun,
    open_catalogue,
)
from dangan.errors import ArchiveError

TZ = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=TZ)
CLERK = Actor("陈美玲", role="clerk")


def add(cat: Catalogue, form: str, at: dt.datetime, **data: object) -> int:
    with cat.transaction():
        return cat.add_entry(NewEntry(form, at, {"at": at.isoformat(), **data}, NOW, CLERK)).number


def _add_many(url: str, n: int, start: float) -> list[int]:
    import time

    cat = open_catalogue(url)
    while time.time() < start:
        time.sleep(0.001)
    try:
        return [add(cat, "complaint-register", dt.datetime(2026, 11, 4, 9, 12)) for _ in range(n)]
    finally:
        cat.close()


class LedgerContract:
    # -- entries ---------------------------------------------------------------------------------------

    def test_entries_are_numbered_per_form_without_gaps(self, cat: Catalogue) -> None:
        t = dt.datetime(2026, 11, 4, 9, 12)
        assert [add(cat, "complaint-register", t) for _ in range(3)] == [1, 2, 3]
        assert add(cat, "visit-record", t) == 1
        with pytest.raises(RuntimeError), cat.transaction():
            cat.add_entry(NewEntry("complaint-register", t, {}, NOW, CLERK))
            raise RuntimeError("crash before commit")
        assert add(cat, "complaint-register", t) == 4

    def test_an_entry_reads_back_as_written(self, cat: Catalogue) -> None:
        t = dt.datetime(2026, 11, 4, 9, 12)
        with cat.transaction():
            made = cat.add_entry(NewEntry("complaint-register", t, {"complainant": "马丽娟", "fee": "80.00",
                                                                   "done": True, "n": 3}, NOW, CLERK))
        got = cat.entry("complaint-register", made.number)
        assert got == made
        assert (got.at, got.data, got.entered_at, got.entered_by, got.version, got.close_id) == (
            t, {"complainant": "马丽娟", "fee": "80.00", "done": True, "n": 3}, NOW, CLERK, 1, None)
        assert cat.entry("complaint-register", 99) is None

    def test_entries_are_found_by_time_half_open_and_in_time_order(self, cat: Catalogue) -> None:
        times = [dt.datetime(2026, 11, 30, 23, 59, 59), dt.datetime(2026, 11, 1, 0, 0), dt.datetime(2026, 12, 1, 0, 0),
                 dt.datetime(2026, 10, 31, 23, 59)]
        for t in times:
            add(cat, "complaint-register", t)
        november = cat.entries(EntryQuery("complaint-register", start=dt.datetime(2026, 11, 1),
                                          end=dt.datetime(2026, 12, 1)))
        assert [(e.number, e.at) for e in november] == [(2, times[1]), (1, times[0])]
        assert [e.number for e in cat.entries(EntryQuery("complaint-register"))] == [4, 2, 1, 3]
        assert [e.number for e in cat.entries(EntryQuery("complaint-register", numbers=[3, 1]))] == [1, 3]
        assert cat.entries(EntryQuery("complaint-register", numbers=[])) == []
        assert cat.entries(EntryQuery("visit-record")) == []

    def test_a_correction_is_a_new_version_and_the_old_ones_stay(self, cat: Catalogue) -> None:
        n = add(cat, "complaint-register", dt.datetime(2026, 11, 4, 9, 12), complainant="马丽娟")
        later = NOW + dt.timedelta(hours=2)
        boss = Actor("黄志华")
        with cat.transaction():
            changed = cat.change_entry("complaint-register", n, at=dt.datetime(2026, 11, 4, 9, 2),
                                       data={"complainant": "马丽娟", "proposed_at": "2026-11-04 09:30"},
                                       changed_at=later, changed_by=boss, reason="补记处理方案时间", amends=None)
        assert (changed.version, changed.at, changed.changed_at, changed.changed_by) == (
            2, dt.datetime(2026, 11, 4, 9, 2), later, boss)
        assert cat.entry("complaint-register", n) == changed
        history = cat.entry_changes("complaint-register", n)
        assert [(c.version, c.reason, c.changed_by) for c in history] == [(1, None, CLERK), (2, "补记处理方案时间", boss)]
        assert history[0].data["complainant"] == "马丽娟" and "proposed_at" not in history[0].data
        with pytest.raises(ArchiveError), cat.transaction():
            cat.change_entry("complaint-register", 99, at=NOW.replace(tzinfo=None), data={}, changed_at=NOW,
                             changed_by=None, reason="x", amends=None)

    def test_a_close_freezes_the_open_entries_of_its_period_and_form_only(self, cat: Catalogue) -> None:
        inside = [add(cat, "complaint-register", dt.datetime(2026, 11, d, 10)) for d in (1, 30)]
        after = add(cat, "complaint-register", dt.datetime(2026, 12, 1, 0, 0))
        other = add(cat, "visit-record", dt.datetime(2026, 11, 5))
        with cat.transaction():
            close = cat.close_period(NewClose("complaint-register", "2026-11", dt.datetime(2026, 11, 1),
                                              dt.datetime(2026, 12, 1), "Z001-2026-D10-TS-0001", NOW, CLERK))
        assert (close.entries, close.period, close.closed_by, close.amendment_code) == (2, "2026-11", CLERK, None)
        assert [cat.entry("complaint-register", n).close_id for n in inside] == [close.id, close.id]  # type: ignore[union-attr]
        assert cat.entry("complaint-register", after).close_id is None  # type: ignore[union-attr]
        assert cat.entry("visit-record", other).close_id is None  # type: ignore[union-attr]
        assert [e.number for e in cat.entries(EntryQuery("complaint-register", open_only=True))] == [after]
        assert cat.closes("complaint-register") == [close] and cat.closes("visit-record") == []
        assert cat.closes() == [close]

    def test_amendments_wait_for_the_next_close_and_are_filed_with_it(self, cat: Catalogue) -> None:
        n = add(cat, "complaint-register", dt.datetime(2026, 11, 4, 9, 12))
        with cat.transaction():
            nov = cat.close_period(NewClose("complaint-register", "2026-11", dt.datetime(2026, 11, 1),
                                            dt.datetime(2026, 12, 1), "Z001-2026-D10-TS-0001", NOW, CLERK))
            cat.change_entry("complaint-register", n, at=dt.datetime(2026, 11, 4, 9, 12), data={"result": "已回复"},
                             changed_at=NOW, changed_by=CLERK, reason="补记处理结果", amends=nov.id)
            late = cat.add_entry(NewEntry("complaint-register", dt.datetime(2026, 11, 29, 8), {}, NOW, CLERK,
                                          reason="漏登", amends=nov.id))
        assert late.close_id == nov.id and cat.entry("complaint-register", n).close_id == nov.id  # type: ignore[union-attr]
        pending = cat.entry_changes("complaint-register", unfiled_amendments=True)
        assert [(c.number, c.version, c.reason, c.amends) for c in pending] == [
            (n, 2, "补记处理结果", nov.id), (late.number, 1, "漏登", nov.id)]
        with cat.transaction():
            dec = cat.close_period(NewClose("complaint-register", "2026-12", dt.datetime(2026, 12, 1),
                                            dt.datetime(2027, 1, 1), "Z001-2026-D10-TS-0002", NOW, CLERK,
                                            amendment_code="Z001-2026-D10-TS-0003"))
        assert cat.entry_changes("complaint-register", unfiled_amendments=True) == []
        assert {c.filed_with for c in cat.entry_changes("complaint-register") if c.amends} == {dec.id}
        assert dec.amendment_code == "Z001-2026-D10-TS-0003"

    def test_two_processes_adding_entries_at_once_never_share_a_number(self, catalogue_url: str,
                                                                       open_cat: Callable[[], Catalogue]) -> None:
        import time

        open_cat()
        start = time.time() + 1.0
        with multiprocessing.get_context("spawn").Pool(2) as pool:
            parts = pool.starmap(_add_many, [(catalogue_url, 40, start)] * 2)
        assert sorted(n for p in parts for n in p) == list(range(1, 81))

    def test_report_runs_are_kept_with_what_they_counted(self, cat: Catalogue) -> None:
        run = ReportRun("complaint-analysis", "2026-11", "ab" * 32, "Z001-2026-D10-TS-0004", NOW,
                        {"complaint-register": (1, 2, 5)})
        with cat.transaction():
            cat.add_report_run(run)
            cat.add_report_run(ReportRun("renovation-weekly", "2026-W47", "cd" * 32, "Z001-2026-D30-ZX-0001", NOW))
        assert cat.report_runs("complaint-analysis") == [run]
        assert cat.report_runs(period="2026-W47")[0].counted == {}
        assert len(cat.report_runs()) == 2 and cat.report_runs("complaint-analysis", "2026-10") == []


def bill(month: str, unit: str, item: str, cents: int, due: dt.date = dt.date(2026, 11, 16)) -> BillLine:
    return BillLine(month, unit, "张建国", item, cents, dt.date(2026, 11, 1), due, NOW)


class FeeContract:
    def test_bill_lines_read_back_by_month_and_unit(self, cat: Catalogue) -> None:
        lines = [bill("2026-11", "1栋0102室", "物业管理费", 32000), bill("2026-11", "1栋0101室", "水费", 6300),
                 bill("2026-12", "1栋0101室", "物业管理费", 32000, dt.date(2026, 12, 16))]
        with cat.transaction():
            cat.add_bill_lines(lines)
        assert cat.bill_lines(months=["2026-11"]) == [lines[1], lines[0]]
        assert cat.bill_lines(unit="1栋0101室") == [lines[1], lines[2]]
        assert cat.bill_lines(months=[]) == [] and len(cat.bill_lines()) == 3

    def test_a_line_billed_twice_is_refused_and_nothing_of_the_batch_is_kept(self, cat: Catalogue) -> None:
        with cat.transaction():
            cat.add_bill_lines([bill("2026-11", "1栋0101室", "水费", 6300)])
        with pytest.raises(ArchiveError), cat.transaction():
            cat.add_bill_lines([bill("2026-11", "1栋0102室", "水费", 100), bill("2026-11", "1栋0101室", "水费", 1)])
        assert [b.amount_cents for b in cat.bill_lines()] == [6300]

    def test_payments_come_back_by_date_then_order_recorded(self, cat: Catalogue) -> None:
        pays = [Payment("1栋0101室", "水费", 6300, dt.date(2026, 11, 6), NOW, "paid.xlsx 第 2 行"),
                Payment("1栋0102室", "物业管理费", 32000, dt.date(2026, 11, 5), NOW, "paid.xlsx 第 3 行"),
                Payment("1栋0101室", "物业管理费", 1, dt.date(2026, 11, 6), NOW, "paid.xlsx 第 4 行")]
        with cat.transaction():
            cat.add_payments(pays)
        got = cat.payments()
        assert [(p.unit, p.item, p.amount_cents, p.source) for p in got] == [
            ("1栋0102室", "物业管理费", 32000, "paid.xlsx 第 3 行"), ("1栋0101室", "水费", 6300, "paid.xlsx 第 2 行"),
            ("1栋0101室", "物业管理费", 1, "paid.xlsx 第 4 行")]
        assert [p.item for p in cat.payments(unit="1栋0101室")] == ["水费", "物业管理费"]
        assert len({p.id for p in got}) == 3

    def test_notices_are_linked_to_their_unit_and_months(self, cat: Catalogue) -> None:
        lines = (NoticeLine("2026-10", "水费", 5820, dt.date(2026, 10, 16)),
                 NoticeLine("2026-11", "物业管理费", 32000, dt.date(2026, 11, 16)))
        with cat.transaction():
            dun = cat.add_fee_notice(FeeNotice("dunning", "5栋0602室", dt.date(2026, 11, 20), "Z001-2026-D30-SF-0007",
                                               "CJ-2026-0001", lines, dt.date(2026, 11, 27)))
            cat.add_fee_notice(FeeNotice("payment", "1栋0101室", dt.date(2026, 11, 1), "Z001-2026-D30-SF-0001",
                                         "JF-2026-0001", (lines[1],)))
        assert dun.id > 0
        assert cat.fee_notices(unit="5栋0602室") == [dun]
        assert cat.fee_notices(unit="5栋0602室")[0].lines == lines
        assert [n.kind for n in cat.fee_notices()] == ["dunning", "payment"]
        assert [n.unit for n in cat.fee_notices(kind="payment")] == ["1栋0101室"]

    def test_a_reversal_is_kept_with_its_reason_and_a_payment_is_reversed_once(self, cat: Catalogue) -> None:
        with cat.transaction():
            cat.add_bill_lines([bill("2026-11", "1栋0101室", "水费", 6300)])
            cat.add_payments([Payment("1栋0101室", "水费", 6300, dt.date(2026, 11, 6), NOW, "paid.xlsx 第 2 行")])
        paid = cat.payments()[0]
        wrong = FeeReversal("payment", "1栋0101室", "水费", 6300, "记错房号，应为 1栋0102室", NOW, CLERK, payment_id=paid.id)
        with cat.transaction():
            made = cat.add_fee_reversal(wrong)
            line = cat.add_fee_reversal(FeeReversal("bill", "1栋0101室", "水费", 6300, "水表读数抄错", NOW, CLERK,
                                                    month="2026-11", corrected_cents=5800))
            cat.add_fee_reversal(FeeReversal("bill", "2栋0101室", "水费", 100, "空置", NOW, None, month="2026-11"))
        assert made.id > 0 and line.id > made.id
        assert cat.fee_reversals(unit="1栋0101室") == [made, line]
        assert cat.fee_reversals()[0].reversed_by == CLERK and cat.fee_reversals()[1].corrected_cents == 5800
        assert len(cat.fee_reversals()) == 3
        with pytest.raises(ArchiveError), cat.transaction():
            cat.add_fee_reversal(wrong)  # the same payment again
        assert len(cat.fee_reversals()) == 3
        assert cat.payments() == [paid] and [b.amount_cents for b in cat.bill_lines()] == [6300]  # nothing deleted
