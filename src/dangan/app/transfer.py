"""Use cases of transfer (移交, DA/T 93-2022): export a year's package, check one anywhere, import one.

Export: 四性检测 of the archive first (a failing archive is not handed over),
archival copies made where missing, then the package is written into a
hidden folder beside the target and renamed into place when complete; the
移交与接收登记表 is filed as a record, and every record handed over is
marked and audited.  Import: the package is checked, each 件 is filed under
its own archival code with its files (hash-checked) and its audit history,
and the receiving archive is checked.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dangan.archive.model import FileRole, Record, Source, Status
from dangan.errors import ArchiveError, WorkspaceError
from dangan.fsutil import atomic_write_bytes, fsync_dir
from dangan.outputs.transfer import manifest as mf
from dangan.outputs.transfer import metadata as md
from dangan.outputs.transfer import package as pkg
from dangan.outputs.transfer.package import verify_package

if TYPE_CHECKING:
    from dangan.app.core import Dangan

REGISTER_FORM = "transfer-register"
PROPERTIES = ("真实性", "完整性", "可用性", "安全性")

__all__ = ["ExportResult", "ImportResult", "Transfers", "verify_package"]


@dataclass(frozen=True)
class ExportResult:
    path: Path
    items: int
    files: int
    volume: str
    manifest_sha256: str
    manifest_sm3: str
    register: str  # the archival code of the filed 移交与接收登记表


@dataclass(frozen=True)
class ImportResult:
    items: int
    disposed: int
    codes: list[str]
    register: str | None  # the register, filed on the receiving side too
    verify: Any  # the receiving archive's VerifyReport


class Transfers:
    """``app.transfer``."""

    def __init__(self, app: Dangan) -> None:
        self.app = app

    # ------------------------------------------------------------------ export

    def export(self, *, year: int, to: Path, category: str | None = None, receiver: str | None = None,
               stamp: bool = True) -> ExportResult:
        """Write the transfer package of a year (and category) to ``to`` (which must not exist or be empty)."""
        target = self.target(to)
        archive = self.app.archive
        code = archive.plan.get(category).code if category else None
        records = archive.list(year=year, category=code)
        if not records:
            raise ArchiveError(f"{year} 年度{f' {code} 类' if code else ''}没有可移交的档案")
        lent = [r.archival_code for r in records if r.status is Status.LENT]
        if lent:
            raise ArchiveError(f"以下档案借出未还，须归还后才能移交：{'、'.join(lent[:10])}")
        if stamp:
            self.app.outputs.stamp([r.archival_code for r in records if self.app.outputs.stampable(r)])
            records = archive.list(year=year, category=code)
        verify = self.app.verify()
        if not verify.ok:
            raise ArchiveError(f"四性检测发现 {len(verify.problems)} 个问题，不能移交；请先运行 dangan verify 处理",
                               detail="; ".join(str(p) for p in verify.problems[:5]))
        target.parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(dir=target.parent, prefix=".dangan-tmp-transfer-"))
        try:
            result = self._write(work, records, year=year, category=code, verify=verify, receiver=receiver,
                                 package=target.name)
            if target.exists():
                target.rmdir()  # empty (checked by target())
            os.replace(work, target)
            fsync_dir(target.parent)
        except BaseException:
            shutil.rmtree(work, ignore_errors=True)
            raise
        self._mark(records, register=result.register, package=target.name, digest=result.manifest_sha256)
        return ExportResult(target, result.items, result.files, result.volume, result.manifest_sha256,
                            result.manifest_sm3, result.register)

    def target(self, to: Path) -> Path:
        """The package folder: outside every folder of dangan's own, and not an existing non-empty folder."""
        from dangan.app.outputs import output_folder

        target = output_folder(self.app, to)
        if target.is_symlink() or (target.exists() and (not target.is_dir() or any(target.iterdir()))):
            raise WorkspaceError("移交包目录已存在且不是空目录；为避免覆盖文件已拒绝，请换一个目录", path=target)
        return target

    def _write(self, work: Path, records: Sequence[Record], *, year: int, category: str | None, verify: Any,
               receiver: str | None, package: str) -> ExportResult:
        from dangan.archive.audit import EVENT_NAMES
        from dangan.outputs.report import volume

        entries: list[mf.Entry] = []
        counts = pkg.Counts()
        texts = self.app.archive.catalogue.texts_of(r.id for r in records)
        for record in records:
            entries += self._write_item(work, record, texts.get(record.id), counts, event_names=EVENT_NAMES)
        entries += self._write_extras(work, records, year=year, category=category, counts=counts)
        manifest = mf.render(entries)
        atomic_write_bytes(work / mf.NAME, manifest)
        digests = mf.digest_bytes(manifest)
        register = self._register(work, counts, digests, year=year, category=category, verify=verify,
                                  receiver=receiver, package=package)
        return ExportResult(work, counts.items, counts.files, volume(counts.bytes), digests.sha256, digests.sm3,
                            register)

    def _write_item(self, work: Path, record: Record, text: str | None, counts: pkg.Counts, *,
                    event_names: dict[str, str]) -> list[mf.Entry]:
        folder = work / pkg.ITEMS / record.archival_code
        folder.mkdir(parents=True)
        entries, files = [], []
        for f in record.files:
            name = Path(f.path).name
            sm3 = None
            if not f.destroyed:
                d = mf.copy_digesting(self.app.archive.store.abs(f.path), folder / name)
                if d.sha256 != f.sha256:
                    raise ArchiveError("档案文件与目录登记的哈希不符，已停止移交", code=record.archival_code, path=f.path)
                entries.append(mf.Entry(d.sha256, d.sm3, d.size, f"{pkg.ITEMS}/{record.archival_code}/{name}"))
                sm3 = d.sm3
                counts.files += 1
                counts.bytes += d.size
                if f.role is FileRole.ORIGINAL:
                    counts.pages += f.page_count or 0
            creator = "dangan 归档副本（归档章，PDF/A-2b）" if f.role in (FileRole.RENDITION, FileRole.OLD_RENDITION) \
                else md.CREATORS.get(str(record.source), str(record.source))
            files.append(md.FileMeta(role=str(f.role), name=name, rel_path=f.path, original_name=f.original_name,
                                     format=f.format, size=f.size, page_count=f.page_count, creator=creator,
                                     destroyed=f.destroyed, sha256=f.sha256, sm3=sm3))
        counts.items += 1
        counts.disposed += record.status is Status.DISPOSED
        category = self.app.archive.plan.find(record.category)
        parsed_seq = int(record.archival_code.rsplit("-", 1)[1])
        meta = md.RecordMeta(
            archival_code=record.archival_code, fonds=record.archival_code.split("-", 1)[0], year=record.year,
            seq=parsed_seq, title=record.title, doc_number=record.doc_number, author=record.author, date=record.date,
            category=record.category, category_name=category.name if category else record.category,
            period=record.period, security=record.security, source=str(record.source), status=str(record.status),
            filed_at=record.filed_at, disposed_at=record.disposed_at, building=record.building, unit=record.unit,
            room=record.room, needs_review=record.needs_review, text_source=record.text_source,
            form_id=record.form_id, form_data=record.form_data, meta=record.meta, files=files, text=text,
            history=[md.audit_dict(e) for e in self.app.archive.audit_trail(record.archival_code)])
        data = md.to_xml(meta, event_names=event_names)
        (folder / pkg.METADATA).write_bytes(data)
        d = mf.digest_bytes(data)
        entries.append(mf.Entry(d.sha256, d.sm3, d.size, f"{pkg.ITEMS}/{record.archival_code}/{pkg.METADATA}"))
        return entries

    def _write_extras(self, work: Path, records: Sequence[Record], *, year: int, category: str | None,
                      counts: pkg.Counts) -> list[mf.Entry]:
        from dangan import __version__

        (work / pkg.SCHEMA_DIR).mkdir()
        shutil.copyfile(md.SCHEMA_PATH, work / pkg.SCHEMA_DIR / md.SCHEMA_NAME)
        self.app.catalogue(year=year, category=category, fmt="pdf", out=work / pkg.FILE_LIST_PDF)
        self.app.catalogue(year=year, category=category, fmt="xlsx", out=work / pkg.FILE_LIST_XLSX)
        company = self.app.ws.config.settings.company
        description = pkg.simple_xml("移交包", {
            "全宗号": self.app.archive.fonds, "全宗名称": company.name, "移交单位": self.app.archive.default_author,
            "年度": year, "类别": category or "全部", "件数": counts.items, "已销毁件数": counts.disposed,
            "文件数": counts.files, "页数": counts.pages, "字节数": counts.bytes,
            "导出时间": self.app.clock.now().isoformat(timespec="seconds"),
            "导出人": self.app.actor.name if self.app.actor else "", "导出程序": f"dangan {__version__}",
            "档号": " ".join(r.archival_code for r in records)})
        (work / pkg.PACKAGE_XML).write_bytes(description)
        out = []
        for rel in (pkg.PACKAGE_XML, f"{pkg.SCHEMA_DIR}/{md.SCHEMA_NAME}", pkg.FILE_LIST_PDF, pkg.FILE_LIST_XLSX):
            d = mf.digest_file(work / rel)
            out.append(mf.Entry(d.sha256, d.sm3, d.size, rel))
        return out

    def _register(self, work: Path, counts: pkg.Counts, digests: mf.Digests, *, year: int, category: str | None,
                  verify: Any, receiver: str | None, package: str) -> str:
        """Fill, file and copy into the package the 移交与接收登记表; write register.xml; its archival code."""
        from dangan.outputs.report import volume

        failed = {p.check for p in verify.problems}
        from dangan.archive.verify import PROPERTIES as CHECK_PROPERTY

        results = {prop: "通过" for prop in PROPERTIES}
        for check in failed:
            results[CHECK_PROPERTY.get(check) or verify.properties.get(check, "其他")] = "未通过"
        plan = self.app.archive.plan
        content = f"{year}年度 " + (f"{plan.get(category).name}（{category}）" if category else "全部类别") + " 电子档案"
        data = {
            "handed_on": self.app.clock.today().isoformat(), "content": content, "package": package,
            "fonds": self.app.archive.fonds, "items": counts.items, "pages": counts.pages, "files": counts.files,
            "volume": volume(counts.bytes), "disposed": counts.disposed, "manifest_sha256": digests.sha256,
            "manifest_sm3": digests.sm3, "from_unit": self.app.archive.default_author,
            "to_unit": receiver if receiver is not None else self.app.ws.config.settings.outputs.receiving_unit,
            "checks": [{"property": p, "handing": results[p], "receiving": ""} for p in PROPERTIES],
        }
        record = self.app.outputs.file_form(REGISTER_FORM, data, title=f"电子档案移交与接收登记表（{content}）",
                                            meta={"manifest_sha256": digests.sha256, "package": package})
        assert record.original is not None
        shutil.copyfile(self.app.archive.store.abs(record.original.path), work / pkg.REGISTER_PDF)
        (work / pkg.REGISTER_XML).write_bytes(pkg.simple_xml("移交与接收登记表", {
            "登记表档号": record.archival_code, "登记表SHA256": record.original.sha256,
            "清单SHA256": digests.sha256, "清单SM3": digests.sm3, "件数": counts.items,
            "已销毁件数": counts.disposed, "文件数": counts.files, "页数": counts.pages, "字节数": counts.bytes,
            **{f"{p}检测": results[p] for p in PROPERTIES}}))
        return record.archival_code

    def _mark(self, records: Sequence[Record], *, register: str, package: str, digest: str) -> None:
        self.app.archive.mark_transferred([r.archival_code for r in records], register=register,
                                          details={"package": package, "manifest_sha256": digest})

    # ------------------------------------------------------------------ import

    def import_(self, path: Path) -> ImportResult:
        """Check a package, then file every 件 into this archive under its own code; then 四性检测."""
        root = Path(path).resolve()
        report = verify_package(root)
        if not report.ok:
            raise ArchiveError(f"移交包核验发现 {len(report.problems)} 个问题，未接收任何档案", path=root,
                               detail="; ".join(report.problems[:5]))
        items = [self._item(folder, root.name) for folder in sorted((root / pkg.ITEMS).iterdir()) if folder.is_dir()]
        taken = [i.archival_code for i in items if self.app.archive.catalogue.record(i.archival_code) is not None]
        if taken:
            raise ArchiveError(f"本档案库中已有这些档号，未接收任何档案：{'、'.join(taken[:10])}")
        for item in items:
            self.app.archive.plan.get(item.archival_code.split("-")[3])
        codes = [self.app.archive.import_record(item).archival_code for item in items]
        register = self._file_received_register(root)
        return ImportResult(len(items), sum(1 for i in items if i.disposed_at), codes, register, self.app.verify())

    def _item(self, folder: Path, package: str) -> Any:
        from dangan.archive.custody import ImportedFile, ImportedRecord

        m = md.from_xml((folder / pkg.METADATA).read_bytes())
        prefix = f"files/{m.year:04d}/{m.archival_code.split('-')[2]}/{m.category}/{m.archival_code}"
        files = []
        for f in m.files:
            if not f.rel_path.startswith(prefix) or not mf.safe_relative(f.rel_path):
                raise ArchiveError(f"移交包中的存储路径不对：{f.rel_path}", code=m.archival_code)
            files.append(ImportedFile(role=FileRole(f.role), rel_path=f.rel_path,
                                      source=None if f.destroyed else folder / f.name, sha256=f.sha256, size=f.size,
                                      format=f.format, page_count=f.page_count, original_name=f.original_name))
        meta = {k: v for k, v in m.meta.items() if k != "transfer"}
        return ImportedRecord(
            archival_code=m.archival_code, period=m.period, title=m.title, doc_number=m.doc_number, author=m.author,
            date=m.date, security=m.security, source=Source(m.source), form_id=m.form_id, form_data=m.form_data,
            needs_review=m.needs_review, text_source=m.text_source, filed_at=m.filed_at, disposed_at=m.disposed_at,
            building=m.building, unit=m.unit, room=m.room, meta=meta, files=tuple(files), text=m.text,
            history=tuple(m.history), package=package)

    def _file_received_register(self, root: Path) -> str | None:
        """The register, as received, filed here too (category DA)."""
        from dangan.archive.model import FilingRequest
        from dangan.archive.plan import RECORDS_OFFICE_CATEGORY

        pdf = root / pkg.REGISTER_PDF
        info = pkg.read_simple_xml((root / pkg.REGISTER_XML).read_bytes())
        req = FilingRequest(path=pdf, category=RECORDS_OFFICE_CATEGORY, date=self.app.clock.today(),
                            title=f"电子档案移交与接收登记表（接收 {root.name}）", source=Source.MANUAL,
                            meta={"received_package": root.name, "source_register": info.get("登记表档号", ""),
                                  "manifest_sha256": info.get("清单SHA256", "")})
        result = self.app.archive.file_many([req])[0]
        return result.record.archival_code
