"""The application: one object per workspace that offers every use case of dangan.

Front ends (the command line today; the web interface and the REST API next)
open a :class:`Dangan` on a workspace with the acting user and call it; it
returns plain results and raises the :class:`~dangan.errors.DanganError`
family, and never prints or exits.  It wires the parts together: the archive
with its catalogue, the search index that follows it, the forms engine (for
generated documents and the registers the archive files itself), and the
intake pipeline.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dangan.actor import Actor
from dangan.app import search as search_seam
from dangan.clock import SYSTEM, Clock
from dangan.config import Workspace, open_workspace
from dangan.errors import DanganError

# A search (and ``dangan --help``) loads only what it uses: the archive's model, the file plan, the results
# and the file helpers are imported where they are needed (``acceptance/core`` measures the start-up).
if TYPE_CHECKING:
    from dangan.app.fees import Fees
    from dangan.app.ledger import Ledger
    from dangan.app.results import FiledDocument, GenerateOutcome, RecordDetails
    from dangan.archive.catalogue import Hold
    from dangan.archive.disposal import RenderedRegister
    from dangan.archive.model import FilingRequest, FilingResult, Record, Status
    from dangan.archive.plan import FilePlan
    from dangan.archive.service import Archive, DisposalResult, DueItem, ReconcileReport

Progress = Callable[[int, int], None]


class _Shared:
    """What every view of one open workspace shares: the archive (opened at first use) and the index."""

    def __init__(self, ws: Workspace, clock: Clock, *, index: bool) -> None:
        self.ws = ws
        self.clock = clock
        self.follow_index = index
        self.archive: Archive | None = None
        self.index: Any = None
        self.render_register: Any = None
        self.extra_listeners: list[Any] = []  # e.g. renditions at filing ([outputs] renditions = "filing")
        self.pdf_renderer: Any = None  # the outputs' WeasyPrint set-up, loaded once for every view
        self.indexer = search_seam.LazyIndexer(self.open_archive, self.open_index)

    def open_archive(self) -> Archive:
        if self.archive is None:
            from dangan.archive.service import Archive

            listeners = [self.indexer] if self.follow_index else []
            listeners += self.extra_listeners
            self.archive = Archive.open(self.ws, clock=self.clock, listeners=listeners,
                                        register_renderer=self.render_register)
        return self.archive

    def open_index(self) -> Any:
        if self.index is None:
            self.index = search_seam.open_index(self.ws)
        return self.index

    def close(self) -> None:
        if self.archive is not None:
            self.archive.close()
        if self.index is not None:
            self.index.close()


class Dangan:
    """dangan on one workspace, acting for one user.  Use :meth:`open`; close it (or use ``with``).

    The archive opens (migrating the catalogue, reconciling after a crash) the first time a use case
    needs it, so a search or a form listing pays for nothing else.
    """

    def __init__(self, shared: _Shared, *, actor: Actor | None) -> None:
        self._shared = shared
        self.ws = shared.ws
        self.clock = shared.clock
        self.actor = actor
        self._archive: Archive | None = None
        self._plan: FilePlan | None = None
        self._outputs: Any = None
        self._lending: Any = None

    @classmethod
    def open(cls, workspace: Workspace | Path | str | None = None, *, actor: Actor | None = None,
             clock: Clock = SYSTEM, index: bool = True) -> Dangan:
        """Open the workspace (``-w``, ``$DANGAN_WORKSPACE`` or the current folder when None).

        What opening the archive found is in :attr:`warnings`, which every front end shows.
        ``index=False`` opens without the search index following the archive.
        """
        ws = workspace if isinstance(workspace, Workspace) else open_workspace(workspace)
        shared = _Shared(ws, clock, index=index)
        app = cls(shared, actor=actor)
        shared.render_register = app._render_register
        if ws.config.settings.outputs.renditions == "filing":
            shared.extra_listeners.append(app.outputs.listener())
        return app

    def acting_as(self, actor: Actor | None) -> Dangan:
        """The same open workspace, acting for another user (a web request)."""
        return Dangan(self._shared, actor=actor)

    @property
    def archive(self) -> Archive:
        """The archive, acting for this view's user (opened at first use)."""
        if self._archive is None:
            self._archive = self._shared.open_archive().acting_as(self.actor)
        return self._archive

    @property
    def follows_index(self) -> bool:
        """Opened with the search index following the archive."""
        return bool(self._shared.follow_index)

    @property
    def archive_opened(self) -> bool:
        return self._shared.archive is not None

    def connect(self) -> None:
        """Open the archive now (connect, migrate the catalogue, reconcile), so that errors show at once."""
        self.archive  # noqa: B018 - the property opens it

    @property
    def outputs(self) -> Any:
        """Archival copies with the 归档章 and the 四性检测 report (:class:`dangan.app.outputs.Outputs`)."""
        if self._outputs is None:
            from dangan.app.outputs import Outputs

            self._outputs = Outputs(self)
        return self._outputs

    @property
    def lending(self) -> Any:
        """借阅 (:class:`dangan.app.lending.Lending`)."""
        if self._lending is None:
            from dangan.app.lending import Lending

            self._lending = Lending(self)
        return self._lending

    @property
    def transfer(self) -> Any:
        """移交 packages (:class:`dangan.app.transfer.Transfers`)."""
        from dangan.app.transfer import Transfers

        return Transfers(self)

    def close(self) -> None:
        self._shared.close()

    def __enter__(self) -> Dangan:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def accounts(self) -> Any:
        """Web users, device tokens, login throttling (:class:`dangan.app.accounts.Accounts`)."""
        from dangan.app.accounts import Accounts

        return Accounts(self.archive)

    @property
    def disposals(self) -> Any:
        """Disposal proposals and approvals by two people (:class:`dangan.app.disposal_workflow.DisposalWorkflow`)."""
        from dangan.app.disposal_workflow import DisposalWorkflow

        return DisposalWorkflow(self)

    @property
    def filling(self) -> Any:
        """Forms on screen: field checks, PDF preview, batch checks (:mod:`dangan.app.formfill`)."""
        from dangan.app.formfill import FormFilling

        return FormFilling(self)

    @property
    def quarantine(self) -> Any:
        """The intake quarantine: entries with reasons, retry, file by hand (:mod:`dangan.app.quarantine`)."""
        from dangan.app.quarantine import Quarantine

        return Quarantine(self)

    @property
    def review(self) -> Any:
        """The needs-review queue: confirm, or reclassify under a new code (:mod:`dangan.app.review`)."""
        from dangan.app.review import ReviewQueue

        return ReviewQueue(self)

    @property
    def reconcile_report(self) -> ReconcileReport:
        return self.archive.reconcile_report

    @property
    def warnings(self) -> list[str]:
        """What opening the archive found (files set aside after a crash, missing files) and what the
        index's catch-up repaired: show these."""
        return [*self.archive.reconcile_report.warnings(), *self._shared.indexer.notices]

    @property
    def plan(self) -> FilePlan:
        if self._plan is None:
            from dangan.archive.plan import load_plan

            self._plan = self._shared.archive.plan if self._shared.archive else load_plan(self.ws)
        return self._plan

    # ---------------------------------------------------------------- the archive

    def categories(self) -> FilePlan:
        return self.plan

    def file(self, paths: Sequence[Path], *, category: str, title: str | None = None, date: dt.date | None = None,
             meta: Mapping[str, str] | None = None, doc_number: str | None = None, author: str | None = None,
             security: str | None = None, building: str | None = None, unit: str | None = None,
             room: str | None = None) -> list[FiledDocument]:
        """File documents by hand (``archive add``).  A ListenerError carries the results if only the index failed."""
        fields = {k: v for k, v in (("doc_number", doc_number), ("author", author), ("security", security),
                                    ("building", building), ("unit", unit), ("room", room)) if v is not None}
        from dangan.app.results import FiledDocument
        from dangan.archive.model import FilingRequest

        reqs = [FilingRequest(path=Path(p), category=category, title=title, date=date, meta=dict(meta or {}),
                              **fields) for p in paths]  # type: ignore[arg-type]
        from dangan.archive.service import ListenerError

        try:
            results = self.archive.file_many(reqs)
        except ListenerError as e:
            e.results = [FiledDocument(Path(p), r) for p, r in zip(paths, e.results, strict=False)]
            raise
        return [FiledDocument(Path(p), r) for p, r in zip(paths, results, strict=True)]

    def file_requests(self, reqs: Sequence[FilingRequest], *, progress: Progress | None = None) -> list[FilingResult]:
        """File prepared requests (generated documents, imports)."""
        return self.archive.file_many(reqs, progress=progress)

    def attach_signed_copy(self, code: str, path: Path, *, text: str | None = None, text_source: str | None = None,
                           original_name: str | None = None) -> FilingResult:
        return self.archive.attach_signed_copy(code, path, text=text, text_source=text_source,
                                               original_name=original_name)

    def record(self, code: str) -> Record:
        return self.archive.get(code)

    def show(self, code: str) -> RecordDetails:
        from dangan.app.results import RecordDetails

        record = self.archive.get(code)
        return RecordDetails(record, self.archive.holds_of(code), self.archive.effective_period(record),
                             self.archive.expiry_of(record))

    def records(self, *, category: str | None = None, year: int | None = None, status: Status | str | None = None,
                needs_review: bool | None = None) -> list[Record]:
        return self.archive.list(category=category, year=year, status=status, needs_review=needs_review)

    def text_of(self, code: str) -> str | None:
        return self.archive.text_of(code)

    def stored_file(self, code: str, number: int) -> tuple[Any, Path]:
        """File ``number`` (1-based) of a record and its stored path, to read (a web download)."""
        from dangan.app import viewing

        return viewing.stored_file(self.archive, code, number)

    def page_png(self, code: str, number: int, page: int, *, width: int = 260) -> bytes:
        """A page of a record's PDF or image file as PNG (thumbnails)."""
        from dangan.app import viewing

        return viewing.page_png(self.archive, code, number, page, width=width)

    def edit(self, code: str, changes: Mapping[str, str], *, reason: str) -> Record:
        return self.archive.update_metadata(code, dict(changes), reason=reason)

    def export(self, code: str, to_dir: Path) -> Path:
        return self.archive.export(code, self.ws.output_target(to_dir))

    def open_copy(self, code: str) -> Path:
        """A read-only copy of the record's original in a temporary folder (to open in a viewer)."""
        import tempfile

        path = self.archive.export(code, Path(tempfile.mkdtemp(prefix="dangan-open-")))
        path.chmod(0o444)
        return path

    def audit_trail(self, code: str | None = None) -> list[Any]:
        return self.archive.audit_trail(code)

    # -- holds and retention

    def hold(self, codes: Sequence[str], *, reason: str) -> list[Record]:
        return self.archive.hold(codes, reason=reason)

    def release(self, codes: Sequence[str], *, reason: str, all_holds: bool = False) -> list[Record]:
        return self.archive.release(codes, reason=reason, all_holds=all_holds)

    def holds(self, code: str, *, active_only: bool = True) -> list[Hold]:
        return self.archive.holds_of(code, active_only=active_only)

    def extend(self, codes: Sequence[str], *, to: str | int, reason: str) -> list[Record]:
        return self.archive.extend(codes, to=to, reason=reason)

    def due(self, as_of: dt.date | None = None) -> list[DueItem]:
        """Records whose retention has expired (``as_of`` only previews; it authorises nothing)."""
        return self.archive.due(as_of)

    def dispose(self, codes: Sequence[str], *, approver: str, reason: str) -> DisposalResult:
        """Dispose of expired, unheld records by this app's clock: the register is filed first."""
        return self.archive.dispose(codes, approver=approver, reason=reason)

    def _render_register(self, data: dict[str, Any], *, out_dir: Path) -> RenderedRegister:
        from dangan.archive.disposal import REGISTER_FORM, RenderedRegister
        from dangan.forms import render_form

        doc = render_form(self.ws, REGISTER_FORM, data, formats=("pdf",), out_dir=out_dir,
                          numbers=self.numbers(), clock=self.clock)
        return RenderedRegister(pdf=doc.files["pdf"], doc_number=doc.doc_number, data=doc.data)

    # -- 归档文件目录 and 四性检测

    def catalogue(self, *, year: int, category: str | None = None, fmt: str = "pdf", out: Path | None = None,
                  force: bool = False) -> Path:
        """Write the 归档文件目录 of a year (and category) as PDF or XLSX; returns the file.

        ``out`` may not be a workspace file, nor replace a file dangan did not write unless ``force``
        (:func:`dangan.outfiles.output_file`).
        """
        import tempfile

        from dangan import outfiles
        from dangan.archive import filelist
        from dangan.fsutil import atomic_write_bytes, safe_filename

        code = self.archive.plan.get(category).code if category else None
        if out is None:
            out = self.ws.output_dir / safe_filename(f"归档文件目录-{year}-{code or '全部'}.{fmt}")
        out = outfiles.output_file(self.ws, out, force=force)
        rows = filelist.file_list_rows(self.archive.list(year=year, category=code))
        title = filelist.heading(self.archive.plan, year, code)
        out.parent.mkdir(parents=True, exist_ok=True)
        if fmt == "xlsx":
            atomic_write_bytes(out, filelist.xlsx_bytes(title, rows))
        else:
            from dangan.forms import render_in_pieces

            data = filelist.file_list_data(title, rows, printed_on=self.clock.today())
            with tempfile.TemporaryDirectory(dir=out.parent, prefix=".dangan-tmp-") as tmp:
                doc = render_in_pieces(self.ws, filelist.FORM_ID, data, out_dir=Path(tmp),  # a year is long
                                       numbers=self.numbers(), clock=self.clock)
                os.replace(doc.files["pdf"], out)
        outfiles.record_written(self.ws, out)
        return out

    def verify(self, *, progress: Progress | None = None, index: bool | None = None) -> Any:
        """四性检测 of the archive, the search index's drift check included (``index=False`` leaves it out;
        the default: included when the app was opened with the index following the archive)."""
        if index is None:
            index = self.follows_index
        checks = [search_seam.IndexCheck(self.index(), self.archive.iter_index_documents)] if index else []
        return self.archive.verify(extra_checks=checks, progress=progress)

    # ---------------------------------------------------------------- search

    def index(self) -> Any:
        """The search backend of this workspace (one per open workspace, shared with the listener)."""
        return self._shared.open_index()

    def search(self, text: str, *, category: str | None = None, year: int | None = None,
               date_from: dt.date | None = None, date_to: dt.date | None = None, unit: str | None = None,
               form: str | None = None, period: str | None = None, status: str | None = None,
               limit: int = 10, offset: int = 0) -> Any:
        """Full-text search (hits ``offset`` … ``offset + limit``); the index is built first if there is none."""
        index = self.index()
        search_seam.ensure_index(index, lambda: self.archive.iter_index_documents())
        filters = search_seam.make_filters(
            category=self.plan.get(category).code if category else None, year=year, date_from=date_from,
            date_to=date_to, unit=unit, form=form, period=period.upper() if period else None, status=status)
        if not any(c.isdigit() for c in text):
            return search_seam.search(index, text, filters, limit=limit, offset=offset)
        return self._search_numbers(index, text, filters, limit=limit, offset=offset)

    def _search_numbers(self, index: Any, text: str, filters: Any, *, limit: int, offset: int) -> Any:
        """A full phone, ID or card number typed in a query is searched as its keyed term (the index holds
        no number: :mod:`dangan.masking`); the results echo it masked."""
        import dataclasses

        from dangan.masking import keyed_query, keyed_terms, mask_text
        from dangan.numberkey import load_key

        key = load_key(self.ws.state_dir)
        results = search_seam.search(index, keyed_query(text, key), filters, limit=limit, offset=offset)
        understood = results.understood
        for term, masked in keyed_terms(text, key).items():
            understood = understood.replace(term, masked)
        return dataclasses.replace(results, query=mask_text(text), understood=understood)

    def rebuild_index(self, *, progress: Callable[[int], None] | None = None, processes: int | None = None) -> Any:
        return search_seam.rebuild(self.index(), self.archive.iter_index_documents, progress=progress,
                                   processes=processes)

    def mask_stored_text(self, *, index: bool | None = None) -> Any:
        """Mask the phone, ID and card numbers the catalogue stores from before masking at filing, and
        rebuild the index (``index=False``: leave it; default: when the app follows the index); the
        archived files stay as they are.  A :class:`~dangan.app.stored_text.MaskResult`."""
        from dangan.app.stored_text import mask_stored_text

        return mask_stored_text(self, index=self.follows_index if index is None else index)

    def catch_up_index(self) -> Any:
        """Repair the index's drift from the catalogue by fingerprint (after a crash, or a failed index
        write): what is missing or stale is indexed, what the catalogue lacks removed.  Returns a
        :class:`~dangan.app.search.CatchUp`; its notice joins :attr:`warnings`.  The watcher runs it at
        start-up and after a failed write, the web server at start-up."""
        self.archive  # noqa: B018 - the listener's archive
        return self._shared.indexer.catch_up()

    @property
    def index_behind(self) -> bool:
        """A write to the index failed and has not been caught up yet."""
        return bool(self._shared.indexer.behind)

    def check_index(self) -> Any:
        return search_seam.check(self.index(), self.archive.iter_index_documents())

    def migrate_to(self, url: str, *, switch: bool = True, progress: Callable[[str, int], None] | None = None) -> Any:
        """Copy this SQLite workspace into the empty PostgreSQL database at ``url`` (see :mod:`dangan.app.migration`)."""
        from dangan.app.migration import migrate

        return migrate(self, url, switch=switch, progress=progress)

    def category_names(self) -> dict[str, str]:
        return {c.code: c.name for c in self.plan.categories}

    # ---------------------------------------------------------------- forms

    def numbers(self) -> Any:
        """The document-number allocator of this workspace (the catalogue's)."""
        from dangan.forms.numbering import CatalogueNumbers

        return CatalogueNumbers(self.archive.catalogue, clock=self.clock)

    def forms(self) -> list[Any]:
        from dangan.forms import list_forms

        return list_forms(self.ws)

    def form(self, form_id: str) -> Any:
        from dangan.forms import load_form

        return load_form(self.ws, form_id)

    def check_templates(self) -> tuple[int, list[Any]]:
        from dangan.forms.check import check_all

        return check_all(self.ws)

    def build_docx_template(self, form_id: str, *, out: Path | None = None) -> Path:
        """Write the Word template of a form, made from its template.html (dangan/forms/docx_build.py).

        Without ``out`` it replaces the workspace form's own template.docx (a built-in form needs ``out``)."""
        from dangan.forms import load_form
        from dangan.forms.docx_build import build_for

        form = load_form(self.ws, form_id)
        if out is None:
            if not form.local:
                raise DanganError(f"{form.title}是内置表单：请用 --out 指定输出文件，或先把它复制到工作区的 templates/ 里")
            out = form.docx_path
        else:
            out = self.ws.output_target(out)
        from dangan.fsutil import atomic_write_bytes

        data = build_for(self.ws, form.id)
        out.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(out, data)
        return out

    def generate(self, form_id: str, *, data: Mapping[str, Any] | Path | None = None, batch: Path | None = None,
                 sample: bool = False, formats: Sequence[str] = ("pdf", "docx"), out_dir: Path | None = None,
                 merge: bool = False, keep_going: bool = False, strict: bool = False, file: bool = True,
                 progress: Progress | None = None, blank: int | None = None) -> GenerateOutcome:
        """Generate documents (one, a sample or a batch) and file each one (PDF original, DOCX attached)."""
        from dangan.forms.generate import generate

        if out_dir is not None:
            out_dir = self.ws.output_target(out_dir)
        result = generate(self.ws, form_id, data=data, batch=batch, sample=sample, formats=formats,
                          out_dir=out_dir, merge=merge, keep_going=keep_going, strict=strict, progress=progress,
                          numbers=self.numbers(), clock=self.clock, blank=blank)
        from dangan.app.results import GenerateOutcome

        outcome = GenerateOutcome(result)
        if file and result.documents:
            if "pdf" not in result.documents[0].files:
                outcome.warnings.append("没有生成 PDF，未归档（归档需要 PDF）")
            else:
                outcome.filed = self._file_generated(result.documents)
        return outcome

    def _file_generated(self, docs: Sequence[Any]) -> list[FilingResult]:
        from dangan.archive.service import ListenerError

        reqs = [generated_request(d) for d in docs if "pdf" in d.files]
        try:
            return self.archive.file_many(reqs)
        except ListenerError:
            raise
        except DanganError as e:
            raise DanganError(f"文件已生成，但归档失败：{e}", detail=e.detail) from e

    # ---------------------------------------------------------------- the ledger and the fee chain

    @property
    def ledger(self) -> Ledger:
        """The live registers: entries, the 30-minute clock, closes, reports from entries, ``today()``."""
        from dangan.app.ledger import Ledger

        return Ledger(self)

    @property
    def fees(self) -> Fees:
        """The fee-collection chain: the cashier's list, payments, notices, statistics, one unit's chain."""
        from dangan.app.fees import Fees

        return Fees(self)

    # ---------------------------------------------------------------- intake

    def watch_entries(self) -> list[Any]:
        from dangan.ingest.config import watch_entries

        return watch_entries(self.ws)

    def intake(self, *, ocr: bool | None = None, ocr_func: Callable[[Any], str] | None = None) -> Any:
        """The intake pipeline (stage → read → classify → file → finish) on this archive."""
        from dangan.ingest.pipeline import Pipeline

        return Pipeline(self.ws, self.archive, ocr=ocr, ocr_func=ocr_func, clock=self.clock)

    def ingest(self, path: Path, *, category: str = "auto", meta: Mapping[str, str] | None = None,
               keep_source: bool = False) -> Any:
        """Put one file through the intake pipeline (an upload); returns its Outcome.

        The file is filed (or quarantined with its reason); the source is
        removed after the commit unless ``keep_source``.
        """
        from dangan.ingest.config import OnSuccess, WatchEntry

        entry = WatchEntry(folder=Path(path).parent.resolve(), category=category, meta=dict(meta or {}),
                           on_success=OnSuccess.KEEP if keep_source else OnSuccess.DELETE)
        return self.intake().process(Path(path), entry)

    def watcher(self, *, on_outcome: Callable[[Any], None] | None = None, entries: list[Any] | None = None,
                on_notice: Callable[[str], None] | None = None, queue: bool = True, **pipeline: Any) -> Any:
        """The watched-folder loop over this archive (``run_once``, ``run``, ``retry_quarantine``); it also
        takes jobs from the intake queue unless ``queue=False``."""
        from dangan.ingest.watcher import Watcher

        return Watcher(self.ws, self.intake(**pipeline), entries=entries, on_outcome=on_outcome, on_notice=on_notice,
                       maintenance=self._index_maintenance if self._shared.follow_index else None, queue=queue)

    def _index_maintenance(self, *, starting: bool, on_notice: Callable[[str], None] | None = None) -> None:
        """The watcher's turn for the index: a catch-up at start-up, and whenever a write failed."""
        if starting or self.index_behind:
            try:
                result = self.catch_up_index()
                if result.changed and on_notice is not None:
                    on_notice(result.notice())
            except Exception as e:  # noqa: BLE001 - the index is unavailable now: tried again at the next turn
                import logging

                logging.getLogger(__name__).warning("index catch-up failed: %s", e)

    # -- the intake queue (shared by every node: uploads and scans wait here for any worker)

    def enqueue(self, path: Path, *, original_name: str | None = None, category: str = "auto",
                meta: Mapping[str, str] | None = None) -> int:
        """Queue one file for intake (an upload): copied into the archive's spool, filed by any worker.

        Returns the job id (see :meth:`intake_jobs`).  The source is left alone.
        """
        from dangan.ingest.queue import enqueue

        if category.lower() != "auto":
            category = self.archive.plan.get(category).code
        return enqueue(self.archive, Path(path), original_name=original_name, category=category,
                       meta=dict(meta or {}), actor=self.actor)

    def intake_jobs(self, *, state: str | None = None, ids: Sequence[int] | None = None) -> list[Any]:
        """Queued, done and failed intake jobs (``IntakeJob``; ``.to_dict()``)."""
        return self.archive.catalogue.intake_jobs(state=state, ids=ids)

    def requeue(self, job_id: int) -> bool:
        """Queue a failed job again (after the cause was fixed)."""
        with self.archive.catalogue.transaction():
            return self.archive.catalogue.requeue_intake(job_id)

    def queue_worker(self, *, on_outcome: Callable[[Any], None] | None = None, max_attempts: int | None = None,
                     **pipeline: Any) -> Any:
        """A worker that takes queued jobs (``take_one``, ``drain``); a job is given up after ``max_attempts``
        interrupted attempts (default :data:`dangan.ingest.queue.MAX_ATTEMPTS`).

        Like a watcher, a worker first lets the index catch up by fingerprint: a worker killed between a
        filing's commit and its index write leaves the index behind (a failure is logged; taking jobs goes on).
        """
        from dangan.ingest.queue import MAX_ATTEMPTS, QueueWorker

        if self._shared.follow_index:
            try:
                self.catch_up_index()
            except Exception as e:  # noqa: BLE001 - the index is away: the next worker or watcher catches up
                import logging

                logging.getLogger(__name__).warning("index catch-up failed: %s", e)
        return QueueWorker(self.intake(**pipeline), on_outcome=on_outcome, max_attempts=max_attempts or MAX_ATTEMPTS)


def generated_request(doc: Any) -> FilingRequest:
    """The archive's request for one generated document: the PDF is the original, other formats attach."""
    attachments = [p for fmt, p in doc.files.items() if fmt != "pdf"]
    meta = {"form_title": doc.form_title}
    if doc.owner:
        meta["owner"] = doc.owner
    from dangan.archive.model import FilingRequest, Source

    return FilingRequest(
        path=doc.files["pdf"], category=doc.category, title=doc.title, date=doc.date, doc_number=doc.doc_number,
        source=Source.GENERATED, building=doc.building, unit=doc.unit, room=doc.room, form_id=doc.form_id,
        form_data=doc.data, attachments=attachments, meta=meta, original_name=doc.files["pdf"].name,
    )
