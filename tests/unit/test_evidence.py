"""Evidence names the unhealthy service and why."""

from stackcheck.reporting.evidence import ServiceEvidence, StackEvidence


def service(name: str, **state) -> ServiceEvidence:
    return ServiceEvidence(service=name, container=f"p-{name}-1", state=state, logs="", inspect="{}")


HEALTHY = {"Running": True, "Status": "running", "Health": {"Status": "healthy"}}


def test_a_healthy_service_has_no_problem():
    assert service("nginx", **HEALTHY).problem is None


def test_an_unhealthy_service_quotes_its_last_probe():
    svc = service("backend", Running=True, Health={
        "Status": "unhealthy", "FailingStreak": 3,
        "Log": [{"ExitCode": 1, "Output": "connection refused\n"}]})
    assert svc.problem == "is unhealthy: 3 failing probes, last exit 1: connection refused"


def test_a_crash_loop_and_an_oom_kill_are_named():
    assert "crash-looping" in service("backend", Running=True, Restarting=True, ExitCode=1).problem
    assert "OOMKilled" in service("redis", OOMKilled=True).problem


def test_an_exited_service_gives_its_exit_code():
    assert "exit code 137" in service("postgres", Running=False, Status="exited", ExitCode=137).problem


def test_the_summary_lists_only_the_services_with_problems():
    stack = StackEvidence(project="p", ps="", services=[
        service("nginx", **HEALTHY), service("redis", Running=False, Status="exited", ExitCode=1)])
    assert stack.summary.startswith("redis is exited")
    assert "nginx" not in stack.summary
    assert set(stack.files()) >= {"summary.txt", "ps.txt", "redis.log", "redis.health.json"}


def test_a_running_service_without_a_healthcheck_is_named_and_not_called_healthy():
    bare = service("worker", Running=True, Status="running")
    assert "no healthcheck" in bare.problem
    assert StackEvidence("p", ps="", services=[service("nginx", **HEALTHY), bare]).summary.startswith("worker ")


def test_docker_counts_only_a_running_unpaused_container_with_a_passing_healthcheck_as_healthy():
    from stackcheck import docker
    info = lambda **state: {"State": {"Running": True, "Paused": False, "Status": "running", "ExitCode": 0, **state}}
    assert docker.healthy(info(Health={"Status": "healthy"}))
    assert not docker.healthy(info())
    assert docker.state(info()) == "running/no healthcheck"
    assert not docker.healthy(info(Paused=True, Health={"Status": "healthy"}))
    assert not docker.healthy(info(Health={"Status": "starting"}))
