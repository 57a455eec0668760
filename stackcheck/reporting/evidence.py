"""Evidence about a stack: what ran, what it logged, and why a service was unhealthy.

Collected through stackcheck.docker alone, so it works for any compose project the docker
client can see (local or, through DOCKER_HOST, remote).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from .. import docker

LOG_TAIL = 400


@dataclass
class ServiceEvidence:
    service: str
    container: str
    state: dict
    logs: str
    inspect: str

    @property
    def health(self) -> dict:
        return self.state.get("Health") or {}

    @property
    def problem(self) -> str | None:
        """One line saying what is wrong with this service; None when it is healthy by the
        suite's one rule (stackcheck.docker.healthy)."""
        s = self.state
        if docker.healthy({"State": s}):
            return None
        if s.get("OOMKilled"):
            return "was killed for exceeding its memory limit (OOMKilled)"
        if s.get("Restarting"):
            return f"is crash-looping: exited with code {s.get('ExitCode')} and is restarting"
        if not s.get("Running"):
            return f"is {s.get('Status', 'not running')} (exit code {s.get('ExitCode')}, error: {s.get('Error') or 'none'})"
        if s.get("Paused"):
            return "is paused"
        status = self.health.get("Status")
        if not status:
            return "is running but has no healthcheck, so it never counts as healthy"
        probes = self.health.get("Log") or []
        last = probes[-1] if probes else {}
        output = (last.get("Output") or "").strip().replace("\n", " ")[:300]
        return (f"is {status}: {self.health.get('FailingStreak', 0)} failing probes, "
                f"last exit {last.get('ExitCode')}: {output or 'no output'}")


@dataclass
class StackEvidence:
    project: str
    ps: str
    services: list[ServiceEvidence] = field(default_factory=list)

    @property
    def summary(self) -> str:
        problems = [f"{s.service} {s.problem}" for s in self.services if s.problem]
        return "; ".join(problems) if problems else "every service is running and healthy"

    def files(self) -> dict[str, str]:
        """Evidence as named text files, for a report or a directory."""
        out = {"summary.txt": self.summary + "\n", "ps.txt": self.ps}
        for s in self.services:
            out[f"{s.service}.log"] = s.logs
            out[f"{s.service}.health.json"] = json.dumps(s.health, indent=2)
            out[f"{s.service}.inspect.json"] = s.inspect
        return out


def collect(project: str) -> StackEvidence:
    label = f"label=com.docker.compose.project={project}"
    ps = docker.output("ps", "-a", "--filter", label,
              "--format", "table {{.Names}}\t{{.Image}}\t{{.Status}}\t{{.Ports}}")
    evidence = StackEvidence(project=project, ps=ps)
    for service, info in sorted(docker.containers(project).items()):
        logs = docker.output("logs", "--timestamps", "--tail", str(LOG_TAIL), info["Id"])
        evidence.services.append(ServiceEvidence(
            service=service, container=docker.name(info), state=info["State"],
            logs=logs, inspect=json.dumps(info, indent=2)))
    return evidence
