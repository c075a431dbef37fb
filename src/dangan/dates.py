"""Dates typed by a clerk: ``2026-03-01``, ``2026/03/01`` or ``20260301`` (pure)."""

from __future__ import annotations

import datetime as dt

from dangan.errors import InputError

DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d")


def parse_date(value: str, *, field: str = "日期") -> dt.date:
    """The date ``value`` names; InputError naming ``field`` otherwise."""
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime(value.strip(), fmt).date()
        except ValueError:
            continue
    raise InputError(f"日期「{value}」格式不对，应为 YYYY-MM-DD", field=field)
