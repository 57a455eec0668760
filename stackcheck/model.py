"""The model behind the agent, as tests see it: which model the stack runs, and the
Gemini-API-compatible test server (stack/gemini-mock/) that plays Gemini in the bundled stack.

A test picks a scenario for its own ADK session through the mock's admin API (published on
127.0.0.1 by the test override only), then runs the agent in that session: the backend
sends the session id with each model request, so the fault hits that run alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

# Each failure scenario, and the errorCode the user must see (stack/backend/API.md).
FAILURES = {
    "rate_limited": "MODEL_RATE_LIMITED",
    "server_error": "MODEL_ERROR",
    "unavailable": "MODEL_UNAVAILABLE",
    "stall": "MODEL_TIMEOUT",
    "cut": "MODEL_DISCONNECTED",
    "malformed": "MODEL_BAD_RESPONSE",
    "unknown_tool": "MODEL_UNKNOWN_TOOL",
    "safety": "MODEL_SAFETY",
}


@dataclass(frozen=True)
class ModelRequest:
    """One request the mock received, as it recorded it."""
    path: str
    model: str
    stream: bool
    headers: dict[str, str]
    body: dict

    @property
    def tools(self) -> dict[str, dict]:
        """The declared functions, by name."""
        return {f["name"]: f for tool in self.body.get("tools", []) for f in tool.get("functionDeclarations", [])}

    def parameters(self, tool: str) -> dict:
        """A declared function's parameters schema. google-genai sends a JSON Schema
        (`parameters_json_schema`, which the API also takes in camelCase) or Gemini's own
        `parameters`; types are compared in lower case."""
        declared = self.tools[tool]
        return next((declared[k] for k in ("parametersJsonSchema", "parameters_json_schema", "parameters")
                     if k in declared), {})

    @property
    def system_instruction(self) -> str:
        parts = (self.body.get("systemInstruction") or {}).get("parts", [])
        return "".join(p.get("text", "") for p in parts)

    @property
    def function_responses(self) -> list[dict]:
        return [p["functionResponse"] for c in self.body.get("contents", []) for p in c.get("parts", [])
                if "functionResponse" in p]


class ModelMock:
    """The mock's admin API."""

    def __init__(self, url: str) -> None:
        self.http = httpx.Client(base_url=url, timeout=10)

    def use(self, session_id: str, scenario: str, **params) -> None:
        response = self.http.put(f"/admin/sessions/{session_id}/scenario", json={"name": scenario, **params})
        assert response.status_code == 200, f"the model mock refused scenario {scenario}: {response.text}"

    def requests(self, session_id: str) -> list[ModelRequest]:
        response = self.http.get(f"/admin/sessions/{session_id}/requests")
        response.raise_for_status()
        return [ModelRequest(**{k: r[k] for k in ("path", "model", "stream", "headers", "body")})
                for r in response.json()]

    def forget(self, session_id: str) -> None:
        self.http.delete(f"/admin/sessions/{session_id}")


def metric_values(exposition: str) -> dict[str, float]:
    """Prometheus text exposition as {'name{labels}': value} (labels exactly as exposed)."""
    values = {}
    for line in exposition.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            values[name] = float(value)
    return values


def backend_metrics(backend_url: str) -> dict[str, float]:
    response = httpx.get(f"{backend_url}/metrics", timeout=10)
    response.raise_for_status()
    return metric_values(response.text)
