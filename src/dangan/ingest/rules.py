"""Content rules: which category a text belongs to (pure).

Rules come from ``[[rule]]`` entries in dangan.toml: keywords (any one
occurring) or a regular expression, per category.  The first rule that
matches wins.  Chinese has no word boundaries, so ``\\b`` is refused: it
would never match inside a Chinese sentence.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dangan.errors import ConfigError


@dataclass(frozen=True)
class Rule:
    category: str
    keywords: tuple[str, ...] = ()
    regex: re.Pattern[str] | None = None


def _normalise(text: str) -> str:
    """Drop whitespace (OCR often splits Chinese runs) and fold full-width spaces."""
    return re.sub(r"\s+", "", text)


def compile_rule(entry: Mapping[str, Any], *, index: int = 1) -> Rule:
    pattern = entry.get("regex") or ""
    field = f"rule[{index}].regex"
    if "\\b" in pattern:
        raise ConfigError("正则表达式不能用 \\b：中文没有词边界，这条规则永远不会命中", field=field)
    try:
        regex = re.compile(pattern) if pattern else None
    except re.error as e:
        raise ConfigError(f"正则表达式写错了：{e}", field=field) from e
    keywords = tuple(_normalise(k) for k in entry.get("keywords") or () if k.strip())
    if not keywords and regex is None:
        raise ConfigError("规则既没有关键词也没有正则表达式", field=f"rule[{index}]")
    return Rule(category=str(entry["category"]), keywords=keywords, regex=regex)


def compile_rules(entries: Iterable[Mapping[str, Any]]) -> list[Rule]:
    return [compile_rule(e, index=i) for i, e in enumerate(entries, start=1)]


def classify(text: str, rules: Sequence[Rule]) -> Rule | None:
    """The first rule matching ``text`` (keywords ignore whitespace), or None."""
    if not text:
        return None
    flat = _normalise(text)
    for rule in rules:
        if any(k in flat for k in rule.keywords) or (rule.regex and rule.regex.search(text)):
            return rule
    return None
