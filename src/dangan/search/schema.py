"""Where indexes written before the Whoosh backend had its own package find their schema classes.

Whoosh pickles the classes of an index's schema by module path; an index
made by dangan 0.1 names ``dangan.search.schema.BigramText``.  Nothing else
lives here: the schema is :mod:`dangan.search.whoosh.schema`.
"""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    if name == "BigramText":
        from dangan.search.whoosh.schema import BigramText

        return BigramText
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
