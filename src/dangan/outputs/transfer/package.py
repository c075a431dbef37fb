"""A transfer package (移交包, in the spirit of DA/T 48-2009 / GB/T 18894): its layout, and checking one.

Layout::

    package.xml                 移交包说明: fonds, year, category, counts, volume, when, by whom
    manifest.txt                every other file with size, SHA-256 and SM3 (see manifest.py)
    schema/dangan-transfer-1.xsd
    归档文件目录.pdf, 归档文件目录.xlsx
    items/<档号>/metadata.xml   the 件's metadata, fixity and audit entries (see metadata.py)
    items/<档号>/<files>        its files as the archive stored them (original, attachments,
                                signed copies, archival copies with the 归档章)
    register.xml                the 移交与接收登记表's figures: counts, the manifest's digests
    移交与接收登记表.pdf          the register as signed (filed as a record by the handing-over side)

:func:`verify_package` needs nothing but the folder: every digest against
the manifest, no file outside it, each metadata document against dangan's
schema and against the files beside it, each audit entry's own hash, and
the counts and the manifest's digest against the register (both its XML and
the text of its PDF).  Changing any file, or the manifest, is reported.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dangan.outputs.transfer import manifest as mf
from dangan.outputs.transfer import metadata as md

PACKAGE_XML = "package.xml"
REGISTER_XML = "register.xml"
REGISTER_PDF = "移交与接收登记表.pdf"
FILE_LIST_PDF = "归档文件目录.pdf"
FILE_LIST_XLSX = "归档文件目录.xlsx"
ITEMS = "items"
METADATA = "metadata.xml"
SCHEMA_DIR = "schema"
#: Files the manifest does not list: itself, and those that state its digest.
UNLISTED = (mf.NAME, REGISTER_XML, REGISTER_PDF)
COUNT_KEYS = ("items", "disposed", "files", "pages", "bytes")


@dataclass
class Counts:
    items: int = 0
    disposed: int = 0
    files: int = 0  # files of the items (metadata.xml not counted)
    pages: int = 0  # pages of the originals
    bytes: int = 0  # bytes of the items' files

    def to_dict(self) -> dict[str, int]:
        return {k: getattr(self, k) for k in COUNT_KEYS}


@dataclass
class PackageReport:
    path: Path
    counts: Counts = field(default_factory=Counts)
    problems: list[str] = field(default_factory=list)
    checked_files: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "path": str(self.path), "counts": self.counts.to_dict(),
                "checked_files": self.checked_files, "problems": self.problems}

    def lines(self) -> list[str]:
        c = self.counts
        out = [f"移交包核验：{self.path}", f"  {c.items} 件（其中已销毁 {c.disposed} 件），{c.files} 个文件，"
               f"{c.pages} 页，{c.bytes} 字节；核对摘要 {self.checked_files} 个文件"]
        out += [f"  问题：{p}" for p in self.problems]
        out.append("结果：通过" if self.ok else f"结果：发现 {len(self.problems)} 个问题")
        return out


# -- package.xml and register.xml ------------------------------------------------------------------


def simple_xml(root_name: str, values: dict[str, Any]) -> bytes:
    """A flat XML document: one element per key (pure)."""
    ET.register_namespace("", md.NS)
    root = ET.Element(f"{{{md.NS}}}{root_name}", {"版本": md.VERSION})
    for key, value in values.items():
        ET.SubElement(root, f"{{{md.NS}}}{key}").text = "" if value is None else str(value)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def read_simple_xml(data: bytes) -> dict[str, str]:
    from lxml import etree

    root = etree.fromstring(data, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    prefix = f"{{{md.NS}}}"
    return {el.tag[len(prefix):]: (el.text or "") for el in root if isinstance(el.tag, str) and el.tag.startswith(prefix)}


# -- checking --------------------------------------------------------------------------------------


def verify_package(path: Path) -> PackageReport:
    """Check a package folder (see the module's docstring); nothing is written."""
    root = Path(path)
    report = PackageReport(path=root)
    if not (root / mf.NAME).is_file():
        report.problems.append(f"没有清单 {mf.NAME}：这不是 dangan 移交包，或清单被删除")
        return report
    manifest_bytes = (root / mf.NAME).read_bytes()
    entries, problems = mf.parse(manifest_bytes)
    report.problems += problems
    report.problems += _check_listed(root, entries, report)
    report.problems += _check_items(root, report.counts)
    report.problems += _check_register(root, manifest_bytes, report.counts)
    return report


def _files_on_disk(root: Path) -> Iterator[str]:
    for p in sorted(root.rglob("*")):
        if p.is_symlink():
            yield p.relative_to(root).as_posix()
        elif p.is_file():
            yield p.relative_to(root).as_posix()


def _check_listed(root: Path, entries: list[mf.Entry], report: PackageReport) -> list[str]:
    problems = []
    listed = {e.path: e for e in entries}
    for rel in _files_on_disk(root):
        if rel in UNLISTED:
            continue
        if (root / rel).is_symlink():
            problems.append(f"{rel} 是符号链接（移交包中不允许）")
            continue
        entry = listed.pop(rel, None)
        if entry is None:
            problems.append(f"{rel} 不在清单中（多出的文件）")
            continue
        found = mf.digest_file(root / rel)
        report.checked_files += 1
        if found.size != entry.size:
            problems.append(f"{rel} 的大小 {found.size} 与清单登记的 {entry.size} 不符（文件被改动）")
        elif found.sha256 != entry.sha256 or found.sm3 != entry.sm3:
            problems.append(f"{rel} 的摘要与清单不符（文件被改动）")
    problems += [f"{rel} 在清单中，但移交包里没有（文件缺失）" for rel in sorted(listed)]
    return problems


def _check_items(root: Path, counts: Counts) -> list[str]:
    from dangan.archive.audit import entry_hash

    problems: list[str] = []
    items = root / ITEMS
    if not items.is_dir():
        return [f"没有 {ITEMS}/ 目录"]
    for folder in sorted(p for p in items.iterdir() if p.is_dir()):
        meta_path = folder / METADATA
        where = f"{ITEMS}/{folder.name}"
        if not meta_path.is_file():
            problems.append(f"{where} 没有 {METADATA}")
            continue
        data = meta_path.read_bytes()
        found = md.validate(data)
        if found:
            problems += [f"{where}/{METADATA} 不符合元数据格式：{p}" for p in found]
            continue
        m = md.from_xml(data)
        if m.archival_code != folder.name:
            problems.append(f"{where}/{METADATA} 的档号 {m.archival_code} 与目录名不符")
        counts.items += 1
        counts.disposed += m.disposed_at is not None
        problems += _check_item_files(folder, where, m, counts)
        for e in m.history:
            recomputed = entry_hash(e["prev_hash"], id=e["id"], ts=e["ts"], event=e["event"], code=e["code"],
                                    details=e["details"], actor=_actor(e["actor"]), version=e["version"])
            if recomputed != e["hash"]:
                problems.append(f"{where} 的第 {e['id']} 条审计记录与其哈希不符（被改动）")
    return problems


def _actor(data: Any) -> Any:
    from dangan.actor import Actor

    return Actor.from_dict(data) if isinstance(data, dict) else None


def _check_item_files(folder: Path, where: str, m: md.RecordMeta, counts: Counts) -> list[str]:
    problems = []
    named = {f.name for f in m.files if not f.destroyed}
    for f in m.files:
        path = folder / f.name
        if f.destroyed:
            if path.exists():
                problems.append(f"{where}/{f.name} 已销毁，却仍在移交包中")
            continue
        if f.name != Path(f.name).name or not path.is_file():
            problems.append(f"{where}/{f.name} 缺失")
            continue
        digests = mf.digest_file(path)
        if digests.sha256 != f.sha256 or (f.sm3 and digests.sm3 != f.sm3) or digests.size != f.size:
            problems.append(f"{where}/{f.name} 与元数据中的固化信息不符")
        counts.files += 1
        counts.bytes += digests.size
        if f.role == "original":
            counts.pages += f.page_count or 0
    extra = sorted(p.name for p in folder.iterdir() if p.name not in named and p.name != METADATA)
    problems += [f"{where}/{name} 不是这件档案的文件" for name in extra]
    return problems


def _check_register(root: Path, manifest_bytes: bytes, counts: Counts) -> list[str]:
    problems = []
    register_xml = root / REGISTER_XML
    if not register_xml.is_file():
        return [f"没有 {REGISTER_XML}（移交与接收登记表的数据）"]
    try:
        register = read_simple_xml(register_xml.read_bytes())
    except Exception as e:  # noqa: BLE001 - any parse failure is a problem of the package, in words
        return [f"{REGISTER_XML} 无法读取：{e}"]
    digests = mf.digest_bytes(manifest_bytes)
    if register.get("清单SHA256") != digests.sha256 or register.get("清单SM3") != digests.sm3:
        problems.append("清单的摘要与移交与接收登记表登记的不符（清单被改动）")
    for key, label in (("items", "件数"), ("disposed", "已销毁件数"), ("files", "文件数"), ("pages", "页数"),
                       ("bytes", "字节数")):
        stated = register.get(label)
        if stated is None or stated != str(getattr(counts, key)):
            problems.append(f"{label}：登记表为 {stated}，移交包中实际为 {getattr(counts, key)}")
    pdf = root / REGISTER_PDF
    if not pdf.is_file():
        problems.append(f"没有 {REGISTER_PDF}")
    else:
        problems += _check_register_pdf(pdf, digests)
    return problems


def _check_register_pdf(pdf: Path, digests: mf.Digests) -> list[str]:
    from dangan.content.pdf import read_text
    from dangan.errors import DanganError

    try:
        text = read_text(pdf, name=REGISTER_PDF).text or ""
    except DanganError as e:
        return [f"{REGISTER_PDF} 无法打开：{e.message}"]
    compact = "".join(text.split())
    if digests.sha256 not in compact or digests.sm3 not in compact:
        return [f"{REGISTER_PDF} 上印的清单摘要与清单不符"]
    return []
