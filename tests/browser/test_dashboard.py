"""The dashboard, the API's CORS and the docs in a real browser: Debian's Chromium driven by
Playwright, against `analytics serve` on the shared fixture (loaded with the `analytics`
command and refreshed through Dagster).

Without Chromium these tests are skipped, except under CI (`CI=true`), where a missing browser
fails the run (`.ci/run` installs it). `ANALYTICS_SCREENSHOTS=DIR` saves the screenshots of
docs/ there."""

import http.server
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.acceptance.test_fixtures import analytics, fixture_now, load_folder
from tests.api_server import ApiServer
from tests.conftest import FIXTURES, create_database, drop_database
from warehouse.ports import free_port

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

FIXTURE = FIXTURES / "small"
ACCOUNT = "acme"
STATS = "/api/dashboard/analytics/stats"
ALLOWED_PORT = free_port()
ALLOWED_ORIGIN = f"http://127.0.0.1:{ALLOWED_PORT}"
# Browsers in tests load nothing but the servers of the test.
LOCAL = ("http://127.0.0.1:", "http://localhost:", "data:", "blob:", "about:")


def chromium_path() -> str:
    path = (
        os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    )
    if path:
        return path
    message = "Chromium is not installed (apt-get install chromium; .ci/run does it)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def served(server_url: str, template_db: str) -> Iterator[tuple[str, str]]:
    """(the API's base URL, an API key of the account), the fixture loaded and refreshed."""
    url = create_database(server_url, template_db)
    try:
        load_folder(url, FIXTURE / "inputs")
        analytics(url, "refresh")
        key = analytics(url, "keys", "create", "--account", ACCOUNT).strip()
        server = ApiServer(
            url, fixture_now(FIXTURE), env={"ANALYTICS_CORS_ORIGINS": ALLOWED_ORIGIN}
        )
        try:
            yield server.base, key
        finally:
            server.stop()
    finally:
        drop_database(server_url, url)


@pytest.fixture(scope="module")
def browser() -> Iterator:
    executable = chromium_path()
    with playwright_api.sync_playwright() as playwright:
        # --no-sandbox: Chromium's sandbox needs an unprivileged user; tests may run as root.
        browser = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture
def page(browser) -> Iterator:
    """A page of a fresh context that may reach only local servers; `page.outside` lists what
    it tried to load from anywhere else."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.outside = []

    def local_only(route) -> None:
        if route.request.url.startswith(LOCAL):
            route.continue_()
        else:
            page.outside.append(route.request.url)
            route.abort()

    page.route("**/*", local_only)
    yield page
    context.close()


def api_answers(base: str, key: str, chatbot: str, timeframe: str) -> dict:
    params = {"chatbot_id": chatbot, "timeframe": timeframe}
    names = ["overview", "engagement", "popup-metrics", "purchases", "daily"]
    names.append("conversation-insights")
    with httpx.Client(base_url=base, headers={"X-API-Key": key}, timeout=30) as client:
        return {
            name.replace("-", "_"): client.get(f"{STATS}/{name}", params=params).json()
            for name in names
        }


def value_at(answers: dict, path: str):
    value = answers
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def shown_as(text: str, value) -> bool:
    """The dashboard's text for an API value: numbers in en-US with at most 2 decimals."""
    if value is None:
        return text == "–"
    if isinstance(value, str):
        return text == value
    number = float(text.replace(",", "").removesuffix("%"))
    return abs(number - value) <= 0.005 + 1e-9


def wait_loaded(page, chatbot: str, timeframe: str) -> None:
    page.wait_for_selector(f'body[data-loaded="{chatbot}|{timeframe}"]', timeout=30_000)


def check_reports(page, answers: dict) -> int:
    """Every number on the page against the API's answers; returns how many were checked."""
    fields = page.eval_on_selector_all(
        "[data-field]", "els => els.map(e => [e.dataset.field, e.textContent])"
    )
    for path, text in fields:
        assert shown_as(text, value_at(answers, path)), (
            f"{path}: {text!r} vs {value_at(answers, path)!r}"
        )
    popup_rows = page.locator("#popup-versions tr")
    metrics = answers["popup_metrics"]["metrics"]
    assert popup_rows.count() == max(1, len(metrics))
    for row, metric in zip(popup_rows.all(), metrics):
        assert row.locator("th").text_content() == metric["popup_version"]
    insights = answers["conversation_insights"]
    for name in (
        "most_talked_about_products",
        "most_clicked_products",
        "most_frequent_intents",
        "most_common_complaints",
        "missing_information_overview",
    ):
        items = page.locator(f'[data-list="{name}"] li:not(.empty) .item')
        assert items.all_text_contents() == [entry["item"] for entry in insights[name]]
        if insights[name]:
            first_link = page.locator(f'[data-list="{name}"] li a').first
            assert first_link.get_attribute("href") == insights[name][0]["conversations"][0]
    assert page.locator("#ab-test").is_visible() == ("ab_test" in answers["purchases"])
    days = answers["daily"]["days"]
    assert page.locator("[data-chart] canvas").count() == 4
    revenue_rows = page.locator('[data-chart="total_revenue_purchased"] table tr')
    assert revenue_rows.count() == len(days) + 1
    return len(fields)


def test_the_dashboard_signs_in_from_the_demo_link_and_shows_every_report(served, page):
    base, key = served
    page.goto(f"{base}/#key={key}")
    page.wait_for_selector("body[data-loaded]", timeout=30_000)
    chatbots = page.eval_on_selector_all("#chatbot option", "els => els.map(e => e.value)")
    assert len(chatbots) >= 2
    timeframe = page.input_value("#timeframe")
    wait_loaded(page, chatbots[0], timeframe)
    assert "#key" not in page.url and key not in page.url  # taken out of the address bar
    checked = check_reports(page, api_answers(base, key, chatbots[0], timeframe))
    assert checked >= 50  # every number of the page
    as_of = httpx.get(
        f"{base}{STATS}/overview",
        params={"chatbot_id": chatbots[0]},
        headers={"X-API-Key": key},
    ).headers["X-Data-As-Of"]
    assert page.get_attribute("#freshness time", "datetime") == as_of
    if os.environ.get("ANALYTICS_SCREENSHOTS"):
        folder = Path(os.environ["ANALYTICS_SCREENSHOTS"])
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(folder / "dashboard.png"), full_page=True)

    for chatbot in chatbots[1:]:
        page.select_option("#chatbot", chatbot)
        wait_loaded(page, chatbot, timeframe)
        check_reports(page, api_answers(base, key, chatbot, timeframe))

    # By keyboard: the timeframe select, then an arrow key.
    page.focus("#timeframe")
    page.keyboard.press("ArrowDown")  # 30 -> 90 days
    wait_loaded(page, chatbots[-1], "90")
    check_reports(page, api_answers(base, key, chatbots[-1], "90"))
    page.reload()  # the tab keeps the key and the choice
    wait_loaded(page, chatbots[-1], "90")
    assert page.outside == []


def test_a_wrong_key_is_refused_and_signing_out_forgets_the_key(served, page):
    base, key = served
    page.goto(base)
    page.get_by_label("API key").fill("sk_wrong")
    page.keyboard.press("Enter")
    expect(page.locator("#sign-in-error")).to_contain_text("not accepted")
    page.get_by_label("API key").fill(key)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector("body[data-loaded]", timeout=30_000)
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_label("API key")).to_be_visible()
    assert page.evaluate("sessionStorage.length") == 0
    page.reload()
    expect(page.get_by_label("API key")).to_be_visible()
    expect(page.locator("main")).to_be_hidden()


def test_the_dashboard_is_readable_at_phone_width(served, browser):
    base, key = served
    context = browser.new_context(viewport={"width": 375, "height": 800}, is_mobile=True)
    try:
        page = context.new_page()
        page.goto(f"{base}/#key={key}")
        page.wait_for_selector("body[data-loaded]", timeout=30_000)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"the page is {overflow} px wider than the phone"
        if os.environ.get("ANALYTICS_SCREENSHOTS"):
            folder = Path(os.environ["ANALYTICS_SCREENSHOTS"])
            folder.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(folder / "dashboard-phone.png"), full_page=False)
    finally:
        context.close()


class _Page(http.server.BaseHTTPRequestHandler):
    """A page of another origin whose script calls the API (the body names the API's base)."""

    def do_GET(self) -> None:
        body = self.server.html.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


def _other_origin(port: int, html: str) -> http.server.ThreadingHTTPServer:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), _Page)
    server.html = html
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_a_page_of_an_allowed_origin_reads_the_api_and_another_cannot(served, page):
    base, key = served
    chatbot = httpx.get(f"{base}/api/dashboard/chatbots", headers={"X-API-Key": key}).json()[0]
    script = f"""<!doctype html><title>other origin</title><script>
      fetch("{base}{STATS}/overview?chatbot_id={chatbot["chatbot_id"]}", {{
        headers: {{"X-API-Key": "{key}"}}
      }}).then(async r => {{
        document.title = "ok " + r.status + " " + (await r.json()).total_conversations
          + " " + r.headers.get("X-Data-As-Of");
      }}).catch(e => {{ document.title = "failed " + e.name; }});
    </script>"""
    expected = httpx.get(
        f"{base}{STATS}/overview",
        params={"chatbot_id": chatbot["chatbot_id"]},
        headers={"X-API-Key": key},
    )
    allowed = _other_origin(ALLOWED_PORT, script)
    refused = _other_origin(free_port(), script)
    try:
        page.goto(f"http://127.0.0.1:{ALLOWED_PORT}/")
        page.wait_for_function("document.title !== 'other origin'", timeout=15_000)
        assert page.title() == (
            f"ok 200 {expected.json()['total_conversations']} {expected.headers['X-Data-As-Of']}"
        )
        page.goto(f"http://127.0.0.1:{refused.server_address[1]}/")
        page.wait_for_function("document.title !== 'other origin'", timeout=15_000)
        assert page.title() == "failed TypeError"  # the browser withheld the answer
    finally:
        allowed.shutdown()
        refused.shutdown()


@pytest.mark.parametrize(
    ("path", "rendered"),
    [("/docs", ".swagger-ui .opblock"), ("/redoc", "[data-section-id^='operation/']")],
)
def test_the_api_docs_render_without_the_internet(served, page, path, rendered):
    base, _ = served
    page.goto(f"{base}{path}")
    page.wait_for_selector(rendered, timeout=30_000)
    assert page.locator(rendered).count() >= 7  # the five reports, daily, chatbots
    assert page.outside == []
