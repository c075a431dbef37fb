"""The Whoosh internals that the set-at-a-time engine reads, checked against Whoosh's public API.

``dangan.search.whoosh.engine`` reads posting blocks (``W3LeafMatcher._data``,
``_read_data``, ``_next_block``, ``_blocklength``, ``_byteids``), the length
column (``_perdoc._cached_reader``, ``_lenfield``, ``LENGTHS_COLUMN``), raw
column values and ``MultiTerm._btexts``.  ``pyproject.toml`` pins
``whoosh-reloaded`` to the range these tests passed on; if an upgrade moves
any of them, these tests fail here, by name, before a search returns wrong
results.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import whoosh
from whoosh import index as whoosh_index
from whoosh import query as Q
from whoosh.codec import whoosh3
from whoosh.codec.whoosh3 import W3Codec
from whoosh.util.numeric import byte_to_length

from dangan.search.documents import IndexDocument
from dangan.search.whoosh.engine import Engine, SegmentData, _Postings, _read
from dangan.search.whoosh.schema import make_schema, whoosh_fields
from search_helpers import make_record

TESTED = ((2, 7, 5), (2, 8, 0))  # [low, high) of whoosh-reloaded versions this engine was tested on


@pytest.fixture(scope="module")
def leaf(tmp_path_factory: pytest.TempPathFactory):
    """One segment with small posting blocks: terms of every weight kind span several blocks."""
    folder: Path = tmp_path_factory.mktemp("ix")
    ix = whoosh_index.create_in(str(folder), make_schema())
    rng = random.Random(3)
    w = ix.writer(codec=W3Codec(blocklimit=8))
    for i in range(1, 60):
        text = "公告" + "维修" * rng.randint(1, 4) + ("电梯" if i % 3 else "") + " 噪音 检查检查"
        w.add_document(**whoosh_fields(IndexDocument(make_record(i, f"通知{i % 7}"), text)))
    w.commit()
    with ix.searcher() as s:
        ((reader, _),) = s.reader().leaf_readers()
        yield s, reader


def _public(reader, fieldname: str, text: str) -> tuple[list[int], list[float]]:
    m = reader.postings(fieldname, text)
    ids, ws = [], []
    while m.is_active():
        ids.append(m.id())
        ws.append(m.weight())
        m.next()
    return ids, ws


def test_whoosh_is_a_tested_version() -> None:
    version = tuple(whoosh.__version__[:3])
    assert TESTED[0] <= version < TESTED[1], (
        f"whoosh-reloaded {whoosh.versionstring()} is outside the range the search engine was tested on; "
        "run tests/test_search_whoosh_internals.py and widen pyproject's pin only if it passes")


@pytest.mark.parametrize("term", ["噪音", "维修", "电梯", "公告", "通知", "检查"])
def test_posting_blocks_read_directly_equal_the_public_matcher(leaf, term: str) -> None:
    _, reader = leaf
    assert isinstance(reader.postings("content", term), whoosh3.W3LeafMatcher)
    ids, weights = _public(reader, "content", term)
    assert len(ids) > 8  # more than one block
    assert _read(reader, "content", term, weights=True) == (ids, weights)
    assert _read(reader, "content", term, weights=False)[0] == ids


def test_all_three_kinds_of_block_weights_are_covered(leaf) -> None:
    _, reader = leaf
    kinds = set()
    for term in ("噪音", "维修", "检查"):
        m = reader.postings("content", term)
        while m.is_active():
            m._read_data()
            w = m._data[1]
            kinds.add("none" if w is None else "float" if isinstance(w, float) else "array")
            m._next_block()
    assert kinds == {"none", "float", "array"}  # tf 1 everywhere, 2 everywhere, varying


def test_length_column_equals_the_public_field_length(leaf) -> None:
    searcher, reader = leaf
    lengths = reader._perdoc._cached_reader(whoosh3._lenfield("content"), whoosh3.LENGTHS_COLUMN)
    assert lengths is not None
    for d in range(reader.doc_count_all()):
        assert byte_to_length(lengths[d]) == reader.doc_field_length(d, "content")
    seg = SegmentData(reader, {"content": searcher.avg_field_length("content", 1.0)})
    assert len(seg.norms("content")) == reader.doc_count_all()


def test_raw_columns_hold_the_stored_values(leaf) -> None:
    _, reader = leaf
    seg = SegmentData(reader, {})
    for d in range(reader.doc_count_all()):
        stored = reader.stored_fields(d)
        assert seg.codes[d] == stored["code"].encode("utf-8")
        assert seg.facets["category"][d] == stored["category"].encode("utf-8")
        assert seg.facets["year"][d] == stored["year"].encode("utf-8")


def test_prefix_terms_equal_the_public_expansion(leaf) -> None:
    searcher, reader = leaf
    q = Q.Prefix("content", "维")
    assert sorted(q._btexts(reader)) == sorted(reader.expand_prefix("content", "维"))
    engine = Engine(searcher)
    public = {d for d in range(reader.doc_count_all()) if "维" in reader.stored_fields(d)["body"]}
    assert set(engine.docs(q)) == public
    assert _Postings(reader).ids("content", "维修") == set(_public(reader, "content", "维修")[0])
