"""Real crashes (SIGKILL of a container's main process): Docker's restart policy must bring
each service back, healthy within its budget, serving through nginx again."""

import threading
import time

import pytest

from stackcheck import AgentClient, service_names, slo
from stackcheck.faults import PROBES
from stackcheck.model import ModelMock


def assert_recovered(run, service: str) -> None:
    budget = slo.recovery_budget(service)
    assert run.restarts >= 1, f"Docker did not restart {service} after a crash: {run.why}"
    assert run.time_to_healthy is not None and run.time_to_healthy < budget["healthy_s"], (
        f"{service} healthy after {run.time_to_healthy} s, budget {budget['healthy_s']} s: {run.why}")
    if service in PROBES:  # the backup sidecar and the model API serve nothing through nginx
        assert run.time_to_serving is not None and run.time_to_serving < budget["serving_s"], (
            f"{service} serving through nginx after {run.time_to_serving} s, budget {budget['serving_s']} s: {run.why}")


@pytest.mark.parametrize("service", service_names())
def test_a_crashed_service_is_restarted_and_serves_again(faults, target, service):
    """When a service crashes suddenly, it is restarted automatically and is healthy again within its time
    budget, with nobody stepping in; for the services users reach through the site, the site serves again within
    its budget too."""
    if service not in service_names(target.kind):
        pytest.skip(f"{service} runs in the bundled test stack only, not on the {target.kind} target")
    with faults.crash(service) as crash:
        pass
    assert_recovered(crash, service)


def test_a_crash_of_the_app_under_init_through_docker_exec_is_restarted_too(faults):
    """The remote way (only the Docker API in reach): kill init's child inside the container."""
    with faults.crash("backend", via="exec") as crash:
        pass
    assert_recovered(crash, "backend")


def test_a_backend_crash_mid_stream_fails_the_run_cleanly_and_the_next_run_works(faults, target, accounts):
    """If the backend crashes while an answer is streaming, the user's stream ends within 15 seconds as a
    failure instead of hanging or looking complete, and no final answer is shown for the cut-off analysis. The
    backend comes back by itself, and the user's next analysis works."""
    outcome, account = {}, accounts.new("crash")
    model = ModelMock(target.require("model_mock_url"))
    with AgentClient(target.base_url, account, timeout=30) as agent:
        # An answer whose chunks come 3 s apart (about 24 s in all): the crash lands mid-stream.
        session = agent.create_session()
        model.use(session, "slow_chunks", seconds=3)
        reader = threading.Thread(target=lambda: outcome.update(run=agent.run("How is WTI doing?", session_id=session)),
                                  daemon=True)
        reader.start()
        # The model's second call (the answer) has begun: the tool's call and result are on
        # the stream, and the slow answer has at least 20 s to go.
        deadline = time.monotonic() + 20
        while len(model.requests(session)) < 2 and reader.is_alive() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert reader.is_alive(), f"the run ended before the crash: {outcome}"
        with faults.crash("backend") as crash:
            crashed = time.monotonic()
            reader.join(timeout=15)
            ended_after = time.monotonic() - crashed
            assert not reader.is_alive(), "the client still waits 15 s after the backend crashed: a hang"
    assert_recovered(crash, "backend")

    rec = outcome["run"].recording
    assert rec.status == 200 and rec.data_frames, "the stream had not started before the crash"
    failed = rec.transport_error or outcome["run"].timeline.errors or rec.unterminated
    assert failed, f"the stream looked complete although the backend died mid-run:\n{rec.transcript()}"
    answers = [e for e in rec.events
               if not e.get("partial") and any("text" in p for p in (e.get("content") or {}).get("parts", []))]
    assert not answers, "a run cut off by a crash must not end with a final answer"
    crash.notes.append(f"stream ended {ended_after:.1f} s after the crash: {rec.transport_error or 'error event'}")

    with AgentClient(target.base_url, account, timeout=30) as agent:
        again = agent.run("How is WTI doing?")
    assert again.recording.status == 200 and not again.timeline.errors, again.recording.transcript()
    assert again.timeline.texts and "WTI" in again.timeline.texts[-1].text
