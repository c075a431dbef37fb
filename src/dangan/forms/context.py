"""The template context shared by the HTML and DOCX templates (pure)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from dangan.config import Workspace
from dangan.forms.render_html import PAGE_SIZES

if TYPE_CHECKING:
    from dangan.forms.catalog import FormDef


def company(ws: Workspace) -> dict[str, str]:
    c = ws.config
    return {
        "name": c["company.name"], "centre": c["company.centre"], "address": c["company.address"],
        "phone": c["company.phone"], "fonds_code": c["company.fonds_code"],
    }


def settings(ws: Workspace) -> dict[str, Any]:
    """Settings the derive rules may use (``setting:fees.late_fee_rate``)."""
    return {k: (Decimal(str(v)) if isinstance(v, float) else v) for k, v in ws.config.values.items()}


def fees(ws: Workspace) -> dict[str, Any]:
    c = ws.config
    return {"late_fee_rate": Decimal(str(c["fees.late_fee_rate"])), "payment_days": c["fees.payment_days"],
            "deadline_days": c["fees.deadline_days"]}


def build_context(ws: Workspace, form: FormDef, values: dict[str, Any], doc_number: str,
                  *, today: dt.date, blank_rows: int = 0) -> dict[str, Any]:
    ctx: dict[str, Any] = dict(values)
    ctx.update(
        form={"id": form.id, "title": form.title, "kind": form.kind, "category": form.category,
              "paper": form.paper},
        doc_number=doc_number, today=today, company=company(ws), fees=fees(ws),
        page_size=PAGE_SIZES.get(form.paper, "A4"), density="normal", blank_rows=blank_rows,
    )
    return ctx


def jsonable(value: Any) -> Any:
    """Validated values as JSON: Decimal → "447.50", dates → ISO text."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    return value
