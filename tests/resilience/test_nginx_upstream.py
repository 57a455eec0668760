"""An upstream of nginx is down or cut off: the client gets a quick, clear 502/503/504 with
the stack's own error page (JSON for the API, HTML for pages), never a hang, and service
comes back on its own when the upstream returns."""

import time

import httpx
import pytest

ANSWER_WITHIN_S = 5     # a clear error, not a hang


def fetch(target, path: str, accept: str) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = httpx.get(target.base_url + path, headers={"Accept": accept}, timeout=ANSWER_WITHIN_S * 3)
    return response, time.monotonic() - started


UPSTREAMS = {
    # service: (path through nginx, Accept, expected content type, text the error page has)
    "backend": ("/api/v1/health/live", "application/json", "application/json", '"upstream_unavailable"'),
    "frontend": ("/", "text/html", "text/html", "Temporarily unavailable"),
}


@pytest.mark.parametrize("fault,service", [("stop", "backend"), ("stop", "frontend"),
                                           ("disconnect", "backend")])
def test_an_upstream_down_is_a_clear_error_page_and_service_returns(faults, target, fault, service):
    """When the backend or the web app is stopped, or the backend is cut off, a visitor gets within 5 seconds a
    clear "temporarily unavailable" answer in the site's own form (a page for pages, a data message for the API)
    with a tracking id, instead of a hang. Once the service is back, the same address works again by itself."""
    path, accept, content_type, marker = UPSTREAMS[service]
    inject = faults.disconnect(service, "front") if fault == "disconnect" else getattr(faults, fault)(service)
    with inject as run:
        response, took = fetch(target, path, accept)
    run.notes.append(f"GET {path} answered {response.status_code} in {took:.2f} s")
    assert took < ANSWER_WITHIN_S, f"GET {path} took {took:.1f} s with {service} down: a hang, not an error"
    assert response.status_code in (502, 503, 504), f"GET {path} with {service} down: {response.status_code}"
    assert response.headers["content-type"].startswith(content_type), response.headers["content-type"]
    assert marker in response.text, response.text[:300]
    assert response.headers.get("x-request-id"), "the error page has no request id to report"
    assert run.time_to_serving is not None, run.why
    assert fetch(target, path, accept)[0].status_code == 200
