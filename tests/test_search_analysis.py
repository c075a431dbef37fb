"""The Chinese analyser and the query tree: domain terms, bigram recall for unknown names, room numbers."""

from __future__ import annotations

from dangan.search.analysis import Analyzer, index_terms
from dangan.search.query import And, AsWritten, Not, Or, Word, describe, parse


def test_domain_terms_are_single_words() -> None:
    words = Analyzer().cut("业主拖欠物业管理费被催缴滞纳金空置房装修违规拆除承重墙须整改")
    for term in ("业主", "物业管理费", "催缴", "滞纳金", "空置房", "装修", "违规", "承重墙", "整改"):
        assert term in words


def test_unknown_name_is_found_by_bigrams() -> None:
    assert {"欧阳", "阳喆"} <= set(index_terms("业主欧阳喆投诉"))
    # the query keeps the name whole, requires all its bigrams (no OR-matching)
    # and checks the whole name as written
    assert Analyzer().pieces("欧阳喆", exact=False) == ["欧阳喆"]
    assert parse("欧阳喆") == And((Word("欧阳喆"), AsWritten("欧阳喆")))


def test_room_numbers_and_document_numbers() -> None:
    terms = index_terms("3栋1201室 3-1201 JF-2026-0001")
    for t in ("3", "栋", "1201", "室", "3-1201", "jf-2026-0001", "jf", "2026", "0001"):
        assert t in terms


def test_query_without_spaces_means_the_same_words() -> None:
    assert Analyzer().cut("装修违规") == ["装修", "违规"]
    assert parse("装修违规") == parse("装修 违规")
    assert describe(parse("装修违规")) == "「装修」 且 「违规」"


def test_characters_next_to_digits_are_run_edges_and_the_unit_is_checked_as_written() -> None:
    assert parse("5栋2404室") == And((Word("5"), Word("栋", edge=True), Word("2404"), Word("室", edge=True),
                                     AsWritten("5栋2404室")))
    assert parse("栋") == Word("栋")  # alone it may sit inside a run


def test_or_and_not_need_no_piece_as_written() -> None:
    assert parse("欧阳喆 OR 承重墙") == Or((Word("欧阳喆"), Word("承重墙")))
    assert parse("投诉 -欧阳喆") == And((Word("投诉"), Not(Word("欧阳喆"))))
