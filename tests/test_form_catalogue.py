"""The form catalogue as data: every templates/<form-id>/ folder follows docs/FORMS.md.

These tests read the files directly (pyyaml, python-docx), so they check the
catalogue itself, independently of the rendering engine:

- each form folder has form.yaml, template.html and template.docx;
- each definition has a valid kind, paper and prefix, a category from the file
  plan (DOMAIN.md §2), an id matching its folder, and only documented derive
  functions (the table in docs/FORMS.md);
- ids and prefixes are unique across the catalogue;
- the sample data gives a value to every field and every table column;
- template.html extends the shared frame and gives its tables a <thead>;
- template.docx has no Jinja tag split across runs, and its table loops use
  {%tr %};
- the seed forms of the centre's rules are all in the catalogue.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from docx import Document

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
DOCS = ROOT / "docs" / "FORMS.md"

KINDS = {"notice", "register", "report"}
PAPERS = {"A4", "A5", "A4-landscape"}
FIELD_TYPES = {"text", "integer", "money", "date", "datetime", "choice", "bool", "table"}
# File-plan codes (DOMAIN.md §2).  The archive's own forms (归档文件目录, 档案销毁清册)
# may use a code of their own; they are only checked for an upper-case code.
CATEGORIES = {"YH", "SF", "ZX", "TS", "XF", "KZ", "ZB", "XJ", "WX", "QJ", "LH", "TY", "SQ", "ZT", "ZL", "QT"}
PREFIX = re.compile(r"^[A-Z][A-Z0-9]{0,7}$")
FORM_ID = re.compile(r"^[a-z][a-z0-9-]*$")

# Forms of this catalogue (issue 2) with their file-plan category.
CATALOGUE = {
    "payment-notice": "SF",
    "dunning-notice": "SF",
    "deadline-payment-notice": "SF",
    "fee-collection-stats": "SF",
    "renovation-inspection": "ZX",
    "renovation-violation": "ZX",
    "renovation-approval": "ZX",
    "renovation-weekly": "ZX",
    "sign-usage-list": "XJ",
    "sign-inspection": "XJ",
    "resident-info": "YH",
    "visit-record": "XF",
    "opinion-survey": "XF",
    "survey-return-report": "XF",
    "community-notice": "SQ",
    "special-service-register": "TY",
    "special-service-monthly": "TY",
    "repair-complaint-monthly": "TS",
    "incident-weekly": "ZL",
    "complaint-register": "TS",
    "complaint-analysis": "TS",
    "vacant-register": "KZ",
    "vacant-signin": "KZ",
    "vacant-inspection": "KZ",
    "front-desk-log": "ZB",
    "incident-register": "ZL",  # the 报事 record the weekly analysis counts (issue 12)
    "ledger-amendment": "QT",  # filed in its register's category (issue 12)
}

# Title fragments the acceptance script requires (seed forms of the rules).
SEED_TITLES = [
    "缴费通知单", "催", "限期缴费", "收费情况统计", "装修巡", "装修违规", "装修审批", "周报", "标识使用清单",
    "标识巡查", "住户基本情况", "巡访", "征询意见", "问卷", "社区活动", "特约服务", "及时率", "报事统计",
    "空置房屋登记表", "空置房屋巡查签到表", "空置房屋巡查记录表", "前台交接日志", "客户投诉管理登记表", "投诉分析报告",
]


def form_dirs() -> list[Path]:
    return sorted(d for d in TEMPLATES.iterdir() if d.is_dir() and not d.name.startswith("_"))


def load(folder: Path) -> dict[str, Any]:
    return yaml.safe_load((folder / "form.yaml").read_text(encoding="utf-8"))


def documented_functions() -> set[str]:
    """The derive functions listed in the table of docs/FORMS.md."""
    text = DOCS.read_text(encoding="utf-8")
    section = text.split("### Derived values", 1)[1].split("## Templates", 1)[0]
    return set(re.findall(r"^\| `([a-z_]+)` \|", section, flags=re.M))


FORMS = [d.name for d in form_dirs()]
MINE = [f for f in CATALOGUE if (TEMPLATES / f).is_dir()]


def test_catalogue_forms_are_present() -> None:
    missing = [f for f in CATALOGUE if not (TEMPLATES / f).is_dir()]
    assert not missing


def test_seed_titles_are_covered() -> None:
    titles = " ".join(load(TEMPLATES / f)["title"] for f in FORMS)
    missing = [t for t in SEED_TITLES if t not in titles]
    assert not missing, f"catalogue lacks {missing}"


def test_documented_functions_are_read_from_the_docs() -> None:
    assert {"sum", "count", "rmb_upper", "add_days", "late_fee", "rate", "collection_target", "at_least",
            "within_minutes"} <= documented_functions()


@pytest.mark.parametrize("form_id", FORMS)
def test_folder_has_the_three_files(form_id: str) -> None:
    folder = TEMPLATES / form_id
    for name in ("form.yaml", "template.html", "template.docx"):
        assert (folder / name).is_file(), f"{form_id}: {name} missing"


@pytest.mark.parametrize("form_id", FORMS)
def test_definition_follows_the_spec(form_id: str) -> None:
    form = load(TEMPLATES / form_id)
    assert form["id"] == form_id and FORM_ID.match(form_id)
    assert form["kind"] in KINDS
    assert re.fullmatch(r"[A-Z]{2,4}", form["category"])
    assert form.get("paper", "A4") in PAPERS
    assert PREFIX.match(form["prefix"])
    assert form["title"].strip()
    if form_id in CATALOGUE:
        assert form["category"] in CATEGORIES
        assert form["category"] == CATALOGUE[form_id]
    fields = form["fields"]
    names = {f["id"] for f in fields}
    assert len(names) == len(fields), "duplicate field ids"
    for f in fields:
        assert f.get("type", "text") in FIELD_TYPES, f["id"]
        assert f.get("label"), f["id"]
        if f.get("type") == "choice":
            assert f.get("choices"), f["id"]
        if f.get("type") == "table":
            assert f.get("columns"), f["id"]
            for c in f["columns"]:
                assert c.get("type", "text") in FIELD_TYPES - {"table"}, f"{f['id']}.{c['id']}"
                assert c.get("label")
                # r.items / r.keys / r.values would print the dict method, not the column.
                assert c["id"] not in {"items", "keys", "values", "get", "copy", "pop", "update"}
    for key in ("title_field", "date_field", "unit_field", "owner_field"):
        if form.get(key):
            assert form[key] in names, f"{key} → {form[key]}"
    if form["kind"] in ("register", "report"):
        assert any(f.get("type") == "table" for f in fields), "registers and reports have a table field"


@pytest.mark.parametrize("form_id", FORMS)
def test_derive_functions_are_documented(form_id: str) -> None:
    allowed = documented_functions()
    for d in load(TEMPLATES / form_id).get("derive") or []:
        assert d["fn"] in allowed, f"{form_id}: {d['fn']}"
        assert set(d) <= {"id", "fn", "args"}


def test_ids_titles_and_prefixes_are_unique() -> None:
    forms = [load(TEMPLATES / f) for f in FORMS]
    for key in ("id", "prefix", "title"):
        values = [f[key] for f in forms]
        dup = {v for v in values if values.count(v) > 1}
        assert not dup, f"duplicate {key}: {dup}"


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


@pytest.mark.parametrize("form_id", MINE)
def test_sample_exercises_every_field(form_id: str) -> None:
    form = load(TEMPLATES / form_id)
    sample = form["sample"]
    assert set(sample) <= {f["id"] for f in form["fields"]}, "sample has keys that are not fields"
    for f in form["fields"]:
        value = sample.get(f["id"])
        assert not _blank(value), f"{form_id}: sample lacks {f['id']}"
        if f.get("type") == "table":
            assert 1 <= len(value) <= 8, f"{form_id}.{f['id']}: {len(value)} rows"
            for c in f["columns"]:
                assert any(not _blank(r.get(c["id"])) for r in value), f"{form_id}: no sample for {f['id']}.{c['id']}"
        if f.get("type") == "choice":
            assert str(value) in map(str, f["choices"])


@pytest.mark.parametrize("form_id", MINE)
def test_sample_uses_every_choice_column_value_validly(form_id: str) -> None:
    form = load(TEMPLATES / form_id)
    for f in form["fields"]:
        if f.get("type") != "table":
            continue
        for c in f["columns"]:
            if c.get("type") == "choice":
                for r in form["sample"][f["id"]]:
                    if not _blank(r.get(c["id"])):
                        assert str(r[c["id"]]) in map(str, c["choices"]), f"{form_id}.{f['id']}.{c['id']}"


@pytest.mark.parametrize("form_id", MINE)
def test_html_extends_the_base_and_uses_thead(form_id: str) -> None:
    html = (TEMPLATES / form_id / "template.html").read_text(encoding="utf-8")
    assert html.lstrip().startswith('{% extends "_base/base.html" %}')
    assert "{% block body %}" in html
    tables = html.count('class="grid"')
    assert html.count("<thead>") >= tables, "every grid table needs a <thead>"
    form = load(TEMPLATES / form_id)
    for f in form["fields"]:
        assert re.search(r"\b" + re.escape(f["id"]) + r"\b", html), f"{form_id}: template.html never prints {f['id']}"
        for c in f.get("columns") or []:
            assert f"r.{c['id']}" in html, f"{form_id}: template.html never prints {f['id']}.{c['id']}"


def _paragraphs(doc: Any):
    yield from doc.paragraphs
    for section in doc.sections:
        yield from section.header.paragraphs
        yield from section.footer.paragraphs

    def cells(tables):
        for t in tables:
            for row in t.rows:
                for cell in row.cells:
                    yield from cell.paragraphs
                    yield from cells(cell.tables)

    yield from cells(doc.tables)
    for section in doc.sections:
        yield from cells(section.header.tables)


TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}")


def split_tags(path: Path) -> list[str]:
    """Jinja tags of the .docx whose text does not lie inside one run."""
    bad = []
    for p in _paragraphs(Document(str(path))):
        text = p.text
        if "{{" not in text and "{%" not in text:
            continue
        runs = [r.text for r in p.runs]
        spans, pos = [], 0
        for t in runs:
            spans.append((pos, pos + len(t)))
            pos += len(t)
        for m in TAG.finditer(text):
            if not any(s <= m.start() and m.end() <= e for s, e in spans):
                bad.append(m.group(0))
        # An opening brace pair with no closing pair in the paragraph is split too.
        if text.count("{{") != text.count("}}") or text.count("{%") != text.count("%}"):
            bad.append(text)
    return bad


@pytest.mark.parametrize("form_id", FORMS)
def test_docx_has_no_split_tags(form_id: str) -> None:
    assert split_tags(TEMPLATES / form_id / "template.docx") == []


@pytest.mark.parametrize("form_id", MINE)
def test_docx_loops_every_table_field(form_id: str) -> None:
    form = load(TEMPLATES / form_id)
    doc = Document(str(TEMPLATES / form_id / "template.docx"))
    text = "\n".join(p.text for p in _paragraphs(doc))
    own_title = form.get("title_field") and "{{ " + form["title_field"] + " }}" in text  # a notice's own subject
    assert own_title or "{{ form.title }}" in text or re.sub(r"[\s/、]", "", form["title"])[:4] in re.sub(r"[\s/、]", "", text)
    assert "{{ doc_number }}" in text and "{{ qr }}" in text
    for f in form["fields"]:
        if f.get("type") == "table":
            assert re.search(r"\{%tr for r in " + f["id"] + r"( if [^%]+)? %\}", text), f"{form_id}: no row loop for {f['id']}"
    assert text.count("{%tr for") == text.count("{%tr endfor %}")


def test_split_tag_detector_catches_a_split_tag(tmp_path: Path) -> None:
    doc = Document()
    p = doc.add_paragraph()
    p.add_run("{{ ow")
    p.add_run("ner }}")
    doc.add_paragraph().add_run("{{ unit }}")
    path = tmp_path / "t.docx"
    doc.save(str(path))
    assert split_tags(path) == ["{{ owner }}"]


def test_docx_generator_reproduces_a_template(tmp_path: Path) -> None:
    """scripts/make_docx_template.py (dangan.forms.docx_build) rebuilds the committed template, byte for byte."""
    from dangan.config import init_workspace
    from dangan.forms.docx_build import build_for

    built = build_for(init_workspace(tmp_path / "ws"), "complaint-register")
    assert built == (TEMPLATES / "complaint-register" / "template.docx").read_bytes()
    (tmp_path / "t.docx").write_bytes(built)
    assert split_tags(tmp_path / "t.docx") == []
    text = "\n".join(p.text for p in _paragraphs(Document(str(tmp_path / "t.docx"))))
    assert "{%tr for r in rows %}" in text and "{{ r.within_30|yesno }}" in text
