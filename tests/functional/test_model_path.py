"""The production model path: ADK's Gemini client, through google-genai, against a
Gemini-API-compatible server (stack/gemini-mock/), with each way the model API fails.

Each test picks its scenario for its own ADK session, so faults never leak into other runs.
Every run goes through nginx, as a browser's does.
"""

import re

import allure
import pytest

from stackcheck import AgentClient, Run, slo
from stackcheck.agent import StreamNeverEnded
from stackcheck.model import FAILURES, ModelMock, backend_metrics

TOOLS = {"get_price_history", "compute_indicators", "compare_symbols", "get_watchlist", "list_symbols"}
# What a message for people never shows: exception names, tracebacks, markup, addresses.
NOT_FOR_PEOPLE = re.compile(r"\b\w+(Error|Exception|Timeout)\b|Traceback|<html|https?://|\{", re.I)


@pytest.fixture(scope="module")
def model(target) -> ModelMock:
    return ModelMock(target.require("model_mock_url"))


@pytest.fixture(scope="module")
def agent(target, accounts):
    with AgentClient(target.base_url, accounts.new("model")) as client:
        yield client


def growth(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    """How much each backend metric grew between two readings (absent: 0)."""
    return {name: after.get(name, 0) - before.get(name, 0) for name in before.keys() | after.keys()}


def run_with(agent: AgentClient, model: ModelMock, scenario: str, question: str = "How is GOOG doing?",
             deadline: float | None = None, **params) -> Run:
    session = agent.create_session()
    model.use(session, scenario, **params)
    run = agent.run(question, session_id=session, deadline=deadline)
    allure.attach(run.recording.transcript(), name=f"{scenario} run", attachment_type=allure.attachment_type.TEXT)
    return run


def test_a_run_on_the_gemini_path_streams_tools_then_the_answer(agent, model, target):
    """With the stack set up to use Google's Gemini AI model, as in production (here against a stand-in for it),
    asking about a stock streams a tool call, its result, then the answer in several pieces, naming the stock.
    The saved analysis records that a Gemini model answered."""
    assert target.env("backend").get("MODEL") == "gemini", "the bundled stack must run the Gemini path"
    run = agent.run("How is GOOG doing?")
    assert run.timeline.problems == [] and not run.timeline.errors, run.recording.transcript()
    assert run.timeline.kinds == ["tool_call", "tool_response", "text"], run.timeline.kinds
    assert run.timeline.texts[0].chunks >= 3 and "GOOG" in run.timeline.texts[0].text
    assert agent.analysis(run.session_id)["model"].startswith("gemini-")


@pytest.mark.parametrize("scenario, code", FAILURES.items())
def test_a_model_failure_reaches_the_user_as_one_clear_error_in_time(agent, model, scenario, code):
    """Whichever way the AI model service fails (too many requests, server error, unavailable, no reply, cut
    off, a garbled reply, an unknown tool, a safety block), the user sees exactly one plain-language error
    within the time limit and the stream closes properly. The analysis is saved as failed, and the next question
    in the same conversation works."""
    bound = slo.section("model")["error_within_s"]
    try:
        run = run_with(agent, model, scenario, deadline=bound)
    except StreamNeverEnded as still_open:
        pytest.fail(f"{scenario}: the user saw no error within {bound} s (slo.yaml), the stream stayed open: "
                    f"a model call without a timeout hangs like this\n{still_open}")
    rec = run.recording
    assert rec.status == 200 and rec.headers["content-type"].startswith("text/event-stream"), rec.summary()
    assert rec.transport_error is None and not rec.unterminated, f"the stream broke instead of closing: {rec.summary()}"
    errors = run.timeline.errors
    assert [e.payload.get("errorCode") for e in errors] == [code], \
        f"{scenario}: expected one error {code}, got {[e.text for e in errors]}:\n{rec.transcript()[-2000:]}"
    message = errors[0].payload.get("errorMessage", "")
    assert message and not NOT_FOR_PEOPLE.search(message), f"not a message for people: {message!r}"
    assert run.timeline.kinds[-1] == "error", f"a failed run must end with its error: {run.timeline.kinds}"
    time_to_error = errors[0].at
    allure.dynamic.parameter("time to error", f"{time_to_error:.2f} s")
    print(f"time to error, {scenario}: {time_to_error:.2f} s")
    assert time_to_error < bound, f"{scenario}: the error reached the user after {time_to_error:.1f} s (slo.yaml: {bound} s)"

    analysis = agent.analysis(run.session_id)
    assert analysis["status"] == "error" and analysis["error"].startswith(code), analysis

    model.use(run.session_id, "normal")
    again = agent.run("How is MSFT doing?", session_id=run.session_id)
    assert not again.timeline.errors and again.timeline.texts, f"the next run failed:\n{again.recording.transcript()}"
    assert "MSFT" in again.timeline.texts[-1].text


def test_a_rate_limit_that_a_retry_absorbs_is_invisible_to_the_user_and_counted(agent, model, target):
    """When the AI model service once answers "too many requests" and a single retry succeeds, the user gets a
    normal answer with no error. The backend's metrics still count the refusal, but not as an error the user
    saw."""
    before = backend_metrics(target.require("backend_url"))
    run = run_with(agent, model, "rate_limited_then_ok", failures=1)
    after = backend_metrics(target.backend_url)
    assert run.timeline.problems == [] and not run.timeline.errors, run.recording.transcript()
    assert "GOOG" in run.timeline.texts[0].text
    grew = growth(before, after)
    assert grew.get('model_http_responses_total{status="429"}', 0) >= 1, "the retried 429 is not in the metrics"
    assert grew.get('model_errors_total{code="MODEL_RATE_LIMITED"}', 0) == 0, "a retried 429 counted as a user-visible error"
    calls = [r.path for r in model.requests(run.session_id)]
    assert len(calls) == 3, f"expected the first call twice (429, then its retry) and the answer: {calls}"


def test_the_model_api_receives_the_tools_the_instruction_the_results_and_the_key(agent, model, target):
    """Each analysis sends the AI model service the right key, the analyst's instructions and its five tools
    with their inputs described correctly (the watchlist tool takes none). In the second call it sends exactly
    the tool results the user was shown."""
    run = agent.run("How is GOOG doing?")
    requests = model.requests(run.session_id)
    assert len(requests) == 2, [r.path for r in requests]
    first, second = requests
    for request in requests:
        assert request.stream and request.path.endswith(":streamGenerateContent"), request.path
        assert request.headers.get("x-goog-api-key") == target.env("backend")["GOOGLE_API_KEY"], \
            "the key header is missing or wrong"
        assert request.headers.get("x-stock-analyst-session") == run.session_id

    tools = first.tools
    assert set(tools) == TOOLS, sorted(tools)
    indicators = first.parameters("compute_indicators")
    assert indicators["properties"]["symbol"]["type"].lower() == "string", indicators
    assert indicators["required"] == ["symbol"], indicators
    compare = first.parameters("compare_symbols")["properties"]["symbols"]
    assert compare["type"].lower() == "array" and compare["items"]["type"].lower() == "string", compare
    assert not first.parameters("get_watchlist").get("properties"), "the watchlist tool takes no argument, no user"
    assert first.system_instruction.startswith("You are a stock analyst"), first.system_instruction[:200]

    sent_back = second.function_responses
    shown = run.timeline.of("tool_response")
    assert [(r["name"], r["response"]) for r in sent_back] == [(i.name, i.payload) for i in shown], \
        "the function responses sent to the model differ from those the user saw"


def test_model_calls_are_measured(agent, target):
    """Every call to the AI model is counted in the backend's metrics: a comparison of two stocks records two
    successful calls, their time to first word, and the amount of text sent and received, so speed and cost can
    be watched."""
    before = backend_metrics(target.require("backend_url"))
    agent.run("Compare GOOG and MSFT")
    after = backend_metrics(target.backend_url)
    grew = growth(before, after)
    assert grew.get("model_time_to_first_token_seconds_count", 0) == 2, "two model calls, two first tokens"
    assert grew.get('model_call_duration_seconds_count{outcome="ok"}', 0) == 2
    assert grew.get('model_tokens_total{kind="prompt"}', 0) > 0 and grew.get('model_tokens_total{kind="answer"}', 0) > 0


def test_the_model_api_key_is_in_no_log(target):
    """The secret key for the AI model service appears in no service's logs, so reading logs cannot expose it.
    Skipped when the stack runs without a key."""
    key = target.env("backend").get("GOOGLE_API_KEY", "")
    if not key:
        pytest.skip(f"the backend of the {target.kind} target runs without a model API key (the offline model)")
    logs = {s.service: s.logs for s in target.evidence().services}
    leaked = [service for service, text in logs.items() if key in text]
    assert not leaked, f"the model API key is in the logs of {leaked}"
