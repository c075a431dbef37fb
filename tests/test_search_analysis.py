"""The Chinese analyser: domain terms, bigram recall for unknown names, room numbers."""

from __future__ import annotations

from dangan.search.analysis import bigram_tokens, cut_words, word_tokens
from dangan.search.query import parse, query_pieces


def texts(tokens) -> list[str]:
    return [t.text for t in tokens]


def test_domain_terms_are_single_words() -> None:
    words = word_tokens("业主拖欠物业管理费被催缴滞纳金，空置房装修违规拆除承重墙须整改")
    for term in ("业主", "物业管理费", "催缴", "滞纳金", "空置房", "装修", "违规", "承重墙", "整改"):
        assert term in words


def test_unknown_name_is_found_by_bigrams() -> None:
    toks = texts(bigram_tokens("业主欧阳喆投诉"))
    assert {"欧阳", "阳喆"} <= set(toks)
    # the query keeps the name whole, requires all its bigrams (no OR-matching)
    # and checks the whole name as a substring
    assert query_pieces("欧阳喆", exact=False) == ["欧阳喆"]
    parsed = parse("欧阳喆")
    assert str(parsed.query) == "(content:欧阳 AND content:阳喆)"
    assert parsed.exact == ["欧阳喆"]


def test_room_numbers_and_document_numbers() -> None:
    toks = texts(bigram_tokens("3栋1201室 3-1201 JF-2026-0001"))
    for t in ("3", "栋", "1201", "室", "3-1201", "jf-2026-0001", "jf", "2026", "0001"):
        assert t in toks


def test_query_without_spaces_means_the_same_words() -> None:
    assert cut_words("装修违规") == ["装修", "违规"]
    assert query_pieces("装修违规", exact=False) == query_pieces("装修 违规", exact=False)


def test_characters_next_to_digits_are_single_terms() -> None:
    # 栋 and 室 next to digits are run edges, always indexed alone: no prefix expansion
    assert str(parse("5栋2404室").query) == "(content:5 AND content:栋 AND content:2404 AND content:室)"
    assert "栋*" in str(parse("栋").query)  # alone it may sit inside a run
