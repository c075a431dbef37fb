"""The OCR evaluation's yardstick (tests/eval/ocr/scoring.py, scans.py): if it measured wrongly,
the recall figures that chose the engine settings would mean nothing."""

from __future__ import annotations

import random

import pytest
from PIL import Image, ImageDraw

from eval.ocr.scans import CONDITIONS, DEGRADED, DPIS, Source, degrade, map_box, plan, rotate
from eval.ocr.scoring import Char, Line, OcrBox, content, lcs_len, score_page, segment


def _lcs_dp(a: str, b: str) -> int:
    row = [0] * (len(b) + 1)
    for ca in a:
        prev = 0
        for j, cb in enumerate(b, 1):
            prev, row[j] = row[j], prev + 1 if ca == cb else max(row[j], row[j - 1])
    return row[-1]


def test_lcs_matches_the_textbook_dynamic_programme() -> None:
    r = random.Random(7)
    for _ in range(300):
        a = "".join(r.choice("物业费缴纳通知12") for _ in range(r.randint(0, 70)))
        b = "".join(r.choice("物业费缴纳通知12ab") for _ in range(r.randint(0, 90)))
        assert lcs_len(a, b) == _lcs_dp(a, b), (a, b)


@pytest.mark.parametrize(("printed", "counted"), [
    ("缴费期限：2026年11月16日。", "缴费期限2026年11月16日"),
    ("１２８．００㎡ × ２.５０元/㎡", "12800250元"),  # full-width digits fold; symbols do not count
    ("⑴文件资料的归档范围①物业管理a.业户资料", "1文件资料的归档范围1物业管理a业户资料"),
    ("APP 版本 v3.2.1", "app版本v321"),
    ("138****5678（电话）", "1385678电话"),
])
def test_content_counts_letters_and_digits_only(printed: str, counted: str) -> None:
    assert content(printed) == counted


def _chars(text: str, x: float, y: float, size: float = 20.0, gap: float = 0.0) -> list[Char]:
    out = []
    for c in text:
        out.append(Char(c, (x, y, x + size, y + size)))
        x += size + gap
    return out


def test_segment_splits_cells_and_wrapped_lines_but_not_spaced_titles() -> None:
    chars = (_chars("缴费通知单", 100, 50, size=30, gap=8)  # letter-spaced title: one line
             + _chars("房号", 60, 120) + [Char(" ", (100, 120, 100, 120))]
             + _chars("3栋1201室", 200, 120)  # a value cell 60 px (3 heights) to the right
             + _chars("尊敬的业主：您好！您应缴纳的费用", 60, 170) + [Char("\r", (0, 0, 0, 0)), Char("\n", (0, 0, 0, 0))]
             + _chars("如下。", 60, 195))  # the wrapped paragraph's next line
    assert [line.text for line in segment(chars)] == ["缴费通知单", "房号", "3栋1201室", "尊敬的业主：您好！您应缴纳的费用", "如下。"]


def test_a_line_is_lost_below_half_and_only_where_the_ocr_put_it() -> None:
    lines = [Line("尊敬的业主您好", (0, 0, 700, 40)), Line("请于月底前缴清费用", (0, 60, 900, 100)),
             Line("客服中心", (600, 120, 1000, 160))]
    ocr = [
        OcrBox("尊敬的业主您好", (-5, -4, 705, 44)),
        OcrBox("请于", (0, 58, 200, 102)),  # 2 of 8 characters of line 2 where it stands
        OcrBox("月底前缴清费用客服中心", (0, 400, 900, 440)),  # its other words, but on no line: not credited
    ]
    score = score_page(lines, ocr)
    assert [(r.total, r.recovered) for r in score.lines] == [(7, 7), (9, 2), (4, 0)]
    assert [r.line.text for r in score.lost] == ["请于月底前缴清费用", "客服中心"]
    assert score.recall == pytest.approx(9 / 20)
    assert score.unplaced == len("月底前缴清费用客服中心")


def test_rotation_map_sends_scan_pixels_back_to_the_page() -> None:
    page = Image.new("L", (400, 300), 255)
    ImageDraw.Draw(page).rectangle((96, 46, 104, 54), fill=0)  # a dot centred on (100, 50)
    for angle in (2.5, -1.3, 180.7):
        scan, to_page = rotate(page, angle)
        xs, ys = zip(*[(x, y) for y in range(scan.height) for x in range(scan.width) if scan.getpixel((x, y)) < 128],
                     strict=True)
        x0, y0, x1, y1 = map_box([(sum(xs) / len(xs), sum(ys) / len(ys))], to_page)
        assert abs(x0 - 100) < 1.5 and abs(y0 - 50) < 1.5, angle


def test_degradations_are_deterministic_and_change_the_page() -> None:
    page = Image.new("L", (300, 200), 255)
    ImageDraw.Draw(page).rectangle((40, 40, 260, 60), fill=0)
    ImageDraw.Draw(page).rectangle((40, 100, 260, 120), fill=180)  # grey: black-and-white mode drops it
    for name in DEGRADED:
        a, ma = degrade(page, CONDITIONS[name], 200, random.Random(f"s/{name}"))
        b, mb = degrade(page, CONDITIONS[name], 200, random.Random(f"s/{name}"))
        assert a.tobytes() == b.tobytes() and ma == mb, name
        assert a.size != page.size or a.convert("L").tobytes() != page.tobytes(), name


def test_plan_deals_every_condition_to_every_dpi() -> None:
    sources = [Source(f"s{i}", None) for i in range(21)]  # type: ignore[arg-type]
    jobs = plan(sources, degraded_per_page=3)
    cells = {(c, d) for _, c, d in jobs}
    assert {(c, d) for c in DEGRADED for d in DPIS} <= cells
    assert sum(1 for _, c, _ in jobs if c == "clean") == 21 * len(DPIS)
