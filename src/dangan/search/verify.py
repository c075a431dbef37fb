"""The search index's part of ``dangan verify``."""

from __future__ import annotations

from collections.abc import Callable

from dangan.config import Workspace
from dangan.search.check import check
from dangan.search.index import SearchIndex
from dangan.search.indexer import catalogue_documents

Verifier = Callable[[], tuple[str, bool, list[str]]]


def index_verifier(ws: Workspace) -> Verifier:
    """A check returning ("全文索引", ok, problems): drift between catalogue and index."""

    def run() -> tuple[str, bool, list[str]]:
        report = check(SearchIndex(ws), catalogue_documents(ws))
        problems: list[str] = []
        if report.problem:
            problems.append(f"索引不可用：{report.problem}")
        for label, codes in (("索引缺失", report.missing), ("索引过期", report.stale), ("索引多余", report.extra)):
            problems.extend(f"{label}：{code}" for code in codes)
        return "全文索引", report.ok, problems

    return run
