"""Moving a workspace from SQLite + Whoosh to the company's PostgreSQL (``dangan migrate --to``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dangan.config import check_database_url, mask_password, set_database_url
from dangan.errors import ArchiveError

if TYPE_CHECKING:
    from dangan.app.core import Dangan
    from dangan.archive.migrate import MigrationResult


@dataclass
class Migration:
    result: MigrationResult
    indexed: int  # entries in the new search index on PostgreSQL
    switched: bool  # dangan.toml now names the database

    @property
    def ok(self) -> bool:
        return self.result.ok

    def lines(self) -> list[str]:
        r = self.result
        out = [f"迁移到 {r.target}："]
        out += [f"  {table}：{n} 行" for table, n in sorted(r.copied.items())]
        c = r.comparison
        out.append(f"  档案 {c.records} 件；记录摘要{'一致' if not c.digest_mismatches else '不一致'}；"
                   f"审计链末端{'一致' if c.heads[0] == c.heads[1] else '不一致'}"
                   f"（第 {c.heads[1].id if c.heads[1] else 0} 条）")
        out.append(f"  四性检测：SQLite {'通过' if r.source_verify.ok else f'{len(r.source_verify.problems)} 个问题'}，"
                   f"PostgreSQL {'通过' if r.target_verify.ok else f'{len(r.target_verify.problems)} 个问题'}")
        out += [f"  问题：{p}" for p in (*c.problems, *r.verify_differs)]
        out.append(f"  全文索引：已在数据库中重建 {self.indexed} 件")
        if self.switched:
            out.append("  dangan.toml 已改为使用该数据库（原 archive/catalog.sqlite 保留作备份，不再使用）")
        return out


def migrate(app: Dangan, url: str, *, switch: bool = True,
            progress: Callable[[str, int], None] | None = None) -> Migration:
    """Copy the workspace's SQLite catalogue into the empty database at ``url`` and check both.

    On success (same rows, digests and chain head; verify the same on both) the search index is built in
    the database and, with ``switch``, dangan.toml is pointed at it.  The files under archive/ stay put.
    """
    from dangan.archive.migrate import copy_to_postgres
    from dangan.search.postgres import PostgresBackend

    check_database_url(url, field="--to")
    if app.ws.database_url:
        raise ArchiveError(f"这个工作区已经在使用数据库 {mask_password(app.ws.config.settings.database.url)}")
    result = copy_to_postgres(app.archive.catalogue, app.archive.store, url, progress=progress)
    if not result.ok:
        return Migration(result, 0, False)
    backend = PostgresBackend(url, analyzer=app.index().analyzer)
    try:
        indexed = backend.rebuild(app.archive.iter_index_documents).documents
    finally:
        backend.close()
    if switch:
        set_database_url(app.ws.root, url)
    return Migration(result, indexed, switch)


