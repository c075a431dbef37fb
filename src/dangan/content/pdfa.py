"""PDF/A-2b: identify a PDF as PDF/A (XMP + sRGB output intent), and check what can be checked here.

No PDF/A validator (veraPDF) is packaged for this machine.  :func:`check`
looks at what a program can see without one: the identification in the XMP
metadata, the output intent, that every font is embedded, no encryption, no
JavaScript and no external references.  Full conformance (colour spaces,
transparency groups, XMP schema details, font programs' internals) needs an
external validator.

Everything here works on bytes or on an open :class:`pikepdf.Pdf`; nothing is written to disk.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pikepdf

PART = "2"
CONFORMANCE = "B"
OUTPUT_CONDITION = "sRGB IEC61966-2.1"

#: Actions PDF/A-2 forbids (ISO 19005-2, 6.6.1) and those that reach outside the file.
FORBIDDEN_ACTIONS = {"/Launch", "/Sound", "/Movie", "/ResetForm", "/ImportData", "/Hide", "/SetOCGState",
                     "/Rendition", "/Trans", "/GoTo3DView", "/JavaScript"}
EXTERNAL_ACTIONS = {"/GoToR", "/GoToE", "/Launch", "/ImportData"}


@dataclass(frozen=True)
class DocInfo:
    """What the identification metadata says about the document (dc:title, dc:creator …)."""

    title: str
    author: str = ""
    subject: str = ""
    keywords: str = ""
    creator_tool: str = "dangan"


@lru_cache(maxsize=1)
def srgb_profile() -> bytes:
    """An sRGB ICC profile (version 2): WeasyPrint's copy, else one made by littleCMS through Pillow."""
    from importlib import resources

    try:
        return resources.files("weasyprint.pdf").joinpath("sRGB2014.icc").read_bytes()
    except (ModuleNotFoundError, FileNotFoundError, OSError):
        from PIL import ImageCms

        return bytes(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())


def conform(pdf: pikepdf.Pdf, info: DocInfo) -> None:
    """Mark ``pdf`` as PDF/A-2b: XMP identification and document metadata (kept in step with the
    document information dictionary), and the sRGB output intent if it has none."""
    import pikepdf

    with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=True) as meta:
        meta["pdfaid:part"] = PART
        meta["pdfaid:conformance"] = CONFORMANCE
        meta["dc:title"] = info.title
        if info.author:
            meta["dc:creator"] = [info.author]
        if info.subject:
            meta["dc:description"] = info.subject
        if info.keywords:
            meta["pdf:Keywords"] = info.keywords
        meta["xmp:CreatorTool"] = info.creator_tool
    if not _output_intent(pdf):
        profile = pikepdf.Stream(pdf, srgb_profile())
        profile[pikepdf.Name.N] = 3
        intent = pikepdf.Dictionary(
            Type=pikepdf.Name.OutputIntent, S=pikepdf.Name.GTS_PDFA1,
            OutputConditionIdentifier=pikepdf.String(OUTPUT_CONDITION), Info=pikepdf.String(OUTPUT_CONDITION),
            DestOutputProfile=profile)
        pdf.Root[pikepdf.Name.OutputIntents] = pikepdf.Array([pdf.make_indirect(intent)])
    if pikepdf.Name.Version in pdf.Root:
        del pdf.Root[pikepdf.Name.Version]


def save(pdf: pikepdf.Pdf) -> bytes:
    """The bytes of ``pdf`` as PDF/A wants them written: PDF 1.7, a file identifier, no encryption."""
    buf = io.BytesIO()
    pdf.save(buf, min_version="1.7", static_id=False, encryption=False, deterministic_id=True)
    return buf.getvalue()


def mark(data: bytes, info: DocInfo) -> bytes:
    """``data`` (a PDF whose pages are already PDF/A-ready) marked PDF/A-2b with ``info`` (pikepdf)."""
    import pikepdf

    with pikepdf.open(io.BytesIO(data)) as pdf:
        conform(pdf, info)
        return save(pdf)


# -- checking --------------------------------------------------------------------------------------


def check(data: bytes) -> list[str]:
    """What keeps ``data`` from being PDF/A-2b, as far as it can be seen without a validator (empty: nothing)."""
    import pikepdf

    try:
        pdf = pikepdf.open(io.BytesIO(data))
    except pikepdf.PasswordError:
        return ["PDF 已加密"]
    except pikepdf.PdfError as e:
        return [f"PDF 无法打开：{e}"]
    with pdf:
        return check_open(pdf)


def check_open(pdf: pikepdf.Pdf) -> list[str]:
    problems: list[str] = []
    if pdf.is_encrypted:
        problems.append("PDF 已加密")
    problems += _check_identification(pdf)
    if not _output_intent(pdf):
        problems.append("没有 PDF/A 输出意图（OutputIntent，sRGB）")
    if pdf.trailer.get("/ID") is None:
        problems.append("没有文件标识（trailer /ID）")
    problems += _check_fonts(pdf)
    problems += _check_objects(pdf)
    return problems


def _check_identification(pdf: pikepdf.Pdf) -> list[str]:
    if "/Metadata" not in pdf.Root:
        return ["没有 XMP 元数据"]
    meta = pdf.open_metadata()
    part, conformance = meta.get("pdfaid:part"), meta.get("pdfaid:conformance")
    if str(part) != PART or str(conformance).upper() != CONFORMANCE:
        return [f"XMP 标识不是 PDF/A-2b（part={part}，conformance={conformance}）"]
    problems = []
    title = meta.get("dc:title")
    info_title = pdf.docinfo.get("/Title") if pdf.trailer.get("/Info") is not None else None
    if info_title is not None and title is not None and str(info_title) != str(title):
        problems.append("文档信息的标题与 XMP 的 dc:title 不一致")
    return problems


def _output_intent(pdf: pikepdf.Pdf) -> bool:
    intents = pdf.Root.get("/OutputIntents")
    if intents is None:
        return False
    return any(i.get("/S") == "/GTS_PDFA1" and i.get("/DestOutputProfile") is not None for i in intents)


def _walk(pdf: pikepdf.Pdf) -> Iterator[Any]:
    """Every dictionary and stream reachable from the trailer, direct or indirect, once."""
    import pikepdf

    seen: set[tuple[int, int]] = set()
    stack: list[Any] = [pdf.trailer]
    while stack:
        obj = stack.pop()
        if not isinstance(obj, (pikepdf.Dictionary, pikepdf.Array, pikepdf.Stream)):
            continue  # names, numbers, strings
        if obj.is_indirect:
            key = obj.objgen
            if key in seen:
                continue
            seen.add(key)
        if isinstance(obj, pikepdf.Stream):
            yield obj
            stack.extend(obj.stream_dict.values())
        elif isinstance(obj, pikepdf.Dictionary):
            yield obj
            stack.extend(obj.values())
        elif isinstance(obj, pikepdf.Array):
            stack.extend(obj)


def _fonts(pdf: pikepdf.Pdf) -> Iterator[Any]:
    for obj in _walk(pdf):
        if not isinstance(obj, _stream_type()) and obj.get("/Type") == "/Font":
            yield obj


def _stream_type() -> type:
    import pikepdf

    return pikepdf.Stream


def _check_fonts(pdf: pikepdf.Pdf) -> list[str]:
    problems = []
    for font in _fonts(pdf):
        subtype = font.get("/Subtype")
        if subtype in ("/Type3", "/Type0"):
            continue  # Type3 glyphs are content streams; Type0 is checked through its descendant (a /Font too)
        descriptor = font.get("/FontDescriptor")
        embedded = descriptor is not None and any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
        if not embedded:
            problems.append(f"字体 {font.get('/BaseFont', '?')} 没有嵌入")
    return problems


def _check_objects(pdf: pikepdf.Pdf) -> list[str]:
    import pikepdf

    problems: set[str] = set()
    names = pdf.Root.get("/Names")
    if names is not None and "/JavaScript" in names:
        problems.add("含有 JavaScript")
    if "/AA" in pdf.Root:
        problems.add("含有自动执行的动作（/AA）")
    for obj in _walk(pdf):
        if isinstance(obj, pikepdf.Stream):
            if "/F" in obj.stream_dict or "/FFilter" in obj.stream_dict:
                problems.add("含有外部文件流（/F）")
            continue
        action = obj.get("/S")
        if action is not None and ("/JS" in obj or action == "/JavaScript"):
            problems.add("含有 JavaScript")
        elif action in EXTERNAL_ACTIONS:
            problems.add(f"含有外部引用（{action}）")
        elif action in FORBIDDEN_ACTIONS:
            problems.add(f"含有 PDF/A 禁止的动作（{action}）")
        if obj.get("/Subtype") == "/Form" and "/Ref" in obj:
            problems.add("含有引用外部文件的 XObject（/Ref）")
        if obj.get("/Type") == "/Filespec" and "/EF" not in obj:
            problems.add("含有指向外部文件的文件说明（/Filespec）")
    return sorted(problems)
