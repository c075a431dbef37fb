"""``dangan migrate --to``: a SQLite workspace (dangan 0.1's fixture archive: holds, edits, an extension, a
disposal, generated forms, a signed copy) moves into PostgreSQL whole, and goes on where it left off."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from psycopg.rows import tuple_row
from tests.contracts.catalogue_contract import T0, file_one, new_job
from tests.contracts.ledger_contract import CLERK, bill

from dangan.archive.catalogue import (
    Catalogue,
    FeeNotice,
    FeeReversal,
    NewClose,
    NewEntry,
    NewLoan,
    NoticeLine,
    Payment,
    ReportRun,
    UserAccount,
    open_catalogue,
)
from dangan.config import Workspace, open_workspace

pytestmark = pytest.mark.postgres

FIXTURE = Path(__file__).parent / "fixtures" / "archive-0.1.0"


@pytest.fixture
def old_ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    monkeypatch.delenv("DANGAN_WORKSPACE", raising=False)
    shutil.copytree(FIXTURE, tmp_path / "ws")
    return open_workspace(tmp_path / "ws")


def test_migrate_copies_everything_checks_both_and_switches(old_ws: Workspace, cli_for, pg_url: str) -> None:  # type: ignore[no-untyped-def]
    run = cli_for(old_ws)
    before = {r["archival_code"]: r for r in json.loads(run("archive", "list", "--json").output)}
    r = run("migrate", "--to", pg_url)
    assert r.exit_code == 0, r.output
    assert "记录摘要一致" in r.output and "审计链末端一致" in r.output and "PostgreSQL 通过" in r.output
    ws = open_workspace(old_ws.root)
    assert ws.database_url == pg_url
    run = cli_for(ws)
    after = {r["archival_code"]: r for r in json.loads(run("archive", "list", "--json").output)}
    assert after == before
    assert json.loads(run("hold", "list", "Z001-2026-D10-TS-0001", "--json").output)
    res = run("verify")
    assert res.exit_code == 0 and "结果：通过" in res.output, res.output


def test_after_migrating_numbers_go_on_and_search_finds_old_records(old_ws: Workspace, cli_for, pg_url: str,
                                                                    tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    run = cli_for(old_ws)
    assert run("migrate", "--to", pg_url).exit_code == 0
    ws = open_workspace(old_ws.root)
    run = cli_for(ws)
    src = tmp_path / "new.txt"
    src.write_text("迁移后的第一份投诉记录", encoding="utf-8")
    added = json.loads(run("archive", "add", str(src), "-c", "TS", "--date", "2026-06-01", "--json").output)
    assert added["archival_code"] == "Z001-2026-D10-TS-0002"  # the fixture used 0001
    found = json.loads(run("search", "噪音", "--json").output)
    assert "Z001-2026-D10-TS-0001" in [h["archival_code"] for h in found["results"]]
    r = run("generate", "community-notice", "--sample", "--format", "pdf", "--out", str(tmp_path / "o"), "--json")
    assert r.exit_code == 0, r.output
    assert "TZ-2026-0002" in r.output  # the fixture issued TZ-2026-0001


def test_migrate_refuses_a_database_that_is_not_empty(old_ws: Workspace, cli_for, pg_url: str,
                                                      tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    other = tmp_path / "other"
    shutil.copytree(FIXTURE, other)
    assert cli_for(open_workspace(other))("migrate", "--to", pg_url).exit_code == 0
    r = cli_for(old_ws)("migrate", "--to", pg_url)
    assert r.exit_code == 1 and "不是空的" in r.output
    assert open_workspace(old_ws.root).database_url is None  # still on SQLite


# -- every table, row for row --------------------------------------------------------------------------
# The copy is driven by the tables SQLite has, so a part added later is copied without a change to
# ``dangan migrate``.  This test is the tripwire for the rest: it puts rows in *every* table of a new
# SQLite catalogue and fails on a table it left empty (a new part: add a row for it in ``_fill``), a table
# or column one backend has and the other lacks, or a value that does not come back as written.


def _fill(cat: Catalogue) -> None:
    """At least one row in every table of the catalogue, through the catalogue's own interface."""
    rid, code = file_one(cat, text="漏水报修", meta={"owner": "张建国"})
    with cat.transaction():
        cat.append_audit("file", code=code, details={"title": "题名1"}, at=T0, actor=CLERK)
        hold = cat.place_hold(rid, reason="诉讼", at=T0)
        cat.release_hold(hold.id, reason="结案", at=T0)
        loan = cat.open_loan(rid, NewLoan("黄志华", "查阅", dt.date(2026, 12, 8), T0, electronic=True))
        cat.close_loan(loan.id, at=T0, note="已还")
        [seq] = cat.allocate_doc_numbers("TZ", 2026, "community-notice", count=1, at=T0)
        cat.record_issued([f"TZ-2026-{seq:04d}"], "community-notice", T0)
        entry = cat.add_entry(NewEntry("complaint-register", dt.datetime(2026, 11, 4, 9), {"who": "马丽娟"}, T0, CLERK))
        close = cat.close_period(NewClose("complaint-register", "2026-11", dt.datetime(2026, 11, 1),
                                          dt.datetime(2026, 12, 1), code, T0, CLERK))
        cat.change_entry("complaint-register", entry.number, at=entry.at, data={"who": "马丽娟", "result": "已回复"},
                         changed_at=T0, changed_by=CLERK, reason="补记", amends=close.id)
        cat.add_report_run(ReportRun("complaint-analysis", "2026-11", "ab" * 32, code, T0,
                                     {"complaint-register": (entry.number,)}))
        cat.add_bill_lines([bill("2026-11", "1栋0101室", "水费", 6300)])
        cat.add_payments([Payment("1栋0101室", "水费", 6300, dt.date(2026, 11, 6), T0, "paid.xlsx 第 2 行")])
        cat.add_fee_reversal(FeeReversal("payment", "1栋0101室", "水费", 6300, "房号记错", T0, CLERK,
                                         payment_id=cat.payments()[0].id))
        cat.add_fee_notice(FeeNotice("deadline", "1栋0101室", dt.date(2026, 11, 20), code, "XQ-2026-0001",
                                     (NoticeLine("2026-11", "水费", 6300, dt.date(2026, 11, 16)),),
                                     dt.date(2026, 11, 27), late_fee_cents=95))
        job = cat.enqueue_intake(new_job(1, meta={"building": "1栋"}, submitted_by=CLERK))
        cat.add_user(UserAccount("xiaochen", "staff", "$argon2id$x", T0, disabled=True, locked_until=T0))
        token = cat.add_token("扫描仪1", token_hash="ab" * 32, scope="upload", at=T0)
        cat.revoke_token(token.id, at=T0)
        cat.ensure_secret("session", "s" * 32)
        proposal = cat.add_proposal([code], reason="保管期满", proposer="laowang", at=T0)
        cat.decide_proposal(proposal.id, status="approved", decider="wangzhuren", at=T0, register_code=code)
    with cat.claim_intake(max_attempts=3) as claim:
        assert claim is not None and claim.job.id == job
        claim.finish(state="done", code=code, message=None, worker="node1", at=T0)


def _norm(value: object, dtype: str) -> object:
    """A PostgreSQL value as SQLite keeps it (booleans 0/1, dates as ISO text; json compared parsed)."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _sqlite_value(value: object, dtype: str) -> object:
    return json.loads(value) if dtype == "json" and isinstance(value, str) else value


def test_every_table_is_copied_row_for_row(pg_url: str, tmp_path: Path) -> None:
    from dangan.archive.postgres import load
    from dangan.archive.postgres.connections import connect
    from dangan.archive.sqlite import dump

    path = tmp_path / "catalog.sqlite"
    source = open_catalogue(f"sqlite:///{path}")
    try:
        _fill(source)
    finally:
        source.close()
    open_catalogue(pg_url).close()  # the PostgreSQL schema, every migration applied
    tables = dump.table_names(path)
    with contextlib.closing(connect(pg_url)) as conn:
        target = load.catalogue_tables(conn)
    assert sorted(target) == tables, "the two backends must have the same catalogue tables"
    empty = [t for t, n in dump.row_counts(path).items() if n == 0]
    assert not empty, f"no rows in {empty} in this test: add a row for each in _fill"

    copied = load.load(pg_url, tables, lambda t: dump.table_rows(path, t))
    assert copied == dump.row_counts(path)
    with contextlib.closing(connect(pg_url)) as conn:
        cur = conn.cursor(row_factory=tuple_row)
        numbered = load.numbered_columns(conn)
        for table in tables:
            columns, rows = dump.table_rows(path, table)
            extra = set(target[table]) - set(columns)
            assert set(columns) <= set(target[table]) and extra <= set(numbered.get(table, [])), (
                f"{table}: columns differ (PostgreSQL may only add ids it numbers itself)")
            types = [target[table][c] for c in columns]
            mine = sorted((tuple(_sqlite_value(v, d) for v, d in zip(r, types, strict=True)) for r in rows), key=repr)
            names = ", ".join(f'"{c}"' for c in columns)
            theirs = sorted((tuple(_norm(v, d) for v, d in zip(r, types, strict=True))
                             for r in cur.execute(f'SELECT {names} FROM "{table}"')), key=repr)  # type: ignore[arg-type]
            assert theirs == mine, f"{table}: rows differ after the copy"
        for table in tables:  # what PostgreSQL numbers next comes after what was copied
            for column in numbered.get(table, []):
                top, following = cur.execute(
                    f'SELECT (SELECT max("{column}") FROM "{table}"), '  # type: ignore[arg-type]
                    "nextval(pg_get_serial_sequence(quote_ident(%s), %s))", (table, column)).fetchone() or (0, 0)
                assert following > (top or 0), f"{table}.{column}: the sequence was not moved past the copied ids"
