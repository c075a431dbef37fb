"""Money rules (pure): 大写金额, late fees, rates.

大写 follows the rules of 《支付结算办法》 (附件一 正确填写票据和结算凭证的基本规定):
"整" after 元 or 角, never after 分; one 零 for a run of zeros inside the
number; 零 between 元 and 分 when 角 is zero; 壹拾 at the start.
"""

from __future__ import annotations

from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_SMALL = ("", "拾", "佰", "仟")
_BIG = ("", "万", "亿", "万亿")
MAX_UPPER = Decimal("9999999999999999.99")


def to_cents(amount: Decimal | int | str) -> Decimal:
    return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)


def _integer_upper(n: int) -> str:
    digits = str(n)
    out: list[str] = []
    zero_pending = False
    group_nonzero = False
    for i, ch in enumerate(digits):
        pos = len(digits) - 1 - i
        if ch == "0":
            zero_pending = True
        else:
            if zero_pending and out:
                out.append("零")
            zero_pending = False
            group_nonzero = True
            out.append(_DIGITS[int(ch)] + _SMALL[pos % 4])
        if pos % 4 == 0:
            if group_nonzero and pos > 0:
                out.append(_BIG[pos // 4])
            group_nonzero = False
    return "".join(out)


def rmb_upper(amount: Decimal | int | str) -> str:
    """447.50 → 肆佰肆拾柒元伍角整; 100010.20 → 壹拾万零壹拾元贰角整; 0 → 零元整."""
    value = to_cents(amount)
    if value < 0:
        raise ValueError("金额不能为负数")
    if value > MAX_UPPER:
        raise ValueError("金额过大，无法写成大写")
    yuan = int(value)
    cents = int((value - yuan) * 100)
    jiao, fen = divmod(cents, 10)
    head = _integer_upper(yuan) + "元" if yuan else ""
    if not cents:
        return (head or "零元") + "整"
    tail = ""
    if jiao:
        tail += _DIGITS[jiao] + "角"
    elif yuan:
        tail += "零"
    if fen:
        tail += _DIGITS[fen] + "分"
    else:
        tail += "整"
    return head + tail


def late_fee(principal: Decimal, days_overdue: int, daily_rate: Decimal | float | str) -> Decimal:
    """principal × daily rate × days overdue, rounded to the fen (half up)."""
    if days_overdue <= 0:
        return Decimal("0.00")
    rate = Decimal(str(daily_rate))
    return to_cents(Decimal(principal) * rate * days_overdue)


RATE_PLACES = Decimal("0.01")


def percentage(numerator: Decimal | int, denominator: Decimal | int) -> Decimal | None:
    """numerator / denominator as a percentage, cut (never rounded up) to two decimal places.

    Cutting keeps every comparison with a target of up to two decimals exact:
    9,495 of 10,000 is 94.95 (not 95.0), 99,960 of 100,000 is 99.96, 4,679.99 of
    4,680 is 99.99, never 100.  None when the denominator is 0."""
    if not denominator:
        return None
    pct = Decimal(numerator) * 100 / Decimal(denominator)
    return pct.quantize(RATE_PLACES, rounding=ROUND_FLOOR)


def format_percent(value: Decimal) -> str:
    """A rate as printed: one decimal when that is exact (95.0%), else two (94.95%)."""
    one = value.quantize(Decimal("0.1"), rounding=ROUND_FLOOR)
    shown = one if one == value else value.quantize(RATE_PLACES, rounding=ROUND_FLOOR)
    return f"{shown}%"


def format_money(value: Decimal | int | float | None) -> str:
    """1234.5 → ``1,234.50``; None → ``""``."""
    if value is None or value == "":
        return ""
    return f"{to_cents(Decimal(str(value))):,.2f}"
