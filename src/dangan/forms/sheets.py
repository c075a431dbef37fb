"""One-sheet documents (notices) laid out together, as one WeasyPrint document.

A notice is one sheet: its HTML is rendered with ``flow`` (``_base/base.html``),
which puts the page header at the top of the page itself, the QR code of
page 1 of 1 into the HTML, and fixed text in the footer.  The notices of a
batch chunk are then laid out as ONE document: the stylesheet is matched once
and WeasyPrint's per-document work is done once, and the document is written
once (one font subset).  Each notice's body becomes a ``div.sheet`` (which
starts a new page and carries the body's classes: the print CSS names
classes, never ``body``).

Whether each notice kept to its sheet is read from the laid-out pages
(:func:`pages_per_sheet`); one that did not is laid out again alone
(generate.lay_out).

Pure: text in, text out; the laid-out pages are only read.
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

ID_PREFIX = "dangan-sheet-"
_BODY = re.compile(r"<body(\s[^>]*)?>", re.I)
_CLASS = re.compile(r"""\bclass\s*=\s*(["'])(.*?)\1""", re.S)
_TITLE = re.compile(r"<title>(.*?)</title>", re.S | re.I)


@dataclass(frozen=True)
class Sheet:
    """A rendered one-sheet document, cut at its ``<body>``."""

    head: str  # everything before <body …>
    classes: str  # the body's classes
    inner: str  # what the body holds
    title: str  # the document's <title>, as text


def parse_sheet(html: str) -> Sheet | None:
    """``html`` cut at its one ``<body>``; None when it has not exactly one body to cut out."""
    starts = list(_BODY.finditer(html))
    end = html.rfind("</body>")
    if len(starts) != 1 or end < starts[0].end() or html.count("</body>") != 1:
        return None
    start = starts[0]
    attrs = start.group(1) or ""
    cls = _CLASS.search(attrs)
    title = _TITLE.search(html[:start.start()])
    return Sheet(head=html[:start.start()], classes=cls.group(2) if cls else "", inner=html[start.end():end],
                 title=html_lib.unescape(title.group(1)).strip() if title else "")


def join(sheets: Sequence[Sheet]) -> str:
    """One HTML document holding every sheet, each starting a page (the first one's head)."""
    body = "".join(f'<div class="sheet {s.classes}" id="{ID_PREFIX}{i}">{s.inner}</div>'
                   for i, s in enumerate(sheets))
    return f"{sheets[0].head}<body>{body}</body></html>"


def pages_per_sheet(pages: Sequence[Any], count: int) -> list[list[int]]:
    """For each of ``count`` joined sheets, the indexes of the laid-out pages it takes
    (a page belongs to the last sheet that started on or before it)."""
    out: list[list[int]] = [[] for _ in range(count)]
    current = -1
    for i, page in enumerate(pages):
        started = [int(k[len(ID_PREFIX):]) for k in page.anchors if k.startswith(ID_PREFIX)]
        if started:
            current = max(started)
        if current >= 0:
            out[current].append(i)
    return out
