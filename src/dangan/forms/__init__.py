"""The forms engine: catalogue, validation, derived values, PDF/DOCX rendering.

Public API (see docs/FORMS.md, "Python API")::

    from dangan.forms import render_form, generate, load_form, list_forms, GeneratedDocument
    from dangan.forms import render_in_pieces  # a document with a long table, laid out in pieces
"""

from dangan.forms.catalog import FormDef, list_forms, load_form
from dangan.forms.document import GeneratedDocument
from dangan.forms.generate import GenerateResult, generate, render_form
from dangan.forms.pieces import render_in_pieces

__all__ = ["FormDef", "GenerateResult", "GeneratedDocument", "generate", "list_forms", "load_form", "render_form",
           "render_in_pieces"]
