"""The SSE parser and the ADK timeline fold, on streams written out by hand."""

import ast
import json
import re
import sys
import time
import tomllib
from pathlib import Path

import httpx
import pytest

from stackcheck.sse import Frame, Recording, SSEParser, build_timeline, record


def feed_all(chunks: list[str | bytes]) -> list[Frame]:
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


def test_a_crlf_split_between_two_chunks_is_one_line_end():
    # Read as CR then LF, the frame would end at the LF and `data: 2` would be a frame of its own.
    frames = feed_all(["data: 1\r", "\ndata: 2\r\n\r\n"])
    assert [(f.data, f.at) for f in frames] == [("1\n2", 1.0)]


def test_a_final_cr_completes_a_frame_only_when_the_stream_ends():
    parser = SSEParser()
    assert parser.feed("data: 1\r\r", 0.0) == []  # the last CR may still be the start of a CRLF
    assert [(f.data, f.at) for f in parser.close(1.0)] == [("1", 1.0)]
    assert parser.pending == ""


def test_comments_are_heartbeats_and_multiline_data_joins():
    frames = feed_all([": ping\n\nevent: update\ndata: a\ndata: b\n\n"])
    assert frames[0].comment == "ping" and frames[0].data is None
    assert (frames[1].data, frames[1].event) == ("a\nb", "update")


def test_a_comment_is_a_frame_when_its_line_arrives_with_its_own_time():
    frames = feed_all(["data: 1\n", ":ping\n", "\n"])
    assert [(f.at, f.data, f.comment) for f in frames] == [(1.0, None, "ping"), (2.0, "1", None)]


def test_field_rules_come_from_httpx_sse():
    frames = feed_all(["id: 7\nretry: 1500\ndata:no space\ndata:  two spaces\nbogus: x\ndata\n\n"])
    (frame,) = frames
    assert frame.data == "no space\n two spaces\n"
    assert (frame.event, frame.id, frame.retry) == ("message", "7", 1500)


def test_only_frames_with_data_are_dispatched_as_a_browser_does():
    # httpx-sse alone dispatches an empty event for each of these blank lines: the one after
    # `event:` alone, and (the id being sticky) the one after the heartbeat (httpx-sse #35).
    frames = feed_all(["id: 1\ndata: a\n\n: ping\n\nevent: nothing\n\ndata:\n\n"])
    assert [(f.data, f.comment, f.id) for f in frames] == [("a", None, "1"), (None, "ping", None), ("", None, "1")]


def test_bytes_are_utf8_even_when_a_character_is_split_between_chunks():
    payload = 'data: {"t": "\u00e9\u20ac"}\n\n'.encode()
    frames = feed_all([b"\xef\xbb\xbf" + payload[:15], payload[15:]])  # a leading BOM is dropped
    assert [f.json() for f in frames] == [{"t": "\u00e9\u20ac"}]


def test_an_unterminated_frame_stays_pending():
    parser = SSEParser()
    assert parser.feed("data: cut", 0.0) == []
    assert parser.close(1.0) == []
    assert parser.pending == "data: cut"


def test_a_frame_cut_after_whole_lines_is_pending_with_all_its_lines():
    parser = SSEParser()
    assert [f.data for f in parser.feed("data: 1\n\ndata: a\ndata: b\n", 0.0)] == ["1"]
    assert parser.close(1.0) == []
    assert parser.pending == "data: a\ndata: b"


def test_a_complete_stream_leaves_nothing_pending():
    parser = SSEParser()
    parser.feed("data: 1\n\n: ping\n", 0.0)
    assert parser.close(1.0) == [] and parser.pending == ""


def serve(status: int, chunks: list[bytes], cut: bool = False) -> httpx.Client:
    """A client whose every request is answered with these chunks, one read at a time."""
    def body():
        yield from chunks
        if cut:
            raise httpx.ReadError("connection reset")

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, headers={"content-type": "text/event-stream"}, stream=_Stream(body()))
    return httpx.Client(transport=httpx.MockTransport(handler), base_url="http://sse.test")


class _Stream(httpx.SyncByteStream):
    def __init__(self, chunks) -> None:
        self._chunks = chunks

    def __iter__(self):
        return self._chunks


def test_record_keeps_events_heartbeats_and_a_final_cr():
    rec = record(serve(200, [b'data: {"a": 1}\r\n\r\n', b": ping\n", b'data: {"b": 2}\r\r']), "POST", "/run_sse")
    assert rec.events == [{"a": 1}, {"b": 2}] and [f.comment for f in rec.heartbeats] == ["ping"]
    assert rec.unterminated == "" and rec.transport_error is None and rec.body == ""
    assert rec.ttfb <= rec.first_event_at <= rec.total


def test_record_reports_a_cut_stream_and_its_unterminated_frame():
    rec = record(serve(200, [b"data: 1\n\n", b"data: {\"cut"], cut=True), "POST", "/run_sse")
    assert rec.events == [1] and rec.unterminated == 'data: {"cut'
    assert rec.transport_error.startswith("ReadError")
    assert 'unterminated frame: data: {"cut' in rec.transcript()


def test_record_keeps_an_error_answer_as_its_body():
    rec = record(serve(404, [b'{"detail": "Session not found"}']), "POST", "/run_sse")
    assert rec.status == 404 and rec.frames == [] and "Session not found" in rec.body


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


def streamed_call(partial: bool) -> dict:
    call = {"id": "adk-1", "name": "get_price_history", "args": {"symbol": "AAPL"}}
    return {"id": "e-1", "partial": partial, "content": {"parts": [{"functionCall": call}]}}


def test_a_streamed_tool_call_sent_partial_then_final_is_one_call():
    tl = build_timeline(frames_of(streamed_call(True), streamed_call(False), RESP, text("Up.", False)))
    assert tl.kinds == ["tool_call", "tool_response", "text"] and tl.problems == []


def test_a_tool_call_sent_only_as_partial_never_ran_and_is_a_problem():
    tl = build_timeline(frames_of(streamed_call(True), text("Up.", False)))
    assert tl.kinds == ["tool_call", "text"]
    assert "only in a partial event" in tl.problems[0]


def test_a_streamed_failure_sent_partial_then_final_is_one_error_at_its_first_arrival():
    chunk = {"id": "e-2", "partial": True, "errorCode": "MODEL_SAFETY", "errorMessage": "declined"}
    tl = build_timeline(frames_of(chunk, {**chunk, "partial": False}))
    assert [i.kind for i in tl.items] == ["error"] and tl.items[0].at == 0.0


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


ROOT = Path(__file__).resolve().parents[2]


def test_the_backend_tests_get_the_parser_with_exactly_what_it_imports():
    """The backend's service tests install this package with its dependencies cut down to the
    parser's (stack/backend/pyproject.toml). The cut applies to one version only, and a new
    import in the parser would be missing there: keep both in step."""
    root = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    backend = tomllib.loads((ROOT / "stack/backend/pyproject.toml").read_text())
    (declared,) = [m for m in backend["tool"]["uv"]["dependency-metadata"] if m["name"] == "stackcheck"]
    assert declared["version"] == root["version"]
    allowed = {re.split(r"[<>=!~ \[;]", r)[0].replace("-", "_") for r in declared["requires-dist"]}
    imported = set()
    for module in ("__init__.py", "sse.py"):
        for node in ast.walk(ast.parse((ROOT / "stackcheck" / module).read_text())):
            if isinstance(node, ast.Import):
                imported |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                imported.add(node.module.split(".")[0])
    assert imported - sys.stdlib_module_names - {"__future__"} <= allowed


def test_a_stream_that_never_ends_is_given_up_at_its_deadline_and_says_so():
    def forever():
        yield b'data: {"content": {"parts": [{"text": "a"}]}, "partial": true}\n\n'
        while True:
            time.sleep(0.05)
            yield b": ping\n\n"

    rec = record(serve(200, forever()), "POST", "/run_sse", deadline=0.3)
    assert rec.deadline == 0.3 and 0.3 <= rec.total < 2
    assert rec.never_ended.startswith("the stream never ended: 1 events, the last at 0.0 s, ")
    assert "pings, which continue" in rec.never_ended


def test_a_stream_that_ends_in_time_did_end():
    rec = record(serve(200, [b"data: 1\n\n"]), "POST", "/run_sse", deadline=5)
    assert rec.never_ended is None


def test_an_event_or_a_part_the_timeline_does_not_know_is_a_named_problem():
    timeline = build_timeline(frames_of({"actions": {"stateDelta": {}}},
                                        {"content": {"parts": [{"executableCode": {"code": "1"}}]}},
                                        {"content": {"parts": [{"text": "why", "thought": True}]}}))
    assert timeline.items == []
    assert [p.split(" at ")[0] for p in timeline.problems] == [
        "an event the timeline does not know", "a part the timeline does not know"]
    assert "keys ['actions']" in timeline.problems[0] and "keys ['executableCode']" in timeline.problems[1]
