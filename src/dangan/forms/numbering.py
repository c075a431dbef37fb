"""Document numbers (文号) ``PREFIX-YYYY-NNNN``, unique in the workspace.

The sequences live in the archive's catalogue (through its interface), so a
lost cache can never make a number come round twice, and processes that
generate at the same time never get the same number (allocation runs in a
catalogue write transaction).  Past 9,999 a number grows a digit
(``JF-2026-10000``); the format ends at 999,999 a year, and a batch that would
go past it is refused before anything is numbered.
"""

from __future__ import annotations

from typing import Protocol

from dangan.clock import SYSTEM, Clock
from dangan.config import Workspace
from dangan.docnumber import is_doc_number
from dangan.errors import FormError

MAX_SEQ = 999_999


class NumberAllocator(Protocol):
    def allocate(self, prefix: str, year: int, form_id: str, *, count: int = 1) -> list[str]:
        """``count`` new consecutive numbers for (prefix, year), recorded as issued for ``form_id``."""
        ...


def format_number(prefix: str, year: int, seq: int) -> str:
    """``JF``, 2026, 7 → ``JF-2026-0007`` (more digits past 9999)."""
    number = f"{prefix}-{year:04d}-{seq:04d}"
    if not is_doc_number(number):
        raise FormError(f"无法生成文号：{number}（文号前缀应为大写字母开头，每年最多 {MAX_SEQ} 号）")
    return number


class CatalogueNumbers:
    """Numbers from the archive catalogue (:class:`~dangan.archive.catalogue.DocumentNumbers`)."""

    def __init__(self, catalogue: object, *, clock: Clock = SYSTEM) -> None:
        self.catalogue = catalogue
        self.clock = clock

    def allocate(self, prefix: str, year: int, form_id: str, *, count: int = 1) -> list[str]:
        cat = self.catalogue
        with cat.transaction():  # type: ignore[attr-defined]
            seqs: list[int] = cat.allocate_doc_numbers(  # type: ignore[attr-defined]
                prefix, year, form_id, count=count, at=self.clock.now())
            if seqs and seqs[-1] > MAX_SEQ:
                raise FormError(
                    f"{year} 年 {prefix} 文号已用到 {seqs[0] - 1:04d}，再生成 {count} 份将超过每年 {MAX_SEQ} 号的上限；"
                    "未生成任何文件", form=form_id)
            numbers = [format_number(prefix, year, n) for n in seqs]
            cat.record_issued(numbers, form_id, self.clock.now())  # type: ignore[attr-defined]
        return numbers


def allocate(ws: Workspace, prefix: str, year: int, form_id: str, *, count: int = 1,
             numbers: NumberAllocator | None = None) -> list[str]:
    """``count`` new numbers; from ``numbers`` if given, else from the workspace's catalogue."""
    if numbers is not None:
        return numbers.allocate(prefix, year, form_id, count=count)
    from dangan.archive.service import Archive

    with Archive.open(ws) as archive:
        return CatalogueNumbers(archive.catalogue).allocate(prefix, year, form_id, count=count)
