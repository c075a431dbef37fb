"""The one error family of dangan.

Library code raises these; only ``dangan.cli`` turns them into messages and
exit codes.  Each error carries the data a clerk needs to find the problem
(file, row, field, archival code) so the CLI can name it.
"""

from __future__ import annotations

from pathlib import Path

from dangan.names import readable


class DanganError(Exception):
    """Base of every error dangan reports to a user.

    ``message`` is Chinese text for the clerk; ``detail`` is optional
    technical detail (shown after the message, or in reason files).
    """

    def __init__(
        self,
        message: str,
        *,
        path: Path | str | None = None,
        row: int | None = None,
        field: str | None = None,
        detail: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = readable(str(path)) if path is not None else None  # for people: one line, decodable
        self.row = row
        self.field = field
        self.detail = detail

    def where(self) -> str:
        """"文件 x.csv 第 3 行 字段「金额」" – the location part of the message."""
        parts: list[str] = []
        if self.path:
            parts.append(f"文件 {self.path}")
        if self.row is not None:
            parts.append(f"第 {self.row} 行")
        if self.field:
            parts.append(f"字段「{self.field}」")
        return " ".join(parts)

    def __str__(self) -> str:
        where = self.where()
        return f"{where}：{self.message}" if where else self.message


class ConfigError(DanganError):
    """dangan.toml is missing, malformed, or has an unknown/wrong key."""


class WorkspaceError(DanganError):
    """No workspace found, or a path escapes the workspace."""


class FormError(DanganError):
    """An unknown form, a broken form definition or template."""

    def __init__(self, message: str, *, form: str | None = None, **kw: object) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.form = form

    def __str__(self) -> str:
        base = super().__str__()
        return f"表单 {self.form}：{base}" if self.form else base


class InputError(FormError):
    """Bad input data for a form: missing field, wrong type, bad row."""


class TemplateSecurityError(FormError):
    """A template tried to reach something the sandbox forbids."""


class GlyphError(FormError):
    """A character has no glyph in the installed fonts (with --strict)."""


class ArchiveError(DanganError):
    """Filing, lookup or storage in the archive failed."""

    def __init__(self, message: str, *, code: str | None = None, **kw: object) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.code = code

    def __str__(self) -> str:
        base = super().__str__()
        return f"档案 {self.code}：{base}" if self.code else base


class RetentionError(ArchiveError):
    """A disposal, hold or extension that the retention rules refuse."""


class SearchIndexError(DanganError):
    """The search index could not be read or written."""


class QueryError(DanganError):
    """A search query with nothing to search for (only operators or punctuation)."""


class IngestError(DanganError):
    """A scanned/dropped file could not be processed (goes to quarantine)."""


class AuthError(DanganError):
    """A login or token that does not let anyone in (wrong password, disabled, throttled, revoked)."""


class AccessError(DanganError):
    """The acting user's role does not allow this (e.g. a proposer approving their own disposal)."""
