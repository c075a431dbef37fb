"""Archival codes (档号, DA/T 22): ``全宗号-年度-保管期限-问题代码-件号`` (pure).

Example: ``Z001-2026-D10-TS-0007``.  The 件号 has four digits and runs from
0001 in each (全宗, 年度, 保管期限, 问题); it is allocated by the catalogue.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dangan.errors import ArchiveError

MAX_SEQ = 9999
_FONDS = re.compile(r"^[A-Za-z0-9]{1,16}$")
_CATEGORY = re.compile(r"^[A-Z][A-Z0-9]{0,7}$")
_CODE = re.compile(
    r"^(?P<fonds>[A-Za-z0-9]{1,16})-(?P<year>\d{4})-(?P<period>Y|D[1-9]\d{0,2})"
    r"-(?P<category>[A-Z][A-Z0-9]{0,7})-(?P<seq>\d{4})$"
)


@dataclass(frozen=True, order=True)
class ArchivalCode:
    """A 档号 taken apart: 全宗号-年度-保管期限-类别-件号 (``str()`` gives it back)."""

    fonds: str
    year: int
    period: str
    category: str
    seq: int

    def __str__(self) -> str:
        return format_code(self.fonds, self.year, self.period, self.category, self.seq)


def is_fonds_code(text: str) -> bool:
    return bool(_FONDS.match(text))


def is_category_code(text: str) -> bool:
    return bool(_CATEGORY.match(text))


def format_code(fonds: str, year: int, period: str, category: str, seq: int) -> str:
    """``Z001-2026-D10-TS-0007``; raises ArchiveError on a part that would not parse back."""
    if not _FONDS.match(fonds):
        raise ArchiveError(f"全宗号「{fonds}」无效：只能用字母和数字（如 Z001）", field="company.fonds_code")
    if not 1000 <= year <= 9999:
        raise ArchiveError(f"年度 {year} 无效：应为四位数年份", field="date")
    if not _CATEGORY.match(category):
        raise ArchiveError(f"问题代码「{category}」无效：应为大写字母开头的 1–8 位字母数字", field="category")
    if not 1 <= seq <= MAX_SEQ:
        raise ArchiveError(
            f"件号 {seq} 超出范围：每个年度、保管期限、类别内最多 {MAX_SEQ} 件", field="seq"
        )
    code = f"{fonds}-{year:04d}-{period}-{category}-{seq:04d}"
    if not _CODE.match(code):
        raise ArchiveError(f"保管期限「{period}」无效，无法生成档号", field="period")
    return code


def parse_code(text: str) -> ArchivalCode:
    m = _CODE.match(text.strip())
    if not m:
        raise ArchiveError(
            "档号格式不正确：应为 全宗号-年度-保管期限-问题代码-件号，如 Z001-2026-D10-TS-0007",
            code=text,
        )
    return ArchivalCode(
        fonds=m["fonds"], year=int(m["year"]), period=m["period"], category=m["category"], seq=int(m["seq"])
    )


def is_code(text: str) -> bool:
    return bool(_CODE.match(text.strip()))
