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


@dataclass
class LaidOut:
    """One document's laid-out pages.  They may be some of the pages of a bigger WeasyPrint
    document (sheets.py: a batch of notices laid out as one); ``coded``: each page carries its
    QR code already (a one-sheet notice), else pagecodes.stamp draws them after writing."""

    pages: list[Any]
    document: Any  # the WeasyPrint document the pages belong to
    title: str  # the document's own title (the PDF metadata of its file)
    coded: bool


def write_pages(laid: Sequence[LaidOut]) -> bytes:
    """The pages of ``laid``, in order, as one PDF/A-2b file: one pass of WeasyPrint's writer, one font
    subset for all."""
    first = laid[0]
    if len(laid) == 1 and len(first.pages) == len(first.document.pages):
        return first.document.write_pdf(**PDF_OPTIONS)
    return first.document.copy([page for d in laid for page in d.pages]).write_pdf(**PDF_OPTIONS)


def merge_pdfs(paths: Sequence[Path], title: str) -> bytes:
    """Concatenate finished PDFs into one PDF/A-2b file titled ``title`` (pikepdf: every part stays
    open until the whole is written, as pages copied from it read their streams then)."""
    import contextlib

    import pikepdf

    with contextlib.ExitStack() as stack:
        whole = stack.enter_context(pikepdf.open(paths[0]))
        for p in paths[1:]:
            whole.pages.extend(stack.enter_context(pikepdf.open(p)).pages)
        pdfa.conform(whole, pdfa.DocInfo(title=title, creator_tool=_creator(whole)))
        return pdfa.save(whole)


def _creator(pdf: Any) -> str:
    info = pdf.trailer.get("/Info")
    creator = info.get("/Creator") if info is not None else None
    return str(creator) if creator is not None else "dangan"


def split_pdf(whole: bytes, documents: Sequence[tuple[int, str]]) -> Iterator[bytes]:
    """Cut ``whole`` back into one PDF/A-2b file per document: ``documents`` gives each one's
    (page count, title), in order.

    pikepdf parses ``whole`` once.  A page keeps only the resources it draws: WeasyPrint gives
    every page of a document one shared resource dictionary, so a page split off would carry every
    image of its chunk (each notice's QR code) and every font any notice needed.  The font subset is
    the chunk's, so a file is a little bigger than one written alone."""
    import pikepdf

    with pikepdf.open(io.BytesIO(whole)) as src:
        creator = _creator(src)
        start = 0
        for count, title in documents:
            with pikepdf.new() as one:
                one.pages.extend(src.pages[start:start + count])
                for page in one.pages:
                    page.remove_unreferenced_resources()
                pdfa.conform(one, pdfa.DocInfo(title=title, creator_tool=creator))
                yield pdfa.save(one)
            start += count
        if start != len(src.pages):
            raise ValueError(f"PDF has {len(src.pages)} pages, documents have {start}")
