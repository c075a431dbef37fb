"""The web interface in a real browser (Playwright for Python driving Debian's chromium), as people use it.

The server is ``dangan serve`` started by the fixture on a free loopback port; the workspace has one account
per role.  Set DANGAN_SCREENSHOTS=1 to save the main pages into docs/screenshots/ (1366×768).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.web_helpers import PASSWORDS, Site, populate

from dangan.app import Dangan, FilingRequest, Source

playwright_sync = pytest.importorskip("playwright.sync_api")

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--lang=zh-CN"]
SHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"

pytestmark = pytest.mark.timeout(300)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Site, Path]]:
    from dangan.config import init_workspace

    root = tmp_path_factory.mktemp("browser")
    ws = init_workspace(root / "ws")
    with Dangan.open(ws) as app:
        site = populate(app, root)
        scan = root / "扫描件-001.txt"
        scan.write_text("2栋电梯机房门锁损坏，机房地面有积水，已通知维修。巡查人：小李。\n", encoding="utf-8")
        app.file_requests([FilingRequest(path=scan, category="QT", title="扫描件-001", date=dt.date(2026, 4, 1),
                                         source=Source.SCANNED, needs_review=True)])  # what intake leaves for review
    port = free_port()
    log = open(root / "serve.log", "wb")  # noqa: SIM115 - closed below
    env = {**os.environ, "PYTHONUTF8": "1"}
    proc = subprocess.Popen([str(Path(sys.executable).with_name("dangan")), "-w", str(ws.root), "serve", "--host", "127.0.0.1",
                             "--port", str(port)], stdout=log, stderr=subprocess.STDOUT, env=env)
    base = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            urllib.request.urlopen(base + "/login", timeout=2)
            break
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError((root / "serve.log").read_text()) from None
            time.sleep(0.25)
    try:
        yield base, site, root
    finally:
        proc.terminate()
        assert proc.wait(timeout=30) == 0, "dangan serve did not exit cleanly on SIGTERM"
        log.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: scripts/setup.sh installs Debian's chromium")
    with playwright_sync.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def login(browser: Any, base: str, user: str) -> Any:
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN", accept_downloads=True)
    page = context.new_page()
    page.goto(base + "/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", PASSWORDS[user])
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")
    return page


def shot(page: Any, name: str) -> None:
    if os.environ.get("DANGAN_SCREENSHOTS"):
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"))


def test_log_in_and_out(browser: Any, server: Any) -> None:
    base, _, _ = server
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    page.goto(base + "/search?q=噪音")
    assert page.url.startswith(base + "/login")
    shot(page, "01-login")
    page.fill("input[name=username]", "xiaochen")
    page.fill("input[name=password]", "wrong-password")
    page.click("button[type=submit]")
    assert "用户名或密码不正确" in page.inner_text("main")
    page.fill("input[name=password]", PASSWORDS["xiaochen"])
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/search\?q=.*"))  # back where the user wanted to go
    assert "xiaochen（前台）" in page.inner_text("header")
    page.click("text=退出")
    page.wait_for_url(re.compile(r".*/login"))
    page.goto(base + "/")
    assert page.url.startswith(base + "/login")
    context.close()


def test_search_a_facet_click_and_masked_highlighted_snippets(browser: Any, server: Any) -> None:
    base, site, _ = server
    page = login(browser, base, "xiaochen")
    shot(page, "02-dashboard-staff")
    page.fill("input[name=q]", "投诉")
    page.press("input[name=q]", "Enter")
    page.wait_for_selector(".hit")
    assert page.inner_text(".total") == "4"
    text = page.inner_text("#results")
    assert "13983456721" not in text and "139****6721" in text
    assert "<script>alert(1)</script>噪音投诉" in text  # shown as text, not run
    assert page.locator("mark").count() >= 1
    shot(page, "03-search")
    page.click("a.facet:has-text('2010')")
    playwright_sync.expect(page.locator(".total")).to_have_text("3")  # the facet's count, after htmx swapped it
    assert "year=2010" in page.url
    page.click(f"a.code:has-text('{site.old_codes[0]}')")
    page.wait_for_url(re.compile(".*/records/.*"))
    assert "GB/T 18894" in page.inner_text("main") and "审计记录" in page.inner_text("main")
    page.goto(base + f"/records/{site.code}")
    assert "139****6721" in page.inner_text("main") and "13983456721" not in page.content()
    shot(page, "04-record")


def test_a_validation_error_its_fix_and_the_generated_pdf(browser: Any, server: Any) -> None:
    base, _, _ = server
    page = login(browser, base, "xiaochen")
    page.goto(base + "/forms/community-notice?sample=1")
    page.fill("input[name=subject]", "")
    page.fill("input[name=start]", "")
    page.evaluate("document.querySelectorAll('[required]').forEach(e => e.removeAttribute('required'))")
    page.click("button[value=generate]")
    errors = page.locator(".field-error")
    assert errors.count() >= 2
    assert "必填项没有填写" in page.inner_text("label.field.invalid:has(input[name=subject])")
    shot(page, "05-form-error")
    page.fill("input[name=subject]", "关于开展消防演练的通知")
    page.fill("input[name=start]", "2026-12-10T09:30")
    page.click("button[value=preview]")
    page.wait_for_selector("#preview iframe.pdf")
    page.click("button[value=generate]")
    page.wait_for_url(re.compile(".*/forms/community-notice/done/.*"))
    assert "已生成并归档" in page.inner_text("main")
    shot(page, "06-form-done")
    href = page.get_attribute("#open-pdf", "href")
    pdf = page.request.get(base + href)
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf" and pdf.body()[:5] == b"%PDF-"
    docx = page.locator("text=下载 Word（DOCX）")
    with page.expect_download() as dl:
        docx.click()
    assert dl.value.suggested_filename.endswith(".docx")


BATCH_HEAD = "房号,业主,联系电话,收费期间,通知日期,项目,计费说明,金额\n"


def _sheet(folder: Path, name: str, *, bad: bool) -> Path:
    rows = [f"3栋{1200 + n}室,业主{n},1380013800{n},2026年11月,2026-11-01,物业管理费,,{'abc' if bad and n == 2 else '230.50'}"
            for n in range(1, 6)]
    path = folder / name
    path.write_text(BATCH_HEAD + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_a_batch_with_a_bad_row_then_the_fixed_file_a_progress_bar_and_the_merged_pdf(browser: Any,
                                                                                       server: Any) -> None:
    base, _, root = server
    page = login(browser, base, "xiaochen")
    page.goto(base + "/forms/payment-notice/batch")
    page.set_input_files("input[name=sheet]", str(_sheet(root, "缴费-有错.csv", bad=True)))
    page.click("button:has-text('检查并生成')")
    page.wait_for_selector("#problems")
    problems = page.inner_text("#problems")
    assert "第 3 行" in problems and "金额" in problems and "尚未生成任何文件" in problems
    shot(page, "07-batch-problems")
    page.set_input_files("input[name=sheet]", str(_sheet(root, "缴费.csv", bad=False)))
    page.click("button:has-text('检查并生成')")
    page.wait_for_url(re.compile(r".*/jobs/\d+"))
    assert page.locator("progress").count() == 1
    page.wait_for_selector("#job[data-state=done]", timeout=120_000)
    assert "已生成并归档 5 份" in page.inner_text("#job")
    shot(page, "08-batch-done")
    merged = page.request.get(base + page.get_attribute("#merged", "href"))
    assert merged.status == 200 and merged.body()[:5] == b"%PDF-"


def test_staff_who_tries_to_dispose_is_refused(browser: Any, server: Any) -> None:
    base, site, _ = server
    page = login(browser, base, "xiaochen")
    assert "销毁申请" not in page.inner_text("header")
    response = page.goto(base + "/retention")
    assert response.status == 403 and "没有权限" in page.inner_text("main")
    r = page.request.post(base + "/disposals/1/approve")
    assert r.status == 403


def test_propose_and_approve_a_disposal_with_two_people(browser: Any, server: Any) -> None:
    base, site, _ = server
    archivist = login(browser, base, "laowang")
    archivist.goto(base + "/retention")
    for code in site.old_codes[:2]:
        archivist.check(f"input[value='{code}']")
    archivist.fill("input[name=reason]", "保管期满，经鉴定无保存价值")
    shot(archivist, "09-retention-due")
    archivist.click("button:has-text('提出销毁申请')")
    archivist.wait_for_url(re.compile(".*/disposals"))
    assert "等待审批人审批" in archivist.inner_text("main")
    assert archivist.locator("button:has-text('批准并销毁')").count() == 0  # an archivist cannot approve
    approver = login(browser, base, "wangzhuren")
    approver.goto(base + "/disposals")
    shot(approver, "10-disposal-queue")
    approver.on("dialog", lambda d: d.accept())
    approver.click("button:has-text('批准并销毁')")
    approver.wait_for_selector(".flash.ok")
    assert "已批准并销毁 2 件" in approver.inner_text(".flash.ok")
    register = re.search(r"销毁清册已归档为 (\S+-XH-\d{4})", approver.inner_text(".flash.ok"))
    assert register, approver.inner_text(".flash.ok")
    approver.goto(base + f"/records/{site.old_codes[0]}")
    text = approver.inner_text("main")
    assert "已销毁" in text and "laowang（archivist）" in text and "wangzhuren（approver）" in text


def test_an_upload_that_goes_to_quarantine_and_its_retry(browser: Any, server: Any) -> None:
    base, _, root = server
    broken = root / "坏扫描件.pdf"
    broken.write_bytes(b"%PDF-1.4\n this is not really a pdf\n")
    staff = login(browser, base, "xiaochen")
    staff.goto(base + "/intake")
    staff.set_input_files("input[name=file]", str(broken))
    staff.click("button:has-text('上传')")
    staff.wait_for_selector("tr.upload.quarantined", timeout=60_000)
    assert "已进入隔离区" in staff.inner_text("#uploads")
    archivist = login(browser, base, "laowang")
    archivist.goto(base + "/quarantine")
    card = archivist.locator("section.quarantined").first
    assert "PDF" in card.locator(".reason").inner_text()
    shot(archivist, "11-quarantine")
    card.locator("button:has-text('重试')").click()
    archivist.wait_for_selector(".flash.error")
    assert "仍未能处理" in archivist.inner_text(".flash.error")
    card = archivist.locator("section.quarantined").first
    card.locator("select[name=category]").select_option("QT")
    card.locator("input[name=title]").fill("前台扫描件（手工归档）")
    card.locator("button:has-text('手工归档')").click()
    archivist.wait_for_selector(".flash.error")  # a broken PDF cannot be filed by hand either: said in words,
    assert "PDF 文件已损坏" in archivist.inner_text(".flash.error")  # and the file stays in the quarantine
    assert archivist.locator("section.quarantined").count() == 1


def test_an_archivist_reclassifies_a_scan_from_the_review_queue(browser: Any, server: Any) -> None:
    base, _, _ = server
    archivist = login(browser, base, "laowang")
    assert "待审核" in archivist.inner_text("main")  # the dashboard says what waits
    shot(archivist, "12-dashboard-archivist")
    archivist.goto(base + "/review")
    row = archivist.locator("tr", has_text="扫描件-001")
    old = row.locator("a").first.inner_text()
    row.locator("select[name=category]").select_option("XJ")
    row.locator("form:has(select) input[name=title]").fill("2栋电梯机房巡查记录")
    row.locator("form:has(select) input[name=reason]").fill("电梯机房巡查，属楼宇巡检")
    shot(archivist, "13-review")
    row.locator("button:has-text('改类')").click()
    archivist.wait_for_selector(".flash.ok")
    new = re.search(r"→ (\S+-XJ-\d{4})", archivist.inner_text(".flash.ok"))
    assert new and old.startswith("Z001-2026-D10-QT-")
    archivist.goto(base + f"/records/{old}")
    assert f"以新档号 {new.group(1)}" in archivist.inner_text("main")
    archivist.click(f"a:has-text('{new.group(1)}')")
    assert "2栋电梯机房巡查记录" in archivist.inner_text("h1")
    archivist.goto(base + "/search?q=电梯机房")
    playwright_sync.expect(archivist.locator(".total")).to_have_text("1")  # the text under the new code only


def test_the_front_desk_enters_a_complaint_and_the_dashboard_counts_its_30_minutes(browser: Any, server: Any) -> None:
    base, _, _ = server
    page = login(browser, base, "xiaochen")
    assert re.search(r"超时 6\d 分钟 第 1 号 王淑芬", page.inner_text("#complaints-due"))  # received an hour ago
    page.click("nav >> text=登记")
    page.click("a:has-text('客户投诉管理登记表')")
    page.click("a.button:has-text('新登记')")
    assert page.input_value("input[name=received_at]")  # now, filled in
    page.fill("input[name=complainant]", "李先生")
    page.fill("input[name=phone]", "13912345678")
    page.fill("input[name=unit]", "7栋0301")
    page.fill("input[name=target]", "地下车库照明")
    page.fill("input[name=facts]", "B2 车库灯不亮两天")
    for name, value in (("type", "服务投诉"), ("channel", "电话"), ("validity", "有效"), ("severity", "一般")):
        page.select_option(f"select[name={name}]", value)
    page.evaluate("document.querySelector('form.form-page').noValidate = true")  # let the server check it
    page.click("button:has-text('登记')")
    page.wait_for_selector(".field-error[data-field=handler]")
    assert "必填项没有填写" in page.inner_text(".field-error[data-field=handler]")
    shot(page, "14-register-error")
    page.fill("input[name=handler]", "小陈")
    page.click("button:has-text('登记')")
    page.wait_for_selector(".flash.ok")
    assert "第 2 号" in page.inner_text(".flash.ok")
    listing = page.inner_text("table.entries")
    assert "139****5678" in listing and "13912345678" not in listing and "待提出方案" in listing
    shot(page, "15-register-list")
    page.goto(base + "/")
    due = page.inner_text("#complaints-due")
    assert "李先生" in due and "王淑芬" in due
    shot(page, "16-dashboard-agenda")
