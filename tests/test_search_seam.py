"""The search package's seam: light to import, no archive service inside, configuration per analyzer."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from dangan.search import SearchBackend, open_backend
from dangan.search.analysis import Analyzer

SEARCH = Path(__file__).resolve().parent.parent / "src" / "dangan" / "search"


def test_importing_the_package_and_parsing_loads_no_engine() -> None:
    code = ("import sys, dangan.search as s; s.parse('3栋1201 装修 OR 漏水 -电梯'); "
            "print(sorted(m for m in ('whoosh', 'jieba', 'dangan.archive.service') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
    return names


def test_the_search_package_never_opens_an_archive() -> None:
    offenders = {p.relative_to(SEARCH).as_posix(): sorted(m for m in _imports(p) if m.startswith("dangan.archive")
                                                          and m != "dangan.archive.model")
                 for p in SEARCH.rglob("*.py")}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_only_the_whoosh_package_imports_whoosh() -> None:
    outside = [p.relative_to(SEARCH).as_posix() for p in SEARCH.rglob("*.py")
               if "whoosh" not in p.relative_to(SEARCH).parts[:1]
               and any(m == "whoosh" or m.startswith("whoosh.") for m in _imports(p))]
    assert outside == []


def test_open_backend_gives_a_search_backend(ws) -> None:
    backend = open_backend(ws)
    assert isinstance(backend, SearchBackend)
    assert backend.needs_rebuild()  # a new workspace has no index yet


def test_each_analyzer_has_its_own_dictionary(tmp_path: Path) -> None:
    words = tmp_path / "words.txt"
    words.write_text("# 小区的名字\n翠湖天地\n", encoding="utf-8")
    plain, custom = Analyzer(), Analyzer(user_dict=words)
    assert custom.pieces("翠湖天地漏水", exact=False) == ["翠湖天地", "漏水"]
    assert plain.pieces("翠湖天地漏水", exact=False) != ["翠湖天地", "漏水"]
    assert Analyzer(user_words=("翠湖天地",)).pieces("翠湖天地漏水", exact=False) == ["翠湖天地", "漏水"]
