"""The search backend contract: what every :class:`dangan.search.SearchBackend` must do.

An abstract test class (the fsspec way).  A backend's test module subclasses
:class:`SearchBackendContract` and provides one fixture, ``make_backend``: a
callable that opens the backend on one new, empty index; calling it again
opens another handle on the same index.  Nothing here may assume a
particular engine: only the interface, the query syntax and the evaluation
set (tests/eval) with its thresholds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from dangan.archive.model import Status
from dangan.errors import SearchIndexError
from dangan.search import Filters, IndexDocument, SearchBackend, check, fingerprint, search
from eval.evaluate import MRR_TARGET, RECALL_TARGET, evaluate, load_corpus, load_queries
from search_helpers import make_record, with_status

MakeBackend = Callable[[], SearchBackend]

A = IndexDocument(make_record(1, "装修投诉", unit="3栋1201室"), "3栋1201室业主反映楼上装修违规拆除承重墙，要求物业立即制止。")
B = IndexDocument(make_record(2, "电梯噪音投诉", date=dt.date(2025, 6, 1), form_id="complaint"),
                  "业主欧阳喆投诉电梯噪音，客服中心已于30分钟内答复处理方案。")
C = IndexDocument(make_record(3, "催缴通知", category="SF", period="D30", doc_number="JF-2026-0001"),
                  "2026年11月物业管理费催缴通知，逾期将计收滞纳金。文号 JF-2026-0001")
DOCS = [A, B, C]


def codes(backend: SearchBackend, text: str, filters: Filters | None = None, **kw: int) -> list[str]:
    return [h.archival_code for h in search(backend, text, filters, **kw).hits]


class SearchBackendContract:
    @pytest.fixture
    def make_backend(self) -> MakeBackend:
        raise NotImplementedError("a backend's test module provides make_backend")

    @pytest.fixture
    def backend(self, make_backend: MakeBackend):
        b = make_backend()
        b.index(DOCS)
        yield b
        b.close()

    # ------------------------------------------------------------ index, replace, delete

    def test_a_new_backend_takes_documents_without_a_rebuild(self, make_backend: MakeBackend) -> None:
        b = make_backend()
        b.index([A])
        assert codes(b, "承重墙") == [A.code]
        assert not b.needs_rebuild()

    def test_a_batch_is_visible_to_another_handle_after_one_call(self, backend, make_backend: MakeBackend) -> None:
        other = make_backend()
        assert set(codes(other, "投诉")) == {A.code, B.code}
        assert set(other.fingerprints()) == {A.code, B.code, C.code}

    def test_indexing_a_code_again_replaces_its_entry(self, backend) -> None:
        changed = IndexDocument(make_record(1, "装修投诉（更正）", unit="3栋1201室"), "业主反映楼道堆放杂物。")
        backend.index([changed])
        assert codes(backend, "承重墙") == []
        assert codes(backend, "杂物") == [A.code]
        assert search(backend, "装修投诉").hits[0].title == "装修投诉（更正）"
        assert len(backend.fingerprints()) == 3

    def test_delete_removes_entries_and_ignores_unknown_codes(self, backend) -> None:
        backend.delete([C.code, "Z001-2026-D10-TS-9999"])
        assert codes(backend, "滞纳金") == []
        assert set(backend.fingerprints()) == {A.code, B.code}

    # ------------------------------------------------------------ the query syntax

    def test_words_or_not_phrases_and_fields(self, backend) -> None:
        assert codes(backend, "装修违规") == codes(backend, "装修 违规") == [A.code]
        assert codes(backend, "欧阳喆") == [B.code]
        assert codes(backend, "1201") == [A.code]
        assert codes(backend, "JF-2026-0001") == codes(backend, "jf-2026-0001") == [C.code]
        assert set(codes(backend, "投诉")) == {A.code, B.code}
        assert codes(backend, "投诉 -电梯") == codes(backend, "投诉 NOT 电梯") == [A.code]
        assert set(codes(backend, "承重墙 OR 滞纳金")) == {A.code, C.code}
        assert codes(backend, '"物业管理费催缴"') == [C.code]
        assert codes(backend, '"违规装修"') == []
        assert codes(backend, "category:SF") == [C.code]
        assert codes(backend, "title:噪音") == [B.code]
        assert codes(backend, "date:2025-06") == [B.code]
        assert codes(backend, "status:在库 滞纳金") == [C.code]

    def test_a_word_must_appear_as_written(self, make_backend: MakeBackend) -> None:
        b = make_backend()
        b.index([IndexDocument(make_record(1, "回访记录"), "欧阳先生来电，另有张阳喆反映噪音。"),
                 IndexDocument(make_record(2, "投诉记录"), "业主欧阳喆投诉电梯噪音。")])
        assert codes(b, "欧阳喆") == [make_record(2, "").archival_code]
        assert search(b, "欧阳喆").total == 1

    def test_a_unit_must_appear_as_written_not_inside_another(self, make_backend: MakeBackend) -> None:
        b = make_backend()
        docs = [IndexDocument(make_record(1, "投诉登记"), "14栋1002室 业主反映噪音"),
                IndexDocument(make_record(2, "巡查记录"), "10栋1002室 门窗完好"),
                IndexDocument(make_record(3, "投诉登记"), "司马淼 4栋\n1002室 门禁故障"),  # a PDF cell broke the line
                IndexDocument(make_record(4, "装修通知"), "4栋1002室装修违规，限期整改")]
        b.index(docs)
        assert sorted(codes(b, "4栋1002室")) == [docs[2].code, docs[3].code]
        assert codes(b, "4栋1002室装修违规") == [docs[3].code]
        assert codes(b, "14栋1002") == [docs[0].code]

    def test_a_query_of_no_words_matches_everything(self, backend) -> None:
        assert search(backend, "").total == 3
        assert search(backend, "", Filters(category="TS")).total == 2

    # ------------------------------------------------------------ filters, facets, paging, highlights

    def test_filters(self, backend) -> None:
        assert codes(backend, "投诉", Filters(year=2025)) == [B.code]
        assert codes(backend, "投诉", Filters(date_from=dt.date(2026, 1, 1))) == [A.code]
        assert codes(backend, "投诉", Filters(date_to=dt.date(2025, 12, 31))) == [B.code]
        assert codes(backend, "", Filters(category="SF")) == [C.code]
        assert codes(backend, "", Filters(unit="3栋1201室")) == [A.code]
        assert codes(backend, "", Filters(form="complaint")) == [B.code]
        assert codes(backend, "", Filters(period="d30")) == [C.code]
        assert set(codes(backend, "", Filters(status="active"))) == {A.code, B.code, C.code}
        assert codes(backend, "", Filters(status="冻结")) == []

    def test_facets_count_every_match_not_only_the_page(self, backend) -> None:
        res = search(backend, "", limit=1)
        assert res.total == 3 and len(res.hits) == 1
        assert res.facets == {"category": {"TS": 2, "SF": 1}, "year": {"2026": 2, "2025": 1}, "status": {"active": 3}}

    def test_the_status_facet_counts_held_and_disposed_records(self, backend) -> None:
        backend.index([IndexDocument(with_status(A.record, Status.HELD), A.text),
                       IndexDocument(with_status(C.record, Status.DISPOSED), C.text)])
        assert search(backend, "").facets["status"] == {"active": 1, "disposed": 1, "held": 1}
        assert search(backend, "投诉").facets["status"] == {"active": 1, "held": 1}
        assert search(backend, "投诉", Filters(status="held")).facets["status"] == {"held": 1}

    def test_pages_are_disjoint_and_in_order(self, backend) -> None:
        whole = codes(backend, "", limit=3)
        pages = codes(backend, "", limit=2) + codes(backend, "", limit=2, offset=2)
        assert pages == whole and len(set(whole)) == 3
        assert codes(backend, "", limit=2, offset=5) == []
        assert search(backend, "", limit=2, offset=2).total == 3

    def test_snippets_highlight_the_words_found(self, backend) -> None:
        hit = search(backend, "承重墙 装修").hits[0]
        shown = {hit.snippet.text[a:b] for a, b in hit.snippet.spans}
        assert {"承重墙", "装修"} <= shown
        assert "【承重墙】" in hit.snippet.marked()
        assert hit.title == "装修投诉" and hit.category == "TS" and hit.date == "2026-03-01"
        assert hit.unit == "3栋1201室" and hit.status == "active" and hit.year == "2026"
        assert search(backend, "JF-2026-0001").hits[0].doc_number == "JF-2026-0001"

    def test_better_matches_rank_first(self, make_backend: MakeBackend) -> None:
        b = make_backend()
        b.index([IndexDocument(make_record(1, "巡查记录"), "楼道照明正常，电梯运行正常。" * 3),
                 IndexDocument(make_record(2, "电梯故障报修"), "电梯故障，电梯停在三楼，电梯维修人员已到场。")])
        assert codes(b, "电梯")[0] == make_record(2, "").archival_code

    # ------------------------------------------------------------ disposal: metadata only

    def test_a_disposed_record_keeps_its_metadata_only(self, backend) -> None:
        disposed = IndexDocument(with_status(A.record, Status.DISPOSED), A.text)  # text given: must be ignored
        backend.index([disposed])
        assert codes(backend, "承重墙") == []
        hits = search(backend, "装修投诉").hits
        assert [h.archival_code for h in hits] == [A.code]
        assert hits[0].status == "disposed" and "承重墙" not in hits[0].snippet.text
        assert codes(backend, "", Filters(status="已销毁")) == [A.code]
        assert backend.fingerprints()[A.code] == fingerprint(IndexDocument(disposed.record, None))

    def test_a_reclassified_record_keeps_its_metadata_only(self, backend) -> None:
        from dataclasses import replace

        moved = IndexDocument(replace(A.record, meta={"superseded_by": "Z001-2026-D30-ZX-0001"}), A.text)
        backend.index([moved])
        assert codes(backend, "承重墙") == []  # the text is found under the new code only
        assert codes(backend, "装修投诉") == [A.code]  # the old entry by its title and code
        assert backend.fingerprints()[A.code] == fingerprint(IndexDocument(moved.record, None))

    def test_hold_and_release_change_the_status_filter(self, backend) -> None:
        backend.index([IndexDocument(with_status(B.record, Status.HELD), B.text)])
        assert codes(backend, "欧阳喆", Filters(status="held")) == [B.code]
        assert codes(backend, "欧阳喆", Filters(status="active")) == []
        backend.index([B])
        assert codes(backend, "欧阳喆", Filters(status="在库")) == [B.code]

    # ------------------------------------------------------------ fingerprints and drift

    def test_fingerprints_are_those_of_the_documents(self, backend) -> None:
        assert backend.fingerprints() == {d.code: fingerprint(d) for d in DOCS}

    def test_drift_check_finds_missing_stale_and_extra(self, backend) -> None:
        assert check(backend, DOCS).ok
        backend.delete([C.code])
        report = check(backend, DOCS)
        assert not report.ok and report.missing == [C.code] and report.checked == 3 and report.indexed == 2
        changed = IndexDocument(make_record(1, "装修投诉（更正）", unit="3栋1201室"), A.text)
        report = check(backend, [changed])
        assert report.stale == [A.code] and report.extra == [B.code]
        new_text = IndexDocument(A.record, A.text + "补充说明。")
        assert check(backend, [new_text, B]).stale == [A.code]

    # ------------------------------------------------------------ rebuild

    def test_rebuild_replaces_everything_and_reports_progress(self, backend) -> None:
        seen: list[int] = []
        result = backend.rebuild(lambda: [A, B], progress=seen.append)
        assert result.documents == 2 and sum(seen) == 2
        assert set(backend.fingerprints()) == {A.code, B.code}
        assert codes(backend, "滞纳金") == []
        assert not backend.needs_rebuild() and check(backend, [A, B]).ok

    def test_a_failed_rebuild_keeps_the_old_index(self, backend) -> None:
        def broken():
            yield A
            raise RuntimeError("disk on fire")

        with pytest.raises(SearchIndexError):
            backend.rebuild(broken)
        assert codes(backend, "滞纳金") == [C.code] and check(backend, DOCS).ok

    def test_a_closed_backend_can_be_used_again(self, backend) -> None:
        assert codes(backend, "欧阳喆") == [B.code]
        backend.close()
        backend.index([IndexDocument(make_record(9, "停车场管理"), "地下停车场照明维修。")])
        assert codes(backend, "停车场") == [make_record(9, "").archival_code]

    # ------------------------------------------------------------ the evaluation set

    def test_evaluation_set_meets_its_thresholds(self, make_backend: MakeBackend) -> None:
        b = make_backend()
        b.rebuild(load_corpus())
        score = evaluate(b, load_queries())
        failures = "\n".join(score.failures)
        assert score.recall_at_10 >= RECALL_TARGET, failures
        assert score.mrr >= MRR_TARGET, failures
