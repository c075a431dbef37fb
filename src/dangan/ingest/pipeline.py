"""One dropped file, from the inbox into the archive.

1. Check it (size, type), hash it while copying it into a staging area.
2. Re-check that the source did not change meanwhile (else: not filed now).
3. Duplicate check by hash: a duplicate event on the existing record.
4. Read it: PDF text layer per page, QR code, OCR for pages without text.
5. Classify: QR (signed copy of a generated record) → folder category →
   content rules → ``QT`` 其他资料 flagged for review.
6. File it through the archive, then — only after the catalogue commit —
   delete the source or move it to ``processed/``.

Any :class:`IngestError` sends the file to quarantine with a reason.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dangan.archive.model import FilingRequest, FilingResult, Source
from dangan.config import Workspace
from dangan.content.hashing import copy_hashing, sha256_file
from dangan.errors import ArchiveError, ConfigError, DanganError, IngestError
from dangan.fsutil import fsync_dir, unique_path
from dangan.ingest import ocr as ocr_mod
from dangan.ingest import pages, qr
from dangan.ingest import quarantine as q
from dangan.ingest.config import WatchEntry
from dangan.ingest.rules import Rule, classify, compile_rules
from dangan.ingest.stability import Signature, file_signature

log = logging.getLogger(__name__)

FALLBACK_CATEGORY = "QT"  # 其他资料
QR_PAGES = 3  # pages searched for a dangan QR code
STAGING = "ingest-staging"  # under the workspace's .dangan/ state folder


REPLACED_WARNING = "归档期间同名文件被新的扫描件替换：已归档的是原来的内容，新文件留在监视目录，稍后处理"


@dataclass
class Outcome:
    """What happened to one file: the per-file log line is made from this."""

    source: Path
    status: str  # filed | signed | duplicate | quarantined | changed | gone
    code: str | None = None  # archival code
    how: str = ""  # how it was classified, in words
    message: str | None = None  # error in words (quarantined) or note
    warnings: list[str] = field(default_factory=list)
    quarantined_to: Path | None = None

    def line(self) -> str:
        """``scan.jpg → Z001-2026-D10-ZX-0003  二维码 ZX-2026-0007（签字件）``."""
        if self.status in ("filed", "signed", "duplicate"):
            return f"{self.source.name} → {self.code}  {self.how}"
        if self.status == "quarantined":
            return f"{self.source.name} → 隔离区  {self.message}"
        return f"{self.source.name} → 暂不处理  {self.message or self.status}"


@dataclass
class Reading:
    """What was read from a file."""

    text: str | None
    text_source: str | None
    code: qr.QrMatch | None = None
    warnings: list[str] = field(default_factory=list)


@dataclass
class Staged:
    path: Path
    sha256: str
    size: int


class Pipeline:
    """Processes files one at a time into ``archive`` (see :func:`dangan.services.open_archive`)."""

    def __init__(
        self,
        ws: Workspace,
        archive: Any,
        *,
        rules: list[Rule] | None = None,
        ocr: bool | None = None,
        ocr_func: Callable[[Any], str] | None = None,
    ) -> None:
        self.ws = ws
        self.archive = archive
        self.rules = compile_rules(ws.config.tables.get("rule", [])) if rules is None else rules
        self.max_mb = float(ws.config["ingest.max_file_mb"])
        self.ocr_enabled = bool(ws.config["ingest.ocr"]) if ocr is None else ocr
        self._ocr_func = ocr_func
        self.quarantine_dir = ws.quarantine_dir
        self.staging_dir = ws.state_dir / STAGING

    def check_categories(self, entries: list[WatchEntry]) -> None:
        """Fail at start, naming the setting, if a watch entry or rule names an unknown category."""
        plan = self.archive.categories()
        wanted = [(f"watch[{i}].category", e.category) for i, e in enumerate(entries, 1) if e.category.lower() != "auto"]
        wanted += [(f"rule[{i}].category", r.category) for i, r in enumerate(self.rules, 1)]
        wanted.append(("（自动分类的兜底类别）", FALLBACK_CATEGORY))
        for name, code in wanted:
            try:
                plan.get(code)
            except DanganError as e:
                raise ConfigError(e.message, field=name) from e

    def clear_staging(self) -> None:
        """Remove copies left by a crashed run (call under the watch lock)."""
        if self.staging_dir.is_dir():
            for p in self.staging_dir.iterdir():
                p.unlink(missing_ok=True)

    # -- the whole file --------------------------------------------------

    def process(self, path: Path, entry: WatchEntry) -> Outcome:
        """File ``path`` (or quarantine it).  Never raises for a bad file."""
        sig = file_signature(path)
        if sig is None:
            return Outcome(path, "gone", message="文件已不存在")
        staged: Staged | None = None
        try:
            staged = self._stage(path, sig)
            if staged is None:
                return Outcome(path, "changed", message="文件在处理过程中被修改，稍后再处理")
            return self._file_staged(path, entry, staged)
        except IngestError as e:
            return self._quarantine(path, e)
        finally:
            if staged is not None:
                staged.path.unlink(missing_ok=True)

    def _file_staged(self, path: Path, entry: WatchEntry, staged: Staged) -> Outcome:
        existing = self.archive.find_by_sha256(staged.sha256)
        if existing is not None:
            return self._duplicate(path, entry, existing, staged.sha256)
        reading = self.read(staged.path, path.name)
        try:
            result, how = self._file(path, entry, staged, reading)
        except DanganError as e:
            result = _committed_result(e)
            if result is None:
                raise
            how = "已归档"
            reading.warnings.append(str(e))  # filed, but the index did not follow
        if result.duplicate:  # the archive has recorded the duplicate event itself
            finish_source(path, entry, sha256=staged.sha256, duplicate=True)
            return Outcome(path, "duplicate", code=result.record.archival_code, how="重复文件（已归档，记录一次重复）")
        if not finish_source(path, entry, sha256=staged.sha256, duplicate=False):
            reading.warnings.append(REPLACED_WARNING)
        status = "signed" if how.startswith("二维码") else "filed"
        return Outcome(path, status, code=result.record.archival_code, how=how, warnings=reading.warnings)

    # -- steps -----------------------------------------------------------

    def _stage(self, path: Path, sig: Signature) -> Staged | None:
        """Check and copy ``path`` into staging while hashing; None if it changed."""
        pages.file_format(path)
        pages.check_not_empty(path, sig.size)
        pages.check_size(path, sig.size, self.max_mb)
        self.staging_dir.mkdir(parents=True, exist_ok=True)
        target = unique_path(self.staging_dir, f"{os.getpid()}-{path.stem[:60]}{path.suffix.lower()}")
        try:
            sha, _ = copy_hashing(path, target)
        except OSError as e:
            target.unlink(missing_ok=True)
            if file_signature(path) is None:
                return None
            raise IngestError("文件无法读取", path=path, detail=f"{type(e).__name__}: {e}") from e
        if file_signature(path) != sig or hash_file(path) != sha:
            target.unlink(missing_ok=True)
            return None
        return Staged(target, sha, sig.size)

    def read(self, staged: Path, name: str) -> Reading:
        """Text, text source and QR code of a staged file.  Broken files raise."""
        fmt = pages.file_format(Path(name))
        if fmt == "pdf":
            return self._read_pdf(staged)
        if fmt in pages.IMAGE_FORMATS:
            return self._read_image(staged)
        return Reading(*other_text(staged, fmt))

    def _read_pdf(self, path: Path) -> Reading:
        info = pages.read_pdf(path)
        images = _LazyPages(lambda i: pages.render_pdf_page(path, i), info.pages)
        missing = [i for i, t in enumerate(info.texts) if len(t) < 2]
        code = qr.find_code(self._qr_candidates(path, images, missing))
        texts = list(info.texts)
        reading = Reading(None, None, code)
        ocr_texts = self._ocr_pages(images, missing, reading) if missing else {}
        for i, t in ocr_texts.items():
            texts[i] = t
        reading.text = "\n\n".join(t for t in texts if t) or None
        if ocr_texts:
            reading.text_source = "ocr"
        elif len(missing) < info.pages:
            reading.text_source = "layer"
        else:
            reading.text_source = "none"
        return reading

    @staticmethod
    def _qr_candidates(path: Path, images: _LazyPages, missing: list[int]) -> Iterator[Any]:
        """Images to search for the QR code, first pages first.

        A page without text is rendered whole (OCR needs it anyway); a page
        with a text layer (a digital PDF, or a scanner's searchable PDF) only
        in its top-right corner, where dangan prints the code.
        """
        for i in range(min(QR_PAGES, images.count)):
            if i in missing:
                yield images[i]
            else:
                yield pages.render_pdf_page(path, i, region=qr.TOP_RIGHT)

    def _read_image(self, path: Path) -> Reading:
        frames = list(pages.image_frames(path))
        images = _LazyPages(lambda i: frames[i], len(frames))
        reading = Reading(None, None, qr.find_code(images.first(QR_PAGES)))
        texts = self._ocr_pages(images, list(range(len(frames))), reading)
        reading.text = "\n\n".join(t for t in texts.values() if t) or None
        reading.text_source = "ocr" if texts else "none"
        return reading

    def _ocr_pages(self, images: _LazyPages, indexes: list[int], reading: Reading) -> dict[int, str]:
        """OCR the given pages; without OCR, a warning naming the extra."""
        if not self.ocr_enabled:
            return {}
        func = self._ocr_func or ocr_mod.ocr_image
        if self._ocr_func is None and not ocr_mod.available():
            reading.warnings.append(f"无文字：未安装 OCR 组件，扫描件无法全文检索；请运行 {ocr_mod.EXTRA_HINT}")
            return {}
        out: dict[int, str] = {}
        for i in indexes:
            try:
                out[i] = func(images[i])
            except IngestError:
                raise
            except Exception as e:  # OCR engine failure: file it anyway, flagged, never lose it
                log.warning("OCR failed on page %d: %s", i + 1, e)
                reading.warnings.append(f"第 {i + 1} 页 OCR 失败：{type(e).__name__}: {e}")
        return out

    def _file(self, path: Path, entry: WatchEntry, staged: Staged, reading: Reading) -> tuple[FilingResult, str]:
        text_source = reading.text_source if reading.text else "none"
        if reading.code is not None:
            record = self.archive.find_by_doc_number(reading.code.doc_number)
            if record is not None:
                try:
                    result = self.archive.attach_signed_copy(
                        record.archival_code,
                        staged.path,
                        text=reading.text,
                        text_source=text_source,
                        original_name=path.name,
                    )
                except ArchiveError as e:  # e.g. the record was disposed: a clerk must decide
                    raise IngestError(
                        f"二维码指向的档案 {record.archival_code} 不能添加签字件：{e.message}",
                        path=path,
                        detail=str(e),
                    ) from e
                return result, f"二维码 {reading.code.doc_number}（签字件）"
            reading.warnings.append(f"二维码文号 {reading.code.doc_number} 在档案中找不到，按其他方式分类")
        category, how, review = self.classify(entry, reading.text or "")
        request = self._request(path, entry, staged, reading, category)
        request.needs_review = review or not reading.text
        return self.archive.file(request), how

    def classify(self, entry: WatchEntry, text: str) -> tuple[str, str, bool]:
        """(category, how in words, needs review) — folder, then rules, then QT."""
        if entry.category.lower() != "auto":
            return entry.category, f"目录类别 {entry.category}", False
        rule = classify(text, self.rules)
        if rule is not None:
            return rule.category, f"规则 {rule.category}", False
        return FALLBACK_CATEGORY, f"自动 {FALLBACK_CATEGORY} 其他资料（待复核）", True

    def _request(
        self, path: Path, entry: WatchEntry, staged: Staged, reading: Reading, category: str
    ) -> FilingRequest:
        meta = {k: str(v) for k, v in entry.meta.items() if k not in ("building", "unit", "room", "title")}
        if reading.code is not None:
            meta["二维码文号"] = reading.code.doc_number
        if not reading.text:
            meta["无文字"] = "是"
        return FilingRequest(
            path=staged.path,
            category=category,
            title=str(entry.meta.get("title") or path.stem),
            source=Source.SCANNED,
            building=_opt(entry.meta.get("building")),
            unit=_opt(entry.meta.get("unit")),
            room=_opt(entry.meta.get("room")),
            meta=meta,
            original_name=path.name,
            text=reading.text or "",
            text_source=reading.text_source if reading.text else "none",
        )

    def _duplicate(self, path: Path, entry: WatchEntry, record: Any, sha256: str) -> Outcome:
        self.archive.record_duplicate(record, source_name=path.name)
        finish_source(path, entry, sha256=sha256, duplicate=True)
        return Outcome(path, "duplicate", code=record.archival_code, how="重复文件（已归档，记录一次重复）")

    def _quarantine(self, path: Path, error: IngestError) -> Outcome:
        if not path.exists():
            return Outcome(path, "gone", message="文件已不存在")
        if path.parent == self.quarantine_dir:  # a retry: keep it, refresh the reason
            q.rewrite_reason(path, message=error.message, detail=error.detail)
            return Outcome(path, "quarantined", message=error.message, quarantined_to=path)
        entry = q.quarantine(path, self.quarantine_dir, message=error.message, detail=error.detail)
        return Outcome(path, "quarantined", message=error.message, quarantined_to=entry.path)


class _LazyPages:
    """Page images rendered on first use and kept (QR and OCR share them)."""

    def __init__(self, render: Callable[[int], Any], count: int) -> None:
        self._render = render
        self._cache: dict[int, Any] = {}
        self.count = count

    def __getitem__(self, i: int) -> Any:
        if i not in self._cache:
            self._cache[i] = self._render(i)
        return self._cache[i]

    def first(self, n: int) -> Iterator[Any]:
        for i in range(min(n, self.count)):
            yield self[i]


def _committed_result(error: DanganError) -> FilingResult | None:
    """The result of a filing that committed although a listener (the index) failed."""
    results = getattr(error, "results", None)
    return results[0] if results else None


def _opt(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


def hash_file(path: Path) -> str:
    return sha256_file(path)[0]


def other_text(path: Path, fmt: str) -> tuple[str | None, str | None]:
    """Text of TXT/DOCX files via the archive's extractor."""
    from dangan.content import extract

    try:
        result = extract.extract(path)
    except IngestError:
        raise
    except DanganError as e:
        raise IngestError(e.message, path=path, detail=e.detail or repr(e)) from e
    return (result.text or None), result.source or fmt


CLAIM_PREFIX = ".~dangan-"  # hidden (ignored by the filter) while a filed source is being removed


def finish_source(path: Path, entry: WatchEntry, *, sha256: str, duplicate: bool) -> bool:
    """After the catalogue commit: delete the source, or move it to processed/.

    Only the bytes that were filed are removed.  The source is first renamed to
    a hidden claim name (atomic), so a new scan saved under the same name
    meanwhile is never touched; the claimed file is hashed, and if it is not
    what was filed it is put back for the next scan.  Returns False then.
    """
    claimed = _claim(path)
    if claimed is None:
        return True  # already gone
    if hash_file(claimed) != sha256:
        restore_claim(claimed)
        return False
    if entry.on_success == "move":
        folder = entry.folder / "processed"
        if duplicate:
            folder = folder / "duplicates"
        folder.mkdir(parents=True, exist_ok=True)
        os.replace(claimed, unique_path(folder, path.name))
        fsync_dir(folder)
    else:
        claimed.unlink(missing_ok=True)
    fsync_dir(path.parent)
    return True


def _claim(path: Path) -> Path | None:
    claimed = path.with_name(CLAIM_PREFIX + path.name)
    if len(os.fsencode(claimed.name)) > 255:  # no room for the prefix: claim under a short name
        claimed = path.with_name(f"{CLAIM_PREFIX}{hashlib.sha256(os.fsencode(path.name)).hexdigest()[:16]}{path.suffix}")
    try:
        os.replace(path, claimed)
    except FileNotFoundError:
        return None
    return claimed


def restore_claim(claimed: Path) -> Path:
    """Give a claimed file its name back (next to a newer file of that name if there is one)."""
    name = claimed.name[len(CLAIM_PREFIX):]
    target = unique_path(claimed.parent, name)
    os.replace(claimed, target)
    fsync_dir(claimed.parent)
    return target


def restore_claims(folders: list[Path]) -> list[Path]:
    """After a crash: claimed sources go back into their inbox (filed bytes then show as duplicates)."""
    restored = []
    for folder in folders:
        if folder.is_dir():
            restored += [restore_claim(p) for p in folder.rglob(CLAIM_PREFIX + "*") if p.is_file()]
    return restored
