"""The indexer following the archive, and what only the Whoosh index has: generations, schema versions,
concurrent writers, the engine's fast paths, the CLI.  The behaviour every backend shares is in
tests/contracts/search_contract.py."""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing as mp
import shutil

import pytest

from dangan.archive.model import ArchiveEvent, Status
from dangan.config import Workspace
from dangan.errors import SearchIndexError
from dangan.search import Filters, IndexDocument, SearchIndexer, check, open_backend, search
from search_helpers import make_record, with_status

A_TEXT = "3栋1201室业主反映楼上装修违规拆除承重墙，要求物业立即制止。"
B_TEXT = "业主欧阳喆投诉电梯噪音，客服中心已于30分钟内答复处理方案。"
C_TEXT = "2026年11月物业管理费催缴通知，逾期将计收滞纳金。文号 JF-2026-0001"


@pytest.fixture
def docs():
    return [
        (make_record(1, "装修投诉", unit="3栋1201室"), A_TEXT),
        (make_record(2, "电梯噪音投诉", date=dt.date(2025, 6, 1)), B_TEXT),
        (make_record(3, "催缴通知", category="SF", period="D30", doc_number="JF-2026-0001"), C_TEXT),
    ]


def indexer_for(ws: Workspace, docs) -> SearchIndexer:
    texts = {r.archival_code: t for r, t in docs}
    return SearchIndexer(open_backend(ws), documents=lambda: docs, text_of=texts.get)


def rebuild(ws: Workspace, docs, processes: int = 1):
    return open_backend(ws).rebuild(docs, processes=processes)


@pytest.fixture
def filed(ws: Workspace, docs) -> SearchIndexer:
    indexer = indexer_for(ws, docs)
    for record, text in docs:
        indexer.on_archive_event(ArchiveEvent.FILED, record, text)
    return indexer


def codes(ws: Workspace, q: str, **filters) -> list[str]:
    return [h.archival_code for h in search(open_backend(ws), q, Filters(**filters)).hits]




def test_disposal_removes_content_but_keeps_metadata(ws: Workspace, filed, docs) -> None:
    record, _ = docs[0]
    filed.on_archive_event(ArchiveEvent.DISPOSED, with_status(record, Status.DISPOSED), None)
    assert codes(ws, "承重墙") == []
    hits = search(open_backend(ws), "装修投诉").hits
    assert [h.archival_code for h in hits] == [record.archival_code]
    assert hits[0].status == "disposed" and "承重墙" not in hits[0].snippet.text
    assert check(open_backend(ws), [(with_status(record, Status.DISPOSED), None), *docs[1:]]).ok


def test_hold_changes_status_filter(ws: Workspace, filed, docs) -> None:
    record, _ = docs[1]
    held = with_status(record, Status.HELD)
    filed.on_archive_event(ArchiveEvent.HOLD, held, None)  # text not passed: content must survive
    assert codes(ws, "欧阳喆", status="held") == [record.archival_code]
    assert codes(ws, "欧阳喆", status="active") == []
    filed.on_archive_event(ArchiveEvent.RELEASE, record, None)
    assert codes(ws, "欧阳喆", status="冻结") == []
    assert codes(ws, "欧阳喆", status="在库") == [record.archival_code]


def test_check_detects_entry_removed_behind_its_back(ws: Workspace, filed, docs) -> None:
    index = open_backend(ws)
    assert check(index, docs).ok
    ix = index.store.open()
    with ix.writer() as w:
        w.delete_by_term("code", docs[2][0].archival_code)
    report = check(index, docs)
    assert not report.ok and report.missing == [docs[2][0].archival_code]
    changed = make_record(1, "装修投诉（更正）", unit="3栋1201室")
    report = check(index, [(changed, A_TEXT)])
    assert report.stale == [changed.archival_code] and len(report.extra) == 1



def test_missing_index_is_rebuilt_on_next_write(ws: Workspace, filed, docs) -> None:
    shutil.rmtree(ws.index_dir)
    filed.on_archive_event(ArchiveEvent.METADATA, *docs[0])
    assert check(open_backend(ws), docs).ok


def _file_many(root: str, start: int, n: int) -> None:
    from dangan.config import open_workspace

    ws = open_workspace(root)
    indexer = indexer_for(ws, [])
    for i in range(start, start + n):
        indexer.on_archive_event(ArchiveEvent.FILED, make_record(i, f"来电记录{i}"), f"业主来电第{i}号 编号X{i}")


def _search_loop(root: str, rounds: int, q) -> None:
    from dangan.config import open_workspace

    ws = open_workspace(root)
    errors = 0
    for _ in range(rounds):
        try:
            search(open_backend(ws), "来电")
        except Exception:  # noqa: BLE001 - counted and reported to the parent
            errors += 1
    q.put(errors)


def test_concurrent_writers_lose_nothing(ws: Workspace) -> None:
    indexer = indexer_for(ws, [])
    indexer.index([IndexDocument(make_record(9999, "起始"), "起始")])
    ctx = mp.get_context("fork")
    q = ctx.Queue()
    procs = [ctx.Process(target=_file_many, args=(str(ws.root), 1, 40)),
             ctx.Process(target=_file_many, args=(str(ws.root), 101, 40)),
             ctx.Process(target=_search_loop, args=(str(ws.root), 60, q))]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0, 0, 0]
    assert q.get(timeout=5) == 0
    res = search(open_backend(ws), "来电", limit=100)
    assert res.total == 80


def test_cli_search_json_and_no_results(cli, ws: Workspace, filed) -> None:
    out = cli("search", "装修违规", "--json")
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["total"] == 1 and {"archival_code", "title", "score", "snippet"} <= set(data["results"][0])
    assert "category" in data["facets"] and "year" in data["facets"]
    out = cli("search", "不存在的词语")
    assert out.exit_code == 0
    assert "没有找到" in out.output and "检索式被理解为" in out.output




def test_many_matches_path_gives_same_results(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    from dangan.search.whoosh import backend, engine

    docs = [(make_record(i, f"通知{i}"), f"第{i}号楼噪音投诉" * (1 + i % 3)) for i in range(1, 40)]
    docs.append((make_record(40, "欧阳先生"), "欧阳先生与张阳喆噪音投诉"))
    rebuild(ws, docs, processes=2)
    full = search(open_backend(ws), "噪音投诉", limit=5)
    monkeypatch.setattr(engine, "RANK_ALL", 1)
    monkeypatch.setattr(backend, "VERIFY_ALL", 0)
    fast = search(open_backend(ws), "噪音投诉", limit=5)
    assert [h.archival_code for h in fast.hits] == [h.archival_code for h in full.hits]
    assert fast.total == full.total == 40
    assert search(open_backend(ws), "欧阳喆 噪音投诉").hits == []


def test_kept_open_index_sees_later_writes(ws: Workspace, filed, docs) -> None:
    index = open_backend(ws)
    assert search(index, "停车场").total == 0
    filed.index([IndexDocument(make_record(9, "停车场管理"), "地下停车场照明维修。")])
    assert [h.archival_code for h in search(index, "停车场").hits] == [make_record(9, "x").archival_code]
    rebuild(ws, docs, processes=1)  # a new generation replaces the kept one
    assert search(index, "停车场").total == 0


def test_index_of_an_older_schema_is_reported_and_rebuilt(cli, ws: Workspace, filed, docs) -> None:
    index = open_backend(ws)
    d = index.store.current_dir()
    assert d is not None
    (d / "VERSION").write_text("1", encoding="utf-8")
    assert index.needs_rebuild()
    with pytest.raises(SearchIndexError, match="过时"):
        search(open_backend(ws), "欧阳喆")
    assert not check(open_backend(ws), docs).ok
    filed.on_archive_event(ArchiveEvent.METADATA, *docs[0])  # the next write rebuilds it
    assert not open_backend(ws).needs_rebuild() and check(open_backend(ws), docs).ok
    (open_backend(ws).store.current_dir() / "VERSION").write_text("1", encoding="utf-8")
    out = cli("search", "欧阳喆", "--json")  # so does a search from the CLI (of the empty catalogue)
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["total"] == 0 and not open_backend(ws).needs_rebuild()


def test_schema_1_index_is_rebuilt_by_the_next_write(ws: Workspace, filed, docs) -> None:
    from whoosh import index as whoosh_index
    from whoosh.fields import TEXT

    from dangan.search.whoosh.schema import make_schema
    from dangan.search.whoosh.tokenizers import WordTokenizer

    index = open_backend(ws)
    old = make_schema()
    old.add("words", TEXT(analyzer=WordTokenizer()))  # schema 1 had a jieba field
    gen = ws.index_dir / "g-1-1"
    gen.mkdir()
    (gen / "VERSION").write_text("1", encoding="utf-8")
    whoosh_index.create_in(str(gen), old)
    index.store.publish(gen)
    assert index.store.exists() and index.needs_rebuild()
    with pytest.raises(SearchIndexError, match="过时"):
        search(index, "欧阳喆")
    filed.on_archive_event(ArchiveEvent.METADATA, *docs[0])
    assert codes(ws, "欧阳喆") == [docs[1][0].archival_code]


def test_verify_and_index_check_report_an_entry_removed_behind_the_archives_back(cli, ws: Workspace, tmp_path) -> None:
    """Through the real archive and CLI: filing indexes; drift fails `index check` and `verify`."""
    for name, text in (("a.txt", A_TEXT), ("b.txt", B_TEXT)):
        (tmp_path / name).write_text(text, encoding="utf-8")
    out = cli("archive", "add", str(tmp_path / "a.txt"), str(tmp_path / "b.txt"), "--category", "TS", "--json")
    assert out.exit_code == 0, out.output
    filed_codes = [r["archival_code"] for r in json.loads(out.output)]
    assert cli("index", "check").exit_code == 0
    assert cli("verify").exit_code == 0
    with open_backend(ws).store.open().writer() as w:
        w.delete_by_term("code", filed_codes[1])
    drift = cli("index", "check")
    assert drift.exit_code == 1 and filed_codes[1] in drift.output
    verify = cli("verify")
    assert verify.exit_code != 0
    assert "全文索引" in verify.output and filed_codes[1] in verify.output
    assert cli("index", "rebuild").exit_code == 0
    assert cli("verify").exit_code == 0


@pytest.mark.parametrize("query", ["NOT", '"', "*", ":", "NOT OR", "-", "“”"])
def test_a_query_of_operators_or_punctuation_only_is_an_empty_query_not_every_record(cli, ws: Workspace, filed,
                                                                                     query: str) -> None:
    r = cli("search", query, "--json")
    assert r.exit_code == 1
    assert "没有可检索的词" in r.output
    assert '"total"' not in r.output


def test_a_negation_alone_still_means_everything_but(ws: Workspace, filed) -> None:
    results = search(open_backend(ws), "NOT 电梯")
    assert {h.title for h in results.hits} == {"装修投诉", "催缴通知"}
