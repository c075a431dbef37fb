"""Moving a catalogue from SQLite to PostgreSQL: copy every table as it is, then compare the two.

The copy runs while the SQLite catalogue's write lock is held (no process on
this machine files meanwhile), so it is one consistent snapshot.  The files
stay where they are: rows refer to them by their paths under ``archive/``.
Afterwards both catalogues must agree: the same rows in every table, the same
record digest for every record, the same audit head; and ``verify`` (run on
each, over the same files) must find the same problems.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from dangan.archive.catalogue import AuditHead, Catalogue, open_catalogue
from dangan.archive.digest import record_digest
from dangan.archive.store import Store
from dangan.archive.verify import VerifyReport, run_verify
from dangan.config import mask_password
from dangan.errors import ArchiveError


@dataclass
class Comparison:
    counts: dict[str, tuple[int, int]] = field(default_factory=dict)  # table → (SQLite rows, PostgreSQL rows)
    records: int = 0
    digest_mismatches: list[str] = field(default_factory=list)  # archival codes
    heads: tuple[AuditHead | None, AuditHead | None] = (None, None)

    @property
    def problems(self) -> list[str]:
        out = [f"表 {t} 行数不同：SQLite {a}，PostgreSQL {b}" for t, (a, b) in sorted(self.counts.items()) if a != b]
        out += [f"档案 {c} 的记录摘要不同" for c in self.digest_mismatches]
        if self.heads[0] != self.heads[1]:
            out.append(f"审计链末端不同：SQLite {self.heads[0]}，PostgreSQL {self.heads[1]}")
        return out


@dataclass
class MigrationResult:
    target: str  # the URL, password masked
    copied: dict[str, int]
    comparison: Comparison
    source_verify: VerifyReport
    target_verify: VerifyReport

    @property
    def verify_differs(self) -> list[str]:
        a = sorted(map(str, self.source_verify.problems))
        b = sorted(map(str, self.target_verify.problems))
        return [] if a == b else [f"PostgreSQL 上的四性检测与 SQLite 上的不同：{p}" for p in sorted(set(a) ^ set(b))]

    @property
    def ok(self) -> bool:
        return not self.comparison.problems and not self.verify_differs


def copy_to_postgres(source: Catalogue, store: Store, url: str, *,
                     progress: Callable[[str, int], None] | None = None) -> MigrationResult:
    """Copy the SQLite ``source`` (the catalogue of ``store``) into the empty PostgreSQL catalogue at ``url``."""
    from dangan.archive.postgres import load
    from dangan.archive.sqlite import dump

    path = store.catalog_path
    if not path.is_file():
        raise ArchiveError("这个工作区没有 SQLite 档案目录，无可迁移", path=path)
    target = open_catalogue(url)  # creates the schema
    try:
        filled = load.non_empty(url)
        if filled:
            raise ArchiveError(f"目标数据库 {mask_password(url)} 不是空的（{'、'.join(filled)} 中已有数据），"
                               "为免混入别的档案库已拒绝；请给迁移一个新建的空数据库")
        with source.transaction():  # the write lock: a consistent snapshot, nobody files meanwhile
            copied = load.load(url, dump.table_names(path), lambda t: dump.table_rows(path, t), progress=progress)
            comparison = compare(source, target, dump.row_counts(path), load.row_counts(url))
        source_report = run_verify(source, store)
        target_report = run_verify(target, store)
    finally:
        target.close()
    return MigrationResult(mask_password(url), copied, comparison, source_report, target_report)


def compare(source: Catalogue, target: Catalogue, source_counts: dict[str, int],
            target_counts: dict[str, int]) -> Comparison:
    out = Comparison(counts={t: (n, target_counts.get(t, 0)) for t, n in source_counts.items()})
    theirs = {r.archival_code: r for r in target.records()}
    mine = source.records()
    out.records = len(mine)
    my_holds, their_holds = _holds_by_code(source), _holds_by_code(target)

    def same(r: Any) -> bool:
        other = theirs.get(r.archival_code)
        return other is not None and (record_digest(r, holds=my_holds.get(r.archival_code, []))
                                      == record_digest(other, holds=their_holds.get(r.archival_code, [])))

    out.digest_mismatches = [r.archival_code for r in mine if not same(r)]
    out.heads = (source.audit_head(), target.audit_head())
    return out


def _holds_by_code(catalogue: Catalogue) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for h in catalogue.all_holds():
        out.setdefault(h.code, []).append(h)
    return out
