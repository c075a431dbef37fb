"""Use cases of lending (借阅): lend out, return, list (overdue by the app's clock), the monthly register.

``app.lending.out(codes, to=…, purpose=…, due=…)`` opens a loan per record
(status 借出, audited); with ``copy_to`` the borrower gets an electronic copy
in which every page carries a watermark (借阅专用, borrower, date).  A record on
loan cannot be disposed of until it is returned.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dangan.archive import lending as rules
from dangan.archive.catalogue import Loan
from dangan.archive.model import Record
from dangan.errors import ArchiveError
from dangan.fsutil import fsync_dir, safe_filename, unique_path

if TYPE_CHECKING:
    from dangan.app.core import Dangan

REGISTER_FORM = "lending-register"


@dataclass(frozen=True)
class LoanView:
    """A loan as a list shows it: with the record's title and how many days it is overdue (by the app's clock)."""

    loan: Loan
    title: str
    days_overdue: int

    def to_dict(self) -> dict[str, Any]:
        return {**self.loan.to_dict(), "title": self.title, "overdue": self.days_overdue > 0,
                "days_overdue": self.days_overdue}


@dataclass(frozen=True)
class LendOutcome:
    loans: list[Loan]
    copies: list[Path] = field(default_factory=list)  # the watermarked electronic copies handed out


class Lending:
    """``app.lending``."""

    def __init__(self, app: Dangan) -> None:
        self.app = app

    def out(self, codes: Sequence[str], *, to: str, purpose: str, due: dt.date, unit: str = "",
            approver: str = "", copy_to: Path | None = None) -> LendOutcome:
        """Lend records; ``copy_to``: also write a watermarked electronic copy of each there."""
        req = rules.LoanRequest(codes=tuple(c.strip() for c in codes if c.strip()), borrower=to, purpose=purpose,
                                due=due, unit=unit, approver=approver, electronic=copy_to is not None)
        rules.check_request(req, today=self.app.clock.today())
        if copy_to is None:
            return LendOutcome(self.app.archive.lend(req))
        from dangan.app.outputs import output_folder

        target = output_folder(self.app, copy_to)
        target.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=target, prefix=".dangan-tmp-") as tmp:
            made = [self._copy(code, to, Path(tmp)) for code in req.codes]
            loans = self.app.archive.lend(req)
            copies = []
            for path in made:
                final = unique_path(target, path.name)
                os.replace(path, final)
                copies.append(final)
            fsync_dir(target)
        return LendOutcome(loans, copies)

    def _copy(self, code: str, borrower: str, folder: Path) -> Path:
        """The watermarked copy of a record's archival copy (made first if there is none)."""
        from dangan.app.outputs import FONT_FAMILY
        from dangan.outputs import watermark

        outputs = self.app.outputs
        record = self.app.archive.get(code)
        if not outputs.stampable(record):
            raise ArchiveError("只有 PDF 和图片档案能提供电子借阅副本", code=code)
        path = outputs.stamp([code])[0].path
        data = self.app.archive.store.abs(path).read_bytes()
        mark = watermark.Watermark(borrower=borrower.strip(), date=self.app.clock.today().isoformat(), code=code)
        out = folder / safe_filename(f"{code}-借阅专用-{borrower.strip()}.pdf")
        out.write_bytes(watermark.apply(data, mark, outputs.renderer, title=record.title, font_family=FONT_FAMILY))
        return out

    def return_(self, codes: Sequence[str], *, note: str = "") -> list[Loan]:
        return self.app.archive.return_loans(codes, note=note)

    def list(self, *, overdue: bool = False, active_only: bool = False, code: str | None = None) -> list[LoanView]:
        today = self.app.clock.today()
        loans = self.app.archive.loans(code, active_only=active_only or overdue)
        titles = self._titles(loans)
        views = [LoanView(loan, titles.get(loan.code, ""), rules.days_overdue(loan, today)) for loan in loans]
        return [v for v in views if v.days_overdue > 0] if overdue else views

    def _titles(self, loans: Sequence[Loan]) -> dict[str, str]:
        from dangan.archive.catalogue import RecordQuery

        codes = tuple(dict.fromkeys(loan.code for loan in loans))
        return {r.archival_code: r.title for r in self.app.archive.catalogue.records(RecordQuery(codes=codes))}

    def register(self, *, year: int, month: int) -> Record:
        """The 档案借阅登记表 of a month, made from the loans and filed (category DA, permanent)."""
        if not 1 <= month <= 12:
            raise ArchiveError(f"月份 {month} 不对，应为 1–12", field="month")
        loans = [loan for loan in self.app.archive.loans() if rules.in_month(loan, year, month)]
        data = register_data(loans, year=year, month=month, printed_on=self.app.clock.today())
        return self.app.outputs.file_form(REGISTER_FORM, data, title=f"{year}年{month}月档案借阅登记表",
                                          meta={"month": f"{year:04d}-{month:02d}", "loans": str(len(loans))})


def register_data(loans: Sequence[Loan], *, year: int, month: int, printed_on: dt.date) -> dict[str, Any]:
    """The lending-register form's data: one row per lending (records lent together share a row) (pure)."""
    groups: dict[tuple[Any, ...], list[Loan]] = {}
    for loan in loans:
        key = (loan.borrower, loan.unit, loan.purpose, loan.lent_at, loan.due, loan.approver, loan.electronic)
        groups.setdefault(key, []).append(loan)
    rows = []
    for n, group in enumerate(groups.values(), start=1):
        first = group[0]
        returned = [g for g in group if g.returned_at]
        if len(returned) == len(group):
            back = max(g.returned_at for g in returned if g.returned_at)
            notes = "；".join(dict.fromkeys(g.return_note for g in group if g.return_note))
            state = f"{back:%Y-%m-%d} 归还" + (f"，{notes}" if notes else "")
        elif returned:
            state = f"部分归还（{len(returned)}/{len(group)}）"
        else:
            state = "未还"
        rows.append({"seq": n, "borrower": first.borrower, "unit": first.unit, "purpose": first.purpose,
                     "codes": "\n".join(g.code for g in group), "lent_on": first.lent_at.date().isoformat(),
                     "due": first.due.isoformat(), "approver": first.approver,
                     "kind": "电子副本" if first.electronic else "原件", "returned": state})
    return {"month": f"{year}年{month}月", "printed_on": printed_on.isoformat(), "rows": rows}
