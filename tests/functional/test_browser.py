"""The app in a real browser: what a user sees, through nginx, with live agent messages."""

import json
import re
import time
import uuid

import allure
import pytest
from playwright.sync_api import Locator, Page, expect

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
    # The header names the user before the sign-in page hands over to the next one.
    expect(page).not_to_have_url(re.compile(r"/signin"))


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
    """The home, Watchlists and History pages open for a signed-in user and log no errors in the browser, so
    nothing on them is quietly broken."""
    response = page.goto(path)
    assert response.status == 200
    page.wait_for_load_state("networkidle")
    assert page.console_errors == [], page.console_errors


def test_an_analysis_shows_timeline_items_live_and_the_answer_once(page, pacing, target):
    """When a user runs an analysis, its steps (the tool the analyst uses and its result) appear on the page
    while it is still running, not all at the end, and the final answer, naming the stock, is shown exactly
    once. No errors are logged, and the live updates come over HTTP/2 when the site is served over HTTPS."""
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
    # Over HTTPS the browser negotiates HTTP/2, and the stream it read live came over it.
    streamed_over = page.evaluate("performance.getEntriesByType('resource')"
                                  ".filter(e => e.name.endsWith('/run_sse')).map(e => e.nextHopProtocol)")
    assert streamed_over == (["h2"] if target.https else ["http/1.1"]), \
        f"the stream's protocol, as Chromium reports it: {streamed_over}"
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


def run_analysis(page: Page, symbols: str, question: str) -> None:
    fill_analysis(page, symbols, question)
    page.get_by_test_id("run-button").click()
    expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", "done", timeout=30_000)


def tool_result(page: Page) -> Locator:
    result = page.locator('[data-testid="timeline-item"][data-kind="tool-result"]')
    expect(result).to_have_count(1)
    return result


def shown_values(result: Locator, field: str) -> list[str]:
    """What a tool result shows for one field: its row's value, or its column's cells."""
    return result.locator(f'tr[data-field="{field}"] > td, td[data-field="{field}"]').all_inner_texts()


def unique_question(question: str) -> tuple[str, str]:
    """The question with a mark of this test, to find its run in History (lower case: no ticker)."""
    mark = f"run {uuid.uuid4().hex[:8]}"
    return f"{question} ({mark})", mark


SNAKE_CASE = re.compile(r"\b[a-z0-9]+_[a-z0-9_]+\b")
PERCENT = re.compile(r"\d+\.\d%")
SIGNED_PERCENT = re.compile(r"[+-]\d+\.\d%")


@pytest.mark.parametrize("symbols, question, tool, labels", [
    ("MSFT", "How is it doing?", "compute_indicators",
     {"Last close", "Return", "Volatility (annualized)", "Max drawdown", "200-day average", "RSI (14 days)"}),
    ("GOOG MSFT", "Compare them", "compare_symbols", {"Symbol", "Return", "Volatility (annualized)", "Max drawdown"}),
    ("GOOG", "Show the price history", "get_price_history", {"First close", "Last close", "High", "Low", "Return"}),
])
def test_tool_results_show_labels_and_units_not_field_names(page, symbols, question, tool, labels):
    """The figures an analysis shows are labelled in plain words such as "Last close" or "Max drawdown", never
    with the program's internal field names, and returns are shown as signed percentages such as +12.3%."""
    run_analysis(page, symbols, question)
    result = tool_result(page)
    expect(result.get_by_test_id("tool-name")).to_have_text(tool)
    shown = "\n".join(result.locator("table").all_inner_texts())
    assert not SNAKE_CASE.search(shown), f"raw field names in the {tool} result:\n{shown}"
    headers = set(result.locator("th").all_inner_texts())
    assert labels <= headers, f"missing labels {labels - headers}; shown: {headers}"
    returns = shown_values(result, "return_pct")
    assert returns and all(SIGNED_PERCENT.fullmatch(r) for r in returns), f"returns shown as {returns}"


@pytest.mark.parametrize("symbols, question", [("MSFT", "How volatile is it?"), ("GOOG MSFT", "Compare them")])
def test_volatility_is_the_percentage_the_answer_gives(page, symbols, question):
    """The volatility the result table shows for each stock is a percentage, and it is the same number the
    written answer gives, so the table and the text never disagree."""
    run_analysis(page, symbols, question)
    answer = page.get_by_test_id("final-text").inner_text()
    volatilities = shown_values(tool_result(page), "volatility")
    assert len(volatilities) == len(symbols.split()), f"volatility shown for each symbol: {volatilities}"
    for volatility in volatilities:
        assert PERCENT.fullmatch(volatility), f"volatility shown as {volatility!r}, not as a percentage"
        assert volatility in answer, f"the result shows {volatility}, the answer says:\n{answer}"


@pytest.mark.parametrize("symbols, unknown", [("GOOG MSFT", None), ("GOOG TSLA", "TSLA")])
def test_a_result_shows_no_empty_rows(page, symbols, unknown):
    """A comparison of two stocks shows no empty labels or empty cells. When one of the stocks has no data, the
    result names that stock in its own row instead of showing a blank one, and when all are known that row is
    absent."""
    run_analysis(page, symbols, "Compare them")
    result = tool_result(page)
    labels = [label.strip() for label in result.locator("th").all_inner_texts()]
    values = [value.strip() for value in result.locator("td").all_inner_texts()]
    assert all(labels) and all(values), f"empty cells: labels {labels}, values {values}"
    assert "unknown" not in labels, labels
    if unknown:
        assert shown_values(result, "unknown") == [unknown]
    else:
        expect(result.locator('[data-field="unknown"]')).to_have_count(0)


@pytest.mark.parametrize("symbols, question, said", [
    ("MSFT", "How is the trend?", "Trend over the last 50 trading days: {trend}."),
    ("GOOG MSFT", "Compare them", "{trend} over the last 50 trading days."),
])
def test_the_trend_says_which_days_it_covers(page, symbols, question, said):
    """A year's return and the recent trend can point different ways: both say what they cover."""
    run_analysis(page, symbols, question)
    result = tool_result(page)
    expect(result.locator('th[data-field="trend"], tr[data-field="trend"] > th')) \
        .to_have_text("Trend (last 50 trading days)")
    answer = page.get_by_test_id("final-text").inner_text()
    for trend in shown_values(result, "trend"):
        assert said.format(trend=trend) in answer, answer


def test_history_keeps_the_answers_bullet_list(page):
    """An answer that compares stocks as a bullet list, one bullet per stock, looks the same when the user finds
    it later on the History page: the same bullets and the same text."""
    question, mark = unique_question("Compare them")
    run_analysis(page, "GOOG MSFT", question)
    live = page.get_by_test_id("final-text")
    bullets = live.locator("li").all_inner_texts()
    assert [b.split(":")[0] for b in bullets] == ["GOOG", "MSFT"], bullets
    live_text = live.inner_text()

    page.goto("/history")
    item = page.get_by_test_id("history-item").filter(has_text=mark)
    expect(item).to_have_count(1)
    kept = item.get_by_test_id("history-answer")
    expect(kept.locator("li")).to_have_text(bullets)
    assert kept.inner_text() == live_text


def test_history_shows_the_duration_the_analysis_page_showed(page):
    """The time an analysis took, shown on the page when it finishes (e.g. "2.4 s"), is the same time the
    History page shows for it later."""
    question, mark = unique_question("How is it doing?")
    run_analysis(page, "GOOG", question)
    duration = page.get_by_test_id("run-duration")
    expect(duration).to_have_text(re.compile(r"^\d+(\.\d)? m?s$"))
    shown = duration.inner_text()

    page.goto("/history")
    item = page.get_by_test_id("history-item").filter(has_text=mark)
    expect(item.get_by_test_id("history-duration")).to_have_text(shown)


def test_the_symbols_with_data_are_offered_next_to_the_input(page, target):
    """Next to the stock input, the page offers exactly the stocks that have data, in the same order. Clicking
    one adds it to the input and marks it as chosen; clicking it again removes it."""
    available = [s["symbol"] for s in page.request.get(f"{target.base_url}/api/v1/stocks").json()["items"]]
    offered = page.get_by_test_id("symbol-suggestion")
    expect(offered).to_have_count(len(available))
    assert [offered.nth(i).get_attribute("data-symbol") for i in range(len(available))] == available

    def chip(symbol: str) -> Locator:
        return page.locator(f'[data-testid="symbol-suggestion"][data-symbol="{symbol}"]')

    first, second = available[:2]
    chip(first).click()
    chip(second).click()
    expect(page.get_by_test_id("symbols-input")).to_have_value(f"{first}, {second}")
    expect(chip(first)).to_have_attribute("aria-pressed", "true")
    chip(first).click()
    expect(page.get_by_test_id("symbols-input")).to_have_value(second)
    expect(chip(first)).to_have_attribute("aria-pressed", "false")


def test_watchlists_can_be_managed_in_the_ui(page):
    """On the Watchlists page a user can create a watchlist, add and remove stocks, rename it and delete it.
    Creating one with a name already in use is refused, with the reason shown next to the form."""
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
    """A visitor who is not signed in and opens the History page is sent to sign-in, and after signing in lands
    back on History."""
    anonymous_page.goto("/history")
    expect(anonymous_page).to_have_url(sign_in_page_for("/history"))
    sign_in(anonymous_page, account)
    expect(anonymous_page).to_have_url(re.compile(r"/history$"))


def test_a_session_that_ends_mid_page_sends_the_user_to_sign_in(page, account, target):
    """If a user's session ends on the server while they are on the Watchlists page (as when it expires), their
    next action takes them to sign-in, set to bring them back to Watchlists afterwards, instead of failing
    silently."""
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
    """The page header shows the signed-in user's name, and Sign out takes them to the sign-in page and ends the
    session on the server too, so it can no longer be used."""
    expect(page.get_by_test_id("current-user")).to_contain_text(account.username)
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/signin"))
    assert page.request.get(f"{target.base_url}/api/v1/auth/me").status == 401
