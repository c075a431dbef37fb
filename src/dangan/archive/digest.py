"""The record digest: what the audit trail vouches for about each record.

Every audit entry that changes a record carries ``digest``, a SHA-256 of the
record's catalogue entry after the change; ``verify`` recomputes it, so a row
edited behind dangan's back is caught.  What the digest covers is frozen here,
field by field and by version, apart from any view of a record (the ``--json``
output may gain fields without touching a single stored digest).

Version 1 is exactly what dangan 0.1.0 hashed.  Version 2 adds the record's
holds (冻结), released ones included, each with :data:`HOLD_FIELDS_V2`, so a
hold row edited or deleted behind dangan's back breaks the record's digest.
An entry names its version in ``digest_version`` (absent: 1); entries already
written keep verifying under the version they name.  To cover more, add a
version with its own field list and make it :data:`CURRENT`.

:func:`hold_statement` is one hold as the audit trail states it (the hold,
release and legacy-seal entries carry it), so ``verify`` can name the very
hold that was changed (:mod:`dangan.archive.holdcheck`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from typing import Any

from dangan.archive.model import Record

CURRENT = 2

#: Record fields covered by version 1, in this order, with how each is written.
RECORD_FIELDS_V1: tuple[str, ...] = (
    "archival_code", "title", "doc_number", "author", "date", "year", "category", "period", "security",
    "source", "status", "building", "unit", "room", "form_id", "form_data", "meta", "needs_review",
    "text_source", "filed_at", "disposed_at",
)
#: Fields of the original file (null when there is none), then every file with FILE_FIELDS_V1.
ORIGINAL_FIELDS_V1: tuple[str, ...] = ("sha256", "path", "format", "size", "page_count", "original_name")
FILE_FIELDS_V1: tuple[str, ...] = ("role", "path", "sha256", "size", "format", "page_count", "original_name",
                                   "destroyed")

#: Fields of each hold covered by version 2 (holds in id order), ``code`` being the record it covers.
HOLD_FIELDS_V2: tuple[str, ...] = ("id", "code", "reason", "placed_at", "placed_by", "released_at",
                                   "release_reason", "released_by")


def canonical(obj: Any) -> str:
    """The one JSON spelling that digests and audit hashes are taken over."""
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def _plain(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, str):  # StrEnum members → their text
        return str(value)
    if isinstance(value, dict):
        return dict(value)
    return value


def covered_v1(record: Record) -> dict[str, Any]:
    """The data version 1 of the digest covers (pure)."""
    data: dict[str, Any] = {name: _plain(getattr(record, name)) for name in RECORD_FIELDS_V1}
    original = record.original
    for name in ORIGINAL_FIELDS_V1:
        data[name] = _plain(getattr(original, name)) if original else None
    data["files"] = [{name: _plain(getattr(f, name)) for name in FILE_FIELDS_V1} for f in record.files]
    return data


def hold_statement(hold: Any) -> dict[str, Any]:
    """One hold (a :class:`~dangan.archive.catalogue.Hold`) as digests and audit entries state it (pure)."""
    return {name: _plain(getattr(hold, name)) for name in HOLD_FIELDS_V2}


def covered_v2(record: Record, holds: Sequence[Any]) -> dict[str, Any]:
    """Version 1's data and every hold of the record, released ones included (pure)."""
    data = covered_v1(record)
    data["holds"] = [hold_statement(h) for h in sorted(holds, key=lambda h: h.id)]
    return data


VERSIONS: dict[int, Callable[[Record, Sequence[Any]], dict[str, Any]]] = {
    1: lambda record, _holds: covered_v1(record),
    2: covered_v2,
}


def record_digest(record: Record, version: int = CURRENT, *, holds: Sequence[Any] = ()) -> str:
    """The digest of ``record`` under ``version`` of the covered fields; ``holds`` are all the record's
    holds (active and released), which version 1 does not cover."""
    try:
        covered = VERSIONS[version]
    except KeyError as e:
        raise ValueError(f"unknown record digest version {version}") from e
    return hashlib.sha256(canonical(covered(record, holds)).encode("utf-8")).hexdigest()
