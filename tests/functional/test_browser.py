"""The app in a real browser: what a user sees, through nginx, with live agent messages."""

import time
import uuid

import allure
import pytest
from playwright.sync_api import Page, expect


@pytest.fixture
def page(browser, target):
    context = browser.new_context(base_url=target.base_url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    page.on("pageerror", lambda e: page.console_errors.append(str(e)))
    yield page
    allure.attach(page.screenshot(full_page=True), name="last screen",
                  attachment_type=allure.attachment_type.PNG)
    context.close()


def use_fresh_user(page: Page) -> str:
    user = f"ui-{uuid.uuid4().hex[:8]}"
    page.get_by_test_id("user-id-input").fill(user)
    return user


def fill_analysis(page: Page, symbols: str, question: str) -> None:
    page.goto("/")
    use_fresh_user(page)
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


def test_an_error_in_the_stream_is_shown_as_an_error(page):
    fill_analysis(page, "GOOG", "#fail")
    page.get_by_test_id("run-button").click()
    expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", "error", timeout=30_000)
    expect(page.locator('[data-testid="timeline-item"][data-kind="error"]')).to_have_count(1)


def test_watchlists_can_be_managed_in_the_ui(page):
    page.goto("/watchlists")
    use_fresh_user(page)
    page.get_by_test_id("watchlist-name-input").fill("UI list")
    page.get_by_test_id("watchlist-symbols-input").fill("GOOG MSFT")
    page.get_by_test_id("watchlist-create").click()
    item = page.get_by_test_id("watchlist-item").filter(has_text="UI list")
    expect(item).to_have_count(1)
    expect(item.get_by_test_id("watchlist-symbol")).to_have_count(2)

    item.get_by_test_id("watchlist-add-symbol-input").fill("SPX")
    item.get_by_test_id("watchlist-add-symbol").click()
    expect(item.get_by_test_id("watchlist-symbol")).to_have_count(3)
    item.locator('[data-testid="watchlist-symbol"][data-symbol="GOOG"]') \
        .get_by_test_id("watchlist-remove-symbol").click()
    expect(item.get_by_test_id("watchlist-symbol")).to_have_count(2)

    item.get_by_test_id("watchlist-rename-input").fill("Renamed list")
    item.get_by_test_id("watchlist-rename").click()
    renamed = page.get_by_test_id("watchlist-item").filter(has_text="Renamed list")
    expect(renamed).to_have_count(1)

    # A duplicate name is refused, and the reason is shown next to the form.
    page.get_by_test_id("watchlist-name-input").fill("Renamed list")
    page.get_by_test_id("watchlist-create").click()
    expect(page.get_by_test_id("form-error")).to_be_visible()

    renamed.get_by_test_id("watchlist-delete").click()
    expect(page.get_by_test_id("watchlist-item")).to_have_count(0)
    # The browser logs the refused request itself; nothing else may be logged.
    assert all("409" in e for e in page.console_errors), page.console_errors
