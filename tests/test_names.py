"""Names from the file system as text for people: legacy code pages and control characters (issue 10, items 16, 18)."""

from __future__ import annotations

import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dangan.names import readable


def _fs(raw: bytes) -> str:
    return os.fsdecode(raw)  # what Linux hands Python for such a name


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("投诉扫描件.pdf".encode(), "投诉扫描件.pdf"),
        ("投诉扫描件.pdf".encode("gbk"), "投诉扫描件.pdf"),  # a Windows share with a legacy code page
        ("/srv/收件箱/".encode() + "电梯报修.pdf".encode("gbk"), "/srv/收件箱/电梯报修.pdf"),  # per component
        (b"\xff\xfe.pdf", "\\xff\\xfe.pdf"),  # neither: escapes
        (b"a\nb.pdf", "a\\x0ab.pdf"),  # a newline cannot start a line of its own
        ("x\u202efdp.exe".encode(), "x\\u202efdp.exe"),  # bidi override shown, not obeyed
    ],
)
def test_names_are_decoded_for_people(raw: bytes, shown: str) -> None:
    assert readable(_fs(raw)) == shown


@given(st.binary(max_size=40))
def test_any_name_becomes_one_line_of_encodable_text(raw: bytes) -> None:
    text = readable(_fs(raw.replace(b"\x00", b"")))
    text.encode("utf-8")  # never raises (SQLite, JSON, the terminal take it)
    assert "\n" not in text and "\r" not in text
