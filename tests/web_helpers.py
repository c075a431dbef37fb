"""Shared set-up of the web tests: a workspace with one account per role, a filed record, a device token."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dangan.app import Dangan

PASSWORDS = {"xiaochen": "pw-Staff-2026", "laowang": "pw-Arch-2026", "wangzhuren": "pw-Appr-2026",
             "guanli": "pw-Admin-2026", "xiaoli": "pw-Arch2-2026"}
ROLES = {"xiaochen": "staff", "laowang": "archivist", "wangzhuren": "approver", "guanli": "admin",
         "xiaoli": "archivist"}
#: one user per role (the route walk)
BY_ROLE = {"staff": "xiaochen", "archivist": "laowang", "approver": "wangzhuren", "admin": "guanli"}
#: a complaint (received an hour before the app's clock), its phone number to be masked on every page
COMPLAINT = {"complainant": "王淑芬", "phone": "13983456721", "unit": "5栋0602",
             "target": "<b>保洁</b>", "facts": "楼道夜间噪音", "type": "服务投诉", "channel": "电话", "validity": "有效",
             "severity": "一般", "handler": "小陈"}
NOTE = "5栋0602室业主王淑芬来电投诉夜间噪音，联系电话13983456721，身份证110101199001011234。\n"


@dataclass
class Site:
    app: Dangan
    code: str  # a TS record of 2026 with a phone number in its text and a hostile title
    old_codes: list[str]  # TS records of 2010 (due for disposal)
    token: str  # a device token


def populate(app: Dangan, folder: Path) -> Site:
    for name, password in PASSWORDS.items():
        app.accounts.add_user(name, role=ROLES[name], password=password)
    note = folder / "n.txt"
    note.write_text(NOTE, encoding="utf-8")
    code = app.file([note], category="TS", title="<script>alert(1)</script>噪音投诉",
                    date=dt.date(2026, 3, 1))[0].result.record.archival_code
    old = []
    for n in range(3):
        p = folder / f"old{n}.txt"
        p.write_text(f"2010年装修投诉记录第{n}件，楼道堆放建筑垃圾。\n", encoding="utf-8")
        old.append(app.file([p], category="TS", title=f"2010年投诉{n}", date=dt.date(2010, 5, 1 + n))[0]
                   .result.record.archival_code)
    _, token = app.accounts.add_token("前台扫描仪")
    received = app.ledger.now() - dt.timedelta(hours=1)  # no solution yet: 60 minutes ago, past its 30 minutes
    app.ledger.add("complaint-register", {**COMPLAINT, "received_at": f"{received:%Y-%m-%d %H:%M}"})
    return Site(app, code, old, token)


def sample_args(site: Site) -> dict[str, Any]:
    """A value for each URL variable of the URL map."""
    return {"code": site.code, "number": 1, "page": 1, "job_id": 1, "proposal_id": 1, "form_id": "payment-notice",
            "register_id": "complaint-register",
            "token": "none", "name": "none.pdf", "filename": "dangan.css"}


def session(web: Any, user: str) -> tuple[Any, str]:
    """A signed-in test client and its CSRF token (read from a page, as a browser would)."""
    client = web.test_client()
    with client.session_transaction() as sess:
        sess["user"], sess["epoch"] = user, 0
    page = client.get("/").get_data(as_text=True)
    token = re.search(r'"X-CSRFToken": "([^"]+)"', page)
    assert token, "no CSRF token on the signed-in page"
    return client, token.group(1)
