"""Whoosh is imported without the modules it loads and dangan never uses (``dangan.search.whoosh.imports``).

Each check runs in a fresh interpreter: this test process has long loaded Whoosh.
What a user would notice if the stand-ins went wrong: a ``dangan search`` that
pays for the network stack and asyncio at every start again, or a Whoosh
function (stemming, word variations, downloads) that no longer works.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from dangan.search.whoosh.imports import STAND_INS


def _run(code: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return json.loads(out.splitlines()[-1])


def test_importing_the_whoosh_backend_loads_none_of_the_modules_stood_in_for() -> None:
    got = _run(
        "import json, sys, dangan.search.whoosh\n"
        "from dangan.search.whoosh.imports import _StandIn\n"
        "print(json.dumps({'loaded': sorted(m for m in sys.modules if m in ("
        f"{sorted(STAND_INS)!r} + ['asyncio', 'http.client', 'email', 'ssl'])),"
        " 'stand_ins_left': [n for n, m in sys.modules.items() if isinstance(m, _StandIn)]}))"
    )
    assert got == {"loaded": [], "stand_ins_left": []}


def test_whoosh_functions_behind_the_stand_ins_still_work(tmp_path: Path) -> None:
    source = tmp_path / "源.txt"
    source.write_text("档案", encoding="utf-8")
    got = _run(
        "import functools, json, sys, dangan.search.whoosh\n"
        "import whoosh.analysis.morph as morph, whoosh.analysis.analyzers as analyzers\n"
        "import whoosh.query.terms as terms, whoosh.reading as reading, whoosh.compat as compat\n"
        f"copy = compat.urlretrieve({source.as_uri()!r}, {str(tmp_path / 'copy.txt')!r})[0]\n"
        "r = {'stem': [morph.stem('searches'), analyzers.stem('running')],"
        " 'metaphone': list(morph.double_metaphone('Smith')),"
        " 'variations': sorted(terms.variations('ran'))[:3],"
        " 'cached_property': reading.cached_property is functools.cached_property,"
        " 'copy': open(copy, encoding='utf-8').read()}\n"
        # html, hashlib, calendar and queue: loaded by the first use, with the real results
        "import hashlib, whoosh.filedb.filetables as ft, whoosh.util.times as wt\n"
        "r['escape'] = compat.htmlescape('<档>')\n"
        "r['md5'] = ft.md5_hash(b'key') == int(hashlib.md5(b'key').hexdigest(), 16) & 0xFFFFFFFF\n"
        "wt.adatetime(2024, 2, 29)\n"
        "try:\n    wt.adatetime(2026, 2, 29)\n    r['calendar'] = False\nexcept wt.TimeError:\n    r['calendar'] = True\n"
        "r['queue'] = compat.queue.Queue().empty()\n"
        # Once called, the real modules are loaded; a later import gets them, not a stand-in.
        "import whoosh.lang.porter as porter, urllib.request\n"
        "r['real'] = [porter.stem('searches'), hasattr(urllib.request, 'urlopen')]\n"
        "print(json.dumps(r))"
    )
    assert got == {
        "stem": ["search", "runn"],  # whoosh's Porter stemmer, as without the stand-in
        "metaphone": ["SM0", "XMT"],
        "variations": ["ran", "run", "runner"],
        "cached_property": True,
        "copy": "档案",
        "escape": "&lt;档&gt;",
        "md5": True,
        "calendar": True,  # 2024-02-29 is a date, 2026-02-29 is not
        "queue": True,
        "real": ["search", True],
    }


def test_a_module_already_loaded_is_not_stood_in_for() -> None:
    got = _run(
        "import json, urllib.request, cached_property, dangan.search.whoosh\n"
        "import whoosh.compat, whoosh.reading\n"
        "print(json.dumps([whoosh.compat.urlretrieve is urllib.request.urlretrieve,"
        " whoosh.reading.cached_property is cached_property.cached_property]))"
    )
    assert got == [True, True]


def test_an_analyzer_holding_a_stood_in_function_still_pickles() -> None:
    # Whoosh pickles the schema into the index; a stemmed field's analyzer holds the stand-in for stem().
    got = _run(
        "import json, pickle, dangan.search.whoosh\n"
        "from whoosh.analysis import StemmingAnalyzer\n"
        "a = pickle.loads(pickle.dumps(StemmingAnalyzer()))\n"
        "print(json.dumps([t.text for t in a('searches running')]))"
    )
    assert got == ["search", "runn"]
