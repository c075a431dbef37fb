"""Search quality on the evaluation set (tests/eval): recall@10 ≥ 0.95, MRR ≥ 0.8."""

from __future__ import annotations

import shutil

import pytest

from dangan.config import Workspace
from dangan.search import SearchIndex, rebuild
from eval.evaluate import evaluate, load_corpus, load_queries


@pytest.fixture(scope="module")
def corpus():
    return load_corpus()


@pytest.fixture
def eval_index(ws: Workspace, corpus) -> SearchIndex:
    index = SearchIndex(ws)
    rebuild(index, corpus, processes=0)
    return index


def test_eval_set_is_big_enough(corpus) -> None:
    queries = load_queries()
    assert len(corpus) >= 500
    assert len(queries) >= 40


def test_recall_and_mrr_meet_targets(eval_index: SearchIndex) -> None:
    score = evaluate(eval_index, load_queries())
    print(f"\nrecall@10 = {score.recall_at_10:.3f}  MRR = {score.mrr:.3f}")
    for f in score.failures:
        print("  FAIL", f)
    assert score.recall_at_10 >= 0.95
    assert score.mrr >= 0.8


def test_rebuild_after_deleting_index_gives_identical_results(ws: Workspace, eval_index: SearchIndex, corpus) -> None:
    queries = load_queries()
    before = evaluate(eval_index, queries).rankings
    shutil.rmtree(ws.index_dir)
    ws.index_dir.mkdir()
    rebuild(SearchIndex(ws), corpus, processes=2)
    after = evaluate(SearchIndex(ws), queries).rankings
    assert after == before
