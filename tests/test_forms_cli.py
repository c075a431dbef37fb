"""dangan generate / forms / templates from the command line: good and bad input."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
import yaml
from openpyxl import Workbook

from dangan.config import Workspace
from dangan.forms.catalog import builtin_dir
from forms_helpers import docx_text, pdf_text, squash

HEAD = ["房号", "业主", "联系电话", "收费期间", "通知日期", "项目", "金额"]


def good_rows(n: int = 3) -> list[list[object]]:
    rows = []
    for i in range(1, n + 1):
        unit = f"{i}栋{100 + i}室"
        rows.append([unit, f"业主{i}", "13900001111", "2026年11月", "2026-11-01", "物业管理费", "320.00"])
        rows.append([unit, f"业主{i}", "13900001111", "2026年11月", "2026-11-01", "水费", "35.50"])
    return rows


def write_csv(path: Path, rows: list[list[object]], *, head: list[str] = HEAD, encoding: str = "utf-8") -> Path:
    with path.open("w", newline="", encoding=encoding) as fh:
        w = csv.writer(fh)
        w.writerow(head)
        w.writerows(rows)
    return path


def write_xlsx(path: Path, rows: list[list[object]], *, head: list[str] | None = HEAD) -> Path:
    wb = Workbook()
    sheet = wb.active
    if head:
        sheet.append(head)
    for r in rows:
        sheet.append(r)
    wb.save(path)
    return path


def write_data(path: Path, **changes: object) -> Path:
    data = yaml.safe_load((builtin_dir() / "payment-notice" / "form.yaml").read_text(encoding="utf-8"))["sample"]
    for k, v in changes.items():
        if v is None:
            data.pop(k, None)
        else:
            data[k] = v
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def files_in(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def test_forms_list_json(cli) -> None:
    r = cli("forms", "list", "--json")
    assert r.exit_code == 0
    forms = json.loads(r.output)
    pn = next(f for f in forms if f["id"] == "payment-notice")
    assert pn["title"] == "缴费通知单" and pn["kind"] == "notice" and pn["category"] == "SF"
    assert pn["paper"] == "A5" and pn["prefix"] == "JF"


def test_forms_list_and_show_are_readable(cli) -> None:
    assert "缴费通知单" in cli("forms", "list").output
    r = cli("forms", "show", "payment-notice")
    assert r.exit_code == 0
    assert "业主" in r.output and "金额" in r.output and "必填" in r.output


def test_generate_sample_writes_pdf_and_docx_and_files_them(cli, ws: Workspace, tmp_path: Path) -> None:
    out = tmp_path / "out"
    r = cli("generate", "payment-notice", "--sample", "--out", str(out), "--json")
    assert r.exit_code == 0, r.output
    result = json.loads(r.output)
    doc = result["documents"][0]
    assert doc["doc_number"].startswith("JF-")
    assert doc["archival_code"].startswith("Z001-")
    assert sorted(Path(p).suffix for p in doc["files"].values()) == [".docx", ".pdf"]
    assert all(Path(p).parent == out for p in doc["files"].values())
    from dangan.app import Dangan

    with Dangan.open(ws) as app:
        records = app.records()
    assert [rec.doc_number for rec in records] == [doc["doc_number"]]
    assert records[0].form_id == "payment-notice"
    assert records[0].form_data["phone"] == "138****5678"


def test_document_numbers_are_unique_and_sequential(cli, tmp_path: Path) -> None:
    nums = []
    for _ in range(3):
        r = cli("generate", "payment-notice", "--sample", "--format", "docx", "--no-archive", "--json",
                "--out", str(tmp_path))
        nums.append(json.loads(r.output)["documents"][0]["doc_number"])
    assert len(set(nums)) == 3
    assert [int(n.rsplit("-", 1)[1]) for n in nums] == [1, 2, 3]


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"owner": None}, "业主", "必填"),
        ({"issue_date": "2026-13-45"}, "通知日期", "日期"),
        ({"issue_date": "明天"}, "通知日期", "日期"),
        ({"items": [{"name": "物业管理费", "amount": "-320.00"}]}, "金额", "负数"),
        ({"items": [{"name": "物业管理费", "amount": "三百"}]}, "金额", "金额"),
        ({"items": "物业管理费"}, "收费项目", "行"),
        ({"floor": 12}, "floor", "没有这个字段"),
    ],
)
def test_bad_data_names_form_and_field(cli, tmp_path: Path, changes: dict, field: str, words: str) -> None:
    data = write_data(tmp_path / "d.yaml", **changes)
    out = tmp_path / "out"
    r = cli("generate", "payment-notice", "--data", str(data), "--out", str(out))
    assert r.exit_code != 0
    assert "payment-notice" in r.output and "字段「" in r.output and field in r.output and words in r.output
    assert files_in(out) == []


def test_wrong_type_for_integer_field(cli, ws: Workspace, tmp_path: Path) -> None:
    folder = ws.templates_dir / "payment-notice"
    shutil.copytree(builtin_dir() / "payment-notice", folder)
    text = (folder / "form.yaml").read_text(encoding="utf-8")
    text = text.replace("  - {id: remark,", "  - {id: floors, label: 楼层数, type: integer}\n  - {id: remark,")
    (folder / "form.yaml").write_text(text, encoding="utf-8")
    r = cli("generate", "payment-notice", "--data", str(write_data(tmp_path / "d.yaml", floors="十二")),
            "--out", str(tmp_path / "o"))
    assert r.exit_code != 0 and "「楼层数」" in r.output and "整数" in r.output


def test_unknown_form(cli) -> None:
    r = cli("generate", "no-such-form", "--sample")
    assert r.exit_code != 0 and "no-such-form" in r.output and "没有这个表单" in r.output


def test_batch_csv_one_notice_per_unit_with_merge(cli, tmp_path: Path) -> None:
    out = tmp_path / "out"
    batch = write_csv(tmp_path / "b.csv", good_rows(3), encoding="utf-8-sig")
    r = cli("generate", "payment-notice", "--batch", str(batch), "--merge", "--no-archive", "--json",
            "--out", str(out))
    assert r.exit_code == 0, r.output
    result = json.loads(r.output)
    assert len(result["documents"]) == 3
    from pypdf import PdfReader

    assert len(PdfReader(result["merged"]).pages) == 3
    text = squash(pdf_text(Path(result["documents"][1]["files"]["pdf"])))
    assert "2栋102室" in text and "355.50" in text and "叁佰伍拾伍元伍角整" in text


def test_batch_xlsx_and_gb18030_csv(cli, tmp_path: Path) -> None:
    for batch in (write_xlsx(tmp_path / "b.xlsx", good_rows(2)),
                  write_csv(tmp_path / "g.csv", good_rows(2), encoding="gb18030")):
        r = cli("generate", "payment-notice", "--batch", str(batch), "--format", "docx", "--no-archive",
                "--out", str(tmp_path / batch.stem))
        assert r.exit_code == 0, r.output
        assert len(files_in(tmp_path / batch.stem)) == 2
        assert "业主2" in docx_text(files_in(tmp_path / batch.stem)[1])


def _bad_batch(tmp_path: Path) -> Path:
    rows = good_rows(3)
    rows[2][6] = "-5"  # sheet row 4: 2栋102室 物业管理费
    return write_csv(tmp_path / "bad.csv", rows)


def test_bad_row_stops_the_batch_before_any_output(cli, tmp_path: Path) -> None:
    out = tmp_path / "out"
    r = cli("generate", "payment-notice", "--batch", str(_bad_batch(tmp_path)), "--out", str(out))
    assert r.exit_code != 0
    assert "payment-notice" in r.output and "第 4 行" in r.output and "「金额」" in r.output
    assert files_in(out) == []


def test_keep_going_writes_good_rows_and_lists_bad(cli, tmp_path: Path) -> None:
    out = tmp_path / "out"
    r = cli("generate", "payment-notice", "--batch", str(_bad_batch(tmp_path)), "--keep-going", "--no-archive",
            "--format", "docx", "--out", str(out))
    assert r.exit_code != 0
    assert "第 4 行" in r.output and "未生成" in r.output
    names = [p.name for p in files_in(out)]
    assert len(names) == 2 and not any("2栋102室" in n for n in names)


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("empty.csv", b"", "空"),
        ("header.csv", "房号,业主,收费期间,通知日期,项目,金额\n".encode(), "没有数据行"),
        ("broken.csv", '房号,业主\n"1栋,张三\n'.encode(), "CSV"),
        ("broken.xlsx", b"PK\x03\x04 this is not a workbook", "Excel"),
        ("notes.txt.doc", b"hello", ".csv"),
    ],
)
def test_malformed_or_empty_batch(cli, tmp_path: Path, name: str, content: bytes, words: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    r = cli("generate", "payment-notice", "--batch", str(path), "--out", str(tmp_path / "out"))
    assert r.exit_code != 0 and "payment-notice" in r.output and words in r.output and name in r.output
    assert files_in(tmp_path / "out") == []


def test_empty_xlsx(cli, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "empty.xlsx", [], head=None)
    r = cli("generate", "payment-notice", "--batch", str(path))
    assert r.exit_code != 0 and "空" in r.output and "empty.xlsx" in r.output


def test_unknown_column_is_named(cli, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "b.csv", [r + ["x"] for r in good_rows(1)], head=[*HEAD, "楼层"])
    r = cli("generate", "payment-notice", "--batch", str(path), "--out", str(tmp_path / "out"))
    assert r.exit_code != 0 and "「楼层」" in r.output and "第 1 行（表头）" in r.output
    assert "第 2 行" not in r.output
    assert files_in(tmp_path / "out") == []


def test_every_bad_field_of_every_bad_row_in_one_error(cli, tmp_path: Path) -> None:
    rows = good_rows(3)
    rows[0][1] = ""  # sheet row 2: 业主 missing
    rows[0][6] = "abc"  # sheet row 2: 金额 not a number
    rows[5][6] = "-5"  # sheet row 7: 金额 negative
    out = tmp_path / "out"
    r = cli("generate", "payment-notice", "--batch", str(write_csv(tmp_path / "b.csv", rows)), "--out", str(out))
    assert r.exit_code == 1, r.output
    assert "payment-notice" in r.output and "b.csv" in r.output and "共 3 处错误" in r.output
    for where in ("第 2 行 字段「业主」", "第 2 行 字段「金额」", "第 7 行 字段「金额」"):
        assert where in r.output
    assert files_in(out) == []


def test_many_bad_rows_are_capped_in_the_message(ws: Workspace, tmp_path: Path) -> None:
    from dangan.errors import InputError
    from dangan.forms import generate
    from dangan.forms.fields import MAX_LISTED

    rows = good_rows(80)
    for r in rows:
        r[6] = "x"
    with pytest.raises(InputError) as e:
        generate(ws, "payment-notice", batch=write_csv(tmp_path / "b.csv", rows), out_dir=tmp_path / "out")
    assert e.value.row == 2 and e.value.field == "金额"
    assert len(e.value.problems) == 160 and f"另有 {160 - MAX_LISTED} 处未列出" in str(e.value)


def test_file_name_cannot_escape_out(cli, tmp_path: Path) -> None:
    out = tmp_path / "deep" / "out"
    data = write_data(tmp_path / "d.yaml", unit="../../x")
    r = cli("generate", "payment-notice", "--data", str(data), "--out", str(out), "--no-archive")
    assert r.exit_code == 0, r.output
    written = files_in(tmp_path)
    assert {p.parent for p in written if p.suffix in (".pdf", ".docx")} == {out}
    assert not (tmp_path / "x.pdf").exists()


def test_register_batch_fills_its_table(cli, ws: Workspace, tmp_path: Path) -> None:
    from dangan.forms import list_forms
    from dangan.forms.context import jsonable

    form = next(f for f in list_forms(ws) if f.kind == "register" and f.table_field and f.table_field.id in f.sample)
    table = form.table_field
    rows = jsonable(form.sample[table.id])
    head = [c.label for c in table.columns]
    path = write_csv(tmp_path / "r.csv", [[r.get(c.id, "") for c in table.columns] for r in rows], head=head)
    heading = tmp_path / "h.yaml"
    heading.write_text(yaml.safe_dump(jsonable({k: v for k, v in form.sample.items() if k != table.id}),
                                      allow_unicode=True), encoding="utf-8")
    r = cli("generate", form.id, "--batch", str(path), "--data", str(heading), "--format", "pdf", "--no-archive",
            "--out", str(tmp_path / "o"))
    assert r.exit_code == 0, r.output
    assert len(files_in(tmp_path / "o")) == 1
