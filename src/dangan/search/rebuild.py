"""Rebuild the index from the catalogue into a new generation, then switch to it."""

from __future__ import annotations

import multiprocessing as mp
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from dangan.archive.model import Record
from dangan.errors import DanganError, SearchIndexError
from dangan.search import analysis
from dangan.search.index import SearchIndex
from dangan.search.schema import document_for, index_text

Documents = Iterable[tuple[Record, str | None]]
Progress = Callable[[int], None]  # called with the number of documents just indexed

BATCH = 256


@dataclass(frozen=True)
class RebuildResult:
    documents: int
    path: Path


def default_processes() -> int:
    """Tokenising workers: one per core beyond the writer, at most 2, 0 on one core."""
    return min(2, max(0, (os.cpu_count() or 1) - 1)) if (os.cpu_count() or 1) > 1 else 0


def rebuild(
    index: SearchIndex,
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
    """
    with index.rebuild_lock():
        gen, ix = index.new_generation()
        try:
            docs = documents() if callable(documents) else documents
            writer = ix.writer(limitmb=limitmb)
            try:
                count = _fill(writer, docs, progress, default_processes() if processes is None else processes)
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
    return RebuildResult(count, gen)


def _fill(writer, docs: Documents, progress: Progress | None, processes: int) -> int:
    count = 0
    for batch, tokens in _tokenised(docs, processes):
        for (record, text), toks in zip(batch, tokens, strict=True):
            writer.add_document(**document_for(record, text, toks))
        count += len(batch)
        if progress is not None:
            progress(len(batch))
    return count


def _texts(batch: list[tuple[Record, str | None]]) -> list[str]:
    return [index_text(r, None if r.status == "disposed" else t) for r, t in batch]


def _batches(docs: Documents) -> Iterator[list[tuple[Record, str | None]]]:
    it = iter(docs)
    while batch := list(islice(it, BATCH)):
        yield batch


def _tokenised(docs: Documents, processes: int) -> Iterator[tuple[list, list]]:
    """(batch, tokens) pairs; with workers, the next batch is tokenised while this one is written."""
    if processes <= 0:
        for batch in _batches(docs):
            yield batch, [analysis.analyse(t) for t in _texts(batch)]
        return
    ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else mp.get_context()
    user_dict = analysis._current_dict
    with ctx.Pool(processes, initializer=analysis.configure, initargs=(user_dict,)) as pool:
        pending = None
        for batch in _batches(docs):
            job = pool.map_async(analysis.analyse, _texts(batch), chunksize=32)
            if pending is not None:
                yield pending[0], pending[1].get()
            pending = (batch, job)
        if pending is not None:
            yield pending[0], pending[1].get()
