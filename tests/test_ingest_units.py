"""Watched-folder building blocks, without real file events: ignore filter,
stability tracker (injected clock), quarantine, content rules, QR, file checks."""

from __future__ import annotations

from pathlib import Path, PurePath

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dangan.config import ConfigError
from dangan.errors import IngestError
from dangan.ingest import pages, qr, quarantine, rules
from dangan.ingest.filters import IgnoreFilter
from dangan.ingest.stability import Signature, StabilityTracker, is_settled

ROOT = PurePath("/inbox")


# --- ignore filter ---------------------------------------------------------


@pytest.mark.parametrize(
    "rel",
    [
        ".hidden.pdf",
        "~$报告.docx",
        "scan.tmp",
        "scan.PART",
        "download.pdf.crdownload",
        "Thumbs.db",
        ".DS_Store",
        "processed/a.pdf",
        "quarantine/a.pdf",
        "quarantine/a.pdf.reason.txt",
        "a.pdf.reason.txt",
        "sub/a.pdf",  # not recursive
    ],
)
def test_filter_ignores(rel: str) -> None:
    assert not IgnoreFilter().accepts(ROOT / rel, ROOT)


@pytest.mark.parametrize("rel", ["扫描 001.pdf", "a.JPG", "notes.txt", "x.tiff"])
def test_filter_accepts_ordinary_files(rel: str) -> None:
    assert IgnoreFilter().accepts(ROOT / rel, ROOT)


def test_filter_recursive_and_reserved_dirs() -> None:
    f = IgnoreFilter(recursive=True)
    assert f.accepts(ROOT / "3栋" / "a.pdf", ROOT)
    assert not f.accepts(ROOT / "3栋" / "processed" / "a.pdf", ROOT)
    assert not f.accepts(ROOT / ".git" / "a.pdf", ROOT)
    assert not f.accepts(PurePath("/elsewhere/a.pdf"), ROOT)


def test_filter_include_and_extra_ignore() -> None:
    f = IgnoreFilter(include=["*.pdf"], ignore=["draft*"])
    assert f.accepts(ROOT / "A.PDF", ROOT)
    assert not f.accepts(ROOT / "a.jpg", ROOT)
    assert not f.accepts(ROOT / "draft-1.pdf", ROOT)


# --- stability tracker -----------------------------------------------------


class FakeFs:
    def __init__(self) -> None:
        self.files: dict[Path, Signature] = {}
        self.locked: set[Path] = set()

    def stat(self, p: Path) -> Signature | None:
        return self.files.get(p)

    def opener(self, p: Path) -> bool:
        return p not in self.locked

    def grow(self, p: Path, n: int, t: float) -> None:
        old = self.files.get(p, Signature(0, 0))
        self.files[p] = Signature(old.size + n, int(t * 1e9))


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def make_tracker(window: float = 5.0) -> tuple[StabilityTracker, FakeFs, Clock]:
    fs, clock = FakeFs(), Clock()
    return StabilityTracker(window, clock=clock, stat=fs.stat, opener=fs.opener), fs, clock


def test_growing_file_not_taken_until_stable() -> None:
    tracker, fs, clock = make_tracker(5.0)
    p = Path("/inbox/big.pdf")
    for _ in range(10):  # a chunk every 2 s: never 5 s unchanged
        fs.grow(p, 4096, clock.t)
        tracker.observe(p)
        assert tracker.ready() == []
        clock.t += 2
    assert tracker.ready() == []  # 2 s after the last chunk
    clock.t += 3
    assert tracker.ready() == [p]  # 5 s unchanged
    assert tracker.ready() == []  # handed out once


def test_change_seen_only_at_ready_time_restarts_window() -> None:
    tracker, fs, clock = make_tracker(5.0)
    p = Path("/inbox/a.pdf")
    fs.grow(p, 10, clock.t)
    tracker.observe(p)
    clock.t += 4
    fs.grow(p, 10, clock.t)  # no event arrives for this write
    clock.t += 2
    assert tracker.ready() == []
    clock.t += 5
    assert tracker.ready() == [p]


def test_locked_file_waits_and_vanished_file_is_dropped() -> None:
    tracker, fs, clock = make_tracker(1.0)
    a, b = Path("/inbox/a.pdf"), Path("/inbox/b.pdf")
    fs.grow(a, 1, clock.t)
    fs.grow(b, 1, clock.t)
    fs.locked.add(a)
    tracker.observe(a)
    tracker.observe(b)
    del fs.files[b]
    clock.t += 2
    assert tracker.ready() == []
    assert tracker.pending() == [a]
    fs.locked.clear()
    assert tracker.ready() == [a]


def test_next_due() -> None:
    tracker, fs, clock = make_tracker(5.0)
    assert tracker.next_due() is None
    p = Path("/inbox/a.pdf")
    fs.grow(p, 1, clock.t)
    tracker.observe(p)
    clock.t += 2
    assert tracker.next_due() == pytest.approx(3.0)


def test_is_settled_for_once_mode() -> None:
    sig = Signature(10, 100 * 10**9)
    assert is_settled(sig, 5, now_ns=106 * 10**9)
    assert not is_settled(sig, 5, now_ns=103 * 10**9)


# --- content rules ---------------------------------------------------------


def test_rules_first_match_wins_and_chinese_safe() -> None:
    rs = rules.compile_rules(
        [
            {"category": "SF", "keywords": ["物业费"], "regex": ""},
            {"category": "ZX", "keywords": [], "regex": r"装修.{0,4}(违规|整改)"},
            {"category": "TS", "keywords": ["物业费", "投诉"], "regex": ""},
        ]
    )
    assert rules.classify("关于缴纳本月物业费的通知", rs).category == "SF"
    assert rules.classify("关于 物 业 费 的投诉", rs).category == "SF"  # OCR spacing
    assert rules.classify("3栋1201装修违规，限期整改", rs).category == "ZX"
    assert rules.classify("业主投诉噪音", rs).category == "TS"
    assert rules.classify("电梯年检报告", rs) is None
    assert rules.classify("", rs) is None


def test_rules_refuse_word_boundary_and_bad_regex() -> None:
    with pytest.raises(ConfigError, match="\\\\b"):
        rules.compile_rule({"category": "SF", "keywords": [], "regex": r"\b物业费\b"})
    with pytest.raises(ConfigError, match="正则"):
        rules.compile_rule({"category": "SF", "keywords": [], "regex": "(物业"})
    with pytest.raises(ConfigError):
        rules.compile_rule({"category": "SF", "keywords": [], "regex": ""})


@given(st.text(min_size=1, max_size=5, alphabet="物业费缴纳通知装修投诉"), st.text(max_size=20), st.text(max_size=20))
def test_keyword_found_anywhere(kw: str, before: str, after: str) -> None:
    rs = rules.compile_rules([{"category": "SF", "keywords": [kw], "regex": ""}])
    assert rules.classify(before + kw + after, rs) is not None


# --- quarantine ------------------------------------------------------------


def test_quarantine_moves_with_reason_and_never_overwrites(tmp_path: Path) -> None:
    inbox, q = tmp_path / "inbox", tmp_path / "quarantine"
    inbox.mkdir()
    for i in range(2):
        src = inbox / "坏.pdf"
        src.write_bytes(b"x%d" % i)
        e = quarantine.quarantine(src, q, message="PDF 文件损坏", detail="Data format error")
        assert not src.exists() and e.path.exists()
        text = e.reason.read_text(encoding="utf-8")
        assert "PDF 文件损坏" in text and "Data format error" in text and "时间：" in text
    found = quarantine.entries(q)
    assert len(found) == 2
    assert {f.path.read_bytes() for f in found} == {b"x0", b"x1"}
    assert all(f.origin.endswith("坏.pdf") for f in found)


# --- file checks -----------------------------------------------------------


def test_file_checks(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="不支持"):
        pages.file_format(Path("a.exe"))
    assert pages.file_format(Path("A.JPEG")) == "jpg"
    with pytest.raises(IngestError, match="空"):
        pages.check_not_empty(Path("a.pdf"), 0)
    with pytest.raises(IngestError, match="太大"):
        pages.check_size(Path("a.pdf"), 3 * 1024 * 1024, 2)
    broken = tmp_path / "b.pdf"
    broken.write_bytes(b"%PDF-1.4\n1 0 obj<<>>\n")
    with pytest.raises(IngestError, match="损坏|不完整"):
        pages.read_pdf(broken)
    bad = tmp_path / "b.jpg"
    bad.write_bytes(b"\xff\xd8\xff\xe0not really a jpeg")
    with pytest.raises(IngestError, match="图片无法解码"):
        pages.check_image(bad)


# --- QR --------------------------------------------------------------------


def _page_with_code(payload: str, *, angle: float = 0.0):
    import segno
    from PIL import Image

    page = Image.new("RGB", (1654, 2339), "white")  # A4 at 200 dpi
    code = segno.make(payload, error="m")
    buf = code.to_pil(scale=6, border=2) if hasattr(code, "to_pil") else None
    if buf is None:
        import io

        out = io.BytesIO()
        code.save(out, kind="png", scale=6, border=2)
        out.seek(0)
        buf = Image.open(out).convert("RGB")
    page.paste(buf.convert("RGB"), (1654 - buf.width - 100, 100))
    return page.rotate(angle, fillcolor="white") if angle else page


def test_qr_reads_dangan_code_and_skips_others() -> None:
    img = _page_with_code("DANGAN1|ZX-2026-0007|renovation-violation", angle=1.5)
    assert qr.read_image(img) == ("ZX-2026-0007", "renovation-violation")
    other = _page_with_code("https://example.com/pay")
    assert qr.read_image(other) is None
    m = qr.find_code([other, img])
    assert m is not None and m.page == 1 and m.doc_number == "ZX-2026-0007"


def test_a_very_long_file_name_still_fits_in_quarantine_with_its_reason(tmp_path) -> None:
    from dangan.ingest import quarantine as q

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    long_name = "业主签字扫描件" * 11 + ".pdf"  # 231 UTF-8 bytes: with ".reason.txt" it would pass 255
    src = inbox / long_name
    src.write_bytes(b"%PDF-broken")
    entry = q.quarantine(src, tmp_path / "quarantine", message="PDF 已损坏")
    assert not src.exists() and entry.path.read_bytes() == b"%PDF-broken"
    assert entry.reason.is_file() and long_name in entry.reason.read_text(encoding="utf-8")


# --- intake steps, one at a time ----------------------------------------------


def test_classify_step_order_qr_then_folder_then_rules_then_review() -> None:
    from dangan.ingest.config import WatchEntry
    from dangan.ingest.qr import QrMatch
    from dangan.ingest.steps import Reading, classify

    rs = rules.compile_rules([{"category": "SF", "keywords": ["物业费"], "regex": ""}])
    known = object()
    find = {"ZX-2026-0007": known}.get
    auto, folder = WatchEntry(folder=Path("/inbox")), WatchEntry(folder=Path("/inbox"), category="KZ")
    signed = classify(auto, Reading("物业费", "ocr", QrMatch("ZX-2026-0007", "renovation-violation", 0)), rules=rs,
                      find_by_doc_number=find)  # type: ignore[arg-type]
    assert signed.signed_copy_of is known and "签字件" in signed.how
    unknown_code = Reading("物业费", "ocr", QrMatch("ZX-2026-0999", "x", 0))
    by_folder = classify(folder, unknown_code, rules=rs, find_by_doc_number=find)  # type: ignore[arg-type]
    assert by_folder.category == "KZ" and any("找不到" in w for w in unknown_code.warnings)
    assert classify(auto, Reading("缴纳物业费", "layer"), rules=rs, find_by_doc_number=find).category == "SF"  # type: ignore[arg-type]
    fallback = classify(auto, Reading("电梯年检", "layer"), rules=rs, find_by_doc_number=find)  # type: ignore[arg-type]
    assert (fallback.category, fallback.needs_review) == ("QT", True)


def test_finish_step_removes_moves_or_keeps_only_the_filed_bytes(tmp_path: Path) -> None:
    import hashlib

    from dangan.ingest.config import OnSuccess, WatchEntry
    from dangan.ingest.steps import finish

    def drop(name: str, data: bytes) -> tuple[Path, str]:
        p = tmp_path / name
        p.write_bytes(data)
        return p, hashlib.sha256(data).hexdigest()

    p, sha = drop("a.pdf", b"one")
    assert finish(p, WatchEntry(folder=tmp_path), sha256=sha, duplicate=False) and not p.exists()
    p, sha = drop("b.pdf", b"two")
    assert finish(p, WatchEntry(folder=tmp_path, on_success=OnSuccess.MOVE), sha256=sha, duplicate=True)
    assert (tmp_path / "processed" / "duplicates" / "b.pdf").read_bytes() == b"two"
    p, sha = drop("c.pdf", b"three")
    assert finish(p, WatchEntry(folder=tmp_path, on_success=OnSuccess.KEEP), sha256=sha, duplicate=False)
    assert p.read_bytes() == b"three"
    p, _ = drop("d.pdf", b"new scan under the old name")
    assert not finish(p, WatchEntry(folder=tmp_path), sha256="0" * 64, duplicate=False)
    assert p.read_bytes() == b"new scan under the old name"
