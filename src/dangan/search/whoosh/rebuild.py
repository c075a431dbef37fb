"""Rebuild the index from the catalogue into a new generation, then switch to it.

With ``processes`` > 1 whoosh's multi-process writer is used: each worker
tokenises and writes its own segment (``multisegment=True``, no merge), so
both the analysis and the posting writes run on every core.  The search side
(:mod:`dangan.search.whoosh.engine`) reads any number of segments.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from whoosh.codec.whoosh3 import W3Codec

from dangan.errors import DanganError, SearchIndexError
from dangan.search.backend import Documents, Progress, RebuildResult
from dangan.search.documents import IndexDocument
from dangan.search.whoosh.schema import whoosh_fields
from dangan.search.whoosh.store import IndexStore

BATCH = 256


def default_processes() -> int:
    """Writer processes: one per core, at most 2 (1: write in this process)."""
    return min(2, os.cpu_count() or 1)


def rebuild(
    index: IndexStore,
    documents: Documents | Callable[[], Documents],
    *,
    progress: Progress | None = None,
    processes: int | None = None,
    limitmb: int = 128,
) -> RebuildResult:
    """Index every (record, text) into a fresh generation and make it live.

    ``documents`` may be a callable so it is read only once the rebuild lock
    is held (no filing can slip between the catalogue read and the switch).
    On any failure the new generation is discarded and the old one stays.
    ``processes`` ≤ 1 writes in this process; ``limitmb`` is per writer.
    """
    procs = default_processes() if processes is None else processes
    with index.rebuild_lock():
        gen, ix = index.new_generation()
        try:
            docs = documents() if callable(documents) else documents
            # blocks of 1,024 postings: half the time to read a common term's list
            codec = W3Codec(blocklimit=1024)
            if procs > 1:
                writer = ix.writer(procs=procs, limitmb=limitmb, multisegment=True, batchsize=BATCH, codec=codec)
            else:
                writer = ix.writer(limitmb=limitmb, codec=codec)
            try:
                count = _fill(writer, docs, progress)
            except BaseException:
                writer.cancel()
                raise
            writer.commit()
        except BaseException as e:
            index.discard(gen)
            if isinstance(e, DanganError) or not isinstance(e, Exception):
                raise
            raise SearchIndexError(f"重建索引失败：{type(e).__name__}: {e}", path=gen) from e
        index.publish(gen)
    return RebuildResult(count, str(gen))


def _fill(writer: Any, docs: Documents, progress: Progress | None) -> int:
    count = pending = 0
    for item in docs:
        writer.add_document(**whoosh_fields(IndexDocument(*item)))
        count += 1
        pending += 1
        if progress is not None and pending >= BATCH:
            progress(pending)
            pending = 0
    if progress is not None and pending:
        progress(pending)
    return count
