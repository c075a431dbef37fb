"""The XML metadata document of one 件 in a transfer package (``metadata.xml``), written and read back.

Element names are the Chinese terms of GB/T 18894-2016 / DA/T 46 (题名,
文件编号, 责任者, 日期, 机构或问题, 保管期限, 密级, 格式, 文件名, 文件大小,
创建程序), in the namespace ``urn:dangan:transfer:1``; each file carries its
固化信息 (SHA-256 and SM3), and the record's audit entries come along as
written in the source archive (hashes included).  ``dangan-transfer-1.xsd``
beside this module is the schema; :func:`validate` checks a document against
dangan's own copy of it (never the package's).
"""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

NS = "urn:dangan:transfer:1"
VERSION = "1"
SCHEMA_NAME = "dangan-transfer-1.xsd"
SCHEMA_PATH = Path(__file__).with_name(SCHEMA_NAME)
YES, NO = "是", "否"
CREATORS = {"generated": "dangan 表单生成（WeasyPrint）", "scanned": "扫描件（监视目录）", "manual": "手工添加"}


def _q(name: str) -> str:
    return f"{{{NS}}}{name}"


@dataclass(frozen=True)
class FileMeta:
    role: str
    name: str  # the file's name in the item folder
    rel_path: str  # where the source archive stored it
    original_name: str
    format: str
    size: int
    page_count: int | None
    creator: str
    destroyed: bool
    sha256: str
    sm3: str | None


@dataclass(frozen=True)
class RecordMeta:
    """Everything metadata.xml says about one 件."""

    archival_code: str
    fonds: str
    year: int
    seq: int
    title: str
    doc_number: str | None
    author: str
    date: dt.date
    category: str
    category_name: str
    period: str
    security: str
    source: str
    status: str
    filed_at: dt.datetime
    disposed_at: dt.datetime | None
    building: str | None
    unit: str | None
    room: str | None
    needs_review: bool
    text_source: str | None
    form_id: str | None
    form_data: dict[str, Any] | None
    meta: Mapping[str, str]
    files: Sequence[FileMeta]
    text: str | None
    history: Sequence[dict[str, Any]]


def audit_dict(entry: Any) -> dict[str, Any]:
    """An audit entry as the package carries it (everything its hash covers)."""
    return {"id": entry.id, "version": entry.version, "ts": entry.ts, "event": entry.event, "code": entry.code,
            "actor": entry.actor.to_dict() if entry.actor else None, "details": entry.details,
            "prev_hash": entry.prev_hash, "hash": entry.hash}


def to_xml(m: RecordMeta, *, event_names: Mapping[str, str]) -> bytes:
    ET.register_namespace("", NS)
    root = ET.Element(_q("电子文件"), {"版本": VERSION})

    def add(parent: ET.Element, name: str, text: Any, **attrs: str) -> ET.Element:
        el = ET.SubElement(parent, _q(name), attrs)
        el.text = "" if text is None else str(text)
        return el

    for name, value in (("档号", m.archival_code), ("全宗号", m.fonds), ("年度", f"{m.year:04d}"), ("件号", m.seq),
                        ("题名", m.title), ("文件编号", m.doc_number or ""), ("责任者", m.author),
                        ("日期", m.date.isoformat())):
        add(root, name, value)
    add(root, "机构或问题", m.category_name, 代码=m.category)
    for name, value in (("保管期限", m.period), ("密级", m.security), ("来源", m.source), ("状态", m.status),
                        ("归档时间", m.filed_at.isoformat())):
        add(root, name, value)
    if m.disposed_at:
        add(root, "销毁时间", m.disposed_at.isoformat())
    for place, where in (("楼栋", m.building), ("单元", m.unit), ("房号", m.room)):
        if where:
            add(root, place, where)
    add(root, "待复核", YES if m.needs_review else NO)
    if m.text_source:
        add(root, "全文来源", m.text_source)
    if m.form_id:
        add(root, "表单", json.dumps(m.form_data, ensure_ascii=False, sort_keys=True, default=str)
            if m.form_data is not None else "", 编号=m.form_id)
    others = ET.SubElement(root, _q("其他元数据"))
    for key, value in sorted(m.meta.items()):
        add(others, "项", value, 名=key)
    for f in m.files:
        el = ET.SubElement(root, _q("文件"), {"角色": f.role})
        for name, value in (("文件名", f.name), ("存储路径", f.rel_path), ("原文件名", f.original_name),
                            ("格式", f.format), ("文件大小", f.size)):
            add(el, name, value)
        if f.page_count is not None:
            add(el, "页数", f.page_count)
        add(el, "创建程序", f.creator)
        add(el, "已销毁", YES if f.destroyed else NO)
        fixity = ET.SubElement(el, _q("固化信息"))
        add(fixity, "SHA256", f.sha256)
        if f.sm3:
            add(fixity, "SM3", f.sm3)
    if m.text:
        add(root, "全文", m.text)
    history = ET.SubElement(root, _q("审计记录"))
    for e in m.history:
        attrs: dict[str, str] = {"序号": str(e["id"]), "版本": str(e["version"]), "时间": e["ts"], "事件": e["event"],
                 "名称": event_names.get(e["event"], e["event"]),
                 "操作人": (e["actor"] or {}).get("name", "") if isinstance(e["actor"], dict) else "",
                 "前一条哈希": e["prev_hash"], "哈希": e["hash"]}
        add(history, "记录", json.dumps({"code": e["code"], "actor": e["actor"], "details": e["details"]},
                                        ensure_ascii=False, sort_keys=True, default=str), **attrs)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


@lru_cache(maxsize=1)
def _schema() -> Any:
    from lxml import etree

    return etree.XMLSchema(etree.parse(str(SCHEMA_PATH)))


def validate(data: bytes) -> list[str]:
    """Problems of ``data`` against the schema, in words (empty: valid)."""
    from lxml import etree

    try:
        doc = etree.fromstring(data, parser=etree.XMLParser(resolve_entities=False, no_network=True,
                                                            huge_tree=False))
    except etree.XMLSyntaxError as e:
        return [f"XML 格式错误：{e}"]
    schema = _schema()
    if schema.validate(doc):
        return []
    return [f"第 {err.line} 行：{err.message}" for err in list(schema.error_log)[:5]]


def from_xml(data: bytes) -> RecordMeta:
    """Read a (validated) metadata document back."""
    from lxml import etree

    root = etree.fromstring(data, parser=etree.XMLParser(resolve_entities=False, no_network=True))

    def text(parent: Any, name: str) -> str | None:
        el = parent.find(_q(name))
        return None if el is None else (el.text or "")

    def req(parent: Any, name: str) -> str:
        value = text(parent, name)
        return value or ""

    category = root.find(_q("机构或问题"))
    form = root.find(_q("表单"))
    files = []
    for el in root.findall(_q("文件")):
        fixity = el.find(_q("固化信息"))
        pages = text(el, "页数")
        files.append(FileMeta(role=el.get("角色"), name=req(el, "文件名"), rel_path=req(el, "存储路径"),
                              original_name=req(el, "原文件名"), format=req(el, "格式"), size=int(req(el, "文件大小")),
                              page_count=int(pages) if pages else None, creator=req(el, "创建程序"),
                              destroyed=req(el, "已销毁") == YES, sha256=req(fixity, "SHA256"),
                              sm3=text(fixity, "SM3")))
    history = []
    for el in root.find(_q("审计记录")).findall(_q("记录")):
        body = json.loads(el.text or "{}")
        history.append({"id": int(el.get("序号")), "version": int(el.get("版本")), "ts": el.get("时间"),
                        "event": el.get("事件"), "code": body.get("code"), "actor": body.get("actor"),
                        "details": body.get("details"), "prev_hash": el.get("前一条哈希"), "hash": el.get("哈希")})
    disposed = text(root, "销毁时间")
    form_text = form.text if form is not None else None
    return RecordMeta(
        archival_code=req(root, "档号"), fonds=req(root, "全宗号"), year=int(req(root, "年度")),
        seq=int(req(root, "件号")), title=req(root, "题名"), doc_number=text(root, "文件编号") or None,
        author=req(root, "责任者"), date=dt.date.fromisoformat(req(root, "日期")),
        category=category.get("代码"), category_name=category.text or "", period=req(root, "保管期限"),
        security=req(root, "密级"), source=req(root, "来源"), status=req(root, "状态"),
        filed_at=dt.datetime.fromisoformat(req(root, "归档时间")),
        disposed_at=dt.datetime.fromisoformat(disposed) if disposed else None,
        building=text(root, "楼栋"), unit=text(root, "单元"), room=text(root, "房号"),
        needs_review=req(root, "待复核") == YES, text_source=text(root, "全文来源"),
        form_id=form.get("编号") if form is not None else None,
        form_data=json.loads(form_text) if form_text else None,
        meta={el.get("名"): el.text or "" for el in root.find(_q("其他元数据")).findall(_q("项"))},
        files=files, text=text(root, "全文"), history=history,
    )
