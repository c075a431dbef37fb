"""The catalogue contract: what every backend of :class:`dangan.archive.catalogue.Catalogue` must do.

An abstract test class (the fsspec way).  A backend's test module subclasses
:class:`CatalogueContract` and provides one fixture, ``catalogue_url``: a URL
that :func:`dangan.archive.catalogue.open_catalogue` opens, pointing at a new,
empty catalogue.  Nothing here may assume a particular database.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import time
from collections.abc import Callable, Iterator

import pytest
from tests.contracts.ledger_contract import FeeContract, LedgerContract

from dangan.actor import Actor, ActorKind
from dangan.archive import audit
from dangan.archive.catalogue import (
    Catalogue,
    IntakeState,
    ItemSeries,
    NewFile,
    NewIntakeJob,
    NewLoan,
    NewRecord,
    RecordQuery,
    open_catalogue,
)
from dangan.archive.model import FileRole, Source, Status
from dangan.errors import ArchiveError

T0 = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
SERIES = ItemSeries("Z001", 2026, "D10", "TS")


def new_record(series: ItemSeries, seq: int, **kw: object) -> NewRecord:
    code = f"{series.fonds}-{series.year}-{series.period}-{series.category}-{seq:04d}"
    fields: dict = dict(archival_code=code, series=series, seq=seq, period=series.period, title=f"题名{seq}",
                        doc_number=None, author="客服中心", date=dt.date(series.year, 3, 1), security="无",
                        source=Source.MANUAL, form_id=None, form_data=None, needs_review=False, text_source="txt",
                        filed_at=T0, meta={})
    fields.update(kw)
    return NewRecord(**fields)


def file_one(cat: Catalogue, series: ItemSeries = SERIES, *, text: str | None = None, sha: str | None = None,
             **kw: object) -> tuple[int, str]:
    """Allocate, insert a record with one file, inside a transaction; (id, code)."""
    with cat.transaction():
        seq = cat.next_item_number(series)
        new = new_record(series, seq, **kw)
        rid = cat.insert_record(new)
        cat.add_file(rid, NewFile(FileRole.ORIGINAL, f"files/{new.archival_code}.txt", sha or f"{seq:064x}", 3,
                                  "txt", None, "a.txt", text=text, text_source="txt"))
    return rid, new.archival_code


def _file_many(url: str, n: int, start: float) -> list[str]:
    """In another process: file ``n`` records, one transaction each."""
    import time

    cat = open_catalogue(url)
    while time.time() < start:
        time.sleep(0.001)
    try:
        return [file_one(cat, sha=f"{id(cat):x}{i:032x}".rjust(64, "0"))[1] for i in range(n)]
    finally:
        cat.close()


def _file_shared(url: str, n: int, start: float, shas: list[str]) -> list[str]:
    """In another process: filing transactions (shared) that look the bytes up first, as the archive does."""
    import time

    cat = open_catalogue(url)
    while time.time() < start:
        time.sleep(0.001)
    codes = []
    try:
        for i in range(n):
            with cat.transaction(shared=True):
                sha = shas[i % len(shas)]
                if cat.find_by_sha256(sha) is not None:
                    continue
                seq = cat.next_item_number(SERIES)
                new = new_record(SERIES, seq)
                rid = cat.insert_record(new)
                cat.add_file(rid, NewFile(FileRole.ORIGINAL, f"files/{new.archival_code}.txt", sha, 3, "txt",
                                          None, "a.txt"))
                cat.append_audit(audit.AuditEvent.FILED, code=new.archival_code, details={"n": i}, at=T0,
                                 actor=None)
                codes.append(new.archival_code)
        return codes
    finally:
        cat.close()


def new_job(n: int, **kw: object) -> NewIntakeJob:
    fields: dict = dict(path=f"spool/{n}/scan{n}.pdf", sha256=f"{n:064x}", original_name=f"扫描{n}.pdf",
                        submitted_at=T0)
    fields.update(kw)
    return NewIntakeJob(**fields)


def _claim_and_hang(url: str, ready: object) -> None:
    """In another process: take a job and never finish it (the test kills this process)."""
    import time

    cat = open_catalogue(url)
    with cat.claim_intake(max_attempts=5) as claim:
        assert claim is not None
        ready.set()  # type: ignore[attr-defined]
        time.sleep(600)


def _open_at(url: str, start: float) -> int:
    """In another process: open (create, migrate) the catalogue at the same moment as the others."""
    import time

    while time.time() < start:
        time.sleep(0.001)
    cat = open_catalogue(url)
    try:
        with cat.transaction():
            return cat.next_item_number(SERIES)
    finally:
        cat.close()


def _allocate_many(url: str, n: int, start: float) -> list[int]:
    import time

    cat = open_catalogue(url)
    while time.time() < start:
        time.sleep(0.001)
    out = []
    try:
        for _ in range(n):
            with cat.transaction():
                out += cat.allocate_doc_numbers("TZ", 2026, "community-notice", count=1, at=T0)
        return out
    finally:
        cat.close()


class CatalogueContract(LedgerContract, FeeContract):
    """Subclass with a ``catalogue_url`` fixture."""

    @pytest.fixture
    def catalogue_url(self) -> str:
        raise NotImplementedError("a backend's test module provides catalogue_url")

    @pytest.fixture
    def open_cat(self, catalogue_url: str) -> Iterator[Callable[[], Catalogue]]:
        opened: list[Catalogue] = []

        def make() -> Catalogue:
            cat = open_catalogue(catalogue_url)
            opened.append(cat)
            return cat

        yield make
        for cat in opened:
            cat.close()

    @pytest.fixture
    def cat(self, open_cat: Callable[[], Catalogue]) -> Catalogue:
        return open_cat()

    # -- transactions ---------------------------------------------------------------------------------

    def test_a_failed_transaction_leaves_nothing_and_gives_its_item_number_back(self, cat: Catalogue) -> None:
        with pytest.raises(RuntimeError), cat.transaction():
            seq = cat.next_item_number(SERIES)
            cat.insert_record(new_record(SERIES, seq))
            raise RuntimeError("crash before commit")
        assert cat.records() == []
        _, code = file_one(cat)
        assert code.endswith("-0001")

    def test_nested_transactions_join_the_outer_one(self, cat: Catalogue) -> None:
        with pytest.raises(ValueError), cat.transaction():
            with cat.transaction():
                cat.insert_record(new_record(SERIES, cat.next_item_number(SERIES)))
            raise ValueError("the outer block fails")
        assert cat.records() == []

    def test_writes_outside_a_transaction_are_refused(self, cat: Catalogue) -> None:
        with pytest.raises(Exception):  # noqa: B017 - any backend error type
            cat.insert_record(new_record(SERIES, 1))
        assert cat.records() == []

    def test_a_commit_is_seen_by_another_connection(self, open_cat: Callable[[], Catalogue]) -> None:
        a, b = open_cat(), open_cat()
        _, code = file_one(a, text="正文")
        found = b.record(code)
        assert found is not None and b.texts_of([found.id])[found.id] == "正文"

    def test_processes_opening_a_new_catalogue_at_once_create_it_once(self, catalogue_url: str,
                                                                         open_cat: Callable[[], Catalogue]) -> None:
        import time

        start = time.time() + 1.5
        with multiprocessing.get_context("spawn").Pool(3) as pool:
            seqs = pool.starmap(_open_at, [(catalogue_url, start)] * 3)
        assert sorted(seqs) == [1, 2, 3]

    # -- 件号 -----------------------------------------------------------------------------------------

    def test_item_numbers_run_from_one_per_series_without_gaps(self, cat: Catalogue) -> None:
        codes = [file_one(cat)[1] for _ in range(3)]
        assert [c[-4:] for c in codes] == ["0001", "0002", "0003"]
        other = ItemSeries("Z001", 2025, "D10", "TS")
        assert file_one(cat, other)[1] == "Z001-2025-D10-TS-0001"
        assert file_one(cat, ItemSeries("Z001", 2026, "D30", "SF"))[1].endswith("-0001")

    def test_two_processes_filing_at_once_never_duplicate_or_skip(self, catalogue_url: str,
                                                                  open_cat: Callable[[], Catalogue]) -> None:
        import time

        open_cat()  # create the catalogue before the race
        start = time.time() + 1.0
        ctx = multiprocessing.get_context("spawn")
        with ctx.Pool(2) as pool:
            parts = pool.starmap(_file_many, [(catalogue_url, 60, start)] * 2)
        codes = sorted(c for p in parts for c in p)
        assert codes == [f"Z001-2026-D10-TS-{n:04d}" for n in range(1, 121)]
        assert len(open_cat().records()) == 120

    # -- records --------------------------------------------------------------------------------------

    def test_records_are_found_by_a_typed_query(self, cat: Catalogue) -> None:
        sf = ItemSeries("Z001", 2025, "D30", "SF")
        file_one(cat, doc_number="JF-2026-0001")
        file_one(cat, needs_review=True)
        file_one(cat, sf, meta={"owner": "张建国"})
        assert [r.category for r in cat.records(RecordQuery(category="SF"))] == ["SF"]
        assert len(cat.records(RecordQuery(year=2026))) == 2
        assert [r.archival_code[-4:] for r in cat.records(RecordQuery(needs_review=True))] == ["0002"]
        assert cat.records(RecordQuery(doc_number="JF-2026-0001"))[0].archival_code.endswith("TS-0001")
        assert len(cat.records(RecordQuery(status=Status.ACTIVE))) == 3
        first = cat.records(RecordQuery(limit=2))
        rest = cat.records(RecordQuery(after_id=first[-1].id))
        assert len(first) == 2 and len(rest) == 1 and rest[0].meta == {"owner": "张建国"}
        assert cat.records(RecordQuery(codes=())) == []
        assert cat.record("Z001-2026-D10-TS-0009") is None

    def test_a_record_reads_back_as_written(self, cat: Catalogue) -> None:
        rid, code = file_one(cat, doc_number="JF-2026-0007", form_id="payment-notice",
                             form_data={"total": "447.50"}, building="3", room="1201", meta={"k": "v"})
        r = cat.record(code)
        assert r is not None and r.id == rid
        assert (r.title, r.doc_number, r.form_data, r.building, r.room, r.meta) == (
            "题名1", "JF-2026-0007", {"total": "447.50"}, "3", "1201", {"k": "v"})
        assert (r.status, r.source, r.date, r.filed_at) == (Status.ACTIVE, Source.MANUAL, dt.date(2026, 3, 1), T0)
        assert [(f.role, f.format, f.destroyed) for f in r.files] == [(FileRole.ORIGINAL, "txt", False)]

    def test_updates_and_metadata(self, cat: Catalogue) -> None:
        rid, code = file_one(cat)
        with cat.transaction():
            cat.update_record(rid, title="新题名", needs_review=True, date=dt.date(2026, 5, 1), period="D30")
            cat.set_meta(rid, "owner", "李四")
        r = cat.record(code)
        assert r is not None and (r.title, r.needs_review, r.date, r.period, r.meta) == (
            "新题名", True, dt.date(2026, 5, 1), "D30", {"owner": "李四"})
        with cat.transaction():
            cat.set_meta(rid, "owner", None)
        assert cat.record(code).meta == {}  # type: ignore[union-attr]

    # -- files and texts ------------------------------------------------------------------------------

    def test_texts_join_in_file_order_and_files_are_listed(self, cat: Catalogue) -> None:
        rid, code = file_one(cat, text="第一份")
        with cat.transaction():
            cat.add_file(rid, NewFile(FileRole.SIGNED, f"files/{code}-signed-1.png", "e" * 64, 5, "png", None,
                                      "scan.png", text="签字", text_source="ocr"))
        assert cat.texts_of([rid]) == {rid: "第一份\n\n签字"}
        assert {(e.path, e.code, e.destroyed) for e in cat.file_entries()} == {
            (f"files/{code}.txt", code, False), (f"files/{code}-signed-1.png", code, False)}
        assert cat.find_by_sha256("E" * 64).archival_code == code  # type: ignore[union-attr]

    def test_stored_text_names_and_form_data_are_rewritten_in_place(self, cat: Catalogue) -> None:
        rid, code = file_one(cat, text="电话13900035678", form_data={"phone": "13900035678", "n": 2})
        path = f"files/{code}.txt"
        assert cat.file_texts(rid) == {path: "电话13900035678"}
        with cat.transaction():
            cat.set_file_text(path, "电话139****5678")
            cat.set_original_name(path, "139****5678.txt")
            cat.set_form_data(rid, {"phone": "139****5678", "n": 2})
        record = cat.record(code)
        assert record is not None and record.form_data == {"phone": "139****5678", "n": 2}
        assert record.files[0].original_name == "139****5678.txt"
        assert cat.file_texts(rid) == {path: "电话139****5678"} and cat.texts_of([rid]) == {rid: "电话139****5678"}
        with pytest.raises(ArchiveError), cat.transaction():
            cat.set_original_name("files/none.txt", "x")

    # -- holds and disposal marks ---------------------------------------------------------------------

    def test_holds_are_placed_and_released_oldest_first(self, cat: Catalogue) -> None:
        rid, code = file_one(cat)
        with cat.transaction():
            first = cat.place_hold(rid, reason="诉讼", at=T0)
            cat.place_hold(rid, reason="纠纷", at=T0 + dt.timedelta(hours=1))
            cat.update_record(rid, status=Status.HELD)
        assert [h.reason for h in cat.holds(rid)] == ["诉讼", "纠纷"] and first.code == code
        with cat.transaction():
            cat.release_hold(first.id, reason="结案", at=T0 + dt.timedelta(days=1))
        active = cat.holds(rid)
        assert [h.reason for h in active] == ["纠纷"] and active[0].active
        every = cat.holds(rid, active_only=False)
        assert every[0].released_at == T0 + dt.timedelta(days=1) and every[0].release_reason == "结案"
        assert cat.record(code).status is Status.HELD  # type: ignore[union-attr]

    def test_holds_name_who_placed_and_released_them_and_are_listed_whole(self, cat: Catalogue) -> None:
        rid, code = file_one(cat)
        other, other_code = file_one(cat)
        with cat.transaction():
            first = cat.place_hold(rid, reason="诉讼", at=T0, by="王芳")
            cat.place_hold(other, reason="纠纷", at=T0, by=None)
            released = cat.release_hold(first.id, reason="结案", at=T0 + dt.timedelta(days=1), by="李主任")
        assert (first.placed_by, first.released_by) == ("王芳", None)
        assert (released.id, released.placed_by, released.released_by, released.release_reason) == (
            first.id, "王芳", "李主任", "结案")
        assert [(h.code, h.reason, h.active) for h in cat.all_holds()] == [(code, "诉讼", False),
                                                                          (other_code, "纠纷", True)]
        assert cat.unsealed_holds() == []  # holds placed through the catalogue are stated by their audit entry

    def test_a_disposed_record_keeps_its_entry_but_loses_its_content(self, cat: Catalogue) -> None:
        rid, code = file_one(cat, text="内容", sha="d" * 64)
        with cat.transaction():
            cat.mark_disposed(rid, at=T0)
        r = cat.record(code)
        assert r is not None and r.status is Status.DISPOSED and r.disposed_at == T0 and r.title == "题名1"
        assert all(f.destroyed for f in r.files)
        assert cat.texts_of([rid]) == {rid: None}
        assert cat.find_by_sha256("d" * 64) is None  # the same bytes may be filed again
        assert [e.destroyed for e in cat.file_entries()] == [True]

    # -- the audit chain ------------------------------------------------------------------------------

    def test_the_audit_chain_appends_and_verifies_with_its_actors(self, cat: Catalogue) -> None:
        people = [Actor("王芳", role="archivist"), Actor("前台扫描仪", kind=ActorKind.DEVICE), None]
        for n, who in enumerate(people):
            with cat.transaction():
                head = cat.audit_head()
                cat.insert_audit(audit.seal((head.id, head.hash) if head else None, audit.AuditEvent.HOLD,
                                            code="Z001-2026-D10-TS-0001" if n < 2 else None,
                                            details={"n": n, "理由": "诉讼"}, at=T0, actor=who))
        entries = cat.audit_entries()
        assert [e.id for e in entries] == [1, 2, 3] and audit.check_chain(entries) == []
        assert [e.actor for e in entries] == people
        assert [e.id for e in cat.audit_entries(code="Z001-2026-D10-TS-0001")] == [1, 2]
        assert cat.audit_head().id == 3  # type: ignore[union-attr]

    def test_an_audit_entry_lost_with_its_transaction_leaves_the_chain_intact(self, cat: Catalogue) -> None:
        with pytest.raises(RuntimeError), cat.transaction():
            cat.insert_audit(audit.seal(None, audit.AuditEvent.FILED, code=None, details={}, at=T0, actor=None))
            raise RuntimeError
        assert cat.audit_head() is None and cat.audit_entries() == []

    def test_appended_entries_are_sealed_in_order_at_commit(self, cat: Catalogue) -> None:
        with cat.transaction(shared=True):
            cat.append_audit(audit.AuditEvent.FILED, code="A", details={"n": 1}, at=T0, actor=None)
            cat.append_audit(audit.AuditEvent.HOLD, code="A", details={"n": 2}, at=T0, actor=Actor("王芳"))
        with pytest.raises(RuntimeError), cat.transaction():
            cat.append_audit(audit.AuditEvent.FILED, code="B", details={}, at=T0, actor=None)
            raise RuntimeError("rolled back")
        with cat.transaction():
            cat.append_audit(audit.AuditEvent.VERIFY, code=None, details={"ok": True}, at=T0, actor=None)
        entries = cat.audit_entries()
        assert [(e.id, e.event, e.code) for e in entries] == [(1, "filed", "A"), (2, "hold", "A"), (3, "verify", None)]
        assert audit.check_chain(entries) == [] and entries[1].actor == Actor("王芳")
        with pytest.raises(Exception):  # noqa: B017 - any backend error type
            cat.append_audit(audit.AuditEvent.FILED, code=None, details={}, at=T0, actor=None)

    def test_filing_transactions_in_two_processes_keep_numbers_bytes_and_chain_whole(
            self, catalogue_url: str, open_cat: Callable[[], Catalogue]) -> None:
        """Shared (filing) transactions side by side: no gap, no bytes filed twice, one unbroken chain."""
        import time

        open_cat()
        shas = [f"{n:064x}" for n in range(1, 61)]  # both processes file the same 60 contents, in step
        start = time.time() + 1.0
        with multiprocessing.get_context("spawn").Pool(2) as pool:
            parts = pool.starmap(_file_shared, [(catalogue_url, 60, start, shas)] * 2)
        cat = open_cat()
        codes = sorted(c for p in parts for c in p)
        assert codes == [f"Z001-2026-D10-TS-{n:04d}" for n in range(1, 61)]
        assert sorted(f.sha256 for r in cat.records() for f in r.files) == sorted(shas)
        entries = cat.audit_entries()
        assert len(entries) == 60 and audit.check_chain(entries) == []

    # -- document numbers -----------------------------------------------------------------------------

    def test_document_numbers_are_consecutive_per_prefix_and_year(self, cat: Catalogue) -> None:
        with cat.transaction():
            assert cat.allocate_doc_numbers("JF", 2026, "payment-notice", count=3, at=T0) == [1, 2, 3]
            assert cat.allocate_doc_numbers("JF", 2027, "payment-notice", count=1, at=T0) == [1]
            assert cat.allocate_doc_numbers("TZ", 2026, "community-notice", count=1, at=T0) == [1]
            cat.record_issued(["JF-2026-0001"], "payment-notice", T0)
        with pytest.raises(RuntimeError), cat.transaction():
            cat.allocate_doc_numbers("JF", 2026, "payment-notice", count=5, at=T0)
            raise RuntimeError
        with cat.transaction():
            assert cat.allocate_doc_numbers("JF", 2026, "payment-notice", count=1, at=T0) == [4]
        assert cat.doc_number_form("JF-2026-0001") == "payment-notice"
        assert cat.doc_number_form("JF-2026-0002") is None

    def test_a_number_given_from_outside_is_never_issued_again(self, cat: Catalogue) -> None:
        with cat.transaction():
            cat.note_doc_number("TZ", 2026, 41, doc_number="TZ-2026-0041", form_id=None, at=T0)
            cat.note_doc_number("TZ", 2026, 7, doc_number="TZ-2026-0007", form_id=None, at=T0)  # lower: no effect
            assert cat.allocate_doc_numbers("TZ", 2026, "community-notice", count=1, at=T0) == [42]
        assert cat.doc_number_form("TZ-2026-0041") == ""

    def test_two_processes_never_get_the_same_document_number(self, catalogue_url: str,
                                                               open_cat: Callable[[], Catalogue]) -> None:
        import time

        open_cat()
        start = time.time() + 1.0
        with multiprocessing.get_context("spawn").Pool(2) as pool:
            parts = pool.starmap(_allocate_many, [(catalogue_url, 50, start)] * 2)
        assert sorted(n for p in parts for n in p) == list(range(1, 101))

    # -- loans, file roles and imported numbers (issue 14) -----------------------------------

    def test_loans_open_and_close_and_list_by_record_and_state(self, cat: Catalogue) -> None:
        rid, code = file_one(cat)
        other, _ = file_one(cat)
        due = dt.date(2026, 12, 31)
        with cat.transaction():
            first = cat.open_loan(rid, NewLoan("张审计", "年度审计", due, T0, unit="审计部", approver="王主任",
                                               electronic=True))
            cat.open_loan(other, NewLoan("李律师", "取证", due, T0))
        assert (first.code, first.borrower, first.unit, first.approver, first.electronic) == (
            code, "张审计", "审计部", "王主任", True)
        assert first.due == due and first.lent_at == T0 and first.active
        assert [loan.code for loan in cat.loans(record_id=rid)] == [code]
        with cat.transaction():
            cat.close_loan(first.id, at=T0 + dt.timedelta(days=3), note="完好")
        assert cat.loans(record_id=rid, active_only=True) == []
        back = cat.loans(record_id=rid)[0]
        assert back.returned_at == T0 + dt.timedelta(days=3) and back.return_note == "完好" and not back.active
        assert len(cat.loans()) == 2 and len(cat.loans(active_only=True)) == 1

    def test_a_loan_lost_with_its_transaction_is_not_there(self, cat: Catalogue) -> None:
        rid, _ = file_one(cat)
        with pytest.raises(RuntimeError), cat.transaction():
            cat.open_loan(rid, NewLoan("张审计", "年度审计", dt.date(2026, 12, 31), T0))
            raise RuntimeError("boom")
        assert cat.loans() == []

    def test_a_file_changes_role_and_an_unknown_path_is_refused(self, cat: Catalogue) -> None:
        rid, code = file_one(cat)
        with cat.transaction():
            cat.add_file(rid, NewFile(FileRole.RENDITION, f"files/{code}-rendition-1.pdf", "e" * 64, 9, "pdf", 1,
                                      "copy.pdf"))
        with cat.transaction():
            cat.set_file_role(f"files/{code}-rendition-1.pdf", FileRole.OLD_RENDITION)
        record = cat.record(code)
        assert record is not None
        assert [f.role for f in record.files] == [FileRole.ORIGINAL, FileRole.OLD_RENDITION]
        assert record.rendition is None
        with pytest.raises(ArchiveError), cat.transaction():
            cat.set_file_role("files/nowhere.pdf", FileRole.RENDITION)

    def test_an_adopted_item_number_moves_the_series_on_but_never_back(self, cat: Catalogue) -> None:
        series = ItemSeries("Z002", 2026, "D10", "TS")
        with cat.transaction():
            cat.insert_record(new_record(series, 7))
            cat.adopt_item_number(series, 7)
            cat.adopt_item_number(series, 3)
        with cat.transaction():
            assert cat.next_item_number(series) == 8


    # -- accounts, tokens, secrets (the web interface) --------------------------------------------------

    def test_user_accounts_are_added_read_and_updated(self, cat: Catalogue) -> None:
        from dangan.archive.catalogue import UserAccount
        from dangan.errors import ArchiveError

        with cat.transaction():
            cat.add_user(UserAccount("小陈", "staff", "$argon2id$x", T0))
            cat.add_user(UserAccount("laowang", "archivist", "$argon2id$y", T0))
        with pytest.raises(ArchiveError), cat.transaction():
            cat.add_user(UserAccount("小陈", "admin", "$argon2id$z", T0))
        assert [u.name for u in cat.users()] == sorted(["小陈", "laowang"])
        later = T0 + dt.timedelta(minutes=5)
        with cat.transaction():
            cat.update_user("小陈", failed_logins=3, locked_until=later, disabled=True, auth_epoch=2, last_login=T0)
        u = cat.user("小陈")
        assert u is not None and (u.role, u.failed_logins, u.locked_until, u.disabled, u.auth_epoch, u.last_login) == (
            "staff", 3, later, True, 2, T0)
        with cat.transaction():
            cat.update_user("小陈", locked_until=None)
        assert cat.user("小陈").locked_until is None  # type: ignore[union-attr]
        assert cat.user("nobody") is None

    def test_device_tokens_are_found_by_hash_and_revoked(self, cat: Catalogue) -> None:
        from dangan.errors import ArchiveError

        with cat.transaction():
            t = cat.add_token("前台扫描仪", token_hash="a" * 64, scope="upload", at=T0)
        with pytest.raises(ArchiveError), cat.transaction():
            cat.add_token("前台扫描仪", token_hash="b" * 64, scope="upload", at=T0)
        found = cat.token_by_hash("a" * 64)
        assert found is not None and found.name == "前台扫描仪" and found.active and found.id == t.id
        with cat.transaction():
            cat.revoke_token(t.id, at=T0)
            cat.add_token("前台扫描仪", token_hash="c" * 64, scope="upload", at=T0)  # a new one after revoking
        assert not cat.token_by_hash("a" * 64).active  # type: ignore[union-attr]
        assert [x.active for x in cat.tokens()] == [False, True]
        assert cat.token_by_hash("d" * 64) is None

    def test_a_secret_is_kept_by_the_first_writer(self, open_cat: Callable[[], Catalogue]) -> None:
        a, b = open_cat(), open_cat()
        with a.transaction():
            assert a.ensure_secret("web-session", "first") == "first"
        with b.transaction():
            assert b.ensure_secret("web-session", "second") == "first"

    def test_disposal_proposals_wait_for_one_decision(self, cat: Catalogue) -> None:
        with cat.transaction():
            p = cat.add_proposal(["Z001-2010-D10-TS-0001", "Z001-2010-D10-TS-0002"], reason="期满", proposer="laowang",
                                 at=T0)
            q = cat.add_proposal(["Z001-2010-D10-TS-0003"], reason="期满", proposer="laowang", at=T0)
        assert p.status == "pending" and p.codes == ("Z001-2010-D10-TS-0001", "Z001-2010-D10-TS-0002")
        with cat.transaction():
            cat.decide_proposal(p.id, status="approved", decider="王主任", at=T0, register_code="Z001-2026-Y-XH-0001")
            cat.decide_proposal(p.id, status="rejected", decider="someone", at=T0, note="late")  # already decided
        got = cat.proposal(p.id)
        assert got is not None and (got.status, got.decider, got.register_code, got.note) == (
            "approved", "王主任", "Z001-2026-Y-XH-0001", None)
        assert [x.id for x in cat.proposals(status="pending")] == [q.id]
        assert [x.id for x in cat.proposals()] == [q.id, p.id]
        assert cat.proposal(999) is None

    # -- the intake queue -----------------------------------------------------------------------------

    def test_queued_jobs_are_taken_by_one_worker_each_and_finished(self, cat: Catalogue,
                                                                    open_cat: Callable[[], Catalogue]) -> None:
        with cat.transaction():
            a = cat.enqueue_intake(new_job(1, category="TS", meta={"building": "3"}, submitted_by=Actor("前台扫描仪")))
            b = cat.enqueue_intake(new_job(2))
        other = open_cat()
        with cat.claim_intake(max_attempts=3) as first:
            assert first is not None and first.job.id == a and first.job.attempts == 1
            assert (first.job.category, first.job.meta, first.job.submitted_by) == ("TS", {"building": "3"},
                                                                                    Actor("前台扫描仪"))
            with other.claim_intake(max_attempts=3) as second:  # another worker skips the job held
                assert second is not None and second.job.id == b and second.job.original_name == "扫描2.pdf"
                second.finish(state=IntakeState.DONE, code="Z001-2026-D10-TS-0001", message=None, worker="b",
                              at=T0)
            with other.claim_intake(max_attempts=3) as nothing:
                assert nothing is None
            first.finish(state=IntakeState.FAILED, code=None, message="文件已损坏", worker="a", at=T0)
        jobs = {j.id: j for j in cat.intake_jobs()}
        assert (jobs[a].state, jobs[a].message, jobs[a].worker) == (IntakeState.FAILED, "文件已损坏", "a")
        assert (jobs[b].state, jobs[b].code, jobs[b].finished_at) == (IntakeState.DONE, "Z001-2026-D10-TS-0001", T0)
        assert [j.id for j in cat.intake_jobs(state=IntakeState.FAILED)] == [a]
        with cat.transaction():
            assert cat.requeue_intake(a) and not cat.requeue_intake(b)
        assert [(j.id, j.attempts) for j in cat.intake_jobs(state=IntakeState.QUEUED)] == [(a, 0)]

    def test_a_claim_that_fails_leaves_its_job_queued_and_counts_the_attempt(self, cat: Catalogue) -> None:
        with cat.transaction():
            job = cat.enqueue_intake(new_job(1))
        for _ in range(2):
            with pytest.raises(RuntimeError), cat.claim_intake(max_attempts=2) as claim:
                assert claim is not None
                claim.finish(state=IntakeState.DONE, code="x", message=None, worker="a", at=T0)
                raise RuntimeError("worker crashed before the end")
        assert [(j.id, j.state, j.attempts) for j in cat.intake_jobs()] == [(job, IntakeState.QUEUED, 2)]
        with cat.claim_intake(max_attempts=2) as claim:  # a third attempt is not given: the file kills workers
            assert claim is None
        [failed] = cat.intake_jobs()
        assert failed.state == IntakeState.FAILED and "2 次" in (failed.message or "")

    def test_a_worker_killed_while_holding_a_job_lets_go_of_it(self, catalogue_url: str,
                                                              open_cat: Callable[[], Catalogue]) -> None:
        cat = open_cat()
        with cat.transaction():
            job = cat.enqueue_intake(new_job(1))
        ctx = multiprocessing.get_context("spawn")
        ready = ctx.Event()
        proc = ctx.Process(target=_claim_and_hang, args=(catalogue_url, ready))
        proc.start()
        try:
            assert ready.wait(60)
            with cat.claim_intake(max_attempts=5) as claim:
                assert claim is None  # held by the other worker
        finally:
            proc.kill()
            proc.join(30)
        # The server lets go of a dead client's locks once it sees the connection closed: at once, or a
        # moment later on a busy machine.
        deadline = time.monotonic() + 30
        while True:
            with cat.claim_intake(max_attempts=5) as claim:
                if claim is not None or time.monotonic() > deadline:
                    assert claim is not None, "the killed worker's job was never released"
                    assert (claim.job.id, claim.job.attempts) == (job, 2)
                    break
            time.sleep(0.1)
