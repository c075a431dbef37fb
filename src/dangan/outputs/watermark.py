"""The lending copy: every page of a PDF carries a watermark naming the borrower, the date and 借阅专用.

The watermark is text (so a reader can find it, and a test can), drawn in a
light diagonal pattern over each page by the same injected renderer as the
stamp, then laid over the pages with :func:`dangan.outputs.stamp.overlay`.
"""

from __future__ import annotations

import html
import io
from dataclasses import dataclass

from dangan.content import pdfa
from dangan.outputs import stamp as stamping
from dangan.outputs.rendition import PdfRenderer

LABEL = "借阅专用"


@dataclass(frozen=True)
class Watermark:
    borrower: str
    date: str  # YYYY-MM-DD
    code: str = ""

    def text(self) -> str:
        parts = [LABEL, self.borrower, self.date]
        if self.code:
            parts.append(self.code)
        return "　".join(parts)


def watermark_html(sizes: list[tuple[float, float]], mark: Watermark, *, font_family: str = "serif") -> str:
    """One transparent page per size, each covered by the watermark text in rows (pure)."""
    css = [".sheet { position: relative; overflow: hidden; }",
           f".wm {{ position: absolute; left: -30%; top: -30%; width: 160%; height: 160%;"
           f" transform: rotate(-30deg); color: rgba(200, 0, 0, 0.22); font-family: {font_family};"
           f" font-size: 6mm; line-height: 28mm; text-align: center; white-space: nowrap; }}",
           "html, body { margin: 0; padding: 0; }"]
    body = []
    line = html.escape(mark.text())
    for n, (w, h) in enumerate(sizes, start=1):
        css.append(f"@page w{n} {{ size: {w:.3f}mm {h:.3f}mm; margin: 0; }}"
                   f" .s{n} {{ page: w{n}; width: {w:.3f}mm; height: {h:.3f}mm; break-after: page; }}")
        rows = max(4, int(h * 1.6 / 28))
        text = "<br>".join(f"{line}　　{line}" for _ in range(rows))
        body.append(f'<div class="sheet s{n}"><div class="wm">{text}</div></div>')
    return (f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{LABEL}</title>'
            f"<style>{' '.join(css)}</style></head><body>{''.join(body)}</body></html>")


def apply(data: bytes, mark: Watermark, render: PdfRenderer, *, title: str, font_family: str = "serif") -> bytes:
    """``data`` (a PDF) with the watermark on every page; PDF/A-2b like the rendition it came from."""
    import pikepdf

    with pikepdf.open(io.BytesIO(data)) as pdf:
        sizes = [stamping.displayed_size_mm(p) for p in pdf.pages]
        with pikepdf.open(io.BytesIO(render(watermark_html(sizes, mark, font_family=font_family)))) as drawn:
            for i in range(len(sizes)):
                single = pikepdf.new()
                single.pages.append(drawn.pages[i])
                stamping.overlay(pdf, i, single)
        pdfa.conform(pdf, pdfa.DocInfo(title=f"{title}（{LABEL}）", subject=mark.text()))
        return pdfa.save(pdf)
