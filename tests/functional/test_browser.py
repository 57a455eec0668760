"""The app in a real browser: what a user sees, through nginx, with live agent messages."""

import json
import re
import time
import uuid

import allure
import pytest
from playwright.sync_api import Page, expect

from stackcheck import Account
from stackcheck.accounts import SESSION_COOKIE, client
from stackcheck.model import ModelMock


def sign_in_page_for(path: str) -> re.Pattern:
    return re.compile(rf"/signin\?next=(%2F|/){path.strip('/')}")


@pytest.fixture
def anonymous_page(browser, target):
    context = browser.new_context(base_url=target.base_url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    page.on("pageerror", lambda e: page.console_errors.append(str(e)))
    yield page
    allure.attach(page.screenshot(full_page=True), name="last screen",
                  attachment_type=allure.attachment_type.PNG)
    context.close()


def sign_in(page: Page, account: Account) -> None:
    """Through the sign-in form, as a person does; back on the page that sent them there."""
    page.get_by_label("Username").fill(account.username)
    page.get_by_label("Password").fill(account.password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_test_id("current-user")).to_have_attribute("data-username", account.username)


@pytest.fixture
def account(accounts) -> Account:
    return accounts.new("ui")


@pytest.fixture
def page(anonymous_page, account):
    """A page signed in through the UI, on the home page."""
    anonymous_page.goto("/")
    sign_in(anonymous_page, account)
    # Before signing in, the page's own check of the session logged its 401: expected.
    anonymous_page.console_errors.clear()
    return anonymous_page


def fill_analysis(page: Page, symbols: str, question: str) -> None:
    page.goto("/")
    page.get_by_test_id("symbols-input").fill(symbols)
    page.get_by_test_id("question-input").fill(question)


@pytest.mark.parametrize("path", ["/", "/watchlists", "/history"])
def test_pages_load_without_console_errors(page, path):
    response = page.goto(path)
    assert response.status == 200
    page.wait_for_load_state("networkidle")
    assert page.console_errors == [], page.console_errors


def test_an_analysis_shows_timeline_items_live_and_the_answer_once(page, pacing):
    fill_analysis(page, "GOOG", "How is the trend?")
    started = time.monotonic()
    page.get_by_test_id("run-button").click()
    page.get_by_test_id("timeline-item").first.wait_for()
    first_item_at = time.monotonic() - started
    # While the first items are on screen, the run is still going.
    assert page.get_by_test_id("run-status").get_attribute("data-status") == "running", \
        "the first timeline item appeared only after the run had ended"
    expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", "done", timeout=30_000)
    done_at = time.monotonic() - started
    # The answer streams in chunks `chunk_delay` apart: shown live, it ends well after the first item.
    assert done_at - first_item_at > 3 * pacing["chunk_delay"], \
        f"the first item appeared at {first_item_at:.2f} s, the run ended at {done_at:.2f} s: " \
        f"the timeline was not updated live"

    items = page.get_by_test_id("timeline-item")
    kinds = [items.nth(i).get_attribute("data-kind") for i in range(items.count())]
    assert kinds[0] == "tool-call" and "tool-result" in kinds, kinds
    assert kinds.count("text") == 1, f"the answer is shown {kinds.count('text')} times: {kinds}"
    final = page.get_by_test_id("final-text")
    expect(final).to_have_count(1)
    assert "GOOG" in final.inner_text()
    assert page.console_errors == [], page.console_errors
    allure.attach(page.get_by_test_id("timeline").screenshot(), name="agent timeline",
                  attachment_type=allure.attachment_type.PNG)


def test_a_model_failure_is_shown_as_one_clear_error(page, target):
    """The model API answers 503 for the page's own session: the user sees the backend's
    message for people, once, and the run ends as an error."""
    model = ModelMock(target.require("model_mock_url"))

    def fail_this_session(route):
        model.use(json.loads(route.request.post_data)["session_id"], "unavailable")
        route.continue_()

    page.route("**/run_sse", fail_this_session)
    fill_analysis(page, "GOOG", "How is the trend?")
    page.get_by_test_id("run-button").click()
    expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", "error", timeout=30_000)
    error = page.locator('[data-testid="timeline-item"][data-kind="error"]')
    expect(error).to_have_count(1)
    expect(error).to_contain_text("The AI model is unavailable right now")


def test_watchlists_can_be_managed_in_the_ui(page):
    # Names of this run only: on a deployed host every test shares one account.
    created, renamed_to = (f"{name} {uuid.uuid4().hex[:6]}" for name in ("UI list", "Renamed list"))
    page.goto("/watchlists")
    page.get_by_test_id("watchlist-name-input").fill(created)
    page.get_by_test_id("watchlist-symbols-input").fill("GOOG MSFT")
    page.get_by_test_id("watchlist-create").click()
    item = page.get_by_test_id("watchlist-item").filter(has_text=created)
    expect(item).to_have_count(1)
    expect(item.get_by_test_id("watchlist-symbol")).to_have_count(2)

    item.get_by_test_id("watchlist-add-symbol-input").fill("SPX")
    item.get_by_test_id("watchlist-add-symbol").click()
    expect(item.get_by_test_id("watchlist-symbol")).to_have_count(3)
    item.locator('[data-testid="watchlist-symbol"][data-symbol="GOOG"]') \
        .get_by_test_id("watchlist-remove-symbol").click()
    expect(item.get_by_test_id("watchlist-symbol")).to_have_count(2)

    item.get_by_test_id("watchlist-rename-input").fill(renamed_to)
    item.get_by_test_id("watchlist-rename").click()
    renamed = page.get_by_test_id("watchlist-item").filter(has_text=renamed_to)
    expect(renamed).to_have_count(1)

    # A duplicate name is refused, and the reason is shown next to the form.
    page.get_by_test_id("watchlist-name-input").fill(renamed_to)
    page.get_by_test_id("watchlist-create").click()
    expect(page.get_by_test_id("form-error")).to_be_visible()

    renamed.get_by_test_id("watchlist-delete").click()
    expect(page.get_by_test_id("watchlist-item").filter(has_text=renamed_to)).to_have_count(0)
    # The browser logs the refused request itself; nothing else may be logged.
    assert all("409" in e for e in page.console_errors), page.console_errors


def test_a_visitor_without_a_session_is_sent_to_sign_in_and_back(anonymous_page, account):
    anonymous_page.goto("/history")
    expect(anonymous_page).to_have_url(sign_in_page_for("/history"))
    sign_in(anonymous_page, account)
    expect(anonymous_page).to_have_url(re.compile(r"/history$"))


def test_a_session_that_ends_mid_page_sends_the_user_to_sign_in(page, account, target):
    page.goto("/watchlists")
    expect(page.get_by_test_id("current-user")).to_have_attribute("data-username", account.username)
    # The server ends the session while the browser still holds its cookie, as an expiry does.
    token = next(c["value"] for c in page.context.cookies() if c["name"] == SESSION_COOKIE)
    with client(target.base_url) as elsewhere:
        elsewhere.cookies.set(SESSION_COOKIE, token)
        assert elsewhere.post("/api/v1/auth/signout").status_code == 204
    page.get_by_test_id("watchlist-name-input").fill("after expiry")
    page.get_by_test_id("watchlist-create").click()
    expect(page).to_have_url(sign_in_page_for("/watchlists"))


def test_the_header_names_the_user_and_sign_out_ends_the_session(page, account, target):
    expect(page.get_by_test_id("current-user")).to_contain_text(account.username)
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/signin"))
    assert page.request.get(f"{target.base_url}/api/v1/auth/me").status == 401
