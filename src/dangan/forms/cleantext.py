"""Text that both renderers can print safely (pure).

Every text value is cleaned here before a template sees it (and headers of
batch sheets too):

- line breaks in disguise (CR, CR LF, vertical tab, form feed, NEL, U+2028,
  U+2029, as Word and Excel copy them) become ``\\n``; a tab becomes a space;
- a stray byte-order mark or zero-width space is removed;
- everything else that is invisible or not a character is **refused**, naming
  the character and its position: the other C0 and C1 control characters and
  DEL (one of them in a value made docxtpl's XML recovery drop every later
  ``&``, ``<`` and ``>`` of the DOCX), lone surrogates and noncharacters
  (U+FFFE, U+FFFF, …, which no file format can carry), and the bidirectional
  controls (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C), which can
  make a printed value read differently from what is stored.
"""

from __future__ import annotations

import re

_LINE_BREAKS = re.compile("\r\n|[\r\x0b\x0c\x85\u2028\u2029]")
_REMOVED = re.compile("[\ufeff\u200b]")
_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_BAD = re.compile(f"[\x00-\x08\x0e-\x1f\x7f-\x9f\ud800-\udfff{_BIDI}\ufdd0-\ufdef\ufffe\uffff]")
_PLANE_END = re.compile("[\U0001fffe\U0001ffff\U0002fffe\U0002ffff\U0003fffe\U0003ffff\U0004fffe\U0004ffff"
                        "\U0005fffe\U0005ffff\U0006fffe\U0006ffff\U0007fffe\U0007ffff\U0008fffe\U0008ffff"
                        "\U0009fffe\U0009ffff\U000afffe\U000affff\U000bfffe\U000bffff\U000cfffe\U000cffff"
                        "\U000dfffe\U000dffff\U000efffe\U000effff\U000ffffe\U000fffff\U0010fffe\U0010ffff]")

_NAMES = {
    "\x00": "空字符", "\x1b": "ESC 控制符", "\x7f": "DEL 删除符", "\u061c": "阿拉伯字母标记",
    "\u200e": "从左到右标记", "\u200f": "从右到左标记", "\u202a": "从左到右嵌入", "\u202b": "从右到左嵌入",
    "\u202c": "方向格式结束", "\u202d": "从左到右覆盖", "\u202e": "从右到左覆盖", "\u2066": "从左到右隔离",
    "\u2067": "从右到左隔离", "\u2068": "首字隔离", "\u2069": "方向隔离结束",
}


class BadCharacter(ValueError):
    """A value holds a character that cannot be printed safely (message in Chinese)."""

    def __init__(self, char: str, position: int) -> None:
        self.char = char
        self.position = position
        code = f"U+{ord(char):04X}"
        if "\ud800" <= char <= "\udfff":
            kind = "残缺的代理字符（文本编码已损坏）"
        elif re.match(f"[{_BIDI}]", char):
            kind = f"改变文字方向的控制符（{_NAMES.get(char, '方向控制')}）"
        elif ord(char) < 0xA0:
            kind = f"看不见的控制字符{'（' + _NAMES[char] + '）' if char in _NAMES else ''}"
        else:
            kind = "非字符（不是可打印的文字）"
        super().__init__(f"第 {position} 个字是{kind} {code}，无法打印；请删除后再试")


def _first_bad(text: str) -> re.Match[str] | None:
    found = [m for m in (_BAD.search(text), _PLANE_END.search(text)) if m]
    return min(found, key=lambda m: m.start()) if found else None


def clean_text(text: str) -> str:
    """``text`` with line breaks normalised and harmless invisibles removed; BadCharacter otherwise."""
    if text.isascii() and text.isprintable():
        return text
    text = _LINE_BREAKS.sub("\n", text).replace("\t", " ")
    text = _REMOVED.sub("", text)
    bad = _first_bad(text)
    if bad is not None:
        raise BadCharacter(bad.group(), bad.start() + 1)
    return text


def is_clean(text: str) -> bool:
    """True when ``text`` can be printed as it is (nothing to normalise or refuse)."""
    try:
        return clean_text(text) == text
    except BadCharacter:
        return False
