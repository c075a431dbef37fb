"""四性检测 (DA/T 70-2018): authenticity, integrity, usability, security.

:func:`run_verify` runs the built-in checks against the catalogue and the file
store it is given, then any extra checks (the app adds the search index's
drift check).  An extra check is a callable ``check() -> Iterable[Problem]``;
give it ``name`` (and ``property``) attributes to have it listed in the report.
The archive records each run in the audit trail.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from dangan.archive import audit, holdcheck
from dangan.archive.audit import AuditEntry
from dangan.archive.catalogue import Catalogue, Hold
from dangan.archive.digest import record_digest
from dangan.archive.model import Record, StoredFile
from dangan.archive.store import Store
from dangan.archive.views import missing_required
from dangan.content.extract import check_opens
from dangan.content.formats import FORMATS
from dangan.content.hashing import sha256_bytes, sha256_file
from dangan.errors import DanganError

WHOLE_FILE_LIMIT = 64 * 1024 * 1024  # read files up to this size at once (hash + open from memory)

# Which of the four properties each check serves.
PROPERTIES = {
    "hash": "真实性",
    "digest": "真实性",
    "holds": "真实性",
    "missing": "完整性",
    "extra": "完整性",
    "sequence": "完整性",
    "metadata": "完整性",
    "doc_number": "完整性",
    "format": "可用性",
    "encrypted": "安全性",
    "audit": "安全性",
}

CHECK_NAMES = {
    "hash": "文件哈希与目录一致",
    "digest": "目录记录与审计记录一致（目录未被改动）",
    "holds": "冻结记录与审计记录一致",
    "missing": "目录中的文件都存在",
    "extra": "没有目录以外的文件",
    "sequence": "件号连续无缺号",
    "metadata": "必填元数据齐全",
    "doc_number": "文号不重复",
    "format": "文件能按其格式打开",
    "encrypted": "文件未加密",
    "audit": "审计链完整",
}


@dataclass(frozen=True)
class Problem:
    check: str
    message: str
    code: str | None = None
    path: str | None = None

    def __str__(self) -> str:
        where = " ".join(x for x in (self.code, self.path) if x)
        return f"[{CHECK_NAMES.get(self.check, self.check)}] {where + '：' if where else ''}{self.message}"


@dataclass
class VerifyReport:
    records: int = 0
    files: int = 0
    bytes: int = 0
    seconds: float = 0.0
    checks: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # which of the four properties an extra check belongs to (its ``property`` attribute)
    properties: dict[str, str] = field(default_factory=dict)
    # the audit chain after this run (its own entry included), as anchored outside the catalogue
    audit_entries: int = 0
    audit_head: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "records": self.records,
            "files": self.files,
            "bytes": self.bytes,
            "seconds": round(self.seconds, 3),
            "checks": self.checks,
            "problems": [asdict(p) for p in self.problems],
            "warnings": self.warnings,
            "audit_entries": self.audit_entries,
            "audit_head": self.audit_head,
        }

    def lines(self) -> list[str]:
        out = [f"四性检测：{self.records} 件档案，{self.files} 个文件，{self.bytes / 1e6:.1f} MB，用时 {self.seconds:.1f} 秒"]
        failed = {p.check for p in self.problems}
        for check in self.checks:
            prop = PROPERTIES.get(check) or self.properties.get(check, "其他")
            mark = "✗" if check in failed else "✓"
            out.append(f"  {mark} {prop}：{CHECK_NAMES.get(check, check)}")
        out += [f"  问题：{p}" for p in self.problems]
        out += [f"  提示：{w}" for w in self.warnings]
        if self.audit_entries:
            out.append(f"审计链：{self.audit_entries} 条，链头 {self.audit_head[:16]}…（已记入 archive/audit-anchor.jsonl）")
        out.append("结果：通过" if self.ok else f"结果：发现 {len(self.problems)} 个问题")
        return out


Check = Callable[[], Iterable[Problem]]


def run_verify(catalogue: Catalogue, store: Store, *, extra_checks: Sequence[Check] = (),
               progress: Callable[[int, int], None] | None = None,
               anchor_check: Callable[[list[AuditEntry]], list[str]] | None = None) -> VerifyReport:
    """``anchor_check(entries)``: the problems the chain's anchors outside the catalogue find (truncation,
    recomputation: :mod:`dangan.archive.anchor`)."""
    start = time.perf_counter()
    records = catalogue.records()
    entries = catalogue.audit_entries()
    report = VerifyReport(records=len(records))
    report.checks = list(CHECK_NAMES)
    report.problems += _check_files(store, records, report, progress=progress)
    report.problems += _check_extra(store, records)
    report.problems += _check_sequence(records)
    report.problems += _check_metadata(records)
    report.problems += _check_doc_numbers(records)
    report.problems += [Problem("audit", p) for p in audit.check_chain(entries)]
    if anchor_check is not None:
        report.problems += [Problem("audit", p) for p in anchor_check(entries)]
    holds = catalogue.all_holds()
    report.problems += _check_digests(records, entries, holds)
    report.problems += [Problem("holds", message, code) for code, message in holdcheck.check(holds, entries)]
    report.problems += _check_leftovers(store, entries)
    for check in extra_checks:
        name = getattr(check, "name", getattr(check, "__name__", "extra"))
        report.checks.append(name)
        report.properties[name] = getattr(check, "property", "其他")
        try:
            report.problems += list(check())
        except DanganError as e:
            report.problems.append(Problem(name, str(e)))
    report.seconds = time.perf_counter() - start
    return report


# -- files: hash, missing, format, encryption ---------------------------------


def _check_files(
    store: Store, records: list[Record], report: VerifyReport, *, progress: Callable[[int, int], None] | None
) -> list[Problem]:
    """Each live file checked (hash, format, encryption): two at a time, as hashing releases the GIL; pdfium
    is serialised by its own lock (:mod:`dangan.content.pdf`).  A file found at fault is checked once more,
    alone, and reported only if it fails again, so a fault of the machine never becomes a failed check in
    the audit trail; a real fault (a changed or damaged file) fails both times."""
    jobs = [(r, f) for r in records for f in r.files if not f.destroyed]
    problems: list[Problem] = []
    with ThreadPoolExecutor(max_workers=2) as pool:
        for n, (job, (found, size)) in enumerate(zip(jobs, pool.map(lambda job: _check_one(store, *job), jobs),
                                                     strict=True), start=1):
            if found:
                found = _check_one(store, *job)[0]  # checked once more
            problems += found
            report.files += 1
            report.bytes += size
            if progress:
                progress(n, len(jobs))
    return problems


def _check_one(store: Store, record: Record, f: StoredFile) -> tuple[list[Problem], int]:
    code = record.archival_code
    path = store.abs(f.path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return [Problem("missing", "文件不存在", code, f.path)], 0
    problems: list[Problem] = []
    if size != f.size:
        problems.append(Problem("hash", f"文件大小 {size} 与目录登记的 {f.size} 不符", code, f.path))
    digest, data = _hash(path, size)
    if digest != f.sha256:
        problems.append(Problem("hash", "文件哈希与目录登记的不符（文件被改动或损坏）", code, f.path))
    if f.format not in FORMATS:
        problems.append(Problem("format", f"格式 {f.format} 不是允许的归档格式", code, f.path))
    else:
        problems += _check_format(path, data, f, code)
    return problems, size


def _hash(path: Path, size: int) -> tuple[str, bytes | None]:
    if size > WHOLE_FILE_LIMIT:
        return sha256_file(path)[0], None
    data = path.read_bytes()
    return sha256_bytes(data), data


def _check_format(path: Path, data: bytes | None, f: StoredFile, code: str) -> list[Problem]:
    if data is None:
        data = path.read_bytes()
    try:
        check_opens(data, f.format, name=f.path)
    except DanganError as e:
        kind = "encrypted" if "加密" in e.message else "format"
        return [Problem(kind, e.message, code, f.path)]
    if f.format == "pdf" and _pdf_encrypted(data):
        return [Problem("encrypted", "PDF 已加密（设有权限密码）", code, f.path)]
    return []


def _pdf_encrypted(data: bytes) -> bool:
    from dangan.content.pdf import is_encrypted

    return is_encrypted(data)


# -- catalogue-level checks ----------------------------------------------------


def _check_extra(store: Store, records: list[Record]) -> list[Problem]:
    known = {f.path: f for r in records for f in r.files}
    problems = []
    for rel in store.walk_files():
        f = known.get(rel)
        if f is None:
            problems.append(Problem("extra", "档案库中有目录以外的文件", None, rel))
        elif f.destroyed:
            problems.append(Problem("extra", "已销毁档案的文件仍然存在", None, rel))
    problems += [Problem("extra", "档案库中有不属于它的文件", None, rel) for rel in store.unexpected_entries()]
    return problems


def _check_leftovers(store: Store, entries: list[AuditEntry]) -> list[Problem]:
    """Files in orphans/ that no reconcile entry of the audit trail put there, and temporary files of a
    filing that is over, in tmp/: nothing else may lie in either (a file hidden there is reported).

    Copies reconcile moved to orphans/ were reported once, when it did (its audit entry names them).
    """
    explained: set[str] = set()
    for e in entries:
        if e.event == "reconcile" and isinstance(e.details, dict):
            explained.update(str(x) for x in e.details.get("orphans", []))
    def named(rel: str) -> bool:  # the file, or a folder it lies in, was named by a reconcile
        parts = rel.split("/")
        return any("/".join(parts[:n]) in explained for n in range(1, len(parts) + 1))

    problems = [Problem("extra", "orphans/ 中有不是启动核对移入的文件（来历不明）", None, rel)
                for rel in store.orphan_files() if not named(rel)]
    problems += [Problem("extra", "tmp/ 中有已结束的归档留下的临时文件", None, str(p.relative_to(store.root)))
                 for p in store.stale_temp_entries()]
    return problems


def _check_sequence(records: list[Record]) -> list[Problem]:
    from dangan.archive.codes import parse_code

    groups: dict[tuple, list[int]] = {}
    for r in records:
        try:
            c = parse_code(r.archival_code)
        except DanganError:
            continue
        groups.setdefault((c.fonds, c.year, c.period, c.category), []).append(c.seq)
    problems = []
    for (fonds, year, period, category), seqs in sorted(groups.items()):
        missing = sorted(set(range(1, max(seqs) + 1)) - set(seqs))
        if missing:
            shown = "、".join(f"{n:04d}" for n in missing[:20])
            problems.append(Problem("sequence", f"{fonds}-{year}-{period}-{category} 缺少件号 {shown}"))
    return problems


def _check_metadata(records: list[Record]) -> list[Problem]:
    from dangan.archive.codes import is_code

    problems = []
    for r in records:
        missing = missing_required(r)
        if missing:
            problems.append(Problem("metadata", f"必填元数据为空：{'、'.join(missing)}", r.archival_code))
        if not is_code(r.archival_code):
            problems.append(Problem("metadata", "档号格式不正确", r.archival_code))
    return problems


def matches(record: Record, audited: tuple[str, int], holds: Sequence[Hold]) -> bool:
    """Whether ``record`` (with all its ``holds``) is what the trail vouched for (digest, version)."""
    try:
        return record_digest(record, audited[1], holds=holds) == audited[0]
    except ValueError:  # a version this program does not know: cannot vouch for it
        return False


def _check_doc_numbers(records: list[Record]) -> list[Problem]:
    """A 文号 names one document: two records carrying the same one is a problem."""
    by_number: dict[str, list[str]] = {}
    for r in records:
        if r.doc_number:
            by_number.setdefault(r.doc_number, []).append(r.archival_code)
    return [Problem("doc_number", f"文号 {number} 重复，出现在 {'、'.join(codes)}", codes[0])
            for number, codes in sorted(by_number.items()) if len(codes) > 1]


def holds_by_code(holds: Sequence[Hold]) -> dict[str, list[Hold]]:
    out: dict[str, list[Hold]] = {}
    for h in holds:
        out.setdefault(h.code, []).append(h)
    return out


def audited_digests(entries: Sequence[AuditEntry]) -> tuple[dict[str, tuple[str, int]], list[Problem]]:
    """(code → the record digest the trail last vouched for and its version, problems of the trail's own
    statements).  An entry that changes one record carries ``digest``; the entry of ``dangan archive mask``
    carries ``digests`` (code → [digest before, digest after]) for every record it rewrote, and each
    "before" must be the digest vouched for until then, so masking never launders a changed record."""
    last: dict[str, tuple[str, int]] = {}
    problems: list[Problem] = []
    for e in entries:
        details = e.details
        if not isinstance(details, dict):
            continue
        if e.code and "digest" in details:
            last[e.code] = (str(details["digest"]), int(details.get("digest_version", 1)))
        if e.event == "masked" and isinstance(details.get("digests"), dict):
            version = int(details.get("digest_version", 1))
            for code, pair in details["digests"].items():
                before, after = (pair if isinstance(pair, list) and len(pair) == 2 else (None, None))
                if last.get(code, (None,))[0] != before:
                    problems.append(Problem("digest", f"第 {e.id} 条审计记录（遮蔽号码）所记的原摘要与之前的审计不符", code))
                last[code] = (str(after), version)
    return last, problems


def _check_digests(records: list[Record], entries: list[AuditEntry], holds: Sequence[Hold]) -> list[Problem]:
    holds_of = holds_by_code(holds)
    last, problems = audited_digests(entries)
    for r in records:
        expected = last.get(r.archival_code)
        if expected is None:
            problems.append(Problem("digest", "审计记录中没有这件档案的归档记录", r.archival_code))
        elif not matches(r, expected, holds_of.get(r.archival_code, [])):
            problems.append(Problem("digest", "目录记录与审计记录不符（目录被直接改动）", r.archival_code))
    codes = {r.archival_code for r in records}
    problems += [Problem("digest", "审计记录中有这件档案，但目录中没有（目录记录被删除）", code)
                 for code in sorted(last.keys() - codes)]
    return problems
