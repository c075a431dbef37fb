"""The intake steps, each small and testable alone: stage → read → classify → file → finish.

A watched folder and a web upload put a file through the same chain
(:class:`dangan.ingest.pipeline.Pipeline` composes it).  Any step may raise
:class:`IngestError`: the pipeline then sends the file to quarantine with the
message as its reason.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dangan.archive.model import FilingRequest, FilingResult, Record, Source
from dangan.content.formats import IMAGE_FORMATS, TextSource
from dangan.content.hashing import stream_sha256
from dangan.errors import ArchiveError, DanganError, IngestError
from dangan.fsutil import fsync_dir, unique_path
from dangan.ingest import pages, qr
from dangan.ingest.config import OnSuccess, WatchEntry
from dangan.ingest.rules import Rule
from dangan.ingest.rules import classify as classify_text
from dangan.ingest.stability import Signature, file_signature, open_regular
from dangan.names import readable

log = logging.getLogger(__name__)

FALLBACK_CATEGORY = "QT"  # 其他资料
QR_PAGES = 3  # pages searched for a dangan QR code
CLAIM_PREFIX = ".~dangan-"  # hidden (ignored by the filter) while a filed source is being removed

OcrFunc = Callable[[Any], str]


@dataclass
class Staged:
    path: Path  # the private copy that is read and filed
    sha256: str
    size: int


@dataclass
class Reading:
    """What was read from a file."""

    text: str | None
    text_source: str | None
    code: qr.QrMatch | None = None
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Classification:
    """Where a file goes: a signed copy of a record, or a category (how it was decided, in words)."""

    how: str
    category: str | None = None
    signed_copy_of: Record | None = None
    needs_review: bool = False


# -- 1. stage ------------------------------------------------------------------------------------------


def stage(path: Path, sig: Signature, *, staging_dir: Path, max_mb: float) -> Staged | None:
    """Check ``path`` (type, size) and copy it into staging while hashing; None if it changed meanwhile."""
    pages.file_format(path)
    pages.check_not_empty(path, sig.size)
    pages.check_size(path, sig.size, max_mb)
    staging_dir.mkdir(parents=True, exist_ok=True)
    target = unique_path(staging_dir, f"{os.getpid()}-{path.stem[:60]}{path.suffix.lower()}")
    try:
        sha, _ = copy_regular(path, target)
    except OSError as e:
        target.unlink(missing_ok=True)
        if file_signature(path) != sig:  # gone, or swapped for a link meanwhile: looked at again later
            return None
        raise IngestError("文件无法读取", path=path, detail=f"{type(e).__name__}: {e}") from e
    if file_signature(path) != sig or _sha256_of_regular(path) != sha:
        target.unlink(missing_ok=True)
        return None
    return Staged(target, sha, sig.size)


def copy_regular(path: Path, target: Path) -> tuple[str, int]:
    """Copy ``path`` (only if it is a regular file of its own: :func:`open_regular`) to ``target``, fsynced;
    (digest, size) of the bytes copied."""
    with open_regular(path) as inp, open(target, "wb") as out:
        result = stream_sha256(inp, out)
        out.flush()
        os.fsync(out.fileno())
    return result


def _sha256_of_regular(path: Path) -> str | None:
    """SHA-256 of ``path`` if it is (still) a regular file of its own, else None."""
    try:
        with open_regular(path) as fh:
            return stream_sha256(fh)[0]
    except OSError:
        return None


def not_regular_error(path: Path) -> IngestError:
    """Why a symbolic link or special file in an inbox is not filed (it is quarantined as it is)."""
    if os.path.islink(path):
        try:
            target = os.readlink(path)
        except OSError:
            target = "？"
        return IngestError(f"这是符号链接（快捷方式），不归档：已隔离链接本身，没有读取它指向的 {readable(target)}",
                           path=path, detail="symbolic link")
    return IngestError("这不是普通文件（命名管道、设备或套接字），不归档", path=path, detail="not a regular file")


# -- 2. read -------------------------------------------------------------------------------------------


class _LazyPages:
    """Page images rendered (or decoded) on first use, one at a time.

    Only the first :data:`QR_PAGES` are kept, for the QR search and then OCR to share; every other page
    is made when asked for and dropped by :meth:`release` once it has been read, so a 200-page scan
    never holds more than a few page images in memory.
    """

    def __init__(self, render: Callable[[int], Any], count: int, *, keep: int = QR_PAGES) -> None:
        self._render = render
        self._cache: dict[int, Any] = {}
        self.count = count
        self.keep = keep

    def __getitem__(self, i: int) -> Any:
        if i in self._cache:
            return self._cache[i]
        image = self._render(i)
        if i < self.keep:
            self._cache[i] = image
        return image

    def release(self, i: int) -> None:
        self._cache.pop(i, None)

    def first(self, n: int) -> Iterator[Any]:
        for i in range(min(n, self.count)):
            yield self[i]


def read(staged: Path, name: str, *, ocr: OcrFunc | None, ocr_missing: str | None = None,
         limits: pages.Limits = pages.DEFAULT_LIMITS) -> Reading:
    """Text, text source and QR code of a staged file.  Broken files raise, and so do files over the
    ``limits`` (pages, pixels of a page), before anything big is decoded.

    ``ocr`` is None when OCR is off; ``ocr_missing`` is the warning to give
    when it is wanted but not installed.
    """
    fmt = pages.file_format(Path(name))
    if fmt == "pdf":
        return _read_pdf(staged, ocr, ocr_missing, limits)
    if fmt in IMAGE_FORMATS:
        return _read_image(staged, ocr, ocr_missing, limits)
    return Reading(*_other_text(staged, fmt))


def _read_pdf(path: Path, ocr: OcrFunc | None, ocr_missing: str | None, limits: pages.Limits) -> Reading:
    info = pages.read_pdf(path, limits)
    images = _LazyPages(lambda i: pages.render_pdf_page(path, i, limits=limits), info.pages)
    missing = [i for i, t in enumerate(info.texts) if len(t) < 2]
    reading = Reading(None, None, qr.find_code(_qr_candidates(path, images, missing, limits)))
    texts = list(info.texts)
    ocr_texts = _ocr_pages(images, missing, reading, ocr, ocr_missing) if missing else {}
    for i, t in ocr_texts.items():
        texts[i] = t
    reading.text = "\n\n".join(t for t in texts if t) or None
    if ocr_texts:
        reading.text_source = TextSource.OCR
    elif len(missing) < info.pages:
        reading.text_source = TextSource.LAYER
    else:
        reading.text_source = TextSource.NONE
    return reading


def _qr_candidates(path: Path, images: _LazyPages, missing: list[int], limits: pages.Limits) -> Iterator[Any]:
    """Images to search for the QR code, first pages first.

    A page without text is rendered whole (OCR needs it anyway); a page with a
    text layer only in its top-right corner, where dangan prints the code.
    """
    for i in range(min(QR_PAGES, images.count)):
        yield images[i] if i in missing else pages.render_pdf_page(path, i, region=qr.TOP_RIGHT, limits=limits)


def _read_image(path: Path, ocr: OcrFunc | None, ocr_missing: str | None, limits: pages.Limits) -> Reading:
    count = pages.image_frame_count(path, limits)
    images = _LazyPages(lambda i: pages.image_frame(path, i, limits), count)
    reading = Reading(None, None, qr.find_code(images.first(QR_PAGES)))
    texts = _ocr_pages(images, list(range(count)), reading, ocr, ocr_missing)
    if ocr is None:  # nothing decoded every frame: check that each one does, one at a time
        for i in range(QR_PAGES, count):
            _ = images[i]
    reading.text = "\n\n".join(t for t in texts.values() if t) or None
    reading.text_source = TextSource.OCR if texts else TextSource.NONE
    return reading


def _ocr_pages(images: _LazyPages, indexes: list[int], reading: Reading, ocr: OcrFunc | None,
               ocr_missing: str | None) -> dict[int, str]:
    """OCR the given pages; without OCR, a warning naming the extra."""
    if ocr is None:
        if ocr_missing:
            reading.warnings.append(ocr_missing)
        return {}
    out: dict[int, str] = {}
    for i in indexes:
        image = images[i]  # a page that cannot be drawn or decoded, or is too big, raises: quarantine
        try:
            out[i] = ocr(image)
        except IngestError:
            raise
        except Exception as e:  # OCR engine failure: file it anyway, flagged, never lose it
            log.warning("OCR failed on page %d: %s", i + 1, e)
            reading.warnings.append(f"第 {i + 1} 页 OCR 失败：{type(e).__name__}: {e}")
        finally:
            del image
            images.release(i)
    return out


def _other_text(path: Path, fmt: str) -> tuple[str | None, str | None]:
    from dangan.content import extract

    try:
        result = extract.extract(path)
    except IngestError:
        raise
    except DanganError as e:
        raise IngestError(e.message, path=path, detail=e.detail or repr(e)) from e
    return (result.text or None), str(result.source) or fmt


# -- 3. classify ---------------------------------------------------------------------------------------


def classify(entry: WatchEntry, reading: Reading, *, rules: list[Rule],
             find_by_doc_number: Callable[[str], Record | None]) -> Classification:
    """QR code of a generated record → folder category → content rules → QT flagged for review."""
    if reading.code is not None:
        record = find_by_doc_number(reading.code.doc_number)
        if record is not None:
            code = reading.code
            page = f" 第 {code.doc_page}/{code.doc_pages} 页" if code.doc_page else ""
            return Classification(f"二维码 {code.doc_number}{page}（签字件）", signed_copy_of=record)
        reading.warnings.append(f"二维码文号 {reading.code.doc_number} 在档案中找不到，按其他方式分类")
    if entry.category.lower() != "auto":
        return Classification(f"目录类别 {entry.category}", category=entry.category)
    rule = classify_text(reading.text or "", rules)
    if rule is not None:
        return Classification(f"规则 {rule.category}", category=rule.category)
    return Classification(f"自动 {FALLBACK_CATEGORY} 其他资料（待复核）", category=FALLBACK_CATEGORY, needs_review=True)


# -- 4. file -------------------------------------------------------------------------------------------


def file(archive: Any, path: Path, entry: WatchEntry, staged: Staged, reading: Reading,
         decision: Classification) -> FilingResult:
    """File the staged copy as decided (a signed copy, or a new record)."""
    text_source = str(reading.text_source) if reading.text else str(TextSource.NONE)
    record = decision.signed_copy_of
    if record is not None:
        try:
            return archive.attach_signed_copy(record.archival_code, staged.path, text=reading.text,  # type: ignore[no-any-return]
                                              text_source=text_source, original_name=readable(path.name))
        except ArchiveError as e:  # e.g. the record was disposed: a clerk must decide
            raise IngestError(f"二维码指向的档案 {record.archival_code} 不能添加签字件：{e.message}", path=path,
                              detail=str(e)) from e
    assert decision.category is not None
    request = filing_request(path, entry, staged, reading, decision.category)
    request.needs_review = decision.needs_review or not reading.text
    return archive.file(request)  # type: ignore[no-any-return]


def filing_request(path: Path, entry: WatchEntry, staged: Staged, reading: Reading, category: str) -> FilingRequest:
    meta = {k: str(v) for k, v in entry.meta.items() if k not in ("building", "unit", "room", "title")}
    if reading.code is not None:
        meta["二维码文号"] = reading.code.doc_number
    if not reading.text:
        meta["无文字"] = "是"
    return FilingRequest(
        path=staged.path, category=category, title=str(entry.meta.get("title") or readable(path.stem)),
        source=Source.SCANNED,
        building=_opt(entry.meta.get("building")), unit=_opt(entry.meta.get("unit")),
        room=_opt(entry.meta.get("room")), meta=meta, original_name=readable(path.name), text=reading.text or "",
        text_source=str(reading.text_source) if reading.text else str(TextSource.NONE),
    )


def _opt(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


# -- 5. finish -----------------------------------------------------------------------------------------


def finish(path: Path, entry: WatchEntry, *, sha256: str, duplicate: bool) -> bool:
    """After the catalogue commit: delete the source, or move it to processed/ (or keep it).

    Only the bytes that were filed are removed.  The source is first renamed to
    a hidden claim name (atomic), so a new scan saved under the same name
    meanwhile is never touched; the claimed file is hashed, and if it is not
    what was filed it is put back for the next scan.  Returns False then.
    """
    if entry.on_success is OnSuccess.KEEP:
        return True
    claimed = _claim(path)
    if claimed is None:
        return True  # already gone
    if _sha256_of_regular(claimed) != sha256:
        restore_claim(claimed)
        return False
    if entry.on_success is OnSuccess.MOVE:
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
