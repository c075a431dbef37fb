"""The OCR evaluation's scans, made deterministically from a seed.

Nothing here is committed as images: every scan is made again from

1. **a source PDF** — either a form rendered by the forms engine
   (``dangan.forms.render_form`` with the form's own sample data and a fixed
   document number, so the text does not depend on the clock), or a free text
   (notices, letters, rules, small print, two columns, mixed digits and Latin)
   composed from the seed out of ``passages.txt`` (sentences of the centre's
   rules, 案场客服管理制度) and phrases below, set by WeasyPrint in the Noto CJK
   fonts;
2. **a rasterisation** of its first page with pypdfium2 at 150, 200 or 300 dpi
   (grey);
3. **a degradation** (:data:`CONDITIONS`): rotation, noise, blur, JPEG,
   1-bit black-and-white, a combined "scanner" condition, and a page fed
   upside down.  Angles and noise come from a ``random.Random`` seeded with
   the seed, the source, the condition and the dpi.

The **known text** of a scan is the PDF's own text layer: pdfium's
characters with their loose boxes (font ascent to descent), grouped into
source lines by :func:`scoring.segment` and moved into the scan's pixel
frame.  So it is exactly what was printed, whatever the layout engine did,
and the evaluation does not depend on any form's layout.  Every degradation
records the affine map from scan pixels back to page pixels, so OCR boxes
found on a rotated scan are compared where they belong.
"""

from __future__ import annotations

import html
import io
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from eval.ocr.scoring import Char, Line, segment

if TYPE_CHECKING:
    from PIL import Image

HERE = Path(__file__).parent
SEED = 20260317
DPIS = (150, 200, 300)
Affine = tuple[float, float, float, float, float, float]  # x' = a x + b y + c, y' = d x + e y + f
IDENTITY: Affine = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0)


@dataclass(frozen=True)
class Condition:
    name: str
    angle: tuple[float, float] = (0.0, 0.0)  # |skew| range in degrees; the sign comes from the seed
    turn: float = 0.0  # a fixed rotation added to the skew (180: fed upside down)
    noise: float = 0.0  # Gaussian noise, standard deviation in grey levels
    blur: float = 0.0  # Gaussian blur radius in pixels at 200 dpi (scaled with the dpi)
    jpeg: int | None = None  # JPEG quality the scan is saved with
    bw: bool = False  # 1-bit black and white (threshold 160), the scanner's "text" mode


CONDITIONS: dict[str, Condition] = {c.name: c for c in (
    Condition("clean"),
    Condition("rotate", angle=(0.5, 3.0)),
    Condition("noise", noise=25.0),
    Condition("blur", blur=1.2),
    Condition("jpeg", jpeg=20),
    Condition("bw", bw=True),
    Condition("scan", angle=(0.5, 1.5), noise=15.0, blur=0.6, jpeg=40),
    Condition("upside-down", angle=(0.0, 1.0), turn=180.0),
)}
DEGRADED = tuple(n for n in CONDITIONS if n != "clean")


# -- sources --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    id: str  # "form/payment-notice", "text/3-short-notice"
    pdf: Path


def render_forms(out_dir: Path, form_ids: Sequence[str] | None = None) -> list[Source]:
    """Each form (all of the catalogue by default) rendered from its sample data."""
    from dangan.config import init_workspace
    from dangan.forms import load_form, render_form
    from dangan.forms.catalog import form_ids as all_form_ids

    ws = init_workspace(out_dir / "ws")
    sources = []
    for fid in form_ids if form_ids is not None else all_form_ids(None):
        form = load_form(ws, fid)
        doc = render_form(ws, fid, dict(form.sample), out_dir=out_dir / "forms", doc_number=f"{form.prefix}-2026-0001")
        sources.append(Source(f"form/{fid}", doc.files["pdf"]))
    return sources


def passages() -> list[str]:
    return [p for p in (HERE / "passages.txt").read_text(encoding="utf-8").splitlines() if p.strip()]


SERIF, SANS = "Noto Serif CJK SC", "Noto Sans CJK SC"
# name -> (font, body size in pt, line height, columns, paper)
LAYOUTS: dict[str, tuple[str, float, float, int, str]] = {
    "short-notice": (SANS, 16, 1.8, 1, "A4"),
    "rules": (SERIF, 10.5, 1.6, 1, "A4"),
    "letter": (SANS, 12, 1.7, 1, "A5"),
    "small-print": (SERIF, 8, 1.4, 1, "A4"),
    "two-columns": (SERIF, 10.5, 1.5, 2, "A4"),
    "mixed": (SANS, 11, 1.6, 1, "A4"),
}
NOTICES = [
    ("温馨提示", "因市政管网检修，本小区将于{d}{t}临时停水，请各位业主提前做好储水准备。"),
    ("停电通知", "因供电局线路改造，{b}栋将于{d}{t}停电，电梯同时停运，请业主合理安排出行。"),
    ("电梯维保通知", "{b}栋{u}号电梯将于{d}{t}进行年度维护保养，维保期间请使用相邻电梯。"),
    ("消防演练通知", "客服中心定于{d}{t}在中心广场组织消防演练，届时警铃将短时鸣响，请勿惊慌。"),
]
CLOSINGS = ["给您带来的不便，敬请谅解。", "如有疑问请致电客服中心。", "感谢您的理解与支持！"]
NAMES = ["欧阳喆", "司马珺", "王建国", "李淑芬", "诸葛赟", "陈美玲", "张昇", "慕容玥", "黄志华"]


def _free_text(kind: str, r: random.Random, pool: list[str]) -> tuple[str, list[str]]:
    """(title, paragraphs) of one free text."""
    d = f"{r.randint(1, 12)}月{r.randint(1, 28)}日"
    t = r.choice(["8:00至12:00", "9:30至17:00", "13:00至18:30", "22:00至次日6:00"])
    b, u = r.randint(1, 12), r.randint(1, 4)
    start = r.randrange(len(pool))
    take = [pool[(start + i) % len(pool)] for i in range(40)]
    if kind == "short-notice":
        title, body = r.choice(NOTICES)
        return title, ["尊敬的各位业主、住户：", body.format(d=d, t=t, b=b, u=u) + r.choice(CLOSINGS),
                       "示例花园客服中心", f"2026年{d}"]
    if kind == "letter":
        who = r.choice(NAMES)
        return "致物业管理处的一封信", [
            "尊敬的物业管理处：",
            f"我是{b}栋{r.randint(1, 32):02d}0{u}室的业主{who}。近来楼上装修中午仍在电钻作业，"
            f"影响家中老人午休，已于{d}向前台反映，至今未果。",
            "希望管理处按照装修管理规定尽快协调，并将处理结果告知。", f"业主：{who}", f"2026年{d}"]
    if kind == "mixed":
        return "报修与缴费信息", [
            f"报修单号 WO-2026-{r.randint(100, 999)}，登记时间 2026-{r.randint(1, 12):02d}-{r.randint(1, 28):02d} "
            f"{r.randint(8, 20)}:{r.randint(0, 59):02d}。",
            f"车牌 粤B{r.choice('ACDFK')}{r.randint(1000, 9999)}，地下车位 B2-{r.randint(1, 320):03d}，"
            f"月租 {r.randint(150, 400)}.00 元。",
            f"应缴金额 {r.randint(1, 9)},{r.randint(100, 999)}.{r.randint(10, 99)} 元（含滞纳金 {r.randint(5, 80)}.50 元）。",
            "客服邮箱 kefu@example.com，物业 APP 版本 v3.2.1 以上可在线缴费。",
            f"联系电话 0755-{r.randint(2000, 8999)} {r.randint(1000, 9999)}，工作时间 8:30—17:30。",
        ]
    n = {"rules": 14, "small-print": 30, "two-columns": 24}[kind]
    return r.choice(["客服中心管理员工作规程", "投诉处理细则（摘录）", "前台接待工作要求"]), take[:n]


def _html(kind: str, title: str, paragraphs: list[str]) -> str:
    font, size, lh, cols, paper = LAYOUTS[kind]
    body = "\n".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><style>
@page {{ size: {paper}; margin: 20mm 18mm; }}
body {{ font-family: "{font}"; font-size: {size}pt; line-height: {lh}; text-align: justify; }}
h1 {{ font-size: {size * 1.6:.1f}pt; text-align: center; font-weight: bold; margin: 0 0 1em; }}
.body {{ columns: {cols}; column-gap: 8mm; }}
p {{ margin: 0 0 0.4em; text-indent: 2em; }}
</style></head><body><h1>{html.escape(title)}</h1><div class="body">{body}</div></body></html>"""


def render_texts(out_dir: Path, count: int, *, seed: int = SEED) -> list[Source]:
    """``count`` free texts, cycling through :data:`LAYOUTS`, their words from the seed."""
    import logging

    from weasyprint import HTML

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    pool = passages()
    folder = out_dir / "texts"
    folder.mkdir(parents=True, exist_ok=True)
    kinds = list(LAYOUTS)
    sources = []
    for i in range(count):
        kind = kinds[i % len(kinds)]
        r = random.Random(f"{seed}/text/{i}")
        title, paragraphs = _free_text(kind, r, pool)
        path = folder / f"{i}-{kind}.pdf"
        HTML(string=_html(kind, title, paragraphs)).write_pdf(path)
        sources.append(Source(f"text/{i}-{kind}", path))
    return sources


# -- pages, degradations ---------------------------------------------------------------------------


def page_image(pdf_path: Path, dpi: int) -> tuple[Image.Image, list[Line]]:
    """The first page of a PDF in grey at ``dpi``, and its source lines in that image's pixels."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(pdf_path)
    try:
        page = pdf[0]
        height = page.get_size()[1]
        s = dpi / 72
        image = page.render(scale=s, grayscale=True).to_pil().convert("L")
        tp = page.get_textpage()
        chars = []
        for i in range(tp.count_chars()):
            left, bottom, right, top = tp.get_charbox(i, loose=True)
            chars.append(Char(tp.get_text_range(i, 1), (left * s, (height - top) * s, right * s, (height - bottom) * s)))
        tp.close()
        page.close()
    finally:
        pdf.close()
    return image, segment(chars)


def rotate(image: Image.Image, angle: float) -> tuple[Image.Image, Affine]:
    """``image`` turned ``angle`` degrees counter-clockwise on a white, enlarged canvas, and the
    map from the new image's pixels back to the old one's (the matrix Pillow's own
    ``rotate(expand=True)`` builds, computed here so it is known exactly)."""
    from PIL import Image

    w, h = image.size
    rad = -math.radians(angle)
    a, b, d, e = math.cos(rad), math.sin(rad), -math.sin(rad), math.cos(rad)
    corners = [(a * x + b * y, d * x + e * y) for x, y in ((0, 0), (w, 0), (w, h), (0, h))]
    nw = math.ceil(max(x for x, _ in corners)) - math.floor(min(x for x, _ in corners))
    nh = math.ceil(max(y for _, y in corners)) - math.floor(min(y for _, y in corners))
    # output (x, y) -> input: rotate about the output's centre, then move to the input's centre
    c = w / 2 - (a * nw / 2 + b * nh / 2)
    f = h / 2 - (d * nw / 2 + e * nh / 2)
    matrix: Affine = (a, b, c, d, e, f)
    out = image.transform((nw, nh), Image.Transform.AFFINE, matrix, Image.Resampling.BICUBIC, fillcolor=255)
    return out, matrix


def degrade(image: Image.Image, cond: Condition, dpi: int, r: random.Random) -> tuple[Image.Image, Affine]:
    """The scan of a clean grey page under ``cond``: an RGB image and its map back to the page."""
    import numpy as np
    from PIL import Image, ImageFilter

    matrix = IDENTITY
    skew = r.uniform(*cond.angle) * r.choice((-1, 1)) if cond.angle[1] else 0.0
    if skew or cond.turn:
        image, matrix = rotate(image, cond.turn + skew)
    if cond.blur:
        image = image.filter(ImageFilter.GaussianBlur(cond.blur * dpi / 200))
    if cond.noise:
        rng = np.random.default_rng(r.getrandbits(64))
        noisy = np.asarray(image, dtype=np.float32) + rng.normal(0, cond.noise, (image.height, image.width))
        image = Image.fromarray(np.clip(noisy, 0, 255).astype("uint8"))
    if cond.bw:
        image = image.point(lambda v: 255 if v >= 160 else 0).convert("1").convert("L")
    if cond.jpeg:
        buf = io.BytesIO()
        image.save(buf, "JPEG", quality=cond.jpeg)
        image = Image.open(io.BytesIO(buf.getvalue()))
    return image.convert("RGB"), matrix


@dataclass
class Scan:
    source: str
    condition: str
    dpi: int
    image: Image.Image
    lines: list[Line]  # known text, in page pixels at ``dpi``
    to_page: Affine  # scan pixels -> page pixels

    @property
    def key(self) -> str:
        return f"{self.source}@{self.dpi}/{self.condition}"


def make_scan(source: Source, condition: str, dpi: int, *, seed: int = SEED) -> Scan:
    page, lines = page_image(source.pdf, dpi)
    r = random.Random(f"{seed}/{source.id}/{condition}/{dpi}")
    image, to_page = degrade(page, CONDITIONS[condition], dpi, r)
    return Scan(source.id, condition, dpi, image, lines, to_page)


def plan(sources: Sequence[Source], *, clean_dpis: Sequence[int] = DPIS, degraded_per_page: int = 3,
         conditions: Sequence[str] = DEGRADED, dpis: Sequence[int] = DPIS) -> list[tuple[Source, str, int]]:
    """Which scans to make: every source clean at each of ``clean_dpis``, and
    ``degraded_per_page`` degradations per source, dealt round-robin over the
    conditions and the dpis so that each condition meets every dpi and every
    kind of page."""
    jobs: list[tuple[Source, str, int]] = []
    for k, src in enumerate(sources):
        jobs += [(src, "clean", dpi) for dpi in clean_dpis]
        for j in range(min(degraded_per_page, len(conditions))):
            n = k * degraded_per_page + j
            jobs.append((src, conditions[n % len(conditions)], dpis[(n // len(conditions) + n) % len(dpis)]))
    return jobs


def map_box(quad: Sequence[Sequence[float]], m: Affine) -> tuple[float, float, float, float]:
    """The page-pixel bounding box of an OCR quadrilateral found on the scan."""
    a, b, c, d, e, f = m
    xs = [a * x + b * y + c for x, y in quad]
    ys = [d * x + e * y + f for x, y in quad]
    return min(xs), min(ys), max(xs), max(ys)
