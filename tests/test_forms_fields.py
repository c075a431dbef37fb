"""Field coercion and masking: tables of accepted and refused values."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from dangan.errors import InputError
from dangan.forms.fields import FieldDef, Where, coerce_value, mask_id, mask_phone

W = Where("payment-notice", row=3)


@pytest.mark.parametrize(
    ("ftype", "raw", "value"),
    [
        ("money", "447.5", Decimal("447.50")),
        ("money", "1,234.50", Decimal("1234.50")),
        ("money", "¥447.50", Decimal("447.50")),
        ("money", 320, Decimal("320.00")),
        ("money", 61.2, Decimal("61.20")),
        ("integer", "12", 12),
        ("integer", 12.0, 12),
        ("date", "2026-11-26", dt.date(2026, 11, 26)),
        ("date", "2026/11/26", dt.date(2026, 11, 26)),
        ("date", "20261126", dt.date(2026, 11, 26)),
        ("date", 46352, dt.date(2026, 11, 26)),  # Excel serial
        ("date", dt.datetime(2026, 11, 26, 8, 0), dt.date(2026, 11, 26)),
        ("datetime", "2026-11-26 09:30", dt.datetime(2026, 11, 26, 9, 30)),
        ("bool", "是", True),
        ("bool", "×", False),
        ("bool", 1, True),
        ("text", 13812345678, "13812345678"),
    ],
)
def test_accepted_values(ftype: str, raw: object, value: object) -> None:
    assert coerce_value(FieldDef("x", "字段", ftype), raw, W) == value


@pytest.mark.parametrize(
    ("ftype", "raw", "words"),
    [
        ("money", "-1", "负数"),
        ("money", "1.005", "两位小数"),
        ("money", "100000000", "不能大于"),
        ("money", "abc", "金额"),
        ("integer", "1.5", "整数"),
        ("date", "2026-02-30", "日期"),
        ("datetime", "2026-11-26 25:00", "日期时间"),
        ("bool", "也许", "是/否"),
    ],
)
def test_refused_values_name_form_row_and_field(ftype: str, raw: object, words: str) -> None:
    with pytest.raises(InputError) as e:
        coerce_value(FieldDef("x", "金额字段", ftype), raw, W)
    assert words in str(e.value)
    assert "payment-notice" in str(e.value) and "第 3 行" in str(e.value) and "「金额字段」" in str(e.value)


def test_choice_and_required() -> None:
    f = FieldDef("kind", "投诉类型", "choice", required=True, choices=("服务投诉", "业务投诉"))
    assert coerce_value(f, "服务投诉", W) == "服务投诉"
    with pytest.raises(InputError, match="可选值"):
        coerce_value(f, "其他", W)
    with pytest.raises(InputError, match="必填"):
        coerce_value(f, "  ", W)


@pytest.mark.parametrize(
    ("fn", "raw", "masked"),
    [(mask_phone, "13812345678", "138****5678"), (mask_id, "110101199001011234", "1101**********1234"),
     (mask_phone, "0755-12345678", "075******5678"), (mask_phone, "12345", "*****")],
)
def test_masks(fn, raw: str, masked: str) -> None:
    assert fn(raw) == masked
