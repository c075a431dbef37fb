"""Chinese-aware text analysis: CJK bigrams for matching, jieba for cutting queries.

* **bigram tokens** (fields ``content`` and ``title``): every pair of adjacent
  CJK characters, plus the first and last character of each CJK run as
  single-character tokens, plus ASCII/digit tokens (``3-1201`` gives
  ``3-1201``, ``3`` and ``1201``).  A name jieba has never seen (欧阳喆) is
  still found through its bigrams.  The index stores their frequencies only
  (no positions): :mod:`dangan.search.query` requires all of a word's
  bigrams and checks the word as a substring of the record's text.
* **jieba** with the property-management dictionary cuts a query's runs
  into words (``装修违规`` → 装修 违规).  It is no longer run at indexing
  time: the ``words`` field it filled (schema 1) cost most of the indexing
  time and did not change the evaluation set's recall or MRR (both 1.0
  without it).  :func:`word_tokens` remains for analysing text by hand.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from whoosh.analysis import Token, Tokenizer

from dangan.errors import SearchIndexError

# CJK Unified Ideographs incl. extensions A and B-F (rare characters in names), compatibility.
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
CJK_RUN = re.compile(f"[{_CJK}]+")
ASCII_TOKEN = re.compile(r"[A-Za-z0-9]+(?:[-_./][A-Za-z0-9]+)*")
_RUN_OR_ASCII = re.compile(f"([{_CJK}]+)|({ASCII_TOKEN.pattern})")
_ASCII_PART = re.compile(r"[A-Za-z0-9]+")

#: Terms of the trade that jieba's general dictionary splits or misses.
DOMAIN_WORDS: tuple[str, ...] = (
    "业主", "住户", "租户", "业户", "滞纳金", "物业管理费", "物业费", "物业服务费", "空置房",
    "装修", "装修许可证", "装修押金", "催缴", "催缴通知", "承重墙", "违规", "违章", "整改",
    "整改通知", "限期整改", "违规整改", "客服中心", "前台", "投诉", "有效投诉", "无效投诉",
    "恶性投诉", "服务投诉", "业务投诉", "回访", "巡访", "巡查", "巡检", "楼宇巡检", "收楼",
    "交房", "验房", "遗留问题", "修缮", "维修", "报修", "公共区域", "公共维修基金", "维修基金",
    "水电费", "停车费", "车位", "管理处", "物业公司", "物业服务中心", "归档", "档案",
    "档号", "保管期限", "销毁清册", "电梯", "消防通道", "门禁卡", "钥匙", "交接班",
    "值班记录", "特约服务", "绿化", "保洁", "清洁卫生", "噪音", "漏水", "渗水", "防水层",
    "二次装修", "装修垃圾", "竣工验收", "产权", "租赁", "缴费通知", "欠费", "逾期",
    "房号", "单元", "楼栋", "质量体系", "满意度", "调查问卷",
)


@dataclass(frozen=True)
class Tok:
    """One analysed token: text and position (character offset)."""

    text: str
    pos: int


def is_cjk(text: str) -> bool:
    return bool(CJK_RUN.fullmatch(text))


# ---------------------------------------------------------------- jieba


class _Segmenter:
    """A jieba tokenizer with the domain dictionary, built once per (process, dictionary)."""

    def __init__(self, user_dict: Path | None) -> None:
        import jieba

        jieba.setLogLevel(logging.ERROR)
        logging.getLogger("jieba").setLevel(logging.ERROR)
        self.tk = jieba.Tokenizer()
        self.tk.initialize()
        for word in DOMAIN_WORDS:
            self.tk.add_word(word, freq=max(self.tk.suggest_freq(word, tune=False), 2000))
        if user_dict is not None:
            self._load_user_dict(user_dict)

    def _load_user_dict(self, path: Path) -> None:
        try:
            lines = path.read_text(encoding="utf-8-sig").splitlines()
        except OSError as e:
            raise SearchIndexError(f"无法读取分词词典：{e}", path=path) from e
        for line in lines:
            parts = line.split()
            if not parts or parts[0].startswith("#"):
                continue
            freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
            self.tk.add_word(parts[0], freq=freq or max(self.tk.suggest_freq(parts[0], tune=False), 2000))


_SEGMENTERS: dict[str, _Segmenter] = {}
_LOCK = threading.Lock()
_current_dict: Path | None = None


def configure(user_dict: Path | None) -> None:
    """Choose the workspace's extra dictionary (None: the built-in terms only)."""
    global _current_dict
    _current_dict = user_dict


def segmenter(user_dict: Path | None = None) -> _Segmenter:
    """The jieba segmenter for ``user_dict`` (default: the configured one), made lazily."""
    path = user_dict if user_dict is not None else _current_dict
    key = str(path or "")
    seg = _SEGMENTERS.get(key)
    if seg is None:
        with _LOCK:
            seg = _SEGMENTERS.get(key) or _Segmenter(path)
            _SEGMENTERS[key] = seg
    return seg


def cut_words(text: str) -> list[str]:
    """jieba ``cut`` (precise mode) of ``text``: what a query's words are."""
    return [w for w in segmenter().tk.cut(text, HMM=True) if w.strip()]


# ---------------------------------------------------------------- token streams


def bigram_terms(text: str) -> list[str]:
    """The texts of :func:`bigram_tokens` without positions (the indexing hot path)."""
    out: list[str] = []
    extend = out.extend
    for m in _RUN_OR_ASCII.finditer(text):
        run = m.group(1)
        if run is not None:
            if len(run) > 1:
                extend((run[0], run[-1]))
                extend(map(str.__add__, run[:-1], run[1:]))
            else:
                out.append(run)
        else:
            extend(t.text for t in ascii_tokens(m.group(2)))
    return out


def bigram_tokens(text: str) -> list[Tok]:
    """Tokens for the ``content`` field: CJK bigrams + run-edge chars, ASCII tokens."""
    out: list[Tok] = []
    append = out.append
    for m in _RUN_OR_ASCII.finditer(text):
        start = m.start()
        run = m.group(1)
        if run is not None:
            n = len(run)
            append(Tok(run[0], start))
            for i in range(n - 1):
                append(Tok(run[i : i + 2], start + i))
            if n > 1:
                append(Tok(run[-1], start + n - 1))
        else:
            out.extend(ascii_tokens(m.group(2), start))
    return out


def ascii_tokens(token: str, start: int = 0) -> list[Tok]:
    """``JF-2026-0001`` → itself (lower-cased) plus ``jf``, ``2026``, ``0001``."""
    low = token.lower()
    out = [Tok(low, start)]
    parts = _ASCII_PART.findall(low)
    if len(parts) > 1:
        out.extend(Tok(p, start) for p in parts)
    return out


def word_tokens(text: str) -> list[str]:
    """Tokens for the ``words`` field: jieba search-mode words, ASCII lower-cased."""
    words: list[str] = []
    for m in _RUN_OR_ASCII.finditer(text):
        if m.group(1) is not None:
            words.extend(segmenter().tk.cut_for_search(m.group(1), HMM=True))
        else:
            words.extend(t.text for t in ascii_tokens(m.group(2)))
    return words


# ---------------------------------------------------------------- whoosh glue


class _StreamTokenizer(Tokenizer):
    """Base: turn our token lists into whoosh Tokens (queries, highlighting, lists of strings)."""

    def _pairs(self, value: str) -> Iterable[tuple[str, int]]:
        raise NotImplementedError

    def __call__(  # type: ignore[override]
        self,
        value: str | list,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: object,
    ) -> Iterator[Token]:
        pairs = self._pairs(value if isinstance(value, str) else " ".join(value))
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for item in pairs:
            text, pos = (item, 0) if isinstance(item, str) else item
            t.text = text
            t.boost = 1.0
            t.stopped = False
            if positions:
                t.pos = start_pos + pos
            if chars:
                t.startchar = start_char + pos
                t.endchar = t.startchar + len(text)
            yield t


class BigramTokenizer(_StreamTokenizer):
    def _pairs(self, value: str) -> Iterable[tuple[str, int]]:
        return ((t.text, t.pos) for t in bigram_tokens(value))


class WordTokenizer(_StreamTokenizer):
    """jieba words.  Not used by the current schema; kept so that an index of
    schema 1 (which pickled it) still opens and is reported as outdated."""

    def _pairs(self, value: str) -> Iterable[str]:  # type: ignore[override]
        return word_tokens(value)
