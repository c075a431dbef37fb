"""The search index's part of ``dangan verify`` (an extra check of :mod:`dangan.archive.verify`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from dangan.config import Workspace
from dangan.search.check import check
from dangan.search.index import SearchIndex


class IndexCheck:
    """``check(archive) -> [Problem]``: drift between the catalogue and the search index."""

    name = "全文索引与目录一致"
    property = "完整性"

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws

    def __call__(self, archive: Any) -> Iterable[Any]:
        from dangan.archive.verify import Problem

        report = check(SearchIndex(self.ws), archive.iter_index_documents())
        problems: list[Problem] = []
        if report.problem:
            problems.append(Problem(self.name, f"索引不可用：{report.problem}"))
        for label, codes in (("索引缺失该件", report.missing), ("索引内容过期", report.stale),
                             ("索引中有目录以外的条目", report.extra)):
            problems.extend(Problem(self.name, f"{label}，请运行 dangan index rebuild", code=c) for c in codes)
        return problems
