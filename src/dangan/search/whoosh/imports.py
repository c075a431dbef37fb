"""Importing Whoosh without the modules it loads and dangan never uses.

On import, ``whoosh.compat`` loads ``urllib.request`` (http.client, email,
ssl) for a download helper; ``whoosh.reading`` loads the ``cached-property``
package, which loads ``asyncio`` for properties that are coroutines (Whoosh
has none); ``whoosh.analysis`` and ``whoosh.query`` load the English stemmer,
the English word-variation tables and Double Metaphone, compiling some 25
regular expressions (dangan's tokenizers are its own).  Together they cost a
``dangan search`` process about as much CPU as the rest of Whoosh
(``python bench/bench_search.py --only cli`` shows where a search's time goes).

:func:`import_whoosh` imports Whoosh with a stand-in for each of those modules
in ``sys.modules`` for the length of that import only, and only when the real
module is not loaded already.  A stand-in holds the names Whoosh takes from
the module; a function among them loads the real module when it is called
(``cached_property`` is the standard library's ``functools.cached_property``);
anything else asked of a stand-in loads the real module too.  Afterwards the
stand-ins are out of ``sys.modules``, so a later ``import urllib.request``
gets the real module.  ``tests/test_search_whoosh_imports.py`` checks all of it
against the pinned Whoosh version.
"""

from __future__ import annotations

import functools
import importlib
import sys
import types
from collections.abc import Callable
from typing import Any

#: The modules stood in for, and the names Whoosh imports from each.
STAND_INS: dict[str, tuple[str, ...]] = {
    "urllib.request": ("urlretrieve",),  # whoosh.compat
    "cached_property": ("cached_property",),  # whoosh.reading
    "whoosh.lang.porter": ("stem",),  # whoosh.analysis.analyzers, whoosh.analysis.morph
    "whoosh.lang.dmetaphone": ("double_metaphone",),  # whoosh.analysis.morph
    "whoosh.lang.morph_en": ("variations",),  # whoosh.query.terms
    "html": ("escape",),  # whoosh.compat (highlighting to HTML)
    "hashlib": ("md5", "sha1"),  # whoosh.filedb.filetables (md5 hash tables), whoosh.automata.fst
    "calendar": (),  # whoosh.util.times (dates, which dangan's schema stores as text)
    "queue": (),  # whoosh.compat (multiprocess writing)
}

#: Whoosh's modules that dangan imports (each pulls in the rest it needs).
WHOOSH_MODULES = ("whoosh.compat", "whoosh.reading", "whoosh.analysis", "whoosh.query", "whoosh.searching",
                  "whoosh.index", "whoosh.writing", "whoosh.codec.whoosh3")


def _real(module: str) -> types.ModuleType:
    standing = sys.modules.get(module)
    if isinstance(standing, _StandIn):
        del sys.modules[module]
    return importlib.import_module(module)


def _deferred(module: str, name: str) -> Callable[..., Any]:
    real: Callable[..., Any] | None = None

    def call(*args: Any, **kwargs: Any) -> Any:
        nonlocal real
        if real is None:
            real = getattr(_real(module), name)
        return real(*args, **kwargs)

    call.__name__ = call.__qualname__ = name
    call.__module__ = __name__  # pickled by reference to its name here (a StemFilter's default stemfn)
    call.__doc__ = f"{module}.{name}, loaded when first called."
    return call


for _module, _names in STAND_INS.items():
    for _name in _names:
        if _name != "cached_property":
            globals()[_name] = _deferred(_module, _name)


class _StandIn(types.ModuleType):
    """A module standing in for ``name`` while Whoosh is imported (see the module's docstring)."""

    def __init__(self, name: str, names: tuple[str, ...]) -> None:
        super().__init__(name)
        for attr in names:
            setattr(self, attr, functools.cached_property if attr == "cached_property" else globals()[attr])

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):  # the import system asks for __path__ and the like
            raise AttributeError(name)
        return getattr(_real(self.__name__), name)


def import_whoosh() -> None:
    """Import the parts of Whoosh dangan uses, with the stand-ins in ``sys.modules`` during the import."""
    placed = {name: _StandIn(name, names) for name, names in STAND_INS.items() if name not in sys.modules}
    sys.modules.update(placed)
    try:
        for whoosh_module in WHOOSH_MODULES:
            importlib.import_module(whoosh_module)
    finally:
        for name, stand_in in placed.items():
            if sys.modules.get(name) is stand_in:
                del sys.modules[name]


import_whoosh()
