"""Phone, ID and bank-card numbers (制度 第二篇 3): masked in everything dangan stores, indexes and shows,
whatever the text's source, by one masker; a full number still finds its record through a keyed term;
the original file is never changed (issue 10, item 11)."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dangan.config import Workspace
from dangan.masking import keyed_query, mask_id, mask_phone, mask_text, number_keys

PHONE, ID, CARD = "13900035678", "110101199003071234", "6222021234567890"
TEXT = f"4栋1103室郑晓东投诉门岗，联系电话{PHONE}，身份证{ID}，退款卡号 6222 0212 3456 7890，座机0755-88123456。"


# -- the masker ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("电话13900035678。", "电话139****5678。"),
        ("电话 139 0003 5678", "电话 139 **** 5678"),
        ("电话 139-0003-5678", "电话 139-****-5678"),
        ("+86 13900035678", "+86 139****5678"),
        ("+86-139-0003-5678", "+86-139-****-5678"),
        ("座机 0755-88123456", "座机 0755-****3456"),
        ("座机 010 6552 1234", "座机 010 **** 1234"),
        ("身份证 11010119900307123X", "身份证 1101**********123X"),
        ("身份证 110101900307123", "身份证 1101*******7123"),
        ("卡号 6222 0212 3456 7890", "卡号 6222 **** **** 7890"),
        ("卡号 6222021234567890123", "卡号 6222***********0123"),
    ],
)
def test_each_kind_of_number_is_masked(raw: str, masked: str) -> None:
    assert mask_text(raw) == masked


@pytest.mark.parametrize("kept", [
    "文号 JF-2026-0001，档号 Z001-2026-D10-TS-0001", "金额 447.50 元，2026-11-01 缴清", "3栋1201室", "1999年",
    "sha256 9f2c1a44b0e3d5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0", "139****5678",
])
def test_what_is_not_a_number_of_a_person_stays(kept: str) -> None:
    assert mask_text(kept) == kept


@given(st.text(alphabet="0123456789 -+X栋室电话,", max_size=60))
def test_masking_keeps_length_and_is_idempotent(text: str) -> None:
    once = mask_text(text)
    assert len(once) == len(text) and mask_text(once) == once


def test_the_form_field_maskers_are_the_same_module() -> None:
    from dangan.forms import fields

    assert fields.mask_phone is mask_phone and fields.mask_id is mask_id


def test_a_number_written_any_way_has_one_key() -> None:
    key = b"k" * 32
    assert number_keys("13900035678", key) == number_keys("+86 139-0003-5678", key) == \
        number_keys("电话 139 0003 5678。", key)
    assert keyed_query("13900035678", key).split() == list(number_keys(PHONE, key))
    assert number_keys(PHONE, key) != number_keys(PHONE, b"o" * 32)


# -- end to end: filed by hand, by the watcher; the catalogue, the index files, search, --json ---------


def _catalogue_dump(ws: Workspace) -> str:
    conn = sqlite3.connect(ws.archive_dir / "catalog.sqlite")
    try:
        return "\n".join("\n".join(conn.iterdump()) for _ in [0])
    finally:
        conn.close()


def _index_bytes(ws: Workspace) -> bytes:
    return b"".join(p.read_bytes() for p in ws.index_dir.rglob("*") if p.is_file())


def _no_number_in(data: str | bytes) -> None:
    raw = data if isinstance(data, bytes) else data.encode()
    for n in (PHONE, ID, CARD, "6222 0212 3456 7890", "88123456"):
        assert n.encode() not in raw, n


def test_a_filed_text_is_masked_everywhere_but_the_original_file(ws: Workspace, cli, tmp_path: Path) -> None:
    src = tmp_path / f"业主{PHONE}来电.txt"
    src.write_text(TEXT, encoding="utf-8")
    r = cli("archive", "add", str(src), "-c", "TS", "--date", "2026-03-01", "-m", f"联系电话={PHONE}", "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["title"] == "业主139****5678来电"
    stored = ws.archive_dir / out["path"].split("archive/", 1)[1]
    assert hashlib.sha256(stored.read_bytes()).hexdigest() == hashlib.sha256(src.read_bytes()).hexdigest()
    assert PHONE in stored.read_text(encoding="utf-8")  # the original is the original
    for query in ("门岗", "郑晓东 投诉"):
        r = cli("search", query, "--json")
        assert r.exit_code == 0 and json.loads(r.output)["total"] == 1
        _no_number_in(r.output)
    _no_number_in(cli("archive", "show", out["archival_code"], "--json").output)
    _no_number_in(cli("archive", "list", "--json").output)
    _no_number_in(_catalogue_dump(ws))
    _no_number_in(_index_bytes(ws))
    for typed in (PHONE, "+86 139-0003-5678", ID, "6222 0212 3456 7890", "0755-88123456"):
        r = cli("search", typed, "--json")
        assert json.loads(r.output)["total"] == 1, typed
        _no_number_in(r.output)
    assert cli("verify").exit_code == 0
    assert not list(ws.index_dir.rglob("number.key"))  # the key is not in the index


def test_a_scan_filed_by_the_watcher_is_masked_in_title_text_and_reason(ws: Workspace, tmp_path: Path) -> None:
    from watch_helpers import backdate, configure, run_once, search_total

    inbox = tmp_path / "inbox"
    ws = configure(ws, inbox, category="TS")
    (inbox / f"{PHONE}报修.txt").write_text(TEXT, encoding="utf-8")
    (inbox / f"{PHONE}损坏.pdf").write_bytes(b"not a pdf")
    backdate(*inbox.iterdir())
    outcomes = {o.status: o for o in run_once(ws)}
    assert set(outcomes) == {"filed", "quarantined"}
    _no_number_in(outcomes["filed"].line())
    _no_number_in(_catalogue_dump(ws))
    _no_number_in(_index_bytes(ws))
    assert search_total(ws, PHONE) == 1


def test_text_stored_before_masking_is_masked_in_the_index_and_search(ws: Workspace, cli, tmp_path: Path,
                                                                      monkeypatch) -> None:
    """An archive filed before dangan masked at filing keeps the numbers in its catalogue (not migrated),
    but what the index holds and search shows is masked: the index masks every text it is given, so a
    rebuild or the watcher's catch-up (by fingerprint) masks the old entries."""
    from dangan.archive import service

    monkeypatch.setattr(service, "mask_text", lambda s: s)  # as dangan stored text before the masking
    monkeypatch.setattr(service, "masked_values", lambda v: v)
    src = tmp_path / "旧记录.txt"
    src.write_text(TEXT, encoding="utf-8")
    assert cli("archive", "add", str(src), "-c", "TS", "--date", "2026-03-01",
               "--title", f"业主{PHONE}来电").exit_code == 0
    monkeypatch.undo()
    assert PHONE in _catalogue_dump(ws)  # the old catalogue text itself is not rewritten
    assert cli("index", "rebuild").exit_code == 0
    _no_number_in(_index_bytes(ws))
    r = cli("search", "门岗", "--json")
    assert json.loads(r.output)["total"] == 1
    _no_number_in(r.output)
