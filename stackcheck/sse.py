"""Record an SSE stream frame by frame, with arrival times, and fold ADK events into a timeline.

The recorder keeps what a browser would see: every `data:` frame and every `: comment`
(heartbeats), each stamped on a monotonic clock when its bytes arrived. The timeline is
what a user would see: tool calls, tool results, one text message built from the partial
chunks, and errors sent inside the stream.

This is the one SSE parser of the project: the suite's tests, the Locust agent user and the
backend's own service tests all feed their response chunks into `SSEParser`.
"""

from __future__ import annotations

import codecs
import json
import time
from dataclasses import dataclass, field
from statistics import median

import httpx
# httpx-sse's incremental decoders. Its public API (EventSource) wants an httpx response and
# drops comments and timing, so the recorder drives the two decoders itself; the module is
# private, hence the upper bound on httpx-sse in pyproject.toml and the unit tests that pin
# the behaviour relied on here.
from httpx_sse._decoders import SSEDecoder, SSELineDecoder


@dataclass(frozen=True)
class Frame:
    at: float               # seconds since the request was sent
    data: str | None        # the joined `data:` lines, or None for a comment line
    comment: str | None = None
    event: str | None = None    # the event type a browser dispatches ("message" unless `event:`)
    id: str | None = None       # the last event id in force (it carries over between frames)
    retry: int | None = None

    def json(self) -> dict:
        return json.loads(self.data)


class SSEParser:
    """Incremental parser: text or bytes in as they arrive, frames out as they complete.

    Lines are split by httpx-sse's `SSELineDecoder` (LF, CRLF and CR, also a CRLF split
    across two chunks) and fields are read by its `SSEDecoder` (the WHATWG rules for
    `data`, `event`, `id`, `retry`). Kept here, because the library drops them: comment
    lines (`: ping`), each as its own frame when its line arrives, and the arrival time of
    every frame. A frame is dispatched, as a browser does, only when it had a `data` field:
    httpx-sse also dispatches an empty event for a blank line after `id:` alone, `event:`
    alone, or (the id being sticky) after a heartbeat (httpx-sse issue #35).
    """

    def __init__(self) -> None:
        self._lines = SSELineDecoder()
        self._fields = SSEDecoder()
        self._bytes = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._started = False
        self._open: list[str] = []      # the lines of the frame being read
        self._has_data = False

    def feed(self, chunk: str | bytes, at: float) -> list[Frame]:
        """The frames that this chunk completes, stamped `at`. Bytes are decoded as UTF-8,
        which an event stream always is, whatever its Content-Type says."""
        text = self._bytes.decode(chunk) if isinstance(chunk, bytes) else chunk
        if not self._started and text:
            self._started = True
            text = text.removeprefix("\ufeff")  # a leading BOM is not part of the stream
        return self._read(self._lines.decode(text), at) if text else []

    def close(self, at: float) -> list[Frame]:
        """The stream ended: frames that only its end completes (a final CR is a line end
        that `SSELineDecoder` holds back, waiting for a possible LF). What stays after this
        is `pending`: a frame that was cut off."""
        text = self._bytes.decode(b"", final=True)
        if self._lines.trailing_cr:
            text += "\n"  # CR then LF is one line end: this ends the held line, adds none
        return self._read(self._lines.decode(text), at) if text else []

    @property
    def pending(self) -> str:
        """The text of a frame that was never terminated (a stream cut off mid-frame)."""
        return "\n".join(self._open + ["".join(self._lines.buffer)]).strip("\n")

    def _read(self, lines: list[str], at: float) -> list[Frame]:
        frames = []
        for line in lines:
            if line.startswith(":"):
                comment = line[1:]
                frames.append(Frame(at, None, comment=comment[1:] if comment.startswith(" ") else comment))
                continue
            if line:
                self._open.append(line)
                self._has_data = self._has_data or line.partition(":")[0] == "data"
            event = self._fields.decode(line)
            if not line:
                if event is not None and self._has_data:
                    frames.append(Frame(at, event.data, event=event.event, id=event.id or None,
                                        retry=event.retry))
                self._open, self._has_data = [], False
        return frames


@dataclass
class Recording:
    status: int
    headers: dict[str, str]
    ttfb: float                               # response headers received
    frames: list[Frame] = field(default_factory=list)
    total: float = 0.0                        # stream closed
    transport_error: str | None = None        # the stream broke (reset, timeout, ...)
    unterminated: str = ""                    # a frame cut off by the end of the stream
    body: str = ""                            # the answer, when it was not a success
    deadline: float | None = None             # when the reader gave up on a stream that went on
    http_version: str = ""                    # as negotiated: "HTTP/1.1", "HTTP/2"

    @property
    def never_ended(self) -> str | None:
        """Why the stream counts as one that never ends (None: it ended)."""
        if self.deadline is None:
            return None
        last = f"the last at {self.data_frames[-1].at:.1f} s" if self.data_frames else "none of them data"
        pings = f"{len(self.heartbeats)} pings, which continue" if self.heartbeats else "no pings"
        return (f"the stream never ended: {len(self.data_frames)} events, {last}, {pings}; "
                f"given up after {self.deadline:.0f} s")

    @property
    def data_frames(self) -> list[Frame]:
        return [f for f in self.frames if f.data is not None]

    @property
    def heartbeats(self) -> list[Frame]:
        return [f for f in self.frames if f.comment is not None]

    @property
    def events(self) -> list[dict]:
        return [f.json() for f in self.data_frames]

    @property
    def first_event_at(self) -> float | None:
        frames = self.data_frames
        return frames[0].at if frames else None

    @property
    def gaps(self) -> list[float]:
        times = [f.at for f in self.data_frames]
        return [b - a for a, b in zip(times, times[1:])]

    @property
    def spread(self) -> float:
        """Time between the first and the last event."""
        times = [f.at for f in self.data_frames]
        return times[-1] - times[0] if times else 0.0

    def is_incremental(self, min_spread: float) -> bool:
        """Events arrived spread over time, not in one burst at the end (a buffering proxy)."""
        return len(self.data_frames) >= 2 and self.spread >= min_spread

    def summary(self) -> dict:
        gaps = self.gaps
        return {
            "status": self.status,
            "ttfb_s": round(self.ttfb, 4),
            "first_event_s": None if self.first_event_at is None else round(self.first_event_at, 4),
            "total_s": round(self.total, 4),
            "events": len(self.data_frames),
            "heartbeats": len(self.heartbeats),
            "spread_s": round(self.spread, 4),
            "median_gap_s": round(median(gaps), 4) if gaps else None,
            "max_gap_s": round(max(gaps), 4) if gaps else None,
            "transport_error": self.transport_error,
        }

    def transcript(self) -> str:
        """The stream as received, each frame with its arrival time: report evidence."""
        lines = [f"HTTP {self.status} headers at {self.ttfb * 1000:.1f} ms"]
        lines += [f"  {k}: {v}" for k, v in self.headers.items()]
        for f in self.frames:
            body = f"data: {f.data}" if f.data is not None else f": {f.comment}"
            if f.event not in (None, "message"):
                body = f"event: {f.event}  {body}"
            lines.append(f"{f.at * 1000:9.1f} ms  {body}")
        if self.body:
            lines.append(f"  body: {self.body[:2000]}")
        if self.unterminated:
            lines.append(f"  unterminated frame: {self.unterminated[:2000]}")
        lines.append(f"closed at {self.total * 1000:.1f} ms"
                     + (f" after a transport error: {self.transport_error}" if self.transport_error else ""))
        return "\n".join(lines)


def record(client: httpx.Client, method: str, url: str, deadline: float | None = None, **kwargs) -> Recording:
    """Send one request and record its streamed answer until the server closes it, or until
    `deadline` seconds have passed (then `never_ended` says so: heartbeats alone would keep a
    stream that never finishes open forever). An answer that is not a success (a 404 before
    the stream starts, a 403) is kept as `body`."""
    parser = SSEParser()
    started = time.monotonic()
    with client.stream(method, url, **kwargs) as response:
        rec = Recording(status=response.status_code, headers=dict(response.headers),
                        ttfb=time.monotonic() - started, http_version=response.http_version)
        try:
            if not response.is_success:
                rec.body = response.read().decode("utf-8", errors="replace")
            else:
                for chunk in response.iter_bytes():
                    rec.frames.extend(parser.feed(chunk, time.monotonic() - started))
                    if deadline is not None and time.monotonic() - started > deadline:
                        rec.deadline = deadline
                        break
        except httpx.TransportError as exc:
            rec.transport_error = f"{type(exc).__name__}: {exc}"
        rec.total = time.monotonic() - started
        rec.frames.extend(parser.close(rec.total))
        rec.unterminated = parser.pending
    return rec


# --- ADK events folded into what a user sees ----------------------------------------------

@dataclass
class TimelineItem:
    kind: str       # "tool_call" | "tool_response" | "text" | "error"
    name: str = ""
    payload: object = None
    text: str = ""
    at: float = 0.0
    chunks: int = 0  # for text: the partial chunks folded into it


@dataclass
class Timeline:
    items: list[TimelineItem]
    problems: list[str]     # contract violations seen while folding

    @property
    def kinds(self) -> list[str]:
        return [i.kind for i in self.items]

    @property
    def errors(self) -> list[TimelineItem]:
        return [i for i in self.items if i.kind == "error"]

    @property
    def texts(self) -> list[TimelineItem]:
        return [i for i in self.items if i.kind == "text"]

    def of(self, kind: str) -> list[TimelineItem]:
        return [i for i in self.items if i.kind == kind]


def _parts(event: dict) -> list[dict]:
    return ((event.get("content") or {}).get("parts")) or []


def build_timeline(frames: list[Frame]) -> Timeline:
    """Fold ADK events: partial chunks become one text item; the final aggregate must repeat
    their joined text exactly, and then replaces it rather than adding a second copy."""
    items: list[TimelineItem] = []
    problems: list[str] = []
    streaming: TimelineItem | None = None   # the text item the partial chunks are building
    calls: dict[str, TimelineItem] = {}     # tool calls by call id: a streamed call comes twice
    unconfirmed: set[str] = set()           # calls seen only in partial events so far
    failures: dict[str | None, TimelineItem] = {}  # error items by event id
    for frame in frames:
        if frame.data is None:
            continue
        try:
            event = frame.json()
        except ValueError:
            problems.append(f"not JSON at {frame.at:.3f} s: {frame.data[:120]}")
            continue
        if "error" in event and "content" not in event:
            items.append(TimelineItem("error", text=str(event.get("error")), payload=event, at=frame.at))
            continue
        if event.get("errorCode") or event.get("errorMessage"):
            error = TimelineItem("error", text=f'{event.get("errorCode")}: {event.get("errorMessage")}',
                                 payload=event, at=frame.at)
            # A streamed failure comes as a chunk, then as the aggregate (same event id): one error.
            if event.get("id") in failures:
                failures[event["id"]].text, failures[event["id"]].payload = error.text, error.payload
            else:
                items.append(error)
                failures[event.get("id")] = error
            continue
        parts = _parts(event)
        if not parts:
            problems.append(f"an event the timeline does not know at {frame.at:.3f} s: no content, "
                            f"keys {sorted(event)}")
        for part in parts:
            if "functionCall" in part:
                # Streaming from Gemini, ADK sends a call as a partial event, then again in the
                # final one (same call id); only the final one runs the tool. Show it once.
                call = part["functionCall"]
                key = call.get("id") or f'{event.get("id")}:{call.get("name")}'
                if key not in calls:
                    calls[key] = TimelineItem("tool_call", name=call.get("name", ""), at=frame.at)
                    items.append(calls[key])
                calls[key].payload = call.get("args", {})
                (unconfirmed.add if event.get("partial") else unconfirmed.discard)(key)
            elif "functionResponse" in part:
                resp = part["functionResponse"]
                items.append(TimelineItem("tool_response", name=resp.get("name", ""),
                                          payload=resp.get("response"), at=frame.at))
            elif "text" in part and part.get("thought"):
                continue  # the model's reasoning: not shown
            elif "text" in part:
                text = part["text"]
                if event.get("partial"):
                    if streaming is None:
                        streaming = TimelineItem("text", at=frame.at)
                        items.append(streaming)
                    streaming.text += text
                    streaming.chunks += 1
                elif streaming is not None:
                    if text != streaming.text:
                        problems.append("final text differs from the joined partial chunks: "
                                        f"{len(text)} chars vs {len(streaming.text)}")
                    streaming.text = text
                    streaming = None
                else:
                    items.append(TimelineItem("text", text=text, at=frame.at))
            else:
                problems.append(f"a part the timeline does not know at {frame.at:.3f} s: keys {sorted(part)}")
    if streaming is not None:
        problems.append(f"the stream ended without the final text after {streaming.chunks} partial chunks")
    for key in sorted(unconfirmed):
        problems.append(f"tool call {calls[key].name} ({key}) came only in a partial event: it never ran")
    return Timeline(items, problems)
