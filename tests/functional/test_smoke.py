"""The stack is up: every service healthy, and nginx serves both the page and the API."""

import httpx

from stackcheck import AgentClient, service_names


def test_every_service_is_running_and_healthy(target):
    """Every service the stack is made of is running and reports healthy."""
    found = set(target.containers())
    expected = service_names(target.kind)
    assert set(expected) <= found, f"services of the compose files: {expected}, running: {sorted(found)}"
    assert not target.health(), f"not running and healthy: {target.health()}"


def test_nginx_serves_the_frontend_page(target):
    """The site's address serves the home page: a web page, with no error."""
    response = httpx.get(target.base_url + "/", timeout=10)
    assert response.status_code == 200, response.text[:500]
    assert response.headers["content-type"].startswith("text/html")
    assert "<html" in response.text.lower()


def test_nginx_serves_the_api_and_both_data_stores_are_ready(target):
    """The API answers through the site's address and reports that both the database and the cache are ready."""
    response = httpx.get(target.base_url + "/api/v1/health/ready", timeout=10)
    assert response.status_code == 200, response.text
    checks = response.json()["checks"]
    assert checks["postgres"]["ok"] and checks["redis"]["ok"], checks


def test_the_agent_answers_with_the_model_the_backend_is_configured_for(target, accounts):
    """The bundled stack runs Gemini's client against the model API of the test stack; a
    host without a key runs the offline demo model (the loopback VPS of `make test`)."""
    env = target.env("backend")
    mode = env.get("MODEL", "auto")
    if mode == "auto":
        mode = "gemini" if env.get("GOOGLE_API_KEY") else "offline"
    expected = env.get("GEMINI_MODEL", "gemini-2.5-flash") if mode == "gemini" else "offline-stock-analyst"
    with AgentClient(target.base_url, accounts.new("smoke")) as agent:
        run = agent.run("How is GOOG doing?")
        assert not run.timeline.errors and run.timeline.texts, run.recording.transcript()
        assert agent.analysis(run.session_id)["model"] == expected
