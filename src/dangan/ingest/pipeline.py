"""One file, from an inbox (or an upload) into the archive, through the steps of :mod:`dangan.ingest.steps`.

1. stage: check it (size, type), hash it while copying it into a staging area,
   re-check that the source did not change meanwhile (else: not filed now);
2. a duplicate of filed bytes: a duplicate event on the existing record;
3. read: PDF text layer per page, QR code, OCR for pages without text;
4. classify: QR (signed copy of a generated record) → folder category →
   content rules → ``QT`` 其他资料 flagged for review;
5. file it through the archive, then — only after the catalogue commit —
   finish: delete the source or move it to ``processed/``.

Any :class:`IngestError` sends the file to quarantine with a reason.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from dangan.archive.model import FilingResult
from dangan.clock import SYSTEM, Clock
from dangan.config import Workspace
from dangan.errors import ConfigError, DanganError, IngestError
from dangan.ingest import ocr as ocr_mod
from dangan.ingest import pages, steps
from dangan.ingest import quarantine as q
from dangan.ingest.config import WatchEntry
from dangan.ingest.rules import Rule, compile_rules
from dangan.ingest.stability import file_signature
from dangan.ingest.steps import CLAIM_PREFIX, FALLBACK_CATEGORY, restore_claims
from dangan.masking import mask_text
from dangan.names import readable

__all__ = ["CLAIM_PREFIX", "FALLBACK_CATEGORY", "IntakeStatus", "Outcome", "Pipeline", "restore_claims"]

STAGING = "ingest-staging"  # under the workspace's .dangan/ state folder
REPLACED_WARNING = "归档期间同名文件被新的扫描件替换：已归档的是原来的内容，新文件留在监视目录，稍后处理"


class IntakeStatus(StrEnum):
    FILED = "filed"
    SIGNED = "signed"  # a signed copy attached to its generated record
    DUPLICATE = "duplicate"
    QUARANTINED = "quarantined"
    CHANGED = "changed"  # changed while being read: taken again once stable
    GONE = "gone"
    ERROR = "error"  # the archive refused (the file stays in the inbox)


@dataclass
class Outcome:
    """What happened to one file: the per-file log line is made from this."""

    source: Path
    status: IntakeStatus
    code: str | None = None  # archival code
    how: str = ""  # how it was classified, in words
    message: str | None = None  # error in words (quarantined) or note
    warnings: list[str] = field(default_factory=list)
    quarantined_to: Path | None = None

    def line(self) -> str:
        """``scan.jpg → Z001-2026-D10-ZX-0003  二维码 ZX-2026-0007（签字件）``."""
        name = mask_text(readable(self.source.name))
        if self.status in (IntakeStatus.FILED, IntakeStatus.SIGNED, IntakeStatus.DUPLICATE):
            return f"{name} → {self.code}  {self.how}"
        if self.status is IntakeStatus.QUARANTINED:
            return f"{name} → 隔离区  {self.message}"
        return f"{name} → 暂不处理  {self.message or self.status}"


class Pipeline:
    """Processes files one at a time into ``archive`` (an :class:`~dangan.archive.service.Archive`)."""

    def __init__(self, ws: Workspace, archive: Any, *, rules: list[Rule] | None = None, ocr: bool | None = None,
                 ocr_func: Callable[[Any], str] | None = None, clock: Clock = SYSTEM) -> None:
        self.ws = ws
        self.archive = archive
        self.rules = compile_rules(ws.config.tables.get("rule", [])) if rules is None else rules
        settings = ws.config.settings.ingest
        self.max_mb = settings.max_file_mb
        self.limits = pages.Limits.of(settings)
        self.ocr_enabled = settings.ocr if ocr is None else ocr
        self._ocr_func = ocr_func
        self.clock = clock
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

    def _ocr(self) -> tuple[Callable[[Any], str] | None, str | None]:
        if not self.ocr_enabled:
            return None, None
        if self._ocr_func is not None:
            return self._ocr_func, None
        if not ocr_mod.available():
            return None, f"无文字：未安装 OCR 组件，扫描件无法全文检索；请运行 {ocr_mod.EXTRA_HINT}"
        return ocr_mod.ocr_image, None

    # -- the whole file --------------------------------------------------

    def process(self, path: Path, entry: WatchEntry) -> Outcome:
        """File ``path`` (or quarantine it).  Never raises for a bad file."""
        sig = file_signature(path)
        if sig is None:
            return Outcome(path, IntakeStatus.GONE, message="文件已不存在")
        if not sig.regular:
            return self._quarantine(path, steps.not_regular_error(path))
        staged: steps.Staged | None = None
        try:
            staged = steps.stage(path, sig, staging_dir=self.staging_dir, max_mb=self.max_mb)
            if staged is None:
                return Outcome(path, IntakeStatus.CHANGED, message="文件在处理过程中被修改，稍后再处理")
            return self._file_staged(path, entry, staged)
        except IngestError as e:
            return self._quarantine(path, e)
        finally:
            if staged is not None:
                staged.path.unlink(missing_ok=True)

    def _file_staged(self, path: Path, entry: WatchEntry, staged: steps.Staged) -> Outcome:
        existing = self.archive.find_by_sha256(staged.sha256)
        if existing is not None:
            self.archive.record_duplicate(existing, source_name=readable(path.name))
            steps.finish(path, entry, sha256=staged.sha256, duplicate=True)
            return Outcome(path, IntakeStatus.DUPLICATE, code=existing.archival_code, how="重复文件（已归档，记录一次重复）")
        ocr, missing = self._ocr()
        try:
            reading = steps.read(staged.path, path.name, ocr=ocr, ocr_missing=missing, limits=self.limits)
        except IngestError:
            raise
        except Exception as e:  # a reader library failed on this file's content: quarantine it, never stop
            raise IngestError("文件内容无法读取（读取时出现意外错误）", path=path,
                              detail=f"{type(e).__name__}: {e}") from e
        decision = steps.classify(entry, reading, rules=self.rules, find_by_doc_number=self.archive.find_by_doc_number)
        try:
            result = steps.file(self.archive, path, entry, staged, reading, decision)
        except DanganError as e:
            committed = _committed_result(e)
            if committed is None:
                raise
            result = committed
            reading.warnings.append(str(e))  # filed, but the index did not follow
        if result.duplicate:  # the archive has recorded the duplicate event itself
            steps.finish(path, entry, sha256=staged.sha256, duplicate=True)
            return Outcome(path, IntakeStatus.DUPLICATE, code=result.record.archival_code, how="重复文件（已归档，记录一次重复）")
        if not steps.finish(path, entry, sha256=staged.sha256, duplicate=False):
            reading.warnings.append(REPLACED_WARNING)
        status = IntakeStatus.SIGNED if decision.signed_copy_of is not None else IntakeStatus.FILED
        return Outcome(path, status, code=result.record.archival_code, how=decision.how, warnings=reading.warnings)

    def _quarantine(self, path: Path, error: IngestError) -> Outcome:
        if not os.path.lexists(path):
            return Outcome(path, IntakeStatus.GONE, message="文件已不存在")
        if path.parent == self.quarantine_dir:  # a retry: keep it, refresh the reason
            q.rewrite_reason(path, message=error.message, detail=error.detail, now=self.clock.now())
            return Outcome(path, IntakeStatus.QUARANTINED, message=error.message, quarantined_to=path)
        entry = q.quarantine(path, self.quarantine_dir, message=error.message, detail=error.detail,
                             now=self.clock.now())
        return Outcome(path, IntakeStatus.QUARANTINED, message=error.message, quarantined_to=entry.path)


def _committed_result(error: DanganError) -> FilingResult | None:
    """The result of a filing that committed although a listener (the index) failed."""
    results = getattr(error, "results", None)
    return results[0] if results else None
