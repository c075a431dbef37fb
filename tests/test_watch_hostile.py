"""Inboxes filled as an attacker or a Windows share fills them: links, special files, names in legacy code
pages, files that make a reader fail (issue 10, items 8, 16, 18).  One bad file never stops the others."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from dangan.config import Workspace
from dangan.ingest import quarantine as q
from watch_helpers import backdate, configure, records, run_once, search_total


def _txt(folder: Path, name: str | bytes, text: str) -> Path:
    p = Path(os.fsdecode(os.path.join(os.fsencode(folder), os.fsencode(name))))
    p.write_text(text, encoding="utf-8")
    return p


def _inbox(ws: Workspace, tmp_path: Path) -> tuple[Workspace, Path]:
    inbox = tmp_path / "inbox"
    return configure(ws, inbox, category="TS"), inbox


def test_a_symlink_is_quarantined_as_a_link_and_its_target_never_read(ws: Workspace, tmp_path: Path) -> None:
    ws, inbox = _inbox(ws, tmp_path)
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0 机密口令 SECRETWORD\n", encoding="utf-8")
    (inbox / "passwd.txt").symlink_to(secret)
    (inbox / "dangling.txt").symlink_to(tmp_path / "nowhere.txt")
    _txt(inbox, "ok.txt", "电梯故障报修记录")
    backdate(inbox / "ok.txt")
    os.utime(inbox / "passwd.txt", (1, 1), follow_symlinks=False)
    os.utime(inbox / "dangling.txt", (1, 1), follow_symlinks=False)
    outcomes = {o.source.name: o for o in run_once(ws)}
    assert outcomes["ok.txt"].status == "filed"
    for name in ("passwd.txt", "dangling.txt"):
        assert outcomes[name].status == "quarantined" and "符号链接" in outcomes[name].message
        moved = ws.quarantine_dir / name
        assert moved.is_symlink()  # the link itself, not a copy of what it points to
        assert "符号链接" in q.reason_path(moved).read_text(encoding="utf-8")
    assert secret.read_text(encoding="utf-8").startswith("root:x")  # untouched
    assert len(records(ws)) == 1
    assert search_total(ws, "SECRETWORD") == 0
    assert b"SECRETWORD" not in b"".join(p.read_bytes() for p in ws.index_dir.rglob("*") if p.is_file())
    # a retry quarantines it again rather than following it
    with __import__("dangan.app", fromlist=["Dangan"]).Dangan.open(ws) as app:
        again = {o.source.name: o.status for o in app.watcher().retry_quarantine()}
    assert again == {"dangling.txt": "quarantined", "passwd.txt": "quarantined"}
    assert len(records(ws)) == 1


@pytest.mark.timeout(120)
def test_a_fifo_is_quarantined_without_ever_being_opened(ws: Workspace, tmp_path: Path) -> None:
    ws, inbox = _inbox(ws, tmp_path)
    os.mkfifo(inbox / "pipe.txt")
    os.utime(inbox / "pipe.txt", (1, 1))
    _txt(inbox, "ok.txt", "电梯故障报修记录")
    backdate(inbox / "ok.txt")
    result: list = []
    t = threading.Thread(target=lambda: result.extend(run_once(ws)), daemon=True)
    t.start()
    t.join(90)
    assert not t.is_alive(), "the watcher blocked on a FIFO"
    statuses = {o.source.name: o.status for o in result}
    assert statuses == {"pipe.txt": "quarantined", "ok.txt": "filed"}
    assert (ws.quarantine_dir / "pipe.txt").exists()


def test_a_gbk_name_is_filed_with_its_decoded_title_and_the_next_file_too(ws: Workspace, tmp_path: Path, cli) -> None:
    ws, inbox = _inbox(ws, tmp_path)
    gbk = _txt(inbox, "投诉扫描件.txt".encode("gbk"), "楼道堆放杂物投诉，涉及消防通道。")
    nxt = _txt(inbox, "电梯报修.txt", "第二份文件：电梯故障报修记录。")
    backdate(gbk, nxt)
    statuses = [o.status for o in run_once(ws)]
    assert statuses == ["filed", "filed"]
    assert sorted(os.listdir(os.fsencode(inbox))) == []  # removed by their real bytes
    recs = {r.title: r for r in records(ws)}
    assert set(recs) == {"投诉扫描件", "电梯报修"}
    assert recs["投诉扫描件"].original.original_name == "投诉扫描件.txt"
    assert search_total(ws, "消防通道") == 1
    r = cli("watch", "--once")  # the CLI prints the names too
    assert r.exit_code == 0


def test_a_bad_file_with_a_gbk_name_is_quarantined_with_a_readable_reason(ws: Workspace, tmp_path: Path) -> None:
    ws, inbox = _inbox(ws, tmp_path)
    bad = _txt(inbox, "损坏的扫描.pdf".encode("gbk"), "not a pdf")
    backdate(bad)
    [o] = run_once(ws)
    assert o.status == "quarantined"
    [entry] = q.entries(ws.quarantine_dir)
    reason = entry.reason.read_text(encoding="utf-8")
    assert "损坏的扫描.pdf" in reason.splitlines()[0]


def test_a_newline_in_a_name_cannot_spoof_the_reason_file(ws: Workspace, tmp_path: Path) -> None:
    ws, inbox = _inbox(ws, tmp_path)
    bad = _txt(inbox, "a\n来源：C:\\伪造\\x.pdf\n原因：无.bin", "x")
    backdate(bad)
    [o] = run_once(ws)
    assert o.status == "quarantined"
    [entry] = q.entries(ws.quarantine_dir)
    lines = entry.reason.read_text(encoding="utf-8").splitlines()
    assert sum(line.startswith("来源：") for line in lines) == 1
    assert sum(line.startswith("原因：") for line in lines) == 1
    assert "\n" not in o.line()


def test_archive_add_takes_a_gbk_name(cli, tmp_path: Path) -> None:
    src = _txt(tmp_path, "门岗登记.txt".encode("gbk"), "门岗来访登记")
    r = cli("archive", "add", str(src), "-c", "TS", "--date", "2026-03-01", "--json")
    assert r.exit_code == 0, r.output
    import json

    out = json.loads(r.output)
    assert out["title"] == "门岗登记" and out["file"].endswith("门岗登记.txt")


def test_a_reader_failing_on_one_file_quarantines_it_and_the_others_are_filed(ws: Workspace, tmp_path: Path,
                                                                               monkeypatch) -> None:
    from dangan.ingest import steps

    ws, inbox = _inbox(ws, tmp_path)
    files = [_txt(inbox, f"{n}.txt", f"记录{n} 巡查") for n in ("a", "b", "c")]
    backdate(*files)
    real_read = steps.read

    def read(staged: Path, name: str, **kw):  # type: ignore[no-untyped-def]
        if name == "b.txt":
            raise MemoryError("a decoder ran out of memory")
        return real_read(staged, name, **kw)

    monkeypatch.setattr(steps, "read", read)
    statuses = {o.source.name: o.status for o in run_once(ws)}
    assert statuses == {"a.txt": "filed", "b.txt": "quarantined", "c.txt": "filed"}
    [entry] = q.entries(ws.quarantine_dir)
    assert "MemoryError" in entry.reason.read_text(encoding="utf-8")


def test_an_unexpected_error_while_filing_one_file_leaves_it_for_retry_and_never_stops(ws: Workspace,
                                                                                       tmp_path: Path,
                                                                                       monkeypatch) -> None:
    from dangan.archive.service import Archive

    ws, inbox = _inbox(ws, tmp_path)
    files = [_txt(inbox, f"{n}.txt", f"记录{n} 巡查") for n in ("a", "b", "c")]
    backdate(*files)
    real_file = Archive.file

    def file(self, req):  # type: ignore[no-untyped-def]
        if req.original_name == "b.txt":
            raise UnicodeEncodeError("utf-8", "\udcb6", 0, 1, "surrogates not allowed")
        return real_file(self, req)

    monkeypatch.setattr(Archive, "file", file)
    outcomes = {o.source.name: o for o in run_once(ws)}
    assert {k: o.status for k, o in outcomes.items()} == {"a.txt": "filed", "b.txt": "error", "c.txt": "filed"}
    assert "UnicodeEncodeError" in outcomes["b.txt"].message
    assert (inbox / "b.txt").exists()  # left for the next scan
    monkeypatch.setattr(Archive, "file", real_file)
    assert [o.status for o in run_once(ws)] == ["filed"]


def test_the_continuous_watcher_survives_a_file_that_raises(ws: Workspace, tmp_path: Path, monkeypatch) -> None:
    from dangan.app import Dangan
    from dangan.ingest import steps

    ws, inbox = _inbox(ws, tmp_path)
    real_read = steps.read
    monkeypatch.setattr(steps, "read", lambda staged, name, **kw: (_ for _ in ()).throw(ValueError("boom"))
                        if name == "bad.txt" else real_read(staged, name, **kw))
    seen: list = []
    stop = threading.Event()

    def on_outcome(o):  # type: ignore[no-untyped-def]
        seen.append((o.source.name, o.status))
        if len(seen) == 2:
            stop.set()

    for name in ("bad.txt", "good.txt"):
        backdate(_txt(inbox, name, f"{name} 巡查记录"))
    with Dangan.open(ws) as app:
        w = app.watcher(on_outcome=on_outcome)
        w.window = 0.1
        w.tracker.window = 0.1
        t = threading.Thread(target=w.run, args=(stop,), daemon=True)
        t.start()
        t.join(90)
        assert not t.is_alive()
    assert sorted(seen) == [("bad.txt", "quarantined"), ("good.txt", "filed")]


# -- bounded input (issue 10, item 14) ---------------------------------------------------------------


def _tiff(path: Path, frames: int, size: tuple[int, int] = (1654, 2339)) -> Path:
    """A multi-page A4 scan at 200 dpi, blank: a few hundred KB that decode to ~12 MB a page."""
    from PIL import Image

    page = Image.new("1", size, 1)
    page.save(path, save_all=True, append_images=[page] * (frames - 1), compression="group4")
    return path


def test_a_tiff_over_the_page_limit_is_quarantined_before_any_frame_is_decoded(ws: Workspace, tmp_path: Path,
                                                                                monkeypatch) -> None:
    from dangan.content import images

    ws, inbox = _inbox(ws, tmp_path)
    big = _tiff(inbox / "400页.tif", 400)
    assert big.stat().st_size < 2_000_000
    ok = _txt(inbox, "ok.txt", "电梯故障报修记录")
    backdate(big, ok)
    decoded: list[int] = []
    real = images.image_frame
    monkeypatch.setattr(images, "image_frame", lambda p, i, **kw: decoded.append(i) or real(p, i, **kw))
    statuses = {o.source.name: o for o in run_once(ws)}
    assert statuses["400页.tif"].status == "quarantined" and "页数过多" in statuses["400页.tif"].message
    assert "400" in statuses["400页.tif"].message and "200" in statuses["400页.tif"].message
    assert decoded == []
    assert statuses["ok.txt"].status == "filed"


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_an_image_over_the_pixel_limit_is_quarantined_undecoded(ws: Workspace, tmp_path: Path) -> None:
    from PIL import Image

    ws, inbox = _inbox(ws, tmp_path)
    Image.new("1", (12000, 12000), 1).save(inbox / "巨幅.png")  # 144 megapixels, a few KB
    backdate(inbox / "巨幅.png")
    [o] = run_once(ws)
    assert o.status == "quarantined" and "百万像素" in o.message


def test_a_pdf_page_too_big_to_draw_is_quarantined(ws: Workspace, tmp_path: Path) -> None:
    from dangan.archive.testing import minimal_pdf

    ws, inbox = _inbox(ws, tmp_path)
    huge = minimal_pdf("big page").replace(b"/MediaBox [0 0 612 792]", b"/MediaBox [0 0 14400 14400]")
    (inbox / "巨幅.pdf").write_bytes(huge)  # 5 x 5 metres: 1.6 billion pixels at 200 dpi
    backdate(inbox / "巨幅.pdf")
    [o] = run_once(ws)
    assert o.status == "quarantined" and "太大" in o.message


def test_a_long_multipage_scan_is_decoded_one_page_at_a_time_under_a_memory_limit(ws: Workspace,
                                                                                  tmp_path: Path) -> None:
    """150 A4 pages at 200 dpi are 1.7 GB decoded at once; one at a time the watcher files it in far less,
    and the next file too (the watcher ran out of memory and died on the 400-frame TIFF before)."""
    import resource
    import subprocess
    import sys

    ws, inbox = _inbox(ws, tmp_path)
    cfg = ws.root / "dangan.toml"
    cfg.write_text(cfg.read_text(encoding="utf-8").replace("ocr = true", "ocr = false"), encoding="utf-8")
    _tiff(inbox / "长扫描.tif", 150)
    backdate(inbox / "长扫描.tif", _txt(inbox, "zz-next.txt", "下一份文件 电梯报修"))
    limit = 1024 * 1024 * 1024

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    code = ("import sys; from dangan.app import Dangan\n"
            "with Dangan.open(sys.argv[1]) as app:\n"
            "    for o in app.watcher().run_once(): print(o.source.name, o.status)\n")
    r = subprocess.run([sys.executable, "-c", code, str(ws.root)], capture_output=True, text=True, timeout=600,
                       preexec_fn=cap, env={**os.environ, "PYTHONUTF8": "1"})
    assert r.returncode == 0, r.stderr[-2000:]
    assert set(r.stdout.splitlines()) == {"zz-next.txt filed", "长扫描.tif filed"}, r.stdout
