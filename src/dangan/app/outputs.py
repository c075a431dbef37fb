"""Use cases of what the archive hands over: archival copies with the 归档章, the 四性检测 report as a record.

``app.outputs.stamp(codes)`` makes (or re-makes, when what it shows has
changed) each record's rendition and files it on the record; with
``[outputs] renditions = "filing"`` a listener does so after every filing and
every metadata correction.  ``app.outputs.report()`` runs 四性检测 and files
its report (PDF/A) as a permanent record.  The drawing is WeasyPrint through
:class:`PdfRenderer` (the forms engine's fast font, nothing fetched).
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dangan.archive.model import ArchiveEvent, FilingRequest, Record, Source, Status
from dangan.archive.plan import RECORDS_OFFICE_CATEGORY
from dangan.errors import ArchiveError, ConfigError

if TYPE_CHECKING:
    from dangan.app.core import Dangan
    from dangan.outputs.stamp import StampValues

RENDITION_MODES = ("demand", "filing")
REPORT_FORM = "integrity-report"
PDF_VARIANT = "pdf/a-2b"
FONT_FAMILY = '"Dangan Serif GB", "Noto Serif CJK SC", serif'


@dataclass(frozen=True)
class StampResult:
    code: str
    made: bool  # False: the current rendition already shows these values
    path: str  # the rendition, relative to the archive folder
    method: str = ""  # overlay or wrapper (empty when not made)


class PdfRenderer:
    """HTML → PDF/A-2b with WeasyPrint: the fast CJK font embedded, every URL refused except data: URIs."""

    def __init__(self, font_css: str) -> None:
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        self.font_config = FontConfiguration()
        _cleanup_at_exit(self.font_config)
        self.stylesheets = [CSS(string=font_css, font_config=self.font_config)] if font_css else []
        self.fetcher = _data_only()

    def __call__(self, html: str) -> bytes:
        from weasyprint import HTML

        data: bytes = HTML(string=html, url_fetcher=self.fetcher).write_pdf(
            stylesheets=self.stylesheets, font_config=self.font_config, pdf_variant=PDF_VARIANT)
        return data


def _data_only() -> Any:
    """A WeasyPrint URL fetcher that reads data: URIs only (a failure stops the rendering)."""
    try:
        from weasyprint.urls import URLFetcher
    except ImportError:  # WeasyPrint before URLFetcher: a plain function
        from weasyprint import default_url_fetcher

        def fetch(url: str, *args: Any, **kwargs: Any) -> Any:
            if not url.startswith("data:"):
                raise ValueError(f"dangan 的归档副本不读取外部资源：{url[:80]}")
            return default_url_fetcher(url, *args, **kwargs)

        return fetch
    return URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)


_PID = os.getpid()


def _cleanup_at_exit(font_config: Any) -> None:
    """WeasyPrint removes its @font-face copies in ``__del__``, noisily at interpreter exit: do it first."""

    def remove() -> None:
        folder = getattr(font_config, "_folder", None)
        if folder and os.getpid() == _PID:
            shutil.rmtree(folder, ignore_errors=True)
        font_config._folder = None

    atexit.register(remove)


def output_folder(app: Dangan, path: Path) -> Path:
    """A folder chosen by the user for what dangan hands out: outside the archive, index, state, templates,
    quarantine (``Workspace.output_target``) and every watched folder (it would be filed as scans)."""
    from dangan.errors import WorkspaceError

    target = app.ws.output_target(path)
    for entry in app.watch_entries():
        folder = Path(entry.folder).resolve()
        if target == folder or folder in target.parents:
            raise WorkspaceError(f"不能写到监视目录 {folder} 中（会被当作扫描件归档）", path=target)
    return target


class Outputs:
    """``app.outputs``: renditions (归档章) and the 四性检测 report."""

    def __init__(self, app: Dangan) -> None:
        self.app = app
        mode = app.ws.config.settings.outputs.renditions
        if mode not in RENDITION_MODES:
            raise ConfigError(f"设置项「outputs.renditions」应为 demand 或 filing，实际为 {mode!r}",
                              field="outputs.renditions")
        self.mode = mode

    @property
    def renderer(self) -> PdfRenderer:
        """One per open workspace (shared by every acting_as view): the fonts load once."""
        shared = self.app._shared
        if shared.pdf_renderer is None:
            from dangan.forms.catalog import builtin_dir
            from dangan.forms.fonts import fast_fonts, font_face_css

            shared.pdf_renderer = PdfRenderer(font_face_css(fast_fonts(builtin_dir())))
        renderer: PdfRenderer = shared.pdf_renderer
        return renderer

    # ------------------------------------------------------------------ the 归档章

    def stamp_values(self, record: Record) -> StampValues:
        from dangan.archive.codes import parse_code
        from dangan.outputs.stamp import StampValues, period_text

        code = parse_code(record.archival_code)
        category = self.app.archive.plan.find(record.category)
        original = record.original
        pages = original.page_count if original and original.page_count else 1
        return StampValues(fonds=code.fonds, year=str(code.year), item=f"{code.seq:04d}",
                           organ=category.name if category else record.category,
                           period=period_text(self.app.archive.effective_period(record)), pages=str(pages))

    def inputs(self, record: Record) -> dict[str, Any]:
        """Everything a rendition shows: the stamp's cells and the identification metadata."""
        return {**self.stamp_values(record).to_dict(), "title": record.title, "author": record.author,
                "code": record.archival_code, "original_sha256": record.original.sha256 if record.original else ""}

    def stampable(self, record: Record) -> bool:
        from dangan.outputs.rendition import can_stamp

        original = record.original
        return record.status is not Status.DISPOSED and original is not None and can_stamp(original.format)

    def stamp(self, codes: Sequence[str], *, force: bool = False) -> list[StampResult]:
        """Make each record's archival copy with the 归档章 (unless it is current), filed on the record."""
        results = []
        for code in codes:
            record = self.app.archive.get(code)
            if not self.stampable(record):
                fmt = record.original.format if record.original else "无"
                why = "已销毁" if record.status is Status.DISPOSED else f"格式为 {fmt}，只有 PDF 和图片能加盖归档章"
                raise ArchiveError(f"不能制作归档副本：{why}", code=record.archival_code)
            results.append(self._stamp_one(record, force=force))
        return results

    def _stamp_one(self, record: Record, *, force: bool) -> StampResult:
        from dangan.content.pdfa import DocInfo
        from dangan.outputs import rendition

        inputs = self.inputs(record)
        current = self.app.archive.rendition_inputs(record.archival_code)
        if not force and record.rendition is not None and current is not None \
                and {k: current.get(k) for k in inputs} == inputs:
            return StampResult(record.archival_code, False, record.rendition.path)
        assert record.original is not None
        src = rendition.Source(data=self.app.archive.store.abs(record.original.path).read_bytes(),
                               format=record.original.format, text=self.app.archive.text_of(record.archival_code),
                               name=record.original.path)
        info = DocInfo(title=record.title, author=record.author, subject=f"档号 {record.archival_code}",
                       keywords=f"{record.archival_code} 归档章")
        made = rendition.make(src, self.stamp_values(record), info, self.renderer, font_family=FONT_FAMILY)
        work = self.app.ws.state_dir / "tmp"
        work.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=work, prefix="rendition-") as tmp:
            path = Path(tmp) / f"{record.archival_code}.pdf"
            path.write_bytes(made.data)
            updated = self.app.archive.add_rendition(record.archival_code, path,
                                                     inputs={**inputs, "method": made.method})
        assert updated.rendition is not None
        return StampResult(record.archival_code, True, updated.rendition.path, made.method)

    def listener(self) -> RenditionListener:
        return RenditionListener(self)

    # ------------------------------------------------------------ 四性检测 report

    def report(self, *, progress: Any = None, operator: str = "") -> tuple[Any, Record]:
        """Run 四性检测 and file its report as a permanent record; returns (VerifyReport, the report's record)."""
        from dangan.outputs.report import report_data

        verify = self.app.verify(progress=progress)
        head = self.app.archive.catalogue.audit_head()
        data = report_data(verify, head=(head.id, head.hash) if head else None, at=self.app.clock.now(),
                           operator=operator or (self.app.actor.name if self.app.actor else ""),
                           notes=self.report_notes())
        record = self.file_form(REPORT_FORM, data, title=f"电子档案四性检测报告（{data['checked_at']}）",
                                meta={"result": data["result"], "audit_head": data["audit_head"]})
        return verify, record

    def report_notes(self) -> list[dict[str, str]]:
        """Extra lines of the report (the trust issue adds the chain's anchors here)."""
        from importlib.metadata import PackageNotFoundError, version

        try:
            program = f"dangan {version('dangan')}"
        except PackageNotFoundError:
            program = "dangan"
        return [{"label": "检测程序", "value": program},
                {"label": "档案目录", "value": getattr(self.app.archive.catalogue, "url", "")}]

    def file_form(self, form_id: str, data: dict[str, Any], *, title: str, meta: dict[str, str]) -> Record:
        """Render one of the archive's own forms as PDF/A and file it (category DA, permanent)."""
        from dangan.forms import render_form

        work = self.app.ws.state_dir / "tmp"
        work.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=work, prefix=f"{form_id}-") as tmp:
            doc = render_form(self.app.ws, form_id, data, formats=("pdf",), out_dir=Path(tmp),
                              numbers=self.app.numbers(), clock=self.app.clock)
            req = FilingRequest(path=doc.files["pdf"], category=RECORDS_OFFICE_CATEGORY, title=title,
                                date=self.app.clock.today(), doc_number=doc.doc_number, source=Source.GENERATED,
                                form_id=form_id, form_data=doc.data, meta={"form_title": doc.form_title, **meta},
                                original_name=doc.files["pdf"].name)
            return self.app.archive.file_many([req])[0].record


class RenditionListener:
    """With ``renditions = "filing"``: after each filing or correction, the records' copies are (re)made."""

    EVENTS = (ArchiveEvent.FILED, ArchiveEvent.METADATA, ArchiveEvent.EXTEND)

    def __init__(self, outputs: Outputs) -> None:
        self.outputs = outputs

    def on_archive_event(self, event: ArchiveEvent, record: Record, text: str | None) -> None:
        self.on_archive_events([(event, record, text)])

    def on_archive_events(self, batch: Sequence[tuple[ArchiveEvent, Record, str | None]]) -> None:
        codes = [r.archival_code for e, r, _ in batch if e in self.EVENTS and self.outputs.stampable(r)]
        if codes:
            self.outputs.stamp(list(dict.fromkeys(codes)))
