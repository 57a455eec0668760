"""The stack is up: every service healthy, and nginx serves both the page and the API."""

import httpx

from stackcheck import docker

SERVICES = {"nginx", "frontend", "backend", "postgres", "redis"}


def test_every_service_is_running_and_healthy(target):
    found = docker.containers(target.project)
    assert SERVICES <= set(found), f"services present: {sorted(found)}"
    unhealthy = {svc: state for svc, c in found.items() if (state := docker.state(c)) != "running/healthy"}
    assert not unhealthy, f"not running and healthy: {unhealthy}"


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
