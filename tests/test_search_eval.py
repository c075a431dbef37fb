"""The evaluation set itself, and the same rankings from a two-process rebuild.

Recall@10 and MRR on it are part of every backend's contract (tests/contracts/search_contract.py)."""

from __future__ import annotations

import shutil

import pytest

from dangan.config import Workspace
from dangan.search import SearchBackend, open_backend
from eval.evaluate import evaluate, load_corpus, load_queries


@pytest.fixture(scope="module")
def corpus():
    return load_corpus()


@pytest.fixture
def eval_index(ws: Workspace, corpus) -> SearchBackend:
    backend = open_backend(ws)
    backend.rebuild(corpus, processes=0)
    return backend


def test_eval_set_is_big_enough(corpus) -> None:
    queries = load_queries()
    assert len(corpus) >= 500
    assert len(queries) >= 40


def test_rebuild_after_deleting_index_gives_identical_results(ws: Workspace, eval_index: SearchBackend, corpus) -> None:
    queries = load_queries()
    before = evaluate(eval_index, queries).rankings
    shutil.rmtree(ws.index_dir)
    ws.index_dir.mkdir()
    open_backend(ws).rebuild(corpus, processes=2)
    after = evaluate(open_backend(ws), queries).rankings
    assert after == before
