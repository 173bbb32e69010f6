"""The browser harness: the app on a real HTTP port, Debian's chromium through Playwright, and page objects that
read like an official's day (sign in, open the list, take an action) rather than DOM plumbing.

Every page a test opens is checked when the test ends: no JavaScript error or CSP violation was reported, and axe-core
(vendored from npm, loaded from the console's own static folder so the CSP allows it) finds no serious or critical
accessibility violation.
"""
import os
import shutil
import threading

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
AXE = "/console/static/vendor/axe-core/axe.min.js"


def browser_marks():
    """Run once, in the PostgreSQL pass, and only where chromium and Playwright are installed."""
    try:
        import playwright  # noqa: F401
        have_playwright = True
    except ImportError:
        have_playwright = False
    return [pytest.mark.browser,
            pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
                               reason="browser tests run once, in the PostgreSQL pass (set TEST_DATABASE_URL)"),
            pytest.mark.skipif(not (os.path.exists(CHROMIUM) or shutil.which("chromium")),
                               reason=f"no chromium at {CHROMIUM} (apt-get install chromium fonts-noto-cjk)"),
            pytest.mark.skipif(not have_playwright, reason="playwright (requirements-dev.txt) is not installed")]


class _Quiet(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):
        pass


class LiveServer:
    """The test app served by werkzeug on a free port in a thread."""

    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_Quiet)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()


class Browser:
    """One chromium for the session; a fresh context (cookies) per official."""

    def __init__(self, base_url: str):
        from playwright.sync_api import sync_playwright

        self.base_url = base_url
        self._pw = sync_playwright().start()
        self._browser = self._pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        self.problems: list[str] = []
        self.pages: list = []

    def official(self, *, width=1366, height=768) -> "Official":
        context = self._browser.new_context(base_url=self.base_url, viewport={"width": width, "height": height},
                                            locale="zh-CN", timezone_id="Asia/Shanghai")
        page = context.new_page()
        page.on("pageerror", lambda exc: self.problems.append(f"JS error on {page.url}: {exc}"))
        page.on("console", lambda msg: self._console(page, msg))
        self.pages.append(page)
        return Official(self, page)

    def _console(self, page, msg) -> None:
        # The status of the page itself (a 403 page, a 409 answer to a stale form) is what a test asserts, not a
        # problem; every other error (a script, a CSP violation, a missing asset) is.
        document = msg.text.startswith("Failed to load resource") and msg.location.get("url") == page.url
        if msg.type == "error" and not document:
            self.problems.append(f"console error on {page.url}: {msg.text} {msg.location.get('url', '')}")

    def check_accessibility(self, page) -> None:
        """axe-core in the page: serious or critical violations are problems."""
        page.add_script_tag(url=AXE)
        found = page.evaluate("""async () => (await axe.run(document, {resultTypes: ['violations']})).violations
            .filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => v.id + ' (' + v.impact + '): ' + v.nodes.map(n => n.target.join(' ')).join(', '))""")
        self.problems.extend(f"axe on {page.url}: {item}" for item in found)

    def end_test(self) -> list[str]:
        for page in self.pages:
            page.context.close()
        self.pages = []
        problems, self.problems = self.problems, []
        return problems

    def close(self):
        self._browser.close()
        self._pw.stop()


class Official:
    """One signed-in person at the console (page objects below share this)."""

    def __init__(self, browser: Browser, page):
        self.browser, self.page = browser, page

    def visit(self, path: str):
        response = self.page.goto(path)
        self.page.wait_for_load_state("load")
        self.browser.check_accessibility(self.page)
        return response

    def sign_in(self, username: str, password: str, *, lands: str | None = None) -> "Official":
        """Sign in with the form; wait for the start page (`lands`, a glob; any page but the sign-in by default:
        我的待办 for case readers, 奖励 for the reward desk, 账号管理 for an admin)."""
        self.visit("/console/login")
        self.page.get_by_label("用户名").fill(username)
        self.page.get_by_label("密码").fill(password)
        self.page.get_by_role("button", name="登录").click()
        self.page.wait_for_url(lands or (lambda url: "/console/login" not in url))
        self.browser.check_accessibility(self.page)
        return self

    def sign_out(self) -> None:
        self.page.get_by_role("button", name="退出").click()
        self.page.wait_for_url("**/console/login")

    def menu(self) -> list[str]:
        return self.page.get_by_role("navigation", name="主菜单").get_by_role("link").all_inner_texts()

    def my_work(self) -> dict[str, int]:
        self.visit("/console/")
        tiles = self.page.locator("[data-work]")
        return {tiles.nth(i).get_attribute("data-work"): int(tiles.nth(i).locator(".count").inner_text())
                for i in range(tiles.count())}

    def case_list(self, **query) -> "CaseList":
        from urllib.parse import urlencode

        self.visit("/console/cases" + ("?" + urlencode(query, doseq=True) if query else ""))
        return CaseList(self)

    def case(self, case_id: int) -> "CasePage":
        self.visit(f"/console/cases/{case_id}")
        return CasePage(self, case_id)

    def heading(self) -> str:
        return self.page.get_by_role("heading", level=1).inner_text()


class CaseList:
    def __init__(self, official: Official):
        self.official, self.page = official, official.page

    def ids(self) -> list[int]:
        return [int(x) for x in self.page.locator("tr[data-case-id]").evaluate_all(
            "rows => rows.map(r => r.dataset.caseId)")]

    def total(self) -> int:
        return int(self.page.locator("#found").get_attribute("data-total"))

    def filter_status(self, *names: str) -> "CaseList":
        for name in names:
            self.page.get_by_label(name, exact=True).check()
        self.page.get_by_role("button", name="查询").click()
        self.page.wait_for_load_state("load")
        self.official.browser.check_accessibility(self.page)
        return self


class CasePage:
    def __init__(self, official: Official, case_id: int):
        self.official, self.page, self.case_id = official, official.page, case_id

    def state(self) -> str:
        return self.page.locator("h1 .state").inner_text()

    def actions(self) -> list[str]:
        return self.page.locator("details.action summary").all_inner_texts()

    def act(self, title: str, *, fields: dict | None = None, choose: dict | None = None, photos=()) -> "CasePage":
        """Open the action's form by its title, fill it by the fields' labels and submit it."""
        form = self.page.locator("details.action", has=self.page.get_by_text(title, exact=True))
        if not form.evaluate("details => details.open"):
            form.locator("summary").click()
        for label, value in (fields or {}).items():
            form.get_by_label(label).fill(value)
        for label, value in (choose or {}).items():
            form.get_by_label(label).select_option(label=value)
        if photos:
            form.get_by_label(photos[0]).set_input_files(list(photos[1:]))
        form.get_by_role("button", name=title).click()
        self.page.wait_for_load_state("load")
        self.official.browser.check_accessibility(self.page)
        return self

    def message(self) -> str:
        alert = self.page.locator("[role=alert], [role=status]")
        return alert.first.inner_text() if alert.count() else ""


