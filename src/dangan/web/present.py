"""Plain app results → what pages and JSON show: labels, snippets, and masking in one place.

Every string a template prints passes :func:`finalize` (Jinja's ``finalize``
hook), and every JSON body passes :func:`masked`: phone and ID numbers are
masked on every page and in every API response, whatever view produced them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from markupsafe import Markup, escape

from dangan.app import HIGHLIGHT, mask_text

STATUS_NAMES = {"active": "在库", "held": "冻结", "disposed": "已销毁", "lent": "借出"}
SOURCE_NAMES = {"generated": "系统生成", "scanned": "扫描件", "manual": "手工添加"}
FILE_ROLES = {"original": "归档文件", "attachment": "附件（DOCX 等）", "signed": "签字扫描件", "rendition": "归档副本（加盖归档章）"}
PERIOD_NAMES = {"Y": "永久", "D30": "30年", "D10": "10年"}


def finalize(value: Any) -> Any:
    """Jinja's finalize: None prints as nothing; text is masked (Markup is built by code that masked it)."""
    if value is None:
        return ""
    if isinstance(value, Markup):
        return value
    if isinstance(value, str):
        return mask_text(value)
    return value


def typed(value: Any) -> Markup:
    """What the clerk typed, shown back in the form's inputs: escaped but not masked (resubmitting a masked
    phone number would lose the real one; it is masked in the document the form produces)."""
    return Markup(escape("" if value is None else value))


def masked(data: Any) -> Any:
    """A JSON-able structure with every string masked."""
    if isinstance(data, str):
        return mask_text(data)
    if isinstance(data, dict):
        return {k: masked(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [masked(v) for v in data]
    if isinstance(data, (dt.date, dt.datetime)):
        return data.isoformat()
    return data


def _plain_and_spans(snippet: Any) -> tuple[str, list[tuple[int, int]]]:
    """A hit's snippet as (text, highlighted spans): a Snippet object, or text with 【】 markers."""
    spans = getattr(snippet, "spans", None)
    if spans is not None:
        return str(getattr(snippet, "text", "")), [tuple(s) for s in spans]  # type: ignore[misc]
    text, out, plain, cursor = str(snippet or ""), [], [], 0
    start, end = HIGHLIGHT
    i = 0
    while i < len(text):
        if text.startswith(start, i):
            j = text.find(end, i + len(start))
            if j < 0:
                break
            inner = text[i + len(start):j]
            out.append((cursor, cursor + len(inner)))
            plain.append(inner)
            cursor += len(inner)
            i = j + len(end)
            continue
        plain.append(text[i])
        cursor += 1
        i += 1
    plain.append(text[i:])
    return "".join(plain), out


def snippet_html(snippet: Any) -> Markup:
    """The snippet masked, escaped, with the matched words in ``<mark>``."""
    text, spans = _plain_and_spans(snippet)
    text = mask_text(text)  # masking keeps lengths, so the spans still fit
    parts: list[str] = []
    cursor = 0
    for a, b in spans:
        parts += [str(escape(text[cursor:a])), f"<mark>{escape(text[a:b])}</mark>"]
        cursor = b
    parts.append(str(escape(text[cursor:])))
    return Markup("".join(parts))


def snippet_text(snippet: Any) -> str:
    text, _ = _plain_and_spans(snippet)
    return mask_text(text)


def hit_dict(hit: Any, names: dict[str, str]) -> dict[str, Any]:
    """One search hit for /api/search (masked by the caller)."""
    text, spans = _plain_and_spans(hit.snippet)
    return {
        "archival_code": hit.archival_code, "title": hit.title, "date": hit.date, "year": hit.year,
        "category": hit.category, "category_name": names.get(hit.category, hit.category), "status": hit.status,
        "period": hit.period, "form": hit.form, "unit": hit.unit, "doc_number": hit.doc_number,
        "score": hit.score, "snippet": text, "highlights": [list(s) for s in spans],
        "url": f"/records/{hit.archival_code}",
    }


def size_label(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


def when(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def install(flask_app: Any) -> None:
    env = flask_app.jinja_env
    env.finalize = finalize
    env.autoescape = True
    env.filters.update(snippet=snippet_html, typed=typed, size=size_label, when=when,
                       status=lambda s: STATUS_NAMES.get(str(s), s), source=lambda s: SOURCE_NAMES.get(str(s), s),
                       file_role=lambda s: FILE_ROLES.get(str(s), s), period=lambda s: PERIOD_NAMES.get(str(s), s))
