"""The needs-review queue: scans the intake could not place (filed to 其他资料 and marked for review).

An archivist either **confirms** an item (the category was right: it leaves the
queue, optionally with a corrected title), or **reclassifies** it: the document
is filed again in the right category under a new code, the old record keeps
its code and names the new one (see :mod:`dangan.archive.reclassify` for why a
code is never changed in place).  Both are audited with the acting user.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from dangan.archive.model import Record
from dangan.archive.plan import DISPOSAL_CATEGORY, Category
from dangan.archive.service import Reclassified
from dangan.errors import ArchiveError

if TYPE_CHECKING:
    from dangan.app.core import Dangan

#: What a reviewer may correct while confirming (descriptive metadata).
CONFIRM_FIELDS = ("title", "doc_number", "building", "unit", "room")


class ReviewQueue:
    def __init__(self, app: Dangan) -> None:
        self.app = app

    def items(self) -> list[Record]:
        """Records waiting for review, by year, category and code."""
        return self.app.records(needs_review=True)

    def targets(self) -> list[Category]:
        """The categories a record may be reclassified to (every one but the disposal registers')."""
        return [c for c in self.app.categories().categories if c.code != DISPOSAL_CATEGORY]

    def confirm(self, code: str, *, reason: str, changes: Mapping[str, str] | None = None) -> Record:
        """The category was right: take the record out of the queue (with corrections, if any)."""
        record = self.app.record(code)
        if not record.needs_review:
            raise ArchiveError("该档案不在待审核队列中", code=code)
        fixed = {k: v.strip() for k, v in (changes or {}).items() if k in CONFIRM_FIELDS and v and v.strip()}
        return self.app.edit(code, {**fixed, "needs_review": "false"}, reason=reason.strip() or "审核确认")

    def reclassify(self, code: str, category: str, *, reason: str, title: str | None = None) -> Reclassified:
        """File the record again in ``category`` under a new code; the old one names it (both audited)."""
        return self.app.archive.reclassify(code, category, reason=reason, title=title)
