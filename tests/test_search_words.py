"""Query cutting without jieba at query time: the same words as jieba, from a store that opens in milliseconds."""

from __future__ import annotations

import json
import logging
import random
import subprocess
import sys
from pathlib import Path

import pytest

from dangan.search.analysis import DOMAIN_WORDS, cjk_runs
from dangan.search.words import Cutter, WordStore

EVAL = Path(__file__).parent / "eval"


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cache")
    WordStore.open(DOMAIN_WORDS, folder)
    return folder


def make_jieba():
    import jieba

    jieba.setLogLevel(logging.ERROR)
    tk = jieba.Tokenizer()
    tk.initialize()
    for word in DOMAIN_WORDS:  # as dangan configured jieba before
        tk.add_word(word, freq=max(tk.suggest_freq(word, tune=False), 2000))
    return tk


@pytest.fixture(scope="module")
def jieba_tokenizer():
    return make_jieba()


def corpus_runs() -> list[str]:
    runs: set[str] = set()
    for line in (EVAL / "corpus.jsonl").read_text(encoding="utf-8").splitlines():
        d = json.loads(line)
        runs.update(cjk_runs(f"{d['title']}\n{d['text']}"))
    for q in json.loads((EVAL / "queries.json").read_text(encoding="utf-8")):
        runs.update(cjk_runs(q["query"]))
    return sorted(runs)


def test_every_run_of_the_evaluation_set_is_cut_as_jieba_cuts_it(store_dir: Path, jieba_tokenizer) -> None:
    cutter = Cutter(WordStore.open(DOMAIN_WORDS, store_dir))
    runs = corpus_runs()
    rng = random.Random(1)
    chars = sorted({c for r in runs for c in r})
    # unknown sequences (the HMM's part), glued phrases, characters jieba does not call Chinese
    runs += ["".join(rng.choice(chars) for _ in range(rng.randint(2, 14))) for _ in range(1500)]
    runs += ["".join(rng.sample(runs[:2000], 3)) for _ in range(500)]
    runs += ["业主𠀀喆投诉", "㐀丂漏水", "王霞禤投诉电梯噪音"]
    differ = [(r, cutter.cut(r), list(jieba_tokenizer.cut(r, HMM=True))) for r in runs]
    differ = [d for d in differ if d[1] != d[2]]
    assert len(runs) > 4000 and differ == []


def test_added_words_are_kept_whole_as_jieba_keeps_them(store_dir: Path) -> None:
    tk = make_jieba()
    tk.add_word("翠湖天地", freq=max(tk.suggest_freq("翠湖天地", tune=False), 2000))
    tk.add_word("司马淼", freq=50)
    cutter = Cutter(WordStore.open(DOMAIN_WORDS, store_dir), [("翠湖天地", None), ("司马淼", 50)])
    for run in ("翠湖天地司马淼投诉漏水", "翠湖天地物业管理费催缴", "司马淼反映噪音"):
        assert cutter.cut(run) == list(tk.cut(run, HMM=True))
    assert cutter.cut("翠湖天地漏水")[0] == "翠湖天地"


def test_a_folder_that_cannot_be_written_gets_a_store_in_memory(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x", encoding="utf-8")
    cutter = Cutter(WordStore.open(DOMAIN_WORDS, blocker / "cache"))
    assert cutter.cut("装修违规通知未送达") == ["装修", "违规", "通知", "未", "送达"]
    assert list(blocker.parent.iterdir()) == [blocker]


def test_cutting_a_query_loads_no_jieba(store_dir: Path) -> None:
    code = ("import sys; from dangan.search import parse; parse('装修违规通知未送达 王霞禤'); "
            "print('jieba' in sys.modules, 'whoosh' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"DANGAN_CACHE_DIR": str(store_dir), "PATH": "/usr/bin:/bin"})
    assert out.stdout.split() == ["False", "False"]
