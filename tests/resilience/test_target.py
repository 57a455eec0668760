"""Where the stack is does not move: after its containers restart, the session's target
still reaches every service it offers, on the same addresses."""

import httpx
import redis

from stackcheck import service_names


def test_the_target_reaches_every_service_after_each_was_stopped_and_started(faults, target):
    """After every service has been stopped and started again in turn, the site reports itself ready, and the
    test suite still reaches each service at the address it used before, so the checks that follow test the
    running stack."""
    # `docker stop` + `docker start` gives a container a new port mapping: exactly when
    # ports picked by Docker would move.
    for service in service_names(target.kind):
        with faults.stop(service):
            pass
    nginx = httpx.get(target.base_url + "/api/v1/health/ready", timeout=10)
    assert nginx.status_code == 200, f"through nginx at {target.base_url}: {nginx.status_code} {nginx.text[:200]}"
    if target.backend_url:
        assert httpx.get(target.backend_url + "/api/v1/health/live", timeout=10).status_code == 200
    if target.db:
        assert target.db.rows("SELECT 1 AS one") == [(1,)]
    if target.model_mock_url:
        assert httpx.get(target.model_mock_url + "/healthz", timeout=10).status_code == 200
    if target.redis:
        assert redis.Redis(**target.redis, socket_timeout=5).ping()
