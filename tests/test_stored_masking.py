"""Numbers stored before masking at filing (issue 10, item 11): ``dangan archive mask`` rewrites the catalogue's
titles, texts, original names, metadata and form data through the one masker, adds the keyed terms, rebuilds
the index, is idempotent and audited, leaves the archived files alone, and verify still passes — without
laundering a record changed behind dangan's back.  Form data is masked at filing."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

import pytest
from tests.test_personal_data import CARD, ID, PHONE, TEXT, _index_bytes, _no_number_in

from dangan.app import Dangan
from dangan.archive.model import FilingRequest
from dangan.config import Workspace

NUMBERS = (PHONE, ID, CARD, "6222 0212 3456 7890", "88123456")


def _catalogue_rows(ws: Workspace) -> str:
    """Every catalogue table but the audit trail, as SQL text (the trail is append-only: see the README)."""
    conn = sqlite3.connect(ws.archive_dir / "catalog.sqlite")
    try:
        return "\n".join(line for line in conn.iterdump() if not line.startswith('INSERT INTO "audit"'))
    finally:
        conn.close()


@pytest.fixture
def old_archive(ws: Workspace, cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Two records filed as dangan did before it masked at filing (nothing masked, no keyed terms), and the
    index as it was then (unmasked); code → the SHA-256 of its archived original."""
    from dangan.archive import service
    from dangan.search import documents

    for module in (service, documents):
        monkeypatch.setattr(module, "mask_text", lambda s: s)
    monkeypatch.setattr(service, "masked_values", lambda v: v)
    monkeypatch.setattr(service, "number_keys", lambda text, key: ())
    src = tmp_path / f"业主{PHONE}来电.txt"
    src.write_text(TEXT, encoding="utf-8")
    r = cli("archive", "add", str(src), "-c", "TS", "--date", "2026-03-01", "-m", f"联系电话={PHONE}",
            "--title", f"业主{PHONE}来电", "--json")
    assert r.exit_code == 0, r.output
    form = tmp_path / "notice.txt"
    form.write_text("缴费通知 3栋1201室", encoding="utf-8")
    with Dangan.open(ws) as app:
        app.archive.file(FilingRequest(path=form, category="SF", title="缴费通知", form_id="payment-notice",
                                       form_data={"owner": "张建国", "phone": PHONE, "rows": [{"card": CARD}]}))
        assert cli("index", "rebuild").exit_code == 0
        out = {r.archival_code: r.original.sha256 for r in app.archive.list()}  # type: ignore[union-attr]
    monkeypatch.undo()
    return out


def test_old_stored_numbers_are_masked_in_the_catalogue_and_the_index_and_still_found(
        ws: Workspace, cli, old_archive: dict[str, str]) -> None:
    before = _catalogue_rows(ws)
    assert all(n in before for n in (PHONE, ID, CARD)) and PHONE.encode() in _index_bytes(ws)
    assert json.loads(cli("search", PHONE, "--json").output)["total"] == 0  # no keyed term yet
    r = cli("archive", "mask")
    assert r.exit_code == 0, r.output
    assert "已检查 2 件档案，遮蔽了 2 件：题名 1 个、全文 1 份、原文件名 1 个、元数据 1 项、表单数据 1 件" in r.output
    assert "索引已重建：2 件" in r.output
    after = _catalogue_rows(ws)
    for n in NUMBERS:
        assert n not in after, n
    assert "业主139****5678来电" in after and "1101**********1234" in after
    _no_number_in(_index_bytes(ws))
    found = json.loads(cli("search", PHONE, "--json").output)  # in the text of one, the form data of the other
    assert found["total"] == 2 and PHONE not in json.dumps(found, ensure_ascii=False)
    assert json.loads(cli("search", ID, "--json").output)["total"] == 1
    r = cli("verify")
    assert r.exit_code == 0, r.output
    with Dangan.open(ws) as app:  # the archived originals are untouched
        for code, sha in old_archive.items():
            record = app.archive.get(code)
            data = (ws.archive_dir / record.original.path).read_bytes()  # type: ignore[union-attr]
            assert hashlib.sha256(data).hexdigest() == sha
        entries = [e for e in app.audit_trail() if e.event == "masked"]
    assert len(entries) == 1 and entries[0].details["changed"] == 2  # type: ignore[index]
    _no_number_in(json.dumps(entries[0].details, ensure_ascii=False))


def test_masking_again_changes_nothing(ws: Workspace, cli, old_archive: dict[str, str]) -> None:
    assert cli("archive", "mask").exit_code == 0
    once = _catalogue_rows(ws)
    index = _index_bytes(ws)
    r = cli("archive", "mask", "--json")
    assert r.exit_code == 0, r.output
    result = json.loads(r.output)
    assert (result["records"], result["changed"], result["number_keys"], result["indexed"]) == (2, 0, 0, None)
    assert _catalogue_rows(ws) == once and _index_bytes(ws) == index
    assert cli("verify").exit_code == 0


def test_a_record_changed_behind_dangans_back_is_not_laundered(ws: Workspace, cli, old_archive: dict[str, str]) -> None:
    code = next(iter(old_archive))
    conn = sqlite3.connect(ws.archive_dir / "catalog.sqlite")
    with conn:
        conn.execute("UPDATE records SET author = '伪造' WHERE archival_code = ?", (code,))
    conn.close()
    r = cli("archive", "mask")
    assert r.exit_code == 1 and code in r.output and "没有遮蔽" in r.output
    assert PHONE in _catalogue_rows(ws)  # left as it was, for verify to name
    r = cli("verify")
    assert r.exit_code == 1 and code in r.output and "目录被直接改动" in r.output


def test_a_forged_masking_entry_does_not_hide_a_change(ws: Workspace, cli, old_archive: dict[str, str]) -> None:
    """The masking entry's "before" digests must be the audited ones: a record edited and then covered by an
    entry naming its new digest (the chain recomputed) is still found — by the chain's anchor and the
    digest continuity."""
    from dangan.archive import verify

    entries = []
    with Dangan.open(ws) as app:
        entries = app.archive.catalogue.audit_entries()
    audited, _ = verify.audited_digests(entries)
    code = next(iter(old_archive))
    forged = entries[-1].__class__(entries[-1].id + 1, entries[-1].ts, "masked", None,
                                   {"digests": {code: ["0" * 64, "1" * 64]}, "digest_version": 2}, "", "")
    _, problems = verify.audited_digests([*entries, forged])
    assert [p.code for p in problems] == [code] and audited[code][0] != "0" * 64


def test_form_data_is_masked_at_filing_and_its_numbers_are_keyed(ws: Workspace, cli, tmp_path: Path) -> None:
    form = tmp_path / "notice.txt"
    form.write_text("缴费通知", encoding="utf-8")
    with Dangan.open(ws) as app:
        filed = app.archive.file(FilingRequest(path=form, category="SF", title="缴费通知", form_id="payment-notice",
                                               form_data={"phone": PHONE, "rows": [{"id": ID}], "total": "447.50"}))
    assert filed.record.form_data == {"phone": "139****5678", "rows": [{"id": "1101**********1234"}],
                                      "total": "447.50"}
    for n in NUMBERS:
        assert n not in _catalogue_rows(ws)
    assert json.loads(cli("search", ID, "--json").output)["total"] == 1


def test_a_dangan_0_1_archive_is_masked_and_still_verifies(tmp_path: Path, cli_for, monkeypatch) -> None:
    import shutil

    from tests.test_archive_migration import FIXTURE

    from dangan.config import open_workspace

    monkeypatch.delenv("DANGAN_WORKSPACE", raising=False)
    shutil.copytree(FIXTURE, tmp_path / "old")
    ws = open_workspace(tmp_path / "old")
    run = cli_for(ws)
    assert "023-6788 1234" in _catalogue_rows(ws)  # the community notice's contact, stored in full
    r = run("archive", "mask")
    assert r.exit_code == 0, r.output
    assert "023-**** 1234" in _catalogue_rows(ws) and "023-6788 1234" not in _catalogue_rows(ws)
    r = run("verify")
    assert r.exit_code == 0, r.output
