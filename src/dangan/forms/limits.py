"""Limits on what the forms engine reads and renders, so a huge or hostile file ends
with a clear error instead of exhausting memory or time.  docs/FORMS.md lists them.
"""

from __future__ import annotations

MAX_BATCH_ROWS = 100_000  # data rows of one batch sheet (a 2,000-household estate is 2,000)
MAX_CELL_CHARS = 32_767  # characters in one cell: Excel's own limit
MAX_SHEET_MB = 100  # a CSV file, or the unpacked sheet and shared strings of an XLSX
MAX_DATA_MB = 20  # a --data YAML/JSON file

MAX_RENDER_SECONDS = 30.0  # filling one template (Jinja), per document
MAX_RENDER_MB = 64  # text one template may produce (HTML, or the XML of one DOCX part)
MAX_LOOP_ITEMS = 1_000_000  # items all range() calls of one template may produce together
MAX_REPEAT = 100_000  # length of "x" * n, width of center()/indent()/format("%*s")…, in a template
