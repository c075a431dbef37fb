"""The record digest is frozen: a fixed record always hashes the same, whatever the JSON view shows."""

from __future__ import annotations

import datetime as dt

from dangan.archive import digest
from dangan.archive.catalogue import Hold
from dangan.archive.model import FileRole, Record, Source, Status, StoredFile

GOLDEN_V1 = "34e59340b6fee8a82f601c076f268fcc1f4cae09edcfecd333740b61cb999720"
GOLDEN_V2 = "ebbf68093389f62fbda0c4410a98519b0b8bbd003a8c6f28812e2623de7aaeab"
T = dt.datetime(2026, 11, 2, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
HOLDS = [Hold(3, "Z001-2026-D30-SF-0007", "欠费诉讼", T, T + dt.timedelta(days=30), "结案", "王芳", "李主任"),
         Hold(5, "Z001-2026-D30-SF-0007", "投诉调查", T + dt.timedelta(days=2), None, None, "王芳", None)]


def fixed_record() -> Record:
    return Record(
        id=7, archival_code="Z001-2026-D30-SF-0007", title="缴费通知单 3栋1201室", doc_number="JF-2026-0007",
        author="示例花园客服中心", date=dt.date(2026, 11, 1), year=2026, category="SF", period="D30",
        security="无", source=Source.GENERATED, status=Status.HELD, building="3", unit="1", room="1201",
        form_id="payment-notice", form_data={"total": "447.50", "phone": "138****5678"},
        meta={"form_title": "缴费通知单", "owner": "张建国"}, needs_review=False, text_source="layer",
        filed_at=dt.datetime(2026, 11, 1, 9, 30, 0, 123456, tzinfo=dt.timezone(dt.timedelta(hours=8))),
        files=[
            StoredFile(FileRole.ORIGINAL, "files/2026/D30/SF/Z001-2026-D30-SF-0007.pdf", "ab" * 32, 111398, "pdf",
                       1, "JF-2026-0007_缴费通知单.pdf"),
            StoredFile(FileRole.ATTACHMENT, "files/2026/D30/SF/Z001-2026-D30-SF-0007-att-1.docx", "cd" * 32, 38831,
                       "docx", None, "JF-2026-0007_缴费通知单.docx"),
        ],
    )


def test_the_digest_of_a_fixed_record_never_changes() -> None:
    assert digest.record_digest(fixed_record(), 1) == GOLDEN_V1
    assert digest.record_digest(fixed_record(), 1, holds=HOLDS) == GOLDEN_V1  # version 1 never saw holds
    assert digest.record_digest(fixed_record(), 2, holds=HOLDS) == GOLDEN_V2
    assert digest.CURRENT == 2  # a new version is a deliberate change: add it beside v1 and v2, never edit them


def test_version_2_is_version_1_and_every_field_of_every_hold() -> None:
    from dataclasses import replace

    covered = digest.covered_v2(fixed_record(), list(reversed(HOLDS)))
    assert {k: v for k, v in covered.items() if k != "holds"} == digest.covered_v1(fixed_record())
    assert [h["id"] for h in covered["holds"]] == [3, 5]  # in id order, whatever order they come in
    assert sorted(covered["holds"][0]) == sorted(["id", "code", "reason", "placed_at", "placed_by", "released_at",
                                                  "release_reason", "released_by"])
    base = digest.record_digest(fixed_record(), 2, holds=HOLDS)
    for change in ({"reason": "改"}, {"placed_at": T - dt.timedelta(seconds=1)}, {"placed_by": "别人"},
                   {"released_at": None}, {"release_reason": "无"}, {"released_by": None}, {"code": "X"}):
        assert digest.record_digest(fixed_record(), 2, holds=[replace(HOLDS[0], **change), HOLDS[1]]) != base
    assert digest.record_digest(fixed_record(), 2, holds=HOLDS[1:]) != base  # a hold deleted


def test_version_1_covers_exactly_these_fields() -> None:
    covered = digest.covered_v1(fixed_record())
    assert sorted(covered) == sorted([
        "archival_code", "title", "doc_number", "author", "date", "year", "category", "period", "security",
        "source", "status", "building", "unit", "room", "form_id", "form_data", "meta", "needs_review",
        "text_source", "filed_at", "disposed_at", "sha256", "path", "format", "size", "page_count",
        "original_name", "files"])
    assert sorted(covered["files"][0]) == sorted(
        ["role", "path", "sha256", "size", "format", "page_count", "original_name", "destroyed"])


def test_every_covered_field_counts() -> None:
    from dataclasses import replace

    base = digest.record_digest(fixed_record())
    for change in ({"title": "改"}, {"status": Status.ACTIVE}, {"meta": {"owner": "李四"}}, {"room": None},
                   {"files": fixed_record().files[:1]}):
        assert digest.record_digest(replace(fixed_record(), **change)) != base, change
