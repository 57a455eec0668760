"""Scenarios: how the model behaves for one session, chosen by a test through the admin API.

A scenario is a name and parameters (each with a default). For every model call it yields
the call's `Effects`: an HTTP error, a different pace, a fault in the answer's stream, or a
different answer.
"""
from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


class ScenarioError(ValueError):
    """An unknown scenario or a bad parameter; the message says which."""


@dataclass(frozen=True)
class Spec:
    description: str
    defaults: Mapping[str, int | float | str] = field(default_factory=dict)


SPECS: dict[str, Spec] = {
    "normal": Spec("Answers as the analyst would, at the configured pace."),
    "slow_first_token": Spec("Every call waits `seconds` before its response starts.", {"seconds": 5.0}),
    "slow_chunks": Spec("`seconds` between the answer's text chunks.", {"seconds": 2.0}),
    "rate_limited_then_ok": Spec("The session's first `failures` calls get 429, later ones are normal.",
                                 {"failures": 1}),
    "rate_limited": Spec("Every call gets 429 RESOURCE_EXHAUSTED."),
    "server_error": Spec("Every call gets 500 INTERNAL."),
    "unavailable": Spec("Every call gets 503 UNAVAILABLE."),
    "stall": Spec("The answer sends `after_chunks` chunks, then nothing for `seconds`, then the rest.",
                  {"after_chunks": 2, "seconds": 120.0}),
    "cut": Spec("The answer sends `after_chunks` chunks, then the connection closes mid-body.",
                {"after_chunks": 2}),
    "malformed": Spec("The answer sends `after_chunks` chunks, then a frame that is not JSON.",
                      {"after_chunks": 2}),
    # `tool`, not `name`: the body's "name" is the scenario's.
    "unknown_tool": Spec("A question's first turn calls the tool `tool`, which the request did not declare.",
                         {"tool": "get_insider_trades"}),
    "safety": Spec("The answer is blocked: finishReason SAFETY, a blocked safety rating, no text."),
}

# Bounds that catch a unit mistake (milliseconds given as seconds) rather than limit use.
MAX_SECONDS = 3600.0
MAX_COUNT = 1000
# Gemini's rule for function names.
_FUNCTION_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,63}$")


@dataclass(frozen=True)
class Fault:
    """A break in the answer's stream, after `after_chunks` chunks."""

    kind: str  # stall | cut | malformed
    after_chunks: int
    seconds: float = 0.0


@dataclass(frozen=True)
class Effects:
    """What the scenario does to one model call; the defaults are a normal call."""

    error_status: int | None = None
    first_token_s: float | None = None  # None: the configured pace
    chunk_gap_s: float | None = None
    fault: Fault | None = None
    undeclared_tool: str | None = None
    blocked: bool = False


@dataclass(frozen=True)
class Scenario:
    name: str = "normal"
    params: Mapping[str, Any] = field(default_factory=dict)

    def effects(self, call_number: int) -> Effects:
        """The effects on the session's `call_number`-th model call (counted from 1)."""
        p = self.params
        match self.name:
            case "slow_first_token":
                return Effects(first_token_s=p["seconds"])
            case "slow_chunks":
                return Effects(chunk_gap_s=p["seconds"])
            case "rate_limited_then_ok":
                return Effects(error_status=429 if call_number <= p["failures"] else None)
            case "rate_limited":
                return Effects(error_status=429)
            case "server_error":
                return Effects(error_status=500)
            case "unavailable":
                return Effects(error_status=503)
            case "stall":
                return Effects(fault=Fault("stall", p["after_chunks"], p["seconds"]))
            case "cut" | "malformed":
                return Effects(fault=Fault(self.name, p["after_chunks"]))
            case "unknown_tool":
                return Effects(undeclared_tool=p["tool"])
            case "safety":
                return Effects(blocked=True)
        return Effects()

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, **self.params}


NORMAL = Scenario()


def _checked(scenario: str, param: str, default: int | float | str, value: Any) -> int | float | str:
    where = f"{scenario}.{param}"
    if isinstance(default, str):
        if not isinstance(value, str) or not _FUNCTION_NAME.match(value):
            raise ScenarioError(f"{where} must be a function name (letters, digits, _ . -), got {value!r}")
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ScenarioError(f"{where} must be a number, got {value!r}")
    if isinstance(default, int):
        if not isinstance(value, int) or not 0 <= value <= MAX_COUNT:
            raise ScenarioError(f"{where} must be a whole number from 0 to {MAX_COUNT}, got {value!r}")
        return value
    if not math.isfinite(value) or not 0 <= value <= MAX_SECONDS:
        raise ScenarioError(f"{where} must be seconds from 0 to {MAX_SECONDS:g}, got {value!r}")
    return float(value)


def parse_scenario(body: Any) -> Scenario:
    """A scenario from the admin API's JSON: {"name": ..., ...params}."""
    if not isinstance(body, dict) or not isinstance(body.get("name"), str):
        raise ScenarioError('send a JSON object with the scenario\'s "name" and its parameters')
    name = body["name"]
    spec = SPECS.get(name)
    if spec is None:
        raise ScenarioError(f"unknown scenario {name!r}; known: {', '.join(SPECS)}")
    given = {k: v for k, v in body.items() if k != "name"}
    if unknown := sorted(set(given) - set(spec.defaults)):
        known = ", ".join(spec.defaults) or "none"
        raise ScenarioError(f"unknown parameter(s) {', '.join(unknown)} for {name!r}; its parameters: {known}")
    params = {param: _checked(name, param, default, given.get(param, default))
              for param, default in spec.defaults.items()}
    return Scenario(name, params)
