"""Following the archive: filing, hold, disposal, check, rebuild, CLI, concurrent writers."""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing as mp
import shutil

import pytest

from dangan.archive.model import ArchiveEvent, Status
from dangan.config import Workspace
from dangan.errors import SearchIndexError
from dangan.search import Filters, SearchIndex, SearchIndexer, check, rebuild, search
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


@pytest.fixture
def filed(ws: Workspace, docs) -> SearchIndexer:
    indexer = SearchIndexer(ws, documents=lambda: docs)
    for record, text in docs:
        indexer.on_archive_event(ArchiveEvent.FILED, record, text)
    return indexer


def codes(ws: Workspace, q: str, **filters) -> list[str]:
    return [h.archival_code for h in search(SearchIndex(ws), q, Filters(**filters)).hits]


def test_queries_find_what_the_documents_say(ws: Workspace, filed, docs) -> None:
    a, b, c = (r.archival_code for r, _ in docs)
    assert codes(ws, "装修违规") == codes(ws, "装修 违规") == [a]
    assert codes(ws, "欧阳喆") == [b]
    assert codes(ws, "1201") == [a]
    assert codes(ws, "JF-2026-0001") == [c]
    assert set(codes(ws, "投诉")) == {a, b}
    assert codes(ws, "投诉 -电梯") == [a]
    assert set(codes(ws, "承重墙 OR 滞纳金")) == {a, c}
    assert codes(ws, "category:SF") == [c]
    assert codes(ws, "投诉", year=2025) == [b]
    assert codes(ws, "投诉", date_from=dt.date(2026, 1, 1)) == [a]


def test_snippet_highlights_and_facets(ws: Workspace, filed) -> None:
    res = search(SearchIndex(ws), "承重墙")
    assert "【承重墙】" in res.hits[0].snippet
    assert res.facets == {"category": {"TS": 1}, "year": {"2026": 1}}


def test_disposal_removes_content_but_keeps_metadata(ws: Workspace, filed, docs) -> None:
    record, _ = docs[0]
    filed.on_archive_event(ArchiveEvent.DISPOSED, with_status(record, Status.DISPOSED), None)
    assert codes(ws, "承重墙") == []
    hits = search(SearchIndex(ws), "装修投诉").hits
    assert [h.archival_code for h in hits] == [record.archival_code]
    assert hits[0].status == "disposed" and "承重墙" not in hits[0].snippet
    assert check(SearchIndex(ws), [(with_status(record, Status.DISPOSED), None), *docs[1:]]).ok


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
    index = SearchIndex(ws)
    assert check(index, docs).ok
    ix = index.open()
    with ix.writer() as w:
        w.delete_by_term("code", docs[2][0].archival_code)
    report = check(index, docs)
    assert not report.ok and report.missing == [docs[2][0].archival_code]
    changed = make_record(1, "装修投诉（更正）", unit="3栋1201室")
    report = check(index, [(changed, A_TEXT)])
    assert report.stale == [changed.archival_code] and len(report.extra) == 1


def test_failed_rebuild_keeps_the_old_index(ws: Workspace, filed, docs) -> None:
    def broken():
        yield docs[0]
        raise RuntimeError("disk on fire")

    with pytest.raises(SearchIndexError):
        rebuild(SearchIndex(ws), broken)
    assert codes(ws, "欧阳喆") == [docs[1][0].archival_code]


def test_missing_index_is_rebuilt_on_next_write(ws: Workspace, filed, docs) -> None:
    shutil.rmtree(ws.index_dir)
    filed.on_archive_event(ArchiveEvent.METADATA, *docs[0])
    assert check(SearchIndex(ws), docs).ok


def _file_many(root: str, start: int, n: int) -> None:
    from dangan.config import open_workspace

    ws = open_workspace(root)
    indexer = SearchIndexer(ws, documents=lambda: [])
    for i in range(start, start + n):
        indexer.on_archive_event(ArchiveEvent.FILED, make_record(i, f"来电记录{i}"), f"业主来电第{i}号 编号X{i}")


def _search_loop(root: str, rounds: int, q) -> None:
    from dangan.config import open_workspace

    ws = open_workspace(root)
    errors = 0
    for _ in range(rounds):
        try:
            search(SearchIndex(ws), "来电")
        except Exception:  # noqa: BLE001 - counted and reported to the parent
            errors += 1
    q.put(errors)


def test_concurrent_writers_lose_nothing(ws: Workspace) -> None:
    indexer = SearchIndexer(ws, documents=lambda: [])
    indexer.index_record(make_record(9999, "起始"), "起始")
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
    res = search(SearchIndex(ws), "来电", limit=100)
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


def test_a_word_is_matched_as_written_not_as_scattered_bigrams(ws: Workspace) -> None:
    # 欧阳 and 阳喆 both occur, but not 欧阳喆: the substring check rejects it
    docs = [
        (make_record(1, "回访记录"), "欧阳先生来电，另有张阳喆反映噪音。"),
        (make_record(2, "投诉记录"), "业主欧阳喆投诉电梯噪音。"),
    ]
    rebuild(SearchIndex(ws), docs, processes=1)
    assert codes(ws, "欧阳喆") == [docs[1][0].archival_code]
    assert search(SearchIndex(ws), "欧阳喆").total == 1


def test_a_unit_is_matched_as_written_not_inside_another_unit(ws: Workspace) -> None:
    docs = [
        (make_record(1, "投诉登记"), "14栋1002室 业主反映噪音"),
        (make_record(2, "巡查记录"), "10栋1002室 门窗完好"),
        (make_record(3, "投诉登记"), "司马淼 159****7162 4栋\n1002室 门禁故障"),  # a PDF table cell broke the line
        (make_record(4, "装修通知"), "4栋1002室装修违规，限期整改"),
    ]
    rebuild(SearchIndex(ws), docs, processes=1)
    assert sorted(codes(ws, "4栋1002室")) == [docs[2][0].archival_code, docs[3][0].archival_code]
    assert codes(ws, "4栋1002室装修违规") == [docs[3][0].archival_code]
    assert codes(ws, "14栋1002") == [docs[0][0].archival_code]


def test_many_matches_path_gives_same_results(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    from dangan.search import engine, query

    docs = [(make_record(i, f"通知{i}"), f"第{i}号楼噪音投诉" * (1 + i % 3)) for i in range(1, 40)]
    docs.append((make_record(40, "欧阳先生"), "欧阳先生与张阳喆噪音投诉"))
    rebuild(SearchIndex(ws), docs, processes=2)
    full = search(SearchIndex(ws), "噪音投诉", limit=5)
    monkeypatch.setattr(engine, "RANK_ALL", 1)
    monkeypatch.setattr(query, "VERIFY_ALL", 0)
    fast = search(SearchIndex(ws), "噪音投诉", limit=5)
    assert [h.archival_code for h in fast.hits] == [h.archival_code for h in full.hits]
    assert fast.total == full.total == 40
    assert search(SearchIndex(ws), "欧阳喆 噪音投诉").hits == []


def test_kept_open_index_sees_later_writes(ws: Workspace, filed, docs) -> None:
    index = SearchIndex(ws)
    assert search(index, "停车场").total == 0
    filed.index_record(make_record(9, "停车场管理"), "地下停车场照明维修。")
    assert [h.archival_code for h in search(index, "停车场").hits] == [make_record(9, "x").archival_code]
    rebuild(SearchIndex(ws), docs, processes=1)  # a new generation replaces the kept one
    assert search(index, "停车场").total == 0


def test_index_of_an_older_schema_is_reported_and_rebuilt(cli, ws: Workspace, filed, docs) -> None:
    index = SearchIndex(ws)
    d = index.current_dir()
    assert d is not None
    (d / "VERSION").write_text("1", encoding="utf-8")
    assert index.outdated()
    with pytest.raises(SearchIndexError, match="过时"):
        search(SearchIndex(ws), "欧阳喆")
    assert not check(SearchIndex(ws), docs).ok
    filed.on_archive_event(ArchiveEvent.METADATA, *docs[0])  # the next write rebuilds it
    assert not SearchIndex(ws).outdated() and check(SearchIndex(ws), docs).ok
    (SearchIndex(ws).current_dir() / "VERSION").write_text("1", encoding="utf-8")
    out = cli("search", "欧阳喆", "--json")  # so does a search from the CLI (of the empty catalogue)
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["total"] == 0 and not SearchIndex(ws).outdated()


def test_schema_1_index_is_rebuilt_by_the_next_write(ws: Workspace, filed, docs) -> None:
    from whoosh import index as whoosh_index
    from whoosh.fields import TEXT

    from dangan.search.analysis import WordTokenizer
    from dangan.search.schema import make_schema

    index = SearchIndex(ws)
    old = make_schema()
    old.add("words", TEXT(analyzer=WordTokenizer()))  # schema 1 had a jieba field
    gen = ws.index_dir / "g-1-1"
    gen.mkdir()
    (gen / "VERSION").write_text("1", encoding="utf-8")
    whoosh_index.create_in(str(gen), old)
    index.publish(gen)
    assert index.exists() and index.outdated()
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
    with SearchIndex(ws).open().writer() as w:
        w.delete_by_term("code", filed_codes[1])
    drift = cli("index", "check")
    assert drift.exit_code == 1 and filed_codes[1] in drift.output
    verify = cli("verify")
    assert verify.exit_code != 0
    assert "全文索引" in verify.output and filed_codes[1] in verify.output
    assert cli("index", "rebuild").exit_code == 0
    assert cli("verify").exit_code == 0
