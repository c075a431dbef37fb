"""Document numbers (文号) live in the catalogue: past 9,999 a year, refused ahead of the format's end,
never handed out twice, and verify reports a duplicate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dangan.app import Dangan
from dangan.config import Workspace
from dangan.docnumber import parse_qr_payload, qr_payload
from dangan.errors import FormError
from dangan.forms.numbering import MAX_SEQ


def _jump(app: Dangan, prefix: str, seq: int) -> None:
    cat = app.archive.catalogue
    with cat.transaction():
        cat.note_doc_number(prefix, 2026, seq, doc_number=f"{prefix}-2026-{seq:04d}", form_id=None, at=app.clock.now())


def test_numbers_go_past_9999_and_stay_readable_in_the_qr_code(ws: Workspace) -> None:
    with Dangan.open(ws) as app:
        _jump(app, "JF", 9998)
        numbers = app.numbers().allocate("JF", 2026, "payment-notice", count=3)
    assert numbers == ["JF-2026-9999", "JF-2026-10000", "JF-2026-10001"]
    assert parse_qr_payload(qr_payload(numbers[-1], "payment-notice")) == (numbers[-1], "payment-notice")


def test_a_batch_that_would_pass_the_last_number_is_refused_before_anything_is_numbered(ws: Workspace) -> None:
    with Dangan.open(ws) as app:
        _jump(app, "JF", MAX_SEQ - 2)
        with pytest.raises(FormError, match="上限"):
            app.numbers().allocate("JF", 2026, "payment-notice", count=5)
        assert app.numbers().allocate("JF", 2026, "payment-notice", count=2) == [
            f"JF-2026-{MAX_SEQ - 1}", f"JF-2026-{MAX_SEQ}"]


def test_no_number_cache_outside_the_catalogue(cli, ws: Workspace, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    r = cli("generate", "community-notice", "--sample", "--format", "pdf", "--out", str(tmp_path))
    assert r.exit_code == 0, r.output
    assert not (ws.state_dir / "numbers.sqlite").exists()


def test_a_number_filed_by_hand_is_not_issued_again_and_verify_reports_duplicates(cli, ws: Workspace,
                                                                                   tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("通知甲", encoding="utf-8")
    b.write_text("通知乙", encoding="utf-8")
    assert cli("archive", "add", str(a), "-c", "SQ", "--meta", "doc_number=TZ-2026-0001").exit_code == 0
    r = cli("generate", "community-notice", "--sample", "--format", "pdf", "--json", "--out", str(tmp_path / "o"))
    assert json.loads(r.output)["documents"][0]["doc_number"] == "TZ-2026-0002"
    assert cli("verify").exit_code == 0
    assert cli("archive", "add", str(b), "-c", "SQ", "--meta", "doc_number=TZ-2026-0002").exit_code == 0
    res = cli("verify")
    assert res.exit_code == 1 and "文号 TZ-2026-0002 重复" in res.output
