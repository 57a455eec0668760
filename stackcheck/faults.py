"""Faults injected into a running stack: crash, stop, pause, network cut.

Every fault is a context manager around the same cycle:
1. steady state first: every container running and healthy, and nginx serving the page and
   a ready API; a fault on a stack that is already sick proves nothing;
2. inject the fault, while a prober sends requests through nginx to a route that needs the
   faulted service, counting failures;
3. on exit, even when the test failed or was interrupted: lift the fault, measure
   time-to-healthy (Docker's view) and time-to-serving (the prober's view), then check the
   steady state again. Should the stack not come back by itself, the harness repairs it
   (start, unpause, reconnect) and says so; if even that fails, `Faults.broken` says why
   and every later fault refuses to run.

A crash is a real one: SIGKILL of the container's main process from the Docker host, which
Docker's restart policy answers (`docker kill` is a manual stop that it never restarts;
a crash is not a stop). With only the Docker API in reach (a remote DOCKER_HOST), the app
process under the container's init (`init: true`) is killed through `docker exec`, and the
init exits with it. Everything goes through the Target and stackcheck.docker, so a remote
engine works the same way. The Target never changes: a restarted container of the bundled
stack comes back on the ports the run pinned.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx

from . import docker, slo
from .reporting.chaos import ChaosReport, FaultRun
from .target import Target

PROBE_INTERVAL_S = 0.1
PROBE_TIMEOUT_S = 3.0
STEADY_TIMEOUT_S = 90.0
# Docker restarts a crashed container at once (its back-off starts at 100 ms); still exited
# after this long, it won't.
RESTART_GRACE_S = 8.0


class StackBroken(RuntimeError):
    """The stack could not be brought back to its steady state after a fault."""


class NotSteady(AssertionError):
    pass


@dataclass(frozen=True)
class Probe:
    """A request through nginx that succeeds only while a given service serves."""
    path: str
    check: Callable[[httpx.Response], bool]

    def ok(self, client: httpx.Client, base_url: str) -> bool:
        try:
            return self.check(client.get(base_url + self.path))
        except httpx.HTTPError:
            return False


def _ready(dependency: str | None = None) -> Callable[[httpx.Response], bool]:
    def check(r: httpx.Response) -> bool:
        if r.status_code != 200:
            return False
        body = r.json()
        return body["checks"][dependency]["ok"] if dependency else body["status"] == "ok"
    return check


PROBES: dict[str, Probe] = {
    "nginx": Probe("/nginx-health", lambda r: r.status_code == 200),
    "frontend": Probe("/", lambda r: r.status_code == 200 and r.headers.get("content-type", "").startswith("text/html")),
    "backend": Probe("/api/v1/health/live", lambda r: r.status_code == 200),
    "postgres": Probe("/api/v1/health/ready", _ready("postgres")),
    "redis": Probe("/api/v1/health/ready", _ready("redis")),
}
# The stack's steady state, from outside: the page, and an API ready with both data stores.
STEADY_PROBES = (PROBES["frontend"], Probe("/api/v1/health/ready", _ready()))


class Prober:
    """Requests through nginx every PROBE_INTERVAL_S in a background thread; `base_url`
    says where nginx is each time."""

    def __init__(self, probe: Probe | None, base_url: Callable[[], str]) -> None:
        self.probe, self.base_url = probe, base_url
        self.samples: list[tuple[float, bool]] = []     # (monotonic time, ok)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="fault-prober", daemon=True)

    def _loop(self) -> None:
        with httpx.Client(timeout=PROBE_TIMEOUT_S) as client:
            while not self._stop.is_set():
                self.samples.append((time.monotonic(), self.probe.ok(client, self.base_url())))
                self._stop.wait(PROBE_INTERVAL_S)

    def __enter__(self) -> Prober:
        if self.probe:
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=PROBE_TIMEOUT_S + 1)

    @property
    def serving(self) -> bool:
        return bool(self.samples) and self.samples[-1][1]

    def serving_since(self) -> float | None:
        """When the probe last went from failing to succeeding (None: still failing)."""
        if not self.serving:
            return None
        failures = [t for t, ok in self.samples if not ok]
        if not failures:
            return self.samples[0][0]
        return next(t for t, ok in self.samples if ok and t > failures[-1])


class Faults:
    """The fault library bound to one target, which it never changes."""

    def __init__(self, target: Target, report: ChaosReport | None = None) -> None:
        self.target = target
        self.report = report or ChaosReport()

    @property
    def broken(self) -> str | None:
        return self.report.broken

    # --- looking at the stack --------------------------------------------------------------

    def steady_problems(self) -> list[str]:
        """Why the stack is not in its steady state; empty when it is."""
        problems = [f"{svc} is {state}" for svc, state in self.target.health().items()]
        if not problems:
            with httpx.Client(timeout=PROBE_TIMEOUT_S) as client:
                problems = [f"GET {p.path} through nginx fails" for p in STEADY_PROBES
                            if not p.ok(client, self.target.base_url)]
        return problems

    def wait_steady(self, timeout: float = STEADY_TIMEOUT_S) -> float:
        """Seconds until every service is healthy and nginx serves; NotSteady after timeout."""
        started = time.monotonic()
        while problems := self.steady_problems():
            if time.monotonic() - started > timeout:
                raise NotSteady(f"not steady after {timeout:.0f} s: {'; '.join(problems)}")
            time.sleep(0.5)
        return time.monotonic() - started

    def wait_healthy(self, service: str, timeout: float, restarts_above: int | None = None) -> float | None:
        """Seconds until Docker reports the service healthy (after a restart, when
        `restarts_above` is given); None when it isn't within `timeout`, or when a crashed
        container stays exited (Docker is not going to restart it)."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            info = self.target.container(service)
            restarted = restarts_above is None or info["RestartCount"] > restarts_above
            if restarted and docker.healthy(info):
                return time.monotonic() - started
            s = info["State"]
            if restarts_above is not None and not s["Running"] and not s["Restarting"] \
                    and time.monotonic() - started > RESTART_GRACE_S:
                return None
            time.sleep(0.1)
        return None

    # --- the faults ------------------------------------------------------------------------

    def crash(self, service: str, via: str | None = None):
        """SIGKILL of the service's main process; Docker's restart policy must bring it back.
        `via`: "host" (kill the container's init from the Docker host) or "exec" (kill the
        app under the init from inside); by default "host" when the engine is local."""
        via = via or ("host" if self.target.docker_host is None else "exec")
        if via not in ("host", "exec"):
            raise ValueError(f"crash via host or exec, not {via!r}")

        def inject(info: dict) -> None:
            if via == "host":
                os.kill(info["State"]["Pid"], signal.SIGKILL)
            else:
                # Init's children (PPid 1) are the app; `docker exec` itself runs with PPid 0.
                proc = docker.run("exec", info["Id"], "sh", "-c",
                                  'for s in /proc/[0-9]*/status; do while read -r k v; do '
                                  '[ "$k" = PPid: ] && [ "$v" = 1 ] && kill -9 "$(basename "$(dirname "$s")")"; '
                                  'done < "$s"; done 2>/dev/null; true')
                # The exec often dies with its container, silently and non-zero: that is the
                # crash working. Only a complaint (no shell, container gone) is a failure.
                if proc.returncode and proc.stderr.strip():
                    raise RuntimeError(f"could not crash {service} through docker exec: {proc.stderr.strip()}")

        return self._fault(f"crash ({via})", service, inject, lift=None)

    def stop(self, service: str):
        """`docker stop`, then `docker start`: a planned outage of a dependency."""
        return self._fault("stop", service, lambda info: docker.docker("stop", "-t", "10", info["Id"]),
                           lift=lambda info: docker.docker("start", info["Id"]))

    def pause(self, service: str):
        """`docker pause` (SIGSTOP for the whole container): connections hang instead of failing."""
        return self._fault("pause", service, lambda info: docker.docker("pause", info["Id"]),
                           lift=lambda info: docker.docker("unpause", info["Id"]))

    def disconnect(self, service: str, network: str):
        """Cut the service off one of the project's networks (compose key, e.g. "front")."""
        def name(info: dict) -> str:
            full = f"{self.target.project}_{network}"
            if full not in info["NetworkSettings"]["Networks"]:
                raise LookupError(f"{service} is not on network {full}")
            return full

        def inject(info: dict) -> None:
            docker.docker("network", "disconnect", name(info), info["Id"])

        def lift(info: dict) -> None:
            net = name(info)
            # The aliases make the service's name resolve again (Compose sets them).
            aliases = [a for a in info["NetworkSettings"]["Networks"][net].get("Aliases") or []
                       if a != info["Config"]["Hostname"]]
            docker.docker("network", "connect", *(f"--alias={a}" for a in aliases), net, info["Id"])

        return self._fault(f"disconnect {network}", service, inject, lift)

    # --- the cycle ---------------------------------------------------------------------------

    @contextmanager
    def _fault(self, kind: str, service: str, inject: Callable[[dict], None],
               lift: Callable[[dict], None] | None) -> Iterator[FaultRun]:
        if self.broken:
            raise StackBroken(f"refusing to inject {kind} into {service}: the stack is broken ({self.broken})")
        try:
            self.wait_steady()
        except NotSteady as exc:
            raise NotSteady(f"before {kind} of {service}: {exc}") from None
        before = self.target.container(service)
        run = FaultRun(kind, service)
        budget = slo.recovery_budget(service)
        prober = Prober(PROBES.get(service), lambda: self.target.base_url)
        try:
            with prober:
                injected = time.monotonic()
                inject(before)
                try:
                    yield run
                finally:
                    self._recover(run, before, lift, budget, prober, injected)
        finally:
            run.requests = len(prober.samples)
            run.failed = sum(not ok for _, ok in prober.samples)
            self.report.add(run)

    def _recover(self, run: FaultRun, before: dict, lift, budget: dict, prober: Prober, injected: float) -> None:
        """Lift the fault, measure the way back, check the steady state; else repair."""
        service = run.service
        limit = 2 * max(budget["healthy_s"], budget["serving_s"])
        try:
            if lift:
                lift(before)
            lifted = time.monotonic() if lift else injected
            if self.wait_healthy(service, limit, None if lift else before["RestartCount"]) is None:
                info = self.target.container(service)
                raise NotSteady(
                    f"{service} not healthy again: {docker.state(info)}, RestartCount "
                    f"{before['RestartCount']} -> {info['RestartCount']}, restart policy "
                    f"{info['HostConfig']['RestartPolicy']['Name'] or 'none'!r}")
            run.time_to_healthy = time.monotonic() - lifted
            if not lift:  # (`docker start` resets the count)
                run.restarts = self.target.container(service)["RestartCount"] - before["RestartCount"]
            if prober.probe:
                deadline = time.monotonic() + limit
                while not prober.serving and time.monotonic() < deadline:
                    time.sleep(PROBE_INTERVAL_S)
                if (since := prober.serving_since()) is None:
                    raise NotSteady(f"GET {prober.probe.path} through nginx still fails {limit:.0f} s after the fault")
                run.time_to_serving = max(0.0, since - lifted)
            self.wait_steady(timeout=30)
        except Exception as exc:  # noqa: BLE001 - whatever went wrong, the stack is repaired below
            run.notes.append(f"did not recover by itself: {exc}")
            self._repair(run, before)

    def _repair(self, run: FaultRun, before: dict) -> None:
        """Last resort: start, unpause and reconnect whatever the fault left behind."""
        try:
            for info in self.target.containers().values():
                if info["State"]["Paused"]:
                    docker.docker("unpause", info["Id"])
                elif not info["State"]["Running"]:
                    docker.docker("start", info["Id"])
            info = self.target.container(run.service)
            for net, settings in before["NetworkSettings"]["Networks"].items():
                if net not in info["NetworkSettings"]["Networks"]:
                    aliases = [a for a in settings.get("Aliases") or [] if a != info["Config"]["Hostname"]]
                    docker.docker("network", "connect", *(f"--alias={a}" for a in aliases), net, info["Id"])
            self.wait_steady()
            run.notes.append("the harness repaired the stack")
        except Exception as exc:  # noqa: BLE001
            self.report.broken = f"{run.fault} of {run.service}: {exc}"
            run.notes.append(f"STACK BROKEN: {exc}")
            raise StackBroken(self.report.broken) from exc

