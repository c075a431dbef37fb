#!/usr/bin/env python3
"""Build the built-in forms' ``template.docx`` from their ``template.html`` (dangan/forms/docx_build.py).

    .venv/bin/python scripts/make_docx_template.py payment-notice [more form ids...]
    .venv/bin/python scripts/make_docx_template.py --all

The result is an ordinary Word document (the same form as the PDF: header,
tables, checkboxes, signature and seal rows, 宋体/黑体, zh-CN, page numbers)
that a clerk may go on editing in Word.  The bytes are reproducible.  A
workspace's own form gets the same with ``dangan templates docx FORM``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from dangan.config import init_workspace
from dangan.forms.catalog import builtin_dir, form_ids
from dangan.forms.docx_build import build_for


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("forms", nargs="*", help="form ids (folders of templates/)")
    ap.add_argument("--all", action="store_true", help="every built-in form")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        ws = init_workspace(Path(tmp) / "ws")  # the built-in forms only, default settings
        ids = form_ids(None) if args.all else args.forms
        if not ids:
            ap.error("give form ids or --all")
        for form_id in ids:
            out = builtin_dir() / form_id / "template.docx"
            tmp_out = out.with_name(".template.docx.tmp")
            tmp_out.write_bytes(build_for(ws, form_id))
            tmp_out.replace(out)
            print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
