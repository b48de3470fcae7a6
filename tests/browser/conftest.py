"""Browser tests: a real headless Chromium (Debian's, not Playwright's download) against pytest-django's
live server, driven by Playwright's sync API.

- CHROMIUM_PATH names the browser (default /usr/bin/chromium). Without it the tests are skipped with a
  reason, except under CI=true, where they fail: CI must not pass by silently skipping them.
- SCREENSHOT_DIR, when set, receives a full-page PNG of each step a test names with ``shot(...)``, and
  one of the page at the moment a browser test fails.
- The live server serves /static/ through django.contrib.staticfiles' handler (pytest-django does that
  whenever staticfiles is installed), so Bootstrap loads without collectstatic and whatever DEBUG is.
"""

import os
import re
from pathlib import Path

import pytest

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-dev-shm-usage",
]
DEFAULT_TIMEOUT_MS = 15_000
PASSWORD = "browser-pass-2718"


def _file_name(text: str) -> str:
    return re.sub(r"[^\w.-]+", "_", text)


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        reason = (f"no Chromium at {path}: install Debian's chromium (scripts/system-deps --browser, "
                  f"which `make test` runs) or set CHROMIUM_PATH")
        if _in_ci():
            pytest.fail(f"browser tests cannot run under CI: {reason}", pytrace=False)
        pytest.skip(reason)
    return path


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an asyncio loop running in this thread, and Django refuses ORM calls
    # from a thread with a running loop. The tests and pytest-django's fixtures touch the database from
    # here while the browser is open (the live server's requests run in its own thread), so allow it
    # for as long as Playwright runs, and only then.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=chromium_path, headless=True, args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            browser.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


class PageProblems:
    """What a person would notice went wrong in the background: failed static files, script errors."""

    def __init__(self):
        self.failed_requests: list[str] = []
        self.script_errors: list[str] = []

    def attach(self, page):
        page.on("response", self._on_response)
        page.on("requestfailed", self._on_request_failed)
        page.on("pageerror", lambda error: self.script_errors.append(str(error)))

    def _on_request_failed(self, request):
        # A request the browser abandoned because the page navigated away (a click on a link while
        # the icon was still loading) is not a failure of the portal.
        if "ERR_ABORTED" in (request.failure or ""):
            return
        self.failed_requests.append(f"{request.url} ({request.failure})")

    def _on_response(self, response):
        # A 404 page for a URL the test asked for on purpose is not a problem; a missing asset is.
        if response.status >= 400 and response.request.resource_type != "document" and not response.url.endswith(
            "/favicon.ico"
        ):
            self.failed_requests.append(f"{response.url} → {response.status}")

    def assert_none(self):
        assert not self.failed_requests, f"requests failed: {self.failed_requests}"
        assert not self.script_errors, f"JavaScript errors: {self.script_errors}"


@pytest.fixture(autouse=True)
def reference_data(transactional_db):
    """What the data migrations seeded, back after the previous browser test's flush."""
    from tests.reference_data import seed_reference_data

    seed_reference_data()


@pytest.fixture
def page(browser, live_server, request):
    context = browser.new_context(
        base_url=live_server.url,
        locale="ru-RU",
        timezone_id="Europe/Moscow",
        viewport={"width": 1366, "height": 900},
    )
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    page = context.new_page()
    problems = PageProblems()
    problems.attach(page)
    page.problems = problems
    request.node._browser_page = page
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def shot(request):
    """shot(page, "step-name"): a full-page screenshot into $SCREENSHOT_DIR, numbered in test order."""
    directory = os.environ.get("SCREENSHOT_DIR")
    counter = iter(range(1, 1000))
    test_name = _file_name(request.node.name)

    def take(page, step: str):
        if not directory:
            return None
        target = Path(directory) / f"{test_name}-{next(counter):02d}-{step}.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(target), full_page=True)
        return target

    return take


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    directory = os.environ.get("SCREENSHOT_DIR")
    page = getattr(item, "_browser_page", None)
    if directory and page is not None and report.when == "call" and report.failed:
        target = Path(directory) / f"{_file_name(item.name)}-FAILED.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            page.screenshot(path=str(target), full_page=True)
            report.sections.append(("browser", f"screenshot of the failure: {target}"))
        except Exception as error:  # the page may be gone with the browser
            report.sections.append(("browser", f"no failure screenshot: {error}"))


@pytest.fixture
def login(live_server):
    """login(page, user): sets the user's password, signs in through the login form like a person."""

    def sign_in(page, user):
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
        page.goto("/accounts/login/")
        page.get_by_label("Имя пользователя").fill(user.username)
        page.get_by_label("Пароль").fill(PASSWORD)
        page.get_by_role("button", name="Войти").click()
        page.wait_for_url(re.compile(r"^(?!.*/accounts/login/).*$"))

    return sign_in


@pytest.fixture
def logout():
    """logout(page): through the user menu in the navbar (needs Bootstrap's JavaScript to open it)."""

    def sign_out(page):
        page.locator("#user-menu").click()
        page.get_by_role("button", name="Выйти").click()
        page.wait_for_url(re.compile(r"/accounts/login/"))

    return sign_out
