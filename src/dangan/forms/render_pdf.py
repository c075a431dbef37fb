"""PDF rendering with WeasyPrint (Noto Serif CJK SC, page counters, repeated headers).

The body font is a GB2312 subset of Noto Serif CJK SC (fonts.py) with the full
font as fallback: the subset is what makes writing a PDF fast.

The font configuration and the shared stylesheet are built once per process
and reused for every document: that is most of the speed.
"""

from __future__ import annotations

import atexit
import io
import logging
import os
import re
import shutil
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from dangan.content import pdfa
from dangan.errors import FormError
from dangan.forms.fonts import fast_fonts, font_face_css

STYLE = "_base/style.css"
#: Every PDF is written as PDF/A-2b (fonts embedded, sRGB output intent, XMP identification); see
#: dangan.content.pdfa for what is checked without a validator.
PDF_OPTIONS: dict[str, Any] = {"pdf_variant": "pdf/a-2b"}


@dataclass
class PdfEngine:
    """A reusable WeasyPrint setup for one template search path."""

    font_config: Any
    stylesheets: list[Any]
    dirs: tuple[Path, ...]
    shared_roots: tuple[Path, ...]  # the _base folders and the font files every template may read

    def policy(self, form_id: str) -> Any:
        """What the form's template may load: its own folders, the shared ones (fetcher.UrlPolicy)."""
        from dangan.forms.fetcher import UrlPolicy

        return UrlPolicy([*(d / form_id for d in self.dirs), *self.shared_roots])

    def render(self, html: str, *, base_url: Path, form_id: str | None = None) -> Any:
        """Lay out ``html``; a URL outside the form's folders is a FormError naming it."""
        from weasyprint import HTML

        from dangan.forms.fetcher import RefusedURL, TemplateFetcher

        policy = self.policy(form_id or base_url.name)
        base = base_url.resolve().as_uri() + "/"
        try:
            policy.check_attachments(html, base)
            return HTML(string=html, base_url=base, url_fetcher=TemplateFetcher(policy)).render(
                stylesheets=self.stylesheets, font_config=self.font_config)
        except RefusedURL as e:
            raise refused(e.url, form=form_id, path=base_url / "template.html") from None

    def to_pdf(self, html: str, *, base_url: Path, form_id: str | None = None) -> bytes:
        return self.render(html, base_url=base_url, form_id=form_id).write_pdf(**PDF_OPTIONS)


def refused(url: str, *, form: str | None, path: Path) -> FormError:
    shown = url if len(url) < 200 else url[:200] + "…"
    return FormError(f"模板要读取表单文件夹以外的内容，已拒绝：{shown}（模板只能使用 data: 图片和本表单文件夹里的文件）",
                     form=form, path=path)


_FONT_CONFIGS: list[Any] = []


@atexit.register
def _remove_font_folders() -> None:
    """WeasyPrint copies @font-face files into a temporary folder and removes it in
    ``__del__``, which fails noisily at interpreter shutdown; remove them first."""
    for config in _FONT_CONFIGS:
        folder = getattr(config, "_folder", None)
        if folder and os.getpid() == _FONT_CONFIGS_PID.get(id(config)):
            shutil.rmtree(folder, ignore_errors=True)
        config._folder = None
    _FONT_CONFIGS.clear()


_FONT_CONFIGS_PID: dict[int, int] = {}


@lru_cache(maxsize=8)
def pdf_engine(dirs: tuple[Path, ...]) -> PdfEngine:
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    from dangan.forms.fetcher import RefusedURL, TemplateFetcher, UrlPolicy

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    font_config = FontConfiguration()
    _FONT_CONFIGS.append(font_config)
    _FONT_CONFIGS_PID[id(font_config)] = os.getpid()
    sheets = []
    fonts = fast_fonts(dirs[-1])
    shared = (*(d / "_base" for d in dirs), *(f.path for f in fonts))
    fetcher = TemplateFetcher(UrlPolicy(shared))
    faces = font_face_css(fonts)
    if faces:
        sheets.append(CSS(string=faces, font_config=font_config, url_fetcher=fetcher))
    css_path = next((d / STYLE for d in dirs if (d / STYLE).is_file()), None)
    if css_path:
        try:
            sheets.append(CSS(filename=str(css_path), font_config=font_config, url_fetcher=fetcher))
        except RefusedURL as e:
            raise refused(e.url, form=None, path=css_path) from None
    return PdfEngine(font_config=font_config, stylesheets=sheets, dirs=dirs, shared_roots=shared)


def merge_pdfs(paths: Sequence[Path]) -> bytes:
    """Concatenate finished PDFs (pypdf; memory stays flat for big batches)."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    for p in paths:
        writer.append(str(p))
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def merge_documents(documents: Sequence[Any]) -> bytes:
    """Concatenate rendered WeasyPrint documents (one font subset for all)."""
    pages = [page for doc in documents for page in doc.pages]
    return documents[0].copy(pages).write_pdf(**PDF_OPTIONS)


_DO = re.compile(rb"/([^\s/\[\]()<>{}%]+)\s+Do\b")
_TF = re.compile(rb"/([^\s/\[\]()<>{}%]+)\s+[-+\d.]+\s+Tf\b")


def _own_resources(page: Any) -> None:
    """WeasyPrint gives every page of a document one shared resource dictionary,
    so a page split off would carry every image of its chunk (each notice's QR)
    and every font any notice needed.  Keep what this page draws: its images,
    and (when it draws no form XObject, which could use fonts of its own) its fonts."""
    from pypdf.generic import DictionaryObject, NameObject

    resources = page.get("/Resources")
    contents = page.get_contents()
    if resources is None or contents is None:
        return
    resources = resources.get_object()
    data = contents.get_data()
    copy = DictionaryObject(resources)
    xobjects = resources.get("/XObject")
    only_images = True
    if xobjects:
        used = set(_DO.findall(data))
        own = {k: v for k, v in xobjects.get_object().items() if k[1:].encode() in used}
        only_images = all(v.get_object().get("/Subtype") == "/Image" for v in own.values())
        copy[NameObject("/XObject")] = DictionaryObject(own)
    fonts = resources.get("/Font")
    if fonts and only_images:
        used = set(_TF.findall(data))
        copy[NameObject("/Font")] = DictionaryObject(
            {k: v for k, v in fonts.get_object().items() if k[1:].encode() in used})
    page[NameObject("/Resources")] = copy


def split_pdf(whole: bytes, documents: Sequence[Any]) -> Iterator[bytes]:
    """Cut ``whole`` (the pages of ``documents``, in order) back into one PDF per document.

    pypdf copies only what each document's pages use; the font subset is the
    chunk's, so a file is a little bigger than one written alone.  Each file
    gets its own document's title."""
    from pypdf import PdfReader, PdfWriter

    reader = PdfReader(io.BytesIO(whole))
    info = {k: v for k, v in (reader.metadata or {}).items() if isinstance(v, str)}
    start = 0
    for doc in documents:
        writer = PdfWriter()
        for page in reader.pages[start:start + len(doc.pages)]:
            _own_resources(page)
            writer.add_page(page)
        start += len(doc.pages)
        title = getattr(doc.metadata, "title", None)
        writer.add_metadata({**info, **({"/Title": title} if title else {})})
        buf = io.BytesIO()
        writer.write(buf)
        yield pdfa.mark(buf.getvalue(), pdfa.DocInfo(title=title or str(info.get("/Title", "")),
                                                      creator_tool=str(info.get("/Creator", "dangan"))))
    if start != len(reader.pages):
        raise ValueError(f"PDF has {len(reader.pages)} pages, documents have {start}")
