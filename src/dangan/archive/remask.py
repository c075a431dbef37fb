"""Masking what a record already stores (pure): the rewrite ``dangan archive mask`` applies to records filed
before dangan masked phone, ID and card numbers at filing.

:func:`plan` says, for one record and its files' stored texts, what the one masker
(:func:`dangan.masking.mask_text`) changes — title, meta values, form data, original file names, texts —
and the keyed terms of the full numbers found there, merged into the record's ``_number_keys`` so a search
for the full number still finds it.  Masking is idempotent: a record already masked plans no change.
The archived original files are never touched (only the catalogue's copies of their text and names).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from dangan.archive.model import Record
from dangan.masking import NUMBER_KEYS_META, mask_text, masked_values, number_keys


@dataclass
class Rewrite:
    """What masking changes in one record (only what differs)."""

    title: str | None = None  # the masked title, if the title changes
    meta: dict[str, str] = field(default_factory=dict)  # key → masked value, for changed values
    form_data: dict[str, Any] | None = None  # the masked form data, if it changes
    names: dict[str, str] = field(default_factory=dict)  # stored path → masked original name
    texts: dict[str, str] = field(default_factory=dict)  # stored path → masked text
    number_keys: str | None = None  # the record's new _number_keys value, if keys were added
    new_keys: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.title is not None or self.meta or self.form_data is not None or self.names
                    or self.texts or self.number_keys is not None)

    @property
    def changes_record(self) -> bool:
        """Whether a field the record digest covers changes (texts are not covered)."""
        return bool(self.title is not None or self.meta or self.form_data is not None or self.names
                    or self.number_keys is not None)


@dataclass
class MaskReport:
    """What one ``dangan archive mask`` run did (counts of records and of each kind of field rewritten)."""

    records: int = 0  # records looked at
    changed: int = 0  # records rewritten
    titles: int = 0
    texts: int = 0
    names: int = 0
    meta: int = 0
    form_data: int = 0
    number_keys: int = 0  # keyed terms added
    refused: list[str] = field(default_factory=list)  # codes not rewritten: the record is not as audited

    def add(self, rewrite: Rewrite) -> None:
        self.changed += 1
        self.titles += rewrite.title is not None
        self.texts += len(rewrite.texts)
        self.names += len(rewrite.names)
        self.meta += len(rewrite.meta)
        self.form_data += rewrite.form_data is not None
        self.number_keys += rewrite.new_keys

    def counts(self) -> dict[str, int]:
        return {"records": self.records, "changed": self.changed, "titles": self.titles, "texts": self.texts,
                "names": self.names, "meta": self.meta, "form_data": self.form_data,
                "number_keys": self.number_keys, "refused": len(self.refused)}


def strings_in(value: Any) -> list[str]:
    """Every string in ``value`` (dicts and lists walked)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping):
        return [s for v in value.values() for s in strings_in(v)]
    if isinstance(value, list | tuple):
        return [s for v in value for s in strings_in(v)]
    return []


def plan(record: Record, texts: Mapping[str, str], key: bytes | None) -> Rewrite:
    """The rewrite that masks ``record`` (``texts``: stored path → stored text of its live files)."""
    out = Rewrite()
    if (title := mask_text(record.title)) != record.title:
        out.title = title
    for k, v in record.meta.items():
        if k != NUMBER_KEYS_META and (masked := mask_text(v)) != v:
            out.meta[k] = masked
    if record.form_data is not None and (data := masked_values(record.form_data)) != record.form_data:
        out.form_data = data
    for f in record.files:
        if (name := mask_text(f.original_name)) != f.original_name:
            out.names[f.path] = name
    for path, text in texts.items():
        if (masked := mask_text(text)) != text:
            out.texts[path] = masked
    if key is not None:
        found = [record.title, *record.meta.values(), *strings_in(record.form_data),
                 *(f.original_name for f in record.files), *texts.values()]
        have = record.meta.get(NUMBER_KEYS_META, "").split()
        new = [k for k in dict.fromkeys(k for s in found for k in number_keys(s, key)) if k not in have]
        if new:
            out.number_keys = " ".join([*have, *new])
            out.new_keys = len(new)
    return out
