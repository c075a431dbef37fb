"""Taking over what dangan 0.1 kept outside the catalogue (its own SQLite file, so its SQL lives here).

0.1 kept the document-number sequences in ``.dangan/numbers.sqlite``.  The
catalogue now holds them (it seeds them from the records' numbers when it
migrates); this merges what the old cache knew on top, once, then renames the
file to ``numbers.sqlite.adopted`` so it is never read again.
"""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

from dangan.archive.catalogue import Catalogue
from dangan.clock import Clock
from dangan.docnumber import split_doc_number

CACHE_NAME = "numbers.sqlite"


def adopt_number_cache(catalogue: Catalogue, state_dir: Path, *, clock: Clock) -> int:
    """Merge the old number cache into ``catalogue`` (any backend); returns how many numbers it held."""
    path = state_dir / CACHE_NAME
    if not path.is_file():
        return 0
    try:
        with contextlib.closing(sqlite3.connect(path)) as conn:
            issued = conn.execute("SELECT doc_number, form_id FROM issued").fetchall()
    except sqlite3.DatabaseError:
        return 0  # unreadable: the catalogue's own seed (from the records) stands
    with catalogue.transaction():
        for doc_number, form_id in issued:
            parts = split_doc_number(doc_number)
            if parts is not None:
                catalogue.note_doc_number(*parts, doc_number=doc_number, form_id=form_id, at=clock.now())
    with contextlib.suppress(FileNotFoundError):  # another process adopted it meanwhile
        path.rename(path.with_name(CACHE_NAME + ".adopted"))
    return len(issued)
