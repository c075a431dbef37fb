"""Phone and ID numbers in free text are masked (制度 第二篇 3); codes, amounts, dates and hashes are not."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dangan.masking import mask_text


@pytest.mark.parametrize(("text", "shown"), [
    ("联系电话13983456721。", "联系电话139****6721。"),
    ("电话：139-8345-6721", "电话：139-****-6721"),
    ("+86 139 8345 6721", "+86 139 **** 6721"),
    ("0755-88123456", "0755-****3456"),
    ("刘晓燕 023-6788 1234", "刘晓燕 023-**** 1234"),
    ("身份证110101199001011234号", "身份证1101**********1234号"),
    ("11010119900101123X", "1101**********123X"),
    ("Z001-2026-D10-TS-0007", "Z001-2026-D10-TS-0007"),
    ("JF-2026-0001 · 2026-03-01 10:30 · 20260301", "JF-2026-0001 · 2026-03-01 10:30 · 20260301"),
    ("5栋0602室 金额 447.50", "5栋0602室 金额 447.50"),
    ("sha256 ab13983456721cd", "sha256 ab13983456721cd"),
])
def test_mask_text(text: str, shown: str) -> None:
    assert mask_text(text) == shown


@given(st.text(alphabet="0123456789 -栋室电话Xab：", max_size=60))
def test_masking_keeps_the_length_and_is_idempotent(text: str) -> None:
    once = mask_text(text)
    assert len(once) == len(text) and mask_text(once) == once
