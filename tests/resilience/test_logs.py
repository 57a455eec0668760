"""After a fault the logs tell the story: every service's log can be collected, each is
rotated, and the backend's error carries the request id the client saw."""

import json
import uuid


def test_a_failed_request_is_logged_with_its_request_id_and_every_log_is_collected(faults, target, accounts):
    """With the database down, asking for the user's analyses fails with a clear "service unavailable" (503)
    that carries the request's tracking id, and the backend logs a database warning or error under that same id,
    so support can trace a user's report. Every service's logs can be collected, and none is empty, along with
    the rest of the evidence a failure gets (the container list, each health log and inspect), from a remote
    host as from this machine."""
    request_id = f"chaos-{uuid.uuid4().hex[:12]}"
    with accounts.client() as api, faults.stop("postgres") as run:
        # Signed in before the fault: without Postgres the session cannot be checked either.
        response = api.get("/api/v1/analyses", headers={"X-Request-ID": request_id})
    run.notes.append(f"GET /api/v1/analyses without Postgres: {response.status_code}")
    assert response.status_code == 503, response.text[:300]
    assert response.headers["x-request-id"] == request_id

    # The evidence a failure gets, the same through DOCKER_HOST=ssh://... as on this machine.
    found = target.evidence()
    logs = {s.service: s.logs for s in found.services}
    assert set(logs) == set(target.containers()), f"logs collected for {sorted(logs)} only"
    silent = [service for service, text in logs.items() if not text.strip()]
    assert not silent, f"no log lines from {silent}"
    assert all(s.container in found.ps for s in found.services), f"`docker ps` lacks containers:\n{found.ps}"
    no_health_log = [s.service for s in found.services if not s.health.get("Log")]
    assert not no_health_log, f"no health log collected for {no_health_log}"
    assert all(f'"Id": "{c["Id"]}"' in s.inspect for s in found.services
               for c in [target.container(s.service)]), "an inspect is missing from the evidence"

    entries = [json.loads(line.split(" ", 1)[1]) for line in logs["backend"].splitlines()
               if line.split(" ", 1)[-1].startswith("{")]
    ours = [e for e in entries if e.get("request_id") == request_id]
    problems = [e for e in ours if e.get("level", "").lower() in ("warning", "error", "critical")]
    assert problems, (f"the backend logged no warning or error with request id {request_id}; "
                      f"its lines with that id: {ours}")
    assert any("database" in json.dumps(e).lower() for e in problems), problems


def test_every_service_rotates_its_log(target):
    """Every service's logs are capped in size and number of files, so logs cannot grow until the server's disk
    is full."""
    unrotated = {}
    for service, info in target.containers().items():
        config = info["HostConfig"]["LogConfig"]
        if config["Type"] not in ("json-file", "local") or not {"max-size", "max-file"} <= set(config["Config"] or {}):
            unrotated[service] = config
    assert not unrotated, f"logs that grow without bound: {unrotated}"
