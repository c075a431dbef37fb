"""Phone, ID and bank-card numbers masked in every text dangan keeps or shows (制度 第二篇 3: 不得向任何人
透露用户电话号码).  Pure; the one masker of dangan.

- mobile numbers (11 digits from 13–19, optionally +86 / 86 and spaces or hyphens between the groups):
  ``13983456721`` → ``139****6721``;
- landlines with an area code: ``0755-88123456`` → ``0755-****3456``;
- resident ID numbers (18 characters, the last may be X; or the old 15 digits):
  ``110101199001011234`` → ``1101**********1234``;
- bank-card-like runs (16–19 digits, optionally in groups of 4): ``6222 0212 3456 7890`` →
  ``6222 **** **** 7890``.

A number inside a longer run of letters or digits (a hash, an archival code, an amount) is left alone.
Masking keeps the length (highlight spans in a masked snippet stay valid) and is idempotent.

A masked number can still be looked up: :func:`number_keys` gives, for every full number in a text, a
keyed hash (HMAC-SHA-256 with the workspace's number key, which is kept apart from the index), indexed
as a term; :func:`keyed_query` turns a full number typed in a query into that same term.  The index
therefore holds no number, only terms that nobody without the key can link to one.
"""

from __future__ import annotations

import re
from typing import Any

_B = r"(?<![0-9A-Za-z*])"  # not inside a longer run of digits or letters (nor next to a mask)
_E = r"(?![0-9A-Za-z*])"

_ID = re.compile(_B + r"(\d{6})(\d{8})(\d{3}[\dXx])" + _E + "|" + _B + r"(\d{6})(\d{6})(\d{3})" + _E)
_CARD = re.compile(_B + r"(\d{4})((?:[ -]?\d{4}){3})([ -]?\d{1,3})?" + _E)
_MOBILE = re.compile(_B + r"((?:\+?86[ -]?)?1[3-9]\d)([ -]?)(\d{4})([ -]?)(\d{4})" + _E)
_LANDLINE = re.compile(_B + r"(0\d{2,3})([ -]?)(\d{3,4})([ -]?)(\d{4})" + _E)

#: (kind, pattern) in the order they are applied: a longer kind first, so its digits are not taken by
#: a shorter one.
PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("id", _ID), ("card", _CARD), ("mobile", _MOBILE), ("landline", _LANDLINE),
)

#: The record meta entry holding the keyed terms of the full numbers its texts had when filed.
NUMBER_KEYS_META = "_number_keys"

KEY_PREFIX = "nk"  # a number's index term: nk + 20 hex digits (one ASCII token for every analyzer)


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit() or c in "Xx").upper()


def _keep_ends(s: str, head: int, tail: int) -> str:
    """``s`` with every digit but the first ``head`` and last ``tail`` replaced by ``*`` (separators kept)."""
    positions = [i for i, c in enumerate(s) if c.isdigit() or c in "Xx"]
    hidden = set(positions[head:len(positions) - tail])
    return "".join("*" if i in hidden else c for i, c in enumerate(s))


def _masked(kind: str, s: str) -> str:
    if kind == "mobile":
        country = 2 if _digits(s).startswith("86") and len(_digits(s)) == 13 else 0
        return _keep_ends(s, 3 + country, 4)
    if kind == "landline":
        area = len(re.match(r"0\d{2,3}", s).group(0))  # type: ignore[union-attr]
        return _keep_ends(s, area, 4)
    return _keep_ends(s, 4, 4)  # id, card


def _normal(kind: str, s: str) -> str:
    """The number as a lookup compares it: digits only, without +86 (a mobile number is its 11 digits)."""
    d = _digits(s)
    if kind == "mobile" and len(d) == 13:
        d = d[2:]
    return d


def _spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, kind) of every number to mask, not overlapping, in order."""
    taken: list[tuple[int, int, str]] = []
    for kind, pattern in PATTERNS:
        for m in pattern.finditer(text):
            if not any(m.start() < e and s < m.end() for s, e, _ in taken):
                taken.append((m.start(), m.end(), kind))
    return sorted(taken)


def mask_text(text: str) -> str:
    """``text`` with every phone, ID and bank-card number masked (idempotent, same length)."""
    if not text or not any(c.isdigit() for c in text):
        return text
    out, last = [], 0
    for start, end, kind in _spans(text):
        out += [text[last:start], _masked(kind, text[start:end])]
        last = end
    out.append(text[last:])
    return "".join(out)


def number_key(key: bytes, kind: str, number: str) -> str:
    """The index term of one full number (pure): its kind's family and digits, keyed."""
    family = "phone" if kind in ("mobile", "landline") else kind
    import hashlib  # only a keyed number needs them (a search without digits does not)
    import hmac

    mac = hmac.new(key, f"{family}:{_normal(kind, number)}".encode(), hashlib.sha256).hexdigest()
    return KEY_PREFIX + mac[:20]


def number_keys(text: str | None, key: bytes) -> tuple[str, ...]:
    """The index terms of the full numbers in ``text`` (before it is masked), each once, in order."""
    if not text or not any(c.isdigit() for c in text):
        return ()
    return tuple(dict.fromkeys(number_key(key, kind, text[s:e]) for s, e, kind in _spans(text)))


def keyed_query(query: str, key: bytes) -> str:
    """A query with every full number in it replaced by its index term (so it finds the masked record)."""
    if not any(c.isdigit() for c in query):
        return query
    out, last = [], 0
    for start, end, kind in _spans(query):
        out += [query[last:start], f" {number_key(key, kind, query[start:end])} "]
        last = end
    out.append(query[last:])
    return "".join(out)


def keyed_terms(query: str, key: bytes) -> dict[str, str]:
    """term → the number masked, for every full number in ``query`` (to show what was searched for)."""
    return {number_key(key, kind, query[s:e]): mask_text(query[s:e]) for s, e, kind in _spans(query)}


def masked_values(value: Any) -> Any:
    """``value`` with every string in it masked (dicts and lists walked; other values kept)."""
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {k: masked_values(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(masked_values(v) for v in value)
    return value


def mask_phone(value: str) -> str:
    """A whole field value that is a phone number: 13812345678 → 138****5678 (first 3, last 4 kept)."""
    s = str(value)
    if len(s) <= 7:
        return "*" * len(s)
    return s[:3] + "*" * (len(s) - 7) + s[-4:]


def mask_id(value: str) -> str:
    """A whole field value that is an ID number: 110101199001011234 → 1101**********1234."""
    s = str(value)
    if len(s) <= 8:
        return "*" * len(s)
    return s[:4] + "*" * (len(s) - 8) + s[-4:]
