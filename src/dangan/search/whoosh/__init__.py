"""The embedded search backend: Whoosh (``whoosh-reloaded``) with dangan's own set-at-a-time engine.

* :mod:`~dangan.search.whoosh.imports` — Whoosh imported without the modules it loads and dangan
  never uses (urllib.request, asyncio, the English stemmers): imported first
* :mod:`~dangan.search.whoosh.backend` — :class:`WhooshBackend`, the SearchBackend
* :mod:`~dangan.search.whoosh.store` — the index folder: generations, locks, writer
* :mod:`~dangan.search.whoosh.schema` — the Whoosh schema and the fields of an entry
* :mod:`~dangan.search.whoosh.compile` — query tree → Whoosh queries and a ranking plan
* :mod:`~dangan.search.whoosh.engine` — evaluation on posting lists (reads Whoosh internals;
  ``tests/test_search_whoosh_internals.py`` fails if they move)
* :mod:`~dangan.search.whoosh.rebuild` — a new generation from the catalogue, then the switch
"""

from dangan.search.whoosh import imports  # noqa: F401  (first: see its docstring)
from dangan.search.whoosh.backend import WhooshBackend

__all__ = ["WhooshBackend"]
