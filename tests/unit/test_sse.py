"""The SSE parser and the ADK timeline fold, on streams written out by hand."""

import json

import pytest

from stackcheck.sse import Frame, Recording, SSEParser, build_timeline


def feed_all(chunks: list[str]) -> list[Frame]:
    parser = SSEParser()
    frames = []
    for i, chunk in enumerate(chunks):
        frames += parser.feed(chunk, at=float(i))
    return frames


def test_a_frame_split_across_chunks_is_assembled_when_complete():
    frames = feed_all(['data: {"a"', ': 1}\n', '\n'])
    assert [(f.data, f.at) for f in frames] == [('{"a": 1}', 2.0)]


def test_several_frames_in_one_chunk_and_crlf_endings():
    frames = feed_all(["data: 1\r\n\r\ndata: 2\n\ndata: 3\r\rdata: x"])
    assert [f.data for f in frames] == ["1", "2", "3"]


def test_comments_are_heartbeats_and_multiline_data_joins():
    frames = feed_all([": ping\n\nevent: update\ndata: a\ndata: b\n\n"])
    assert frames[0].comment == "ping" and frames[0].data is None
    assert (frames[1].data, frames[1].event) == ("a\nb", "update")


def test_an_unterminated_frame_stays_pending():
    parser = SSEParser()
    assert parser.feed("data: cut", 0.0) == []
    assert "cut" in parser.pending


def frames_of(*events: dict) -> list[Frame]:
    return [Frame(at=i * 0.1, data=json.dumps(e)) for i, e in enumerate(events)]


CALL = {"content": {"parts": [{"functionCall": {"name": "get_price_history", "args": {"symbol": "AAPL"}}}]}}
RESP = {"content": {"parts": [{"functionResponse": {"name": "get_price_history", "response": {"prices": []}}}]}}


def text(t: str, partial: bool) -> dict:
    return {"content": {"parts": [{"text": t}]}, "partial": partial}


def test_partials_fold_into_one_text_that_the_final_aggregate_replaces():
    tl = build_timeline(frames_of(CALL, RESP, text("Up ", True), text("5%.", True), text("Up 5%.", False)))
    assert tl.kinds == ["tool_call", "tool_response", "text"]
    assert tl.texts[0].text == "Up 5%." and tl.texts[0].chunks == 2
    assert tl.problems == []


def test_a_final_text_that_differs_from_the_chunks_is_a_problem():
    tl = build_timeline(frames_of(text("Up ", True), text("Down", False)))
    assert "differs" in tl.problems[0]


def test_a_stream_that_ends_after_partials_is_a_problem():
    tl = build_timeline(frames_of(text("Up ", True)))
    assert "without the final text" in tl.problems[0]


def test_a_non_partial_text_alone_is_one_item():
    tl = build_timeline(frames_of(text("Hello", False)))
    assert [(i.kind, i.text, i.chunks) for i in tl.items] == [("text", "Hello", 0)]


@pytest.mark.parametrize("event", [
    {"errorCode": "MODEL_ERROR", "errorMessage": "boom"},
    {"error": "boom", "error_details": {}},
])
def test_in_stream_errors_become_error_items(event):
    tl = build_timeline(frames_of(CALL, event))
    assert tl.kinds == ["tool_call", "error"] and "boom" in tl.errors[0].text


def recording(times: list[float]) -> Recording:
    return Recording(status=200, headers={}, ttfb=0.01,
                     frames=[Frame(at=t, data="{}") for t in times], total=times[-1])


def test_delivery_spread_over_time_is_incremental_and_a_burst_is_not():
    assert recording([0.05, 0.2, 0.35, 0.5]).is_incremental(min_spread=0.3)
    assert not recording([0.49, 0.5, 0.5, 0.5]).is_incremental(min_spread=0.3)
    assert recording([0.05, 0.2, 0.35]).gaps == pytest.approx([0.15, 0.15])
