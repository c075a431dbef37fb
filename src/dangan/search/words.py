"""Cutting a query's runs of Chinese into words, as jieba would, without loading jieba per process.

jieba takes 0.7–1.3 s per process to load its dictionary (even from its own
cache) and its HMM model: most of a short ``dangan search``.  A query needs
only the frequencies of the few substrings of its runs.  So the dictionary
(jieba's, with :data:`~dangan.search.analysis.DOMAIN_WORDS` added by jieba
itself) and the HMM's emission table are written once into a SQLite file
(:class:`WordStore`, in the user's cache folder), and :class:`Cutter` looks
up what a run needs and runs jieba's algorithm on it: the same dictionary
route (DAG + maximum log probability) and, for runs of unknown single
characters, the same Viterbi over the B/M/E/S states.  The result is jieba's
precise mode with HMM; ``tests/test_search_words.py`` compares the two on
every run of the evaluation corpus.

The store is built the first time a query is cut on a machine (a few
seconds); a folder that cannot be written gets an in-memory store instead
(correct, but then every process pays the build).
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import math
import os
import sqlite3
import tempfile
import threading
from collections.abc import Iterable, Iterator
from itertools import groupby
from pathlib import Path

#: Bump when the store's layout or content changes.
FORMAT = 1
MIN_FLOAT = -3.14e100
#: Default frequency floor of an added word (as jieba's ``add_word`` was called by dangan).
ADDED_WORD_FREQ = 2000
#: What jieba calls Chinese (its ``re_han``, U+4E00–U+9FD5); other characters of a run are words of their own.
HAN = ("\u4e00", "\u9fd5")
_PREV = {"B": "ES", "M": "MB", "S": "SE", "E": "BM"}
STATES = "BMES"


def cache_dir() -> Path:
    """``$DANGAN_CACHE_DIR``, else ``$XDG_CACHE_HOME/dangan``, else ``~/.cache/dangan``."""
    explicit = os.environ.get("DANGAN_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "dangan"


def _jieba_dict() -> Path:
    spec = importlib.util.find_spec("jieba")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("jieba is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "dict.txt"


def store_key(domain_words: Iterable[str]) -> str:
    """What the store is made from: its format, jieba's dictionary file and the domain words."""
    d = _jieba_dict()
    st = d.stat()
    raw = json.dumps([FORMAT, str(d), st.st_size, st.st_mtime_ns, list(domain_words)], ensure_ascii=False)
    return hashlib.sha1(raw.encode("utf-8")).hexdigest()[:16]


class WordStore:
    """jieba's dictionary and HMM tables in SQLite: word → frequency, character → emission log-probabilities."""

    _lock = threading.Lock()

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        meta = dict(conn.execute("SELECT key, value FROM meta"))
        self.total = int(meta["total"])
        self.max_len = int(meta["max_len"])
        self.start_p: dict[str, float] = json.loads(meta["start_p"])
        self.trans_p: dict[str, dict[str, float]] = json.loads(meta["trans_p"])

    @classmethod
    def open(cls, domain_words: Iterable[str], folder: Path | None = None) -> WordStore:
        """The store for ``domain_words``, built if missing (in memory if ``folder`` is not writable)."""
        words = tuple(domain_words)
        folder = cache_dir() if folder is None else folder
        path = folder / f"words-{store_key(words)}.sqlite"
        if not path.exists():
            try:
                _build_file(path, words)
            except OSError:
                conn = sqlite3.connect(":memory:", check_same_thread=False)
                _fill(conn, words)
                return cls(conn)
        return cls(sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True, check_same_thread=False))

    def freqs(self, words: Iterable[str]) -> dict[str, int]:
        """word → frequency for those of ``words`` in the dictionary."""
        return dict(self._rows("SELECT w, f FROM words WHERE w IN ({})", words))

    def emissions(self, chars: Iterable[str]) -> dict[str, tuple[float, ...]]:
        """character → its B, M, E, S emission log-probabilities (:data:`MIN_FLOAT` where unknown)."""
        rows = self._rows("SELECT ch, b, m, e, s FROM emit WHERE ch IN ({})", chars)
        return {r[0]: tuple(MIN_FLOAT if v is None else v for v in r[1:]) for r in rows}

    def _rows(self, sql: str, keys: Iterable[str]) -> list[tuple]:
        todo = list(dict.fromkeys(keys))
        rows: list[tuple] = []
        with self._lock:
            for i in range(0, len(todo), 500):
                chunk = todo[i : i + 500]
                rows += self._conn.execute(sql.format(",".join("?" * len(chunk))), chunk).fetchall()
        return rows


def _build_file(path: Path, domain_words: tuple[str, ...]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".words-", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        conn = sqlite3.connect(tmp)
        try:
            _fill(conn, domain_words)
        finally:
            conn.close()
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def _fill(conn: sqlite3.Connection, domain_words: tuple[str, ...]) -> None:
    """Load jieba once (dictionary, domain words added by jieba itself, HMM) and write its tables."""
    import logging

    import jieba
    from jieba import finalseg

    jieba.setLogLevel(logging.ERROR)
    tk = jieba.Tokenizer()
    tk.initialize()
    for word in domain_words:
        tk.add_word(word, freq=max(tk.suggest_freq(word, tune=False), ADDED_WORD_FREQ))
    words = [(w, f) for w, f in tk.FREQ.items() if f]
    emit = {ch for table in finalseg.emit_P.values() for ch in table}
    with conn:
        conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID")
        conn.execute("CREATE TABLE words (w TEXT PRIMARY KEY, f INTEGER NOT NULL) WITHOUT ROWID")
        conn.execute("CREATE TABLE emit (ch TEXT PRIMARY KEY, b REAL, m REAL, e REAL, s REAL) WITHOUT ROWID")
        conn.executemany("INSERT INTO words VALUES (?, ?)", words)
        conn.executemany("INSERT INTO emit VALUES (?, ?, ?, ?, ?)",
                         [(ch, *(finalseg.emit_P[s].get(ch) for s in STATES)) for ch in emit])
        meta = {"total": str(tk.total), "max_len": str(max(len(w) for w, _ in words)),
                "start_p": json.dumps(finalseg.start_P), "trans_p": json.dumps(finalseg.trans_P)}
        conn.executemany("INSERT INTO meta VALUES (?, ?)", meta.items())


class Cutter:
    """jieba's precise mode (HMM on) over a :class:`WordStore`, with ``extra`` words added.

    ``extra``: (word, frequency or None) pairs, added the way jieba's
    ``add_word(word, max(suggest_freq(word), 2000))`` adds them.
    """

    def __init__(self, store: WordStore, extra: Iterable[tuple[str, int | None]] = ()) -> None:
        self.store = store
        self.total = store.total
        self.added: dict[str, int] = {}
        self.max_len = store.max_len
        for word, freq in extra:
            if word:
                self.add_word(word, freq)

    def add_word(self, word: str, freq: int | None = None) -> None:
        if freq is None:
            freq = max(self.suggest_freq(word), ADDED_WORD_FREQ)
        self.added[word] = freq
        self.total += freq
        self.max_len = max(self.max_len, len(word))

    def suggest_freq(self, word: str) -> int:
        """jieba's ``suggest_freq(word, tune=False)``: enough for ``word`` to stay whole."""
        freq = 1.0
        known = self._freqs([word])
        for seg in self._route_words(word):
            freq *= self._freqs([seg]).get(seg, 1) / float(self.total)
        return max(int(freq * self.total) + 1, known.get(word, 1))

    def cut(self, run: str) -> list[str]:
        out: list[str] = []
        for han, block in groupby(run, key=lambda c: HAN[0] <= c <= HAN[1]):
            if han:
                out.extend(self._cut_han("".join(block)))
            else:
                out.extend(block)  # characters jieba does not call Chinese: one word each
        return out

    # ------------------------------------------------------------ jieba's algorithm

    def _freqs(self, words: Iterable[str]) -> dict[str, int]:
        words = list(words)
        found = self.store.freqs(w for w in words if w not in self.added)
        found.update((w, self.added[w]) for w in words if w in self.added)
        return found

    def _route(self, s: str) -> list[int]:
        """end index (exclusive) of the word starting at each position: the most probable path."""
        n = len(s)
        freq = self._freqs(s[i:j] for i in range(n) for j in range(i + 2, min(n, i + self.max_len) + 1))
        freq.update(self._freqs(s))  # single characters
        logtotal = math.log(self.total)
        best: list[tuple[float, int]] = [(0.0, 0)] * (n + 1)
        for i in range(n - 1, -1, -1):
            ends = [j for j in range(i + 1, min(n, i + self.max_len) + 1) if freq.get(s[i:j])] or [i + 1]
            best[i] = max((math.log(freq.get(s[i:j]) or 1) - logtotal + best[j][0], j - 1) for j in ends)
        return [x + 1 for _, x in best[:n]]

    def _route_words(self, s: str) -> Iterator[str]:
        ends = self._route(s)
        i = 0
        while i < len(s):
            yield s[i : ends[i]]
            i = ends[i]

    def _cut_han(self, s: str) -> list[str]:
        """jieba's ``__cut_DAG``: dictionary words; runs of single characters not in it go to the HMM."""
        out: list[str] = []
        buf = ""
        for word in self._route_words(s):
            if len(word) == 1:
                buf += word
                continue
            if buf:
                out.extend(self._flush(buf))
                buf = ""
            out.append(word)
        if buf:
            out.extend(self._flush(buf))
        return out

    def _flush(self, buf: str) -> list[str]:
        if len(buf) == 1:
            return [buf]
        if self._freqs([buf]).get(buf):
            return list(buf)
        return self._hmm(buf)

    def _hmm(self, s: str) -> list[str]:
        """jieba.finalseg's Viterbi over B/M/E/S and its cut of the best path."""
        emit = self.store.emissions(s)
        unknown = (MIN_FLOAT,) * 4
        start, trans = self.store.start_p, self.store.trans_p
        first = emit.get(s[0], unknown)
        v = [{y: start[y] + first[k] for k, y in enumerate(STATES)}]
        path = {y: [y] for y in STATES}
        for t in range(1, len(s)):
            em = emit.get(s[t], unknown)
            v.append({})
            new = {}
            for k, y in enumerate(STATES):
                prob, state = max((v[t - 1][y0] + trans[y0].get(y, MIN_FLOAT) + em[k], y0) for y0 in _PREV[y])
                v[t][y] = prob
                new[y] = path[state] + [y]
            path = new
        _, state = max((v[-1][y], y) for y in "ES")
        words, begin, nexti = [], 0, 0
        for i, pos in enumerate(path[state]):
            if pos == "B":
                begin = i
            elif pos == "E":
                words.append(s[begin : i + 1])
                nexti = i + 1
            elif pos == "S":
                words.append(s[i])
                nexti = i + 1
        if nexti < len(s):
            words.append(s[nexti:])
        return words
