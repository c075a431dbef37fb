"""The intake queue end to end, on SQLite and on PostgreSQL: a file submitted (an upload) waits in the spool
on the shared archive folder; any watcher takes it, files it as the person who submitted it, and marks it
done; a bad file fails with its reason; a job whose worker died after filing is finished, not filed twice."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dangan.actor import Actor
from dangan.app import Dangan
from dangan.config import Workspace


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def qws(request, ws: Workspace) -> Workspace:
    return request.getfixturevalue("pg_ws") if request.param == "postgresql" else ws


def _txt(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_a_submitted_file_is_filed_by_a_watcher_as_its_submitter(qws: Workspace, cli_for, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    src = _txt(tmp_path, "报修单.txt", "5栋0301室 电梯异响报修")
    front_desk = Actor("前台扫描仪", kind="device")  # type: ignore[arg-type]
    with Dangan.open(qws, actor=front_desk) as app:
        job = app.enqueue(src, category="WX", meta={"building": "5"})
        [queued] = app.intake_jobs()
        assert (queued.id, queued.state, queued.original_name) == (job, "queued", "报修单.txt")
        assert (qws.archive_dir / queued.path).read_bytes() == src.read_bytes()
    assert src.exists()  # the source is left alone
    r = cli_for(qws)("watch", "--once")
    assert r.exit_code == 0, r.output
    assert "报修单.txt → Z001-" in r.output
    with Dangan.open(qws) as app:
        [done] = app.intake_jobs()
        assert done.state == "done" and done.code is not None and done.worker
        record = app.record(done.code)
        assert record.building == "5" and record.original.original_name == "报修单.txt"  # type: ignore[union-attr]
        assert [e.actor.name for e in app.audit_trail(done.code) if e.event == "filed"] == ["前台扫描仪"]  # type: ignore[union-attr]
    assert not any((qws.archive_dir / "spool").iterdir())  # the spool copy went after the commit
    assert cli_for(qws)("verify").exit_code == 0


def test_a_bad_file_fails_with_its_reason_and_can_be_queued_again(qws: Workspace, cli_for, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "坏文件.pdf"
    bad.write_bytes(b"%PDF-1.4 not really a pdf")
    with Dangan.open(qws) as app:
        job = app.enqueue(bad)
    cli_for(qws)("watch", "--once")
    listed = json.loads(cli_for(qws)("queue", "list", "--json").output)
    assert listed[0]["id"] == job and listed[0]["state"] == "failed" and "隔离区" in listed[0]["message"]
    assert list(qws.quarantine_dir.glob("坏文件*.pdf"))
    r = cli_for(qws)("queue", "retry", str(job))
    assert r.exit_code == 0 and json.loads(cli_for(qws)("queue", "list", "--json").output)[0]["state"] == "queued"


def test_a_job_whose_worker_died_after_filing_is_finished_not_filed_twice(qws: Workspace, tmp_path: Path) -> None:
    src = _txt(tmp_path, "a.txt", "3栋1201室 漏水")
    with Dangan.open(qws) as app:
        job = app.enqueue(src, category="WX")
        spooled = qws.archive_dir / app.intake_jobs()[0].path
        with pytest.raises(RuntimeError), app.archive.catalogue.claim_intake(max_attempts=3):
            app.file([spooled], category="WX")  # the first worker filed it ...
            raise RuntimeError("... and was killed before marking the job")
        outcome = app.queue_worker().take_one()
        assert outcome is not None and "先前一次处理已归档" in outcome.how
        [done] = app.intake_jobs(ids=[job])
        assert done.state == "done" and len(app.records()) == 1
        assert [e.event for e in app.audit_trail()] == ["filed"]  # no duplicate recorded
        assert app.queue_worker().take_one() is None


def test_a_spool_file_left_without_its_queue_row_is_queued_again_at_a_watchers_start(qws: Workspace, cli_for) -> None:  # type: ignore[no-untyped-def]
    # an enqueue that died between the rename into the spool and its commit: the bytes are there, no row
    import os
    import time

    spool = qws.archive_dir / "spool"
    old, fresh = spool / "a1" / "中断的上传.txt", spool / "b2" / "正在提交.txt"
    for path, text in ((old, "7栋0102室 门禁卡补办申请"), (fresh, "另一节点正在提交的文件")):
        path.parent.mkdir(parents=True)
        path.write_text(text, encoding="utf-8")
    two_hours_ago = time.time() - 7200
    os.utime(old, (two_hours_ago, two_hours_ago))
    r = cli_for(qws)("watch", "--once")
    assert r.exit_code == 0, r.output
    assert "为共享存储中 1 个缺少队列记录的文件重新排队" in r.output
    with Dangan.open(qws) as app:
        [job] = app.intake_jobs()
        assert job.state == "done" and job.original_name == "中断的上传.txt"
        assert "门禁卡补办" in (app.text_of(job.code) or "")  # type: ignore[arg-type]
    assert not old.exists() and fresh.exists()  # a young one may be an enqueue still running elsewhere
    r = cli_for(qws)("watch", "--once")  # the next start finds nothing new to queue
    assert "重新排队" not in r.output
