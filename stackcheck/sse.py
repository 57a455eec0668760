"""Record an SSE stream frame by frame, with arrival times, and fold ADK events into a timeline.

The recorder keeps what a browser would see: every `data:` frame and every `: comment`
(heartbeats), each stamped on a monotonic clock when its bytes arrived. The timeline is
what a user would see: tool calls, tool results, one text message built from the partial
chunks, and errors sent inside the stream.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from statistics import median

import httpx


@dataclass(frozen=True)
class Frame:
    at: float               # seconds since the request was sent
    data: str | None        # the joined `data:` lines, or None for a comment-only frame
    comment: str | None = None
    event: str | None = None

    def json(self) -> dict:
        return json.loads(self.data)


class SSEParser:
    """Incremental parser (WHATWG rules): frames may be split across chunks or share one."""

    def __init__(self) -> None:
        self._buffer = ""
        self._data: list[str] = []
        self._event: str | None = None

    def feed(self, text: str, at: float) -> list[Frame]:
        self._buffer += text.replace("\r\n", "\n").replace("\r", "\n")
        *lines, self._buffer = self._buffer.split("\n")
        frames = []
        for line in lines:
            if not line:
                if self._data:
                    frames.append(Frame(at, "\n".join(self._data), event=self._event))
                self._data, self._event = [], None
            elif line.startswith(":"):
                frames.append(Frame(at, None, comment=line[1:].strip()))
            else:
                name, _, value = line.partition(":")
                value = value[1:] if value.startswith(" ") else value
                if name == "data":
                    self._data.append(value)
                elif name == "event":
                    self._event = value
        return frames

    @property
    def pending(self) -> str:
        """Bytes of a frame that was never terminated (a stream cut off mid-frame)."""
        return self._buffer + "\n".join(self._data)


@dataclass
class Recording:
    status: int
    headers: dict[str, str]
    ttfb: float                               # response headers received
    frames: list[Frame] = field(default_factory=list)
    total: float = 0.0                        # stream closed
    transport_error: str | None = None        # the stream broke (reset, timeout, ...)
    unterminated: str = ""

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
            lines.append(f"{f.at * 1000:9.1f} ms  {body}")
        lines.append(f"closed at {self.total * 1000:.1f} ms"
                     + (f" after a transport error: {self.transport_error}" if self.transport_error else ""))
        return "\n".join(lines)


def record(client: httpx.Client, method: str, url: str, **kwargs) -> Recording:
    """Send one request and record its streamed answer until the server closes it."""
    parser = SSEParser()
    started = time.monotonic()
    with client.stream(method, url, **kwargs) as response:
        rec = Recording(status=response.status_code, headers=dict(response.headers),
                        ttfb=time.monotonic() - started)
        try:
            for chunk in response.iter_text():
                rec.frames.extend(parser.feed(chunk, time.monotonic() - started))
        except httpx.TransportError as exc:
            rec.transport_error = f"{type(exc).__name__}: {exc}"
        rec.total = time.monotonic() - started
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
            items.append(TimelineItem("error", text=f'{event.get("errorCode")}: {event.get("errorMessage")}',
                                      payload=event, at=frame.at))
            continue
        for part in _parts(event):
            if "functionCall" in part:
                call = part["functionCall"]
                items.append(TimelineItem("tool_call", name=call.get("name", ""),
                                          payload=call.get("args", {}), at=frame.at))
            elif "functionResponse" in part:
                resp = part["functionResponse"]
                items.append(TimelineItem("tool_response", name=resp.get("name", ""),
                                          payload=resp.get("response"), at=frame.at))
            elif "text" in part and not part.get("thought"):
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
    if streaming is not None:
        problems.append(f"the stream ended without the final text after {streaming.chunks} partial chunks")
    return Timeline(items, problems)
