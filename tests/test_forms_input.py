"""What a clerk types in: exact targets, nothing invented, impossible values refused, sheet rows as Excel shows them."""

from __future__ import annotations

import copy
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from openpyxl import Workbook

from dangan.config import Workspace
from dangan.errors import InputError
from dangan.forms import load_form, render_form
from dangan.forms.generate import collect_jobs, prepare
from dangan.forms.validate import flatten
from forms_helpers import pdf_text, squash


def sample(ws: Workspace, form_id: str) -> dict[str, Any]:
    return copy.deepcopy(dict(load_form(ws, form_id).sample))


def refused(ws: Workspace, form_id: str, data: dict[str, Any]) -> list[InputError]:
    with pytest.raises(InputError) as e:
        prepare(ws, load_form(ws, form_id), data)
    return flatten([e.value])


def write_sheet(path: Path, rows: list[list[Any]]) -> Path:
    wb = Workbook()
    for r in rows:
        wb.active.append(r)
    wb.save(path)
    return path


# -- 2. the rules' targets are exact ---------------------------------------------------------------


def test_fee_report_judges_targets_on_exact_rates(ws: Workspace, tmp_path: Path) -> None:
    data = {"period_type": "月", "period": "2026年10月", "preparer": "陈美玲", "report_date": "2026-11-03", "rows": [
        {"fee_type": "物业管理费", "households": 100, "due": "10,000.00", "collected": "9,495.00"},
        {"fee_type": "水费", "households": 100, "due": "100,000.00", "collected": "99,960.00"},
        {"fee_type": "特约服务费", "households": 12, "due": "4,680.00", "collected": "4,679.99"},
        {"fee_type": "电费", "households": 100, "due": "5,000.00", "collected": "5,000.00"},
    ]}
    doc = render_form(ws, "fee-collection-stats", data, out_dir=tmp_path)
    lines = {line.split()[0]: line for line in pdf_text(doc.files["pdf"]).splitlines()
             if line.split() and line.split()[0] in ("物业管理费", "水费", "特约服务费", "电费")}
    assert "94.95%" in lines["物业管理费"] and "未达标" in lines["物业管理费"]
    assert "99.96%" in lines["水费"] and "未达标" in lines["水费"]
    assert "99.99%" in lines["特约服务费"] and "未达标" in lines["特约服务费"]
    assert "100.0%" in lines["电费"] and "未达标" not in lines["电费"] and "达标" in lines["电费"]
    assert [r["met"] for r in doc.data["rows"]] == [False, False, False, True]


def test_survey_below_seventy_percent_is_not_met(ws: Workspace, tmp_path: Path) -> None:
    data = sample(ws, "survey-return-report")
    data["rows"] = [{"building": "1栋", "households": 10000, "issued": 10000, "returned": 6996, "satisfied": 6000}]
    doc = render_form(ws, "survey-return-report", data, out_dir=tmp_path)
    text = squash(pdf_text(doc.files["pdf"]))
    assert "69.96%" in text and "70.0%" not in text.replace("70%", "")
    assert doc.data["met"] is False


# -- 3. nothing invented ---------------------------------------------------------------------------


def test_register_batch_without_data_names_the_missing_fields(ws: Workspace, tmp_path: Path) -> None:
    csv = tmp_path / "fee.csv"
    csv.write_text("收费项目,应缴户数,应收金额（元）,实收金额（元）\n物业管理费,10,\"1,000.00\",990.00\n", encoding="utf-8")
    form = load_form(ws, "fee-collection-stats")
    with pytest.raises(InputError) as e:
        collect_jobs(ws, form, data=None, batch=csv, sample=False, keep_going=False)
    assert "统计周期" in e.value.message and "统计人" in e.value.message and "--data" in e.value.message


def test_register_batch_never_takes_the_sample(ws: Workspace, tmp_path: Path) -> None:
    """Optional fields the data leaves out print empty, never the sample's (情况说明 about 2栋3户…)."""
    csv = tmp_path / "fee.csv"
    csv.write_text("收费项目,应缴户数,应收金额（元）,实收金额（元）\n物业管理费,10,\"1,000.00\",990.00\n", encoding="utf-8")
    heading = tmp_path / "h.yaml"
    heading.write_text("period_type: 季\nperiod: 2026年第四季度\npreparer: 李四\nreport_date: 2026-12-31\n",
                       encoding="utf-8")
    form = load_form(ws, "fee-collection-stats")
    jobs, _ = collect_jobs(ws, form, data=heading, batch=csv, sample=False, keep_going=False)
    values = jobs[0].values
    assert values["remarks"] is None and values["area"] is None and values["assistant"] is None
    assert values["period"] == "2026年第四季度"
    sample_text = {str(v) for k, v in form.sample.items() if isinstance(v, str) and len(v) > 3}
    assert not sample_text & {str(v) for v in values.values()}


def test_data_file_missing_a_required_field_is_an_error(ws: Workspace, tmp_path: Path) -> None:
    data = sample(ws, "complaint-register")
    del data["month"]
    problems = refused(ws, "complaint-register", data)
    assert [p.field for p in problems] == ["月份"] and "必填" in problems[0].message


# -- 3. impossible values are refused, with the field named -----------------------------------------


def _row(ws: Workspace, form_id: str, table: str, **changes: Any) -> dict[str, Any]:
    data = sample(ws, form_id)
    data[table] = [{**data[table][0], **changes}]
    return data


@pytest.mark.parametrize(("form_id", "table", "changes", "field", "words"), [
    ("complaint-register", "rows", {"received_at": "2026-11-04 09:12", "proposed_at": "2026-11-04 09:02"},
     "提出处理方案时间", "早于"),
    ("complaint-register", "rows", {"received_at": "2026-11-04 09:12", "proposed_at": "2026-11-04 09:30",
                                    "closed_at": "2026-11-04 09:00"}, "结案时间", "早于"),
    ("complaint-register", "rows", {"validity": "有效", "severity": "恶意"}, "性质", "恶性、一般"),
    ("complaint-register", "rows", {"validity": "无效", "severity": "恶性"}, "性质", "一般无效、恶意"),
    ("complaint-analysis", "cases", {"received_at": "2026-11-04 09:12", "proposed_at": "2026-11-03 09:00"},
     "提出方案时间", "早于"),
    ("complaint-analysis", "cases", {"validity": "有效", "severity": "恶意"}, "性质", "恶性、一般"),
    ("survey-return-report", "rows", {"issued": 100, "returned": 120}, "回收份数", "大于"),
    ("survey-return-report", "rows", {"returned": -5}, "回收份数", "负数"),
    ("survey-return-report", "rows", {"issued": 100, "returned": 80, "satisfied": 90}, "满意份数", "大于"),
    ("special-service-monthly", "rows", {"requests": 3, "completed": 5, "satisfied": 2}, "完成件数", "大于"),
    ("repair-complaint-monthly", "rows", {"received": 3, "effective": 3, "on_time": 4}, "及时处理件数", "大于"),
    ("incident-weekly", "rows", {"reported": 3, "completed": 4}, "已完成", "大于"),
    ("deadline-payment-notice", "arrears", {"due_date": "2026-12-31"}, "原缴费期限", "尚未过期"),
])
def test_impossible_row_values_are_refused(ws: Workspace, form_id: str, table: str, changes: dict[str, Any],
                                           field: str, words: str) -> None:
    problems = refused(ws, form_id, _row(ws, form_id, table, **changes))
    assert len(problems) == 1, problems
    assert problems[0].field is not None and problems[0].field.endswith(field)
    assert words in problems[0].message and "第 1 行" in problems[0].field


@pytest.mark.parametrize(("form_id", "changes", "field"), [
    ("renovation-violation", {"issue_date": "2026-11-25", "deadline": "2026-11-23"}, "整改期限"),
    ("community-notice", {"start": "2026-12-06 09:00", "end": "2026-12-06 08:00"}, "结束时间"),
    ("renovation-approval", {"planned_start": "2026-11-10", "planned_end": "2026-11-01"}, "计划完工日期"),
    ("dunning-notice", {"notice_date": "2026-12-30"}, "发出日期"),
])
def test_impossible_values_are_refused(ws: Workspace, form_id: str, changes: dict[str, Any], field: str) -> None:
    data = {**sample(ws, form_id), **changes}
    problems = refused(ws, form_id, data)
    assert [p.field for p in problems] == [field], problems
    assert "早于" in problems[0].message


def test_deadline_on_the_day_of_issue_reads_same_day(ws: Workspace, tmp_path: Path) -> None:
    data = {**sample(ws, "renovation-violation"), "issue_date": "2026-11-25", "deadline": "2026-11-25"}
    doc = render_form(ws, "renovation-violation", data, out_dir=tmp_path)
    text = squash(pdf_text(doc.files["pdf"]))
    assert "0天内" not in text and "当日" in text


def test_zero_notice_and_repeated_unit_are_warnings(ws: Workspace, tmp_path: Path) -> None:
    sheet = write_sheet(tmp_path / "b.xlsx", [
        ["房号", "业主", "收费期间", "通知日期", "项目", "金额"],
        ["1栋101室", "甲", "2026年11月", "2026-11-01", "物业管理费", "0.00"],
        ["1栋102室", "乙", "2026年11月", "2026-11-01", "物业管理费", "12.00"],
        ["1栋102室", "丙", "2026年11月", "2026-11-01", "物业管理费", "15.00"],
    ])
    jobs, failures = collect_jobs(ws, load_form(ws, "payment-notice"), data=None, batch=sheet, sample=False,
                                  keep_going=False)
    assert not failures and len(jobs) == 3
    assert any("0.00" in w and "第 2 行" in w for w in jobs[0].warnings)
    assert any("1栋102室" in w and "第 3 行" in w for w in jobs[2].warnings)
    assert not jobs[1].warnings


# -- 3. row numbers, columns, --keep-going ----------------------------------------------------------


def test_row_numbers_are_the_sheets_own(ws: Workspace, tmp_path: Path) -> None:
    """A blank first row and a blank row between: the bad date in cell D5 is reported at 第 5 行."""
    wb = Workbook()
    sheet = wb.active
    sheet.append(["房号", "业主", "收费期间", "通知日期", "项目", "金额"])
    sheet.insert_rows(1)  # row 1 blank, the header in row 2
    sheet.append(["1栋101室", "甲", "2026年11月", "2026-11-01", "物业管理费", "10.00"])
    sheet.append([])
    sheet.append(["1栋102室", "乙", "2026年11月", "2026-13-01", "物业管理费", "10.00"])
    path = tmp_path / "gap.xlsx"
    wb.save(path)
    with pytest.raises(InputError) as e:
        collect_jobs(ws, load_form(ws, "payment-notice"), data=None, batch=path, sample=False, keep_going=False)
    assert e.value.row == 5 and e.value.field == "通知日期"


def test_missing_required_column_is_one_error(ws: Workspace, tmp_path: Path) -> None:
    rows = [["房号", "收费期间", "通知日期", "项目", "金额"]]
    rows += [[f"1栋{i}室", "2026年11月", "2026-11-01", "物业管理费", "10.00"] for i in range(100, 130)]
    with pytest.raises(InputError) as e:
        collect_jobs(ws, load_form(ws, "payment-notice"), data=None, batch=write_sheet(tmp_path / "b.xlsx", rows),
                     sample=False, keep_going=False)
    assert flatten([e.value]) == [e.value]
    assert e.value.row == 1 and "「业主」" in e.value.message and "（表头）" in str(e.value)


def test_keep_going_makes_the_register_from_the_good_rows(ws: Workspace, tmp_path: Path) -> None:
    head = ["接诉时间", "投诉人", "投诉对象", "投诉经过", "投诉类型", "投诉方式", "判定", "性质", "提出处理方案时间", "接待人"]
    good = ["2026-11-04 09:00", "王", "保洁", "楼道未清扫", "服务投诉", "电话", "有效", "一般", "2026-11-04 09:10", "陈"]
    rows = [head, good, [*good[:8], "2026-11-04 08:00", "陈"], [], [*good[:6], "有效", "恶意", *good[8:]], good]
    sheet = write_sheet(tmp_path / "reg.xlsx", rows)
    heading = tmp_path / "h.yaml"
    heading.write_text("month: 2026年11月\nend_date: 2026-11-30\n", encoding="utf-8")
    form = load_form(ws, "complaint-register")
    with pytest.raises(InputError):
        collect_jobs(ws, form, data=heading, batch=sheet, sample=False, keep_going=False)
    jobs, failures = collect_jobs(ws, form, data=heading, batch=sheet, sample=False, keep_going=True)
    assert len(jobs[0].values["rows"]) == 2
    assert sorted(f.row for f in failures) == [3, 5]
    assert {f.path for f in failures} == {str(sheet)}


def test_keep_going_register_through_the_cli(cli, tmp_path: Path) -> None:
    head = "接诉时间,投诉人,投诉对象,投诉经过,投诉类型,投诉方式,判定,性质,提出处理方案时间,接待人\n"
    good = "2026-11-04 09:00,王,保洁,楼道未清扫,服务投诉,电话,有效,一般,2026-11-04 09:10,陈\n"
    bad = "2026-11-04 09:00,王,保洁,楼道未清扫,服务投诉,电话,有效,恶意,2026-11-04 09:10,陈\n"
    sheet = tmp_path / "reg.csv"
    sheet.write_text(head + good + bad + good, encoding="utf-8")
    heading = tmp_path / "h.yaml"
    heading.write_text("month: 2026年11月\nend_date: 2026-11-30\n", encoding="utf-8")
    out = tmp_path / "out"
    r = cli("generate", "complaint-register", "--batch", str(sheet), "--data", str(heading), "--keep-going",
            "--format", "pdf", "--no-archive", "--out", str(out))
    assert r.exit_code == 1
    assert "第 3 行" in r.output and "性质" in r.output and "未列入" in r.output
    pdfs = list(out.glob("*.pdf"))
    assert len(pdfs) == 1
    assert squash(pdf_text(pdfs[0])).count("楼道未清扫") == 2


# -- issue 10 item 3: a stale <dimension ref> --------------------------------------------------------


def _stale_dimension(path: Path, ref: str) -> None:
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    assert "<dimension" in sheet
    parts["xl/worksheets/sheet1.xml"] = re.sub(r'<dimension ref="[^"]*"', f'<dimension ref="{ref}"', sheet).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n, data in parts.items():
            z.writestr(n, data)


def test_stale_dimension_does_not_drop_rows(ws: Workspace, tmp_path: Path) -> None:
    rows = [["房号", "业主", "收费期间", "通知日期", "项目", "金额"]]
    rows += [[f"2栋{i}室", f"业主{i}", "2026年11月", "2026-11-01", "物业管理费", "10.00"] for i in range(1001, 1051)]
    path = write_sheet(tmp_path / "stale.xlsx", rows)
    _stale_dimension(path, "A1:F10")
    from openpyxl import load_workbook
    assert sum(1 for _ in load_workbook(path, read_only=True).worksheets[0].iter_rows()) == 10  # what openpyxl trusts
    jobs, _ = collect_jobs(ws, load_form(ws, "payment-notice"), data=None, batch=path, sample=False, keep_going=False)
    assert len(jobs) == 50 and jobs[-1].row == 51


def test_data_yaml_is_what_generate_reads(ws: Workspace, tmp_path: Path) -> None:
    """--data with a mapping written by hand: the values printed are the file's, the sample's are not."""
    data = {k: v for k, v in sample(ws, "community-notice").items() if k not in ("contact", "audience")}
    path = tmp_path / "n.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    jobs, _ = collect_jobs(ws, load_form(ws, "community-notice"), data=path, batch=None, sample=False,
                           keep_going=False)
    assert jobs[0].values["contact"] is None and jobs[0].values["audience"] is None
