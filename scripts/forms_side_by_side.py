#!/usr/bin/env python3
"""docs/forms-<id>.png: a form's PDF and its Word file side by side, as a reader sees them.

    .venv/bin/python scripts/forms_side_by_side.py payment-notice complaint-register fee-collection-stats

Each form is rendered from its sample data to PDF (WeasyPrint) and DOCX (docxtpl); the DOCX is opened by
LibreOffice as a clerk's Word or WPS would show it (宋体 drawn with Noto Serif CJK SC:
tests/fontconfig/fonts.conf), and page 1 of both is put side by side.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from dangan.config import init_workspace
from dangan.forms import load_form, render_form

ROOT = Path(__file__).resolve().parent.parent
DPI = 80


def page1(pdf: Path, out: Path) -> Image.Image:
    subprocess.run(["pdftoppm", "-r", str(DPI), "-f", "1", "-l", "1", "-png", "-singlefile", str(pdf), str(out)],
                   check=True)
    return Image.open(out.with_suffix(".png")).convert("RGB")


def main(ids: list[str]) -> int:
    font = ImageFont.truetype(subprocess.run(["fc-match", "-f", "%{file}", "Noto Sans CJK SC:bold"],
                                             capture_output=True, text=True).stdout, 22)
    env = {**os.environ, "FONTCONFIG_FILE": str(ROOT / "tests" / "fontconfig" / "fonts.conf")}
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        ws = init_workspace(t / "ws")
        for form_id in ids:
            doc = render_form(ws, form_id, load_form(ws, form_id).sample, formats=("pdf", "docx"), out_dir=t / "o")
            subprocess.run(["soffice", f"-env:UserInstallation={(t / 'lo').as_uri()}", "--headless", "--convert-to",
                            "pdf", "--outdir", str(t / "lo-out"), str(doc.files["docx"])],
                           check=True, capture_output=True, env=env)
            a = page1(doc.files["pdf"], t / f"{form_id}-pdf")
            b = page1(t / "lo-out" / (doc.files["docx"].stem + ".pdf"), t / f"{form_id}-docx")
            sheet = Image.new("RGB", (a.width + b.width + 30, max(a.height, b.height) + 44), "#888")
            sheet.paste(a, (10, 40))
            sheet.paste(b, (a.width + 20, 40))
            draw = ImageDraw.Draw(sheet)
            draw.text((14, 8), "PDF（WeasyPrint）", fill="white", font=font)
            draw.text((a.width + 24, 8), "Word 文件（LibreOffice 打开，宋体）", fill="white", font=font)
            out = ROOT / "docs" / f"forms-{form_id}.png"
            sheet.convert("P", palette=Image.Palette.ADAPTIVE, colors=64).save(out, optimize=True)
            print(out, out.stat().st_size // 1024, "KB")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["payment-notice", "complaint-register", "fee-collection-stats"]))
