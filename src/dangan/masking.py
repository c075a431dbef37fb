"""Phone and ID numbers masked in free text (制度 第二篇 3: 不得向任何人透露用户电话号码).  Pure.

Forms mask their own phone/ID fields when they are filled in; this masks the
numbers that appear inside any other text a front end shows: scanned and
hand-filed documents' text, titles, snippets, metadata.

- mobile numbers (11 digits from 13–19, optionally +86 / 86 and spaces or hyphens
  between the groups): ``13983456721`` → ``139****6721``;
- landlines with an area code: ``0755-88123456`` → ``0755-****3456``;
- resident ID numbers (18 characters, last may be X; or the old 15 digits):
  ``110101199001011234`` → ``1101**********1234``.

A number inside a longer run of letters or digits (a hash, an amount) is left alone.
"""

from __future__ import annotations

import re

_B = r"(?<![0-9A-Za-z])"  # not inside a longer run of digits or letters
_E = r"(?![0-9A-Za-z])"

_ID = re.compile(_B + r"(\d{6})(\d{8})(\d{3}[\dXx])" + _E + "|" + _B + r"(\d{6})(\d{6})(\d{3})" + _E)
_MOBILE = re.compile(_B + r"((?:\+?86[ -]?)?1[3-9]\d)([ -]?)(\d{4})([ -]?)(\d{4})" + _E)
_LANDLINE = re.compile(_B + r"(0\d{2,3})([ -]?)(\d{3,4})([ -]?)(\d{4})" + _E)


def _id(m: re.Match[str]) -> str:
    s = m.group(0)
    return s[:4] + "*" * (len(s) - 8) + s[-4:]


def _mobile(m: re.Match[str]) -> str:
    return f"{m[1]}{m[2]}****{m[4]}{m[5]}"


def _landline(m: re.Match[str]) -> str:
    return f"{m[1]}{m[2]}{'*' * len(m[3])}{m[4]}{m[5]}"


def mask_text(text: str) -> str:
    """``text`` with every phone and ID number masked (idempotent)."""
    if not text or not any(c.isdigit() for c in text):
        return text
    text = _ID.sub(_id, text)
    text = _MOBILE.sub(_mobile, text)
    return _LANDLINE.sub(_landline, text)
