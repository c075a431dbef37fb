"""Names from the file system as text for people (pure): legacy code pages, control characters."""

from __future__ import annotations

import os
import re

#: Characters a name must not carry into a line of text: C0/C1 controls, DEL, and the bidi controls
#: that can make ``gpj.exe`` look like ``exe.jpg``.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def readable(text: str | os.PathLike[str]) -> str:
    """A file name or path from the file system as text for people, titles, the catalogue and messages.

    Linux hands Python a name that is not valid UTF-8 (GBK bytes from a Windows share with a legacy
    code page) with its bytes as surrogate escapes, which no UTF-8 file, database or terminal takes.
    Each path component is decoded as UTF-8, else as GB18030, else with ``\\xNN`` escapes; control
    characters (a newline in a name) become escapes too, so a name is always one line.  Opening and
    moving the file keep using the real name.
    """
    text = os.fspath(text)
    try:
        raw = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a lone surrogate that is no escaped byte
        raw = text.encode("utf-8", "backslashreplace")
    parts = []
    for part in raw.split(b"/"):
        try:
            decoded = part.decode("utf-8")
        except UnicodeDecodeError:
            try:
                decoded = part.decode("gb18030")
            except UnicodeDecodeError:
                decoded = part.decode("utf-8", "backslashreplace")
        parts.append(decoded)
    return _CONTROL.sub(_escape, "/".join(parts))


def _escape(m: re.Match[str]) -> str:
    code = ord(m.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
