"""Chinese-aware text analysis, the same for every search backend.

* **Index terms** (:meth:`Analyzer.index_terms`): every pair of adjacent CJK
  characters, plus the first and last character of each CJK run as
  single-character terms, plus ASCII/digit tokens (``3-1201`` gives
  ``3-1201``, ``3`` and ``1201``).  A name no dictionary knows (欧阳喆) is
  still found through its bigrams.  Only term frequencies are needed (no
  positions): a query word needs all of its bigrams, and a word of three or
  more characters is then checked *as written* (:func:`as_written`).
* **Query words** (:meth:`Analyzer.cut`): an unspaced run of Chinese in a
  query is cut into words (``装修违规`` → 装修 违规), each of which must
  occur; single characters stay attached to a neighbour so an unknown name
  is kept whole (:func:`merge_singles`).
* **Units and numbers**: a unit written as 4栋1002室 must appear as written,
  not inside 14栋 or 10栋1002室 (:data:`UNIT`, :func:`as_written`).

Nothing here knows Whoosh or SQL: the Whoosh backend
(:mod:`dangan.search.whoosh`) and any other backend store the same terms and
apply the same checks.  Configuration (the workspace's extra dictionary) is
held by an :class:`Analyzer` object, one per backend.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dangan.errors import SearchIndexError

#: Bump when :meth:`Analyzer.index_terms` (or what is indexed) changes: every
#: entry's fingerprint changes, so ``index check`` reports them stale.
ANALYSIS_VERSION = 2

# CJK Unified Ideographs incl. extensions A and B-F (rare characters in names), compatibility.
CJK_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x3134F))
CJK = "".join(f"{chr(lo)}-{chr(hi)}" for lo, hi in CJK_RANGES)
ASCII_TOKEN = re.compile(r"[A-Za-z0-9]+(?:[-_./][A-Za-z0-9]+)*")
# The one pattern with the CJK class (compiling a class of 28,000 characters costs milliseconds
# at every start-up): the other checks go by code point.
RUN_OR_ASCII = re.compile(f"([{CJK}]+)|({ASCII_TOKEN.pattern})")
_ASCII_PART = re.compile(r"[A-Za-z0-9]+")
_ASCII_ALNUM = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
#: A unit written as in 3栋1201室, 12幢2单元0403, 5号楼1502: numbers joined by unit characters.
UNIT = re.compile(r"[0-9]+(?:(?:号楼|单元|[栋幢座楼层室户号])[0-9]+)+(?:室|户|号)?")

#: Terms of the trade that a general dictionary splits or misses.
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


def is_cjk_char(c: str) -> bool:
    o = ord(c)
    return any(lo <= o <= hi for lo, hi in CJK_RANGES)


def is_cjk(text: str) -> bool:
    """Whether ``text`` is a non-empty run of Chinese characters."""
    return bool(text) and all(map(is_cjk_char, text))


def cjk_runs(text: str) -> list[str]:
    """The runs of Chinese characters in ``text``."""
    return [m.group(1) for m in RUN_OR_ASCII.finditer(text) if m.group(1) is not None]


def bigrams(text: str) -> list[str]:
    """Adjacent pairs of ``text`` (a CJK piece): what an index holds for it."""
    return [text[i : i + 2] for i in range(len(text) - 1)]


def ascii_terms(token: str) -> list[str]:
    """``JF-2026-0001`` → itself (lower-cased) plus ``jf``, ``2026``, ``0001``."""
    low = token.lower()
    parts = _ASCII_PART.findall(low)
    return [low, *parts] if len(parts) > 1 else [low]


def index_terms(text: str) -> list[str]:
    """The terms indexed for ``text``, with repetitions (their count is the term frequency)."""
    out: list[str] = []
    extend = out.extend
    for m in RUN_OR_ASCII.finditer(text):
        run = m.group(1)
        if run is not None:
            if len(run) > 1:
                extend((run[0], run[-1]))
                extend(map(str.__add__, run[:-1], run[1:]))
            else:
                out.append(run)
        else:
            extend(ascii_terms(m.group(2)))
    return out


def edge_characters(text: str) -> set[str]:
    """Single Chinese characters written next to a letter or digit (栋 and 室 in 3栋1201室).

    Next to a non-Chinese character a character starts or ends its run, and
    the edges of every run are indexed as single-character terms: such a
    piece needs that one term, not every bigram it may start.
    """
    out: set[str] = set()
    last = len(text) - 1
    for i, c in enumerate(text):
        if not is_cjk_char(c):
            continue
        before = text[i - 1] if i else ""
        after = text[i + 1] if i < last else ""
        cjk_before = bool(before) and is_cjk_char(before)
        cjk_after = bool(after) and is_cjk_char(after)
        if (before in _ASCII_ALNUM and not cjk_after) or (after in _ASCII_ALNUM and not cjk_before):
            out.add(c)
    return out


def merge_singles(words: list[str]) -> list[str]:
    """Attach single characters to a neighbour: 欧阳/喆 → 欧阳喆 (a name is kept whole)."""
    out: list[str] = []
    pending = ""
    for w in words:
        if len(w) == 1:
            if out and not pending:
                out[-1] += w
            else:
                pending += w
            continue
        out.append(pending + w)
        pending = ""
    if pending:
        if out:
            out[-1] += pending
        else:
            out.append(pending)
    return out


def as_written(piece: str) -> re.Pattern[str]:
    """``piece`` as written: any whitespace between its characters (PDF tables break lines
    inside a cell), and not inside a longer number (4栋 is not in 14栋)."""
    chars = [c for c in piece if not c.isspace()]
    head = "(?<![0-9])" if chars[:1] and chars[0].isdigit() else ""
    tail = "(?![0-9])" if chars[-1:] and chars[-1].isdigit() else ""
    return re.compile(head + r"\s*".join(re.escape(c) for c in chars) + tail)


def needs_check(piece: str) -> bool:
    """Whether matching the terms of ``piece`` is not enough: a CJK word of 3+ characters."""
    return len(piece) > 2 and is_cjk(piece)


# ---------------------------------------------------------------- the configured analyzer


def read_user_dict(path: Path) -> tuple[tuple[str, int | None], ...]:
    """The (word, frequency or None) lines of a user dictionary (``word [freq]``; ``#`` starts a comment)."""
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise SearchIndexError(f"无法读取分词词典：{e}", path=path) from e
    words: list[tuple[str, int | None]] = []
    for line in lines:
        parts = line.split()
        if parts and not parts[0].startswith("#"):
            freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
            words.append((parts[0], freq or None))
    return tuple(words)


@dataclass
class Analyzer:
    """Index terms and query cutting with one workspace's configuration.

    ``user_words`` and the words of the ``user_dict`` file (the workspace's
    ``search.user_dict``, read when the first query is cut) are kept whole
    when a query is cut, beside :data:`DOMAIN_WORDS`.
    """

    user_words: tuple[str, ...] = ()
    user_dict: Path | None = None
    _cutter: Any = field(default=None, init=False, repr=False, compare=False)

    def index_terms(self, text: str) -> list[str]:
        return index_terms(text)

    def cut(self, run: str) -> list[str]:
        """A run of Chinese cut into the words a query means (装修违规 → 装修, 违规)."""
        if self._cutter is None:
            from dangan.search.words import Cutter, WordStore

            extra = read_user_dict(self.user_dict) if self.user_dict is not None else ()
            self._cutter = Cutter(WordStore.open(DOMAIN_WORDS), [*((w, None) for w in self.user_words), *extra])
        return [w for w in self._cutter.cut(run) if w.strip()]

    def pieces(self, text: str, *, exact: bool) -> list[str]:
        """The literal pieces a document must contain for ``text``.

        CJK runs are cut into words (unless ``exact``); single characters stay
        attached to a neighbour (:func:`merge_singles`).  ASCII is lower-cased.
        """
        pieces: list[str] = []
        for m in RUN_OR_ASCII.finditer(text):
            if m.group(1) is None:
                pieces.append(m.group(2).lower())
            elif exact or len(m.group(1)) <= 2:
                pieces.append(m.group(1))
            else:
                pieces.extend(merge_singles(self.cut(m.group(1))))
        return pieces



def __getattr__(name: str) -> Any:
    # Whoosh pickles the classes of an index's schema by module path: indexes
    # written before the Whoosh backend got its own package name these here.
    if name in ("BigramTokenizer", "WordTokenizer"):
        from dangan.search.whoosh import tokenizers

        return getattr(tokenizers, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
