"""What a PDF template may load: ``data:`` URIs and files in its own folders, nothing else.

WeasyPrint fetches whatever a template names (``file:///etc/passwd`` as an
image or as an ``<a rel="attachment">`` embedded in the PDF, ``http://…`` as a
network request).  Every render gets a :class:`TemplateFetcher` that allows:

- ``data:`` URIs (the QR code);
- files inside the form's own template folders (workspace and built-in), the
  shared ``_base`` folders, and dangan's font files.

Anything else stops the render with :class:`RefusedURL`, which the renderer
turns into a template error naming the URL.  Symlinks are resolved first, so a
link inside a template folder cannot point outside it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit
from urllib.request import url2pathname

from weasyprint.urls import FatalURLFetchingError, URLFetcher

_ATTACHMENT = re.compile(r"""<(?:a|link)\b[^>]*\brel\s*=\s*["']?[^"'>]*\battachment\b""", re.I)


class RefusedURL(FatalURLFetchingError):
    """A template asked for something outside its folders (stops WeasyPrint's render)."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.url = url


class UrlPolicy:
    """The folders and files a template may read."""

    def __init__(self, roots: Iterable[Path]) -> None:
        self.roots = tuple(dict.fromkeys(Path(r).resolve() for r in roots))

    def allows(self, url: str) -> bool:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme == "data":
            return True
        if scheme != "file" or parts.netloc not in ("", "localhost"):
            return False
        path = Path(url2pathname(unquote(parts.path))).resolve()
        return any(path == r or path.is_relative_to(r) for r in self.roots)

    def check_attachments(self, html: str, base_url: str) -> None:
        """``<a rel="attachment">`` / ``<link rel="attachment">`` embed a file in the PDF: only allowed ones."""
        if not _ATTACHMENT.search(html):
            return
        from lxml import html as lxml_html

        tree = lxml_html.fromstring(html)
        for el in tree.iter("a", "link"):
            if "attachment" in (el.get("rel") or "").lower().split():
                url = urljoin(base_url, el.get("href") or "")
                if not self.allows(url):
                    raise RefusedURL(url)


class TemplateFetcher(URLFetcher):
    """WeasyPrint's fetcher, refusing what the policy does not allow (no network, no redirects)."""

    def __init__(self, policy: UrlPolicy) -> None:
        super().__init__(timeout=5, allowed_protocols=("data", "file"), allow_redirects=False)
        self.policy = policy

    def fetch(self, url: str, headers: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
        if not self.policy.allows(url):
            raise RefusedURL(url)
        return super().fetch(url, headers)
