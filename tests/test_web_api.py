"""Every call documented in docs/API.md, as a scanner or a script would make it."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from tests.web_helpers import Site, populate, session

from dangan.app import Dangan, FixedClock
from dangan.web import create_app

DOC = (Path(__file__).resolve().parent.parent / "docs" / "API.md").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from tests.conftest import TODAY

    from dangan.config import init_workspace

    root = tmp_path_factory.mktemp("web-api")
    with Dangan.open(init_workspace(root / "ws"), clock=FixedClock(TODAY)) as app:
        yield populate(app, root)


@pytest.fixture(scope="module")
def web(site: Site) -> Any:
    return create_app(site.app, warm=False)




def test_every_api_route_is_documented_and_nothing_else(web: Any) -> None:
    def norm(path: str) -> str:
        return re.sub(r"<[^>]+>", "<>", path.strip())

    documented = {(m, norm(p)) for m, p in re.findall(r"^## (GET|POST) (/api/.+)$", DOC, re.M)}
    served = {(m, norm(r.rule)) for r in web.url_map.iter_rules() if r.rule.startswith("/api/")
              for m in r.methods - {"HEAD", "OPTIONS"}}
    assert documented == served and len(served) == 6


def test_search(web: Any, site: Site) -> None:
    client, _ = session(web, "xiaochen")
    body = client.get("/api/search?q=噪音&year=2026").get_json()
    assert body["total"] == 1 and body["results"][0]["archival_code"] == site.code
    hit = body["results"][0]
    assert "139****6721" in hit["snippet"] and hit["url"] == f"/records/{site.code}"
    a, b = hit["highlights"][0]
    assert hit["snippet"][a:b] == "噪音"
    assert body["facets"]["year"] == {"2026": 1}
    assert client.get("/api/search?q=投诉&limit=2&page=2").get_json()["results"][0]["archival_code"]
    assert client.get("/api/search?q=x&limit=abc").status_code == 400


def test_search_by_date_range_and_the_status_facet(web: Any, site: Site) -> None:
    client, _ = session(web, "xiaochen")
    every = client.get("/api/search?q=投诉").get_json()
    assert every["total"] == 4 and every["facets"]["status"] == {"active": 4}
    ranged = client.get("/api/search?q=投诉&from=2010-05-02&to=2010-12-31").get_json()
    assert sorted(h["archival_code"] for h in ranged["results"]) == site.old_codes[1:]
    assert client.get("/api/search?q=投诉&from=2010-13-45").get_json()["total"] == 4  # a bad date is dropped


def test_records_and_files(web: Any, site: Site) -> None:
    client, _ = session(web, "wangzhuren")  # an approver may view
    rec = client.get(f"/api/records/{site.code}").get_json()
    assert rec["archival_code"] == site.code and rec["expiry"] == "2037-01-01" and rec["holds"] == []
    files = client.get(f"/api/records/{site.code}/files").get_json()["files"]
    assert files[0]["number"] == 1 and files[0]["format"] == "txt"
    raw = client.get(files[0]["url"]).get_data()
    assert "王淑芬".encode() in raw  # the file as archived (only the pages and JSON are masked)
    missing = client.get("/api/records/Z001-2026-D10-TS-9999")
    assert missing.status_code == 404 and "没有这个档号" in missing.get_json()["error"]


def test_upload_with_a_device_token_and_its_status(web: Any, site: Site) -> None:
    client = web.test_client()
    auth = {"Authorization": f"Bearer {site.token}"}
    data = {"file": (io.BytesIO("标识巡查记录：3栋消防通道标识缺损，联系电话13912345678。".encode()), "scan.txt")}
    r = client.post("/api/upload?wait=30", data=data, headers=auth, content_type="multipart/form-data")
    body = r.get_json()
    assert r.status_code == 200 and body["accepted"] and body["status"] == "filed", body
    assert body["archival_code"] and "13912345678" not in str(body)
    status = client.get(body["status_url"], headers=auth).get_json()
    assert status["archival_code"] == body["archival_code"]
    r = client.post("/api/upload", data={"file": (io.BytesIO(b"x"), "a.txt")},
                    headers={"Authorization": "Bearer nope"}, content_type="multipart/form-data")
    assert r.status_code == 401
    r = client.post("/api/upload", data={}, headers=auth, content_type="multipart/form-data")
    assert r.status_code == 400
    quick = client.post("/api/upload", data={"file": (io.BytesIO("另一份扫描件".encode()), "b.txt")}, headers=auth,
                        content_type="multipart/form-data")
    assert quick.status_code in (200, 202) and quick.get_json()["status_url"].startswith("/api/uploads/")


def test_generate(web: Any, site: Site) -> None:
    client, csrf = session(web, "xiaochen")
    data = {"subject": "停水通知", "start": "2026-12-10 09:00", "place": "3栋", "content": "管道检修",
            "issuer": "客服中心", "issue_date": "2026-12-01"}
    assert client.post("/api/generate/community-notice", json={"data": data}).status_code == 400  # no CSRF token
    r = client.post("/api/generate/community-notice", json={"data": data}, headers={"X-CSRFToken": csrf})
    body = r.get_json()
    assert r.status_code == 201 and body["doc_number"].startswith("TZ-2026-") and body["archival_code"]
    assert client.get(body["pdf_url"]).get_data()[:5] == b"%PDF-"
    bad = client.post("/api/generate/community-notice", json={"data": {**data, "subject": ""}},
                      headers={"X-CSRFToken": csrf})
    assert bad.status_code == 422 and bad.get_json()["problems"][0]["field"] == "通知标题"
    staff_approver, csrf2 = session(web, "wangzhuren")
    assert staff_approver.post("/api/generate/community-notice", json={"data": data},
                               headers={"X-CSRFToken": csrf2}).status_code == 403
