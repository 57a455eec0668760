"""The admin API, for tests: choose a session's scenario, read what the model received."""
from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .scenarios import SPECS, ScenarioError, parse_scenario
from .sessions import SessionStore


def _sessions(request: Request) -> SessionStore:
    return request.app.state.sessions


async def put_scenario(request: Request) -> Response:
    session_id = request.path_params["session_id"]
    try:
        scenario = parse_scenario(json.loads(await request.body()))
    except json.JSONDecodeError as exc:
        return JSONResponse({"error": f"the body is not JSON: {exc.msg}"}, status_code=400)
    except ScenarioError as exc:
        return JSONResponse({"error": str(exc)}, status_code=400)
    _sessions(request).get(session_id).scenario = scenario
    return JSONResponse({"session": session_id, "scenario": scenario.as_json()})


async def get_requests(request: Request) -> Response:
    """The model requests the session made, oldest first (none: an empty list)."""
    session = _sessions(request).find(request.path_params["session_id"])
    return JSONResponse([r.as_json() for r in session.requests] if session else [])


async def delete_session(request: Request) -> Response:
    _sessions(request).delete(request.path_params["session_id"])
    return Response(status_code=204)


async def list_scenarios(request: Request) -> Response:
    return JSONResponse([{"name": name, "params": dict(spec.defaults), "description": spec.description}
                         for name, spec in SPECS.items()])


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok", "sessions": len(_sessions(request))})


ROUTES = [
    Route("/admin/sessions/{session_id}/scenario", put_scenario, methods=["PUT"]),
    Route("/admin/sessions/{session_id}/requests", get_requests, methods=["GET"]),
    Route("/admin/sessions/{session_id}", delete_session, methods=["DELETE"]),
    Route("/admin/scenarios", list_scenarios, methods=["GET"]),
    Route("/healthz", healthz, methods=["GET"]),
]
