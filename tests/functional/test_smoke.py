"""The stack is up: every service healthy, and nginx serves both the page and the API."""

import httpx

from stackcheck import service_names


def test_every_service_is_running_and_healthy(target):
    found = set(target.containers())
    assert set(service_names()) <= found, f"services of the compose files: {service_names()}, running: {sorted(found)}"
    assert not target.health(), f"not running and healthy: {target.health()}"


def test_nginx_serves_the_frontend_page(target):
    response = httpx.get(target.base_url + "/", timeout=10)
    assert response.status_code == 200, response.text[:500]
    assert response.headers["content-type"].startswith("text/html")
    assert "<html" in response.text.lower()


def test_nginx_serves_the_api_and_both_data_stores_are_ready(target):
    response = httpx.get(target.base_url + "/api/v1/health/ready", timeout=10)
    assert response.status_code == 200, response.text
    checks = response.json()["checks"]
    assert checks["postgres"]["ok"] and checks["redis"]["ok"], checks
