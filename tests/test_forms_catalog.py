"""The catalogue: every form renders from its sample in both formats, and reads back."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dangan.config import Workspace
from dangan.errors import FormError
from dangan.forms import list_forms, load_form, render_form
from dangan.forms.catalog import builtin_dir
from dangan.forms.check import check_all, split_tags
from dangan.forms.generate import prepare
from forms_helpers import docx_text, missing_values, pdf_text, squash

FORM_IDS = sorted(p.name for p in builtin_dir().iterdir() if (p / "form.yaml").is_file())


def test_catalogue_has_the_reference_form(ws: Workspace) -> None:
    ids = {f.id for f in list_forms(ws)}
    assert "payment-notice" in ids
    assert all(f.kind in ("notice", "register", "report") for f in list_forms(ws))


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_every_form_renders_from_sample_in_both_formats(ws: Workspace, form_id: str, tmp_path: Path) -> None:
    form = load_form(ws, form_id)
    doc = render_form(ws, form_id, form.sample, formats=("pdf", "docx"), out_dir=tmp_path / "out")
    values = prepare(ws, form, form.sample).values
    for fmt, text in (("pdf", pdf_text(doc.files["pdf"])), ("docx", docx_text(doc.files["docx"]))):
        flat = squash(text)
        printed_title = values["subject"] if form_id == "community-notice" else form.title  # a notice's own subject
        assert squash(printed_title) in flat, f"{fmt}: title missing"
        assert doc.doc_number in flat, f"{fmt}: document number missing"
        assert missing_values(form, values, text) == [], f"{fmt}: sample values missing"


def test_masked_phone_never_reaches_outputs(ws: Workspace, tmp_path: Path) -> None:
    form = load_form(ws, "payment-notice")
    doc = render_form(ws, "payment-notice", form.sample, formats=("pdf", "docx"), out_dir=tmp_path)
    for text in (pdf_text(doc.files["pdf"]), docx_text(doc.files["docx"]), str(doc.data)):
        assert "13812345678" not in squash(text)
        assert "138****5678" in squash(text)


def test_templates_check_passes_for_the_reference_form(ws: Workspace) -> None:
    _, problems = check_all(ws)
    assert [p for p in problems if p.form == "payment-notice"] == []


def test_templates_check_passes_for_every_builtin_form() -> None:
    # what `dangan templates check` tells an administrator about the forms dangan ships
    count, problems = check_all(None)
    assert count >= 30 and [(p.form, p.message) for p in problems] == []


def _local_copy(ws: Workspace, form_id: str = "payment-notice") -> Path:
    dst = ws.templates_dir / form_id
    shutil.copytree(builtin_dir() / form_id, dst)
    return dst


def test_local_folder_overrides_builtin(ws: Workspace) -> None:
    folder = _local_copy(ws)
    text = (folder / "form.yaml").read_text(encoding="utf-8").replace("title: 缴费通知单", "title: 物业缴费通知单")
    (folder / "form.yaml").write_text(text, encoding="utf-8")
    form = load_form(ws, "payment-notice")
    assert form.title == "物业缴费通知单" and form.local


def test_workspace_whose_templates_are_the_builtin_ones_has_no_local_forms(
        ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    """The repository root is itself a workspace (paths.templates = "templates")."""
    from dangan.forms import catalog

    _local_copy(ws)
    monkeypatch.setattr(catalog, "builtin_dir", lambda: ws.templates_dir.parent / "." / ws.templates_dir.name)
    assert catalog.template_dirs(ws) == [catalog.builtin_dir()]
    assert [f.id for f in list_forms(ws)] == ["payment-notice"]
    assert not any(f.local for f in list_forms(ws))


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ("kind: notice", "kind: letter", "kind"),
        ("type: money, required: true}", "type: currency, required: true}", "type"),
        ("fn: rmb_upper", "fn: to_words", "fn"),
        ("args: [items.amount]", "args: [items.price]", "args"),
        ("  owner: 张建国\n", "", "sample"),
        ("prefix: JF", "prefix: jf-1", "prefix"),
    ],
)
def test_broken_definition_names_form_and_key(ws: Workspace, old: str, new: str, key: str) -> None:
    folder = _local_copy(ws)
    text = (folder / "form.yaml").read_text(encoding="utf-8")
    assert old in text
    (folder / "form.yaml").write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(FormError) as e:
        load_form(ws, "payment-notice")
    assert e.value.form == "payment-notice"
    assert key in (e.value.field or "")


def test_unknown_form(ws: Workspace) -> None:
    with pytest.raises(FormError, match="没有这个表单"):
        load_form(ws, "no-such-form")


def test_split_tag_is_reported(ws: Workspace) -> None:
    from docx import Document

    folder = _local_copy(ws)
    doc = Document(str(folder / "template.docx"))
    p = doc.add_paragraph()
    p.add_run("{{ ow")
    p.add_run("ner }}")
    doc.save(str(folder / "template.docx"))
    assert split_tags(folder / "template.docx") == ["{{ owner }}"]
    _, problems = check_all(ws)
    assert any(p.form == "payment-notice" and "拆" in p.message for p in problems)


def test_undefined_variable_and_syntax_error_are_reported(ws: Workspace) -> None:
    folder = _local_copy(ws)
    html = (folder / "template.html").read_text(encoding="utf-8")
    (folder / "template.html").write_text(html.replace("{{ owner }}", "{{ owner_name }}"), encoding="utf-8")
    _, problems = check_all(ws)
    assert any("owner_name" in p.message for p in problems)
    (folder / "template.html").write_text(html.replace("endfor", "endfo"), encoding="utf-8")
    _, problems = check_all(ws)
    assert any("语法" in p.message for p in problems)
