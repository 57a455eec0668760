"""The whole stack's memory and CPU, from `docker stats`, sampled in the background during load.

`docker stats` reports CPU per container as a percent of one core; the budgets speak of the
machine, so the stack's total is divided by the Docker host's core count.
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from statistics import mean

from . import slo
from .docker import docker, run

_UNITS = {"b": 1 / 2**20, "kib": 1 / 1024, "mib": 1, "gib": 1024, "tib": 2**20,
          "kb": 1e3 / 2**20, "mb": 1e6 / 2**20, "gb": 1e9 / 2**20}


def mebibytes(size: str) -> float:
    """'122.9MiB' -> 122.9; docker prints binary units, plain B for tiny values."""
    match = re.fullmatch(r"\s*([\d.]+)\s*([A-Za-z]+)\s*", size)
    if not match or match.group(2).lower() not in _UNITS:
        raise ValueError(f"not a docker size: {size!r}")
    return float(match.group(1)) * _UNITS[match.group(2).lower()]


@dataclass(frozen=True)
class StatsSample:
    t: float                      # seconds since sampling started
    cpu: dict[str, float]         # per service, percent of one core
    memory_mb: dict[str, float]   # per service

    @property
    def total_cpu(self) -> float:
        return sum(self.cpu.values())

    @property
    def total_memory_mb(self) -> float:
        return sum(self.memory_mb.values())


def parse_stats(lines: str, services: dict[str, str], t: float) -> StatsSample:
    """One `docker stats --no-stream --format '{{json .}}'` answer, by compose service."""
    cpu, memory = {}, {}
    for line in filter(None, lines.splitlines()):
        row = json.loads(line)
        service = services.get(row["ID"], row["Name"])
        cpu[service] = float(row["CPUPerc"].rstrip("%") or 0)
        memory[service] = mebibytes(row["MemUsage"].split("/")[0])
    return StatsSample(t, cpu, memory)


def host_cpus() -> int:
    return int(docker("info", "--format", "{{.NCPU}}").strip())


class StackSampler:
    """`with StackSampler(project) as sampler:` samples until the block ends (about every 2 s,
    the time `docker stats` takes to measure CPU)."""

    def __init__(self, project: str) -> None:
        listing = docker("ps", "--no-trunc", "--filter", f"label=com.docker.compose.project={project}",
                         "--format", '{{.ID}} {{.Label "com.docker.compose.service"}}')
        self.services = {cid[:12]: name for cid, name in (line.split() for line in listing.splitlines())}
        if not self.services:
            raise LookupError(f"no running containers in project {project}")
        self.samples: list[StatsSample] = []
        self.errors: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        started = time.monotonic()
        while not self._stop.is_set():
            proc = run("stats", "--no-stream", "--format", "{{json .}}", *self.services)
            if proc.returncode:
                self.errors.append(proc.stderr.strip())
            else:
                self.samples.append(parse_stats(proc.stdout, self.services, time.monotonic() - started))

    def __enter__(self) -> StackSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=10)


def usage(samples: list[StatsSample], cpus: int) -> dict[str, float]:
    """Peak whole-stack memory (MiB) and average whole-stack CPU (percent of the machine)."""
    return {"memory_mb": max(s.total_memory_mb for s in samples),
            "cpu_percent": mean(s.total_cpu for s in samples) / cpus}


def verdicts(samples: list[StatsSample], cpus: int) -> list[slo.Verdict]:
    """The stack's memory and CPU against the `resources` budgets; too few samples fail."""
    spec = slo.section("resources")
    used = usage(samples, cpus) if samples else {}
    return [slo.budget("memory_mb", {"peak": used.get("memory_mb", 0)}, len(samples),
                       spec["memory_mb"], spec["min_samples"], "MiB"),
            slo.budget("cpu_percent", {"average": used.get("cpu_percent", 0)}, len(samples),
                       spec["cpu_percent"], spec["min_samples"], "%")]


# --- idle CPU, from each container's cgroup -----------------------------------------------
# A container's CPU time, counted by the kernel: exact over any window, unlike `docker stats`
# (one ~1 s sample). It includes each healthcheck's exec. Readable on the Docker host only.
_CGROUP_CPU = (  # (file, field or None for the whole file, seconds per unit)
    ("/sys/fs/cgroup/system.slice/docker-{id}.scope/cpu.stat", "usage_usec", 1e-6),  # cgroup v2
    ("/sys/fs/cgroup/cpuacct/docker/{id}/cpuacct.usage", None, 1e-9),                # cgroup v1
)


def cpu_seconds(container_id: str) -> float:
    """The CPU time a container has used since it started."""
    for pattern, field, unit in _CGROUP_CPU:
        try:
            text = Path(pattern.format(id=container_id)).read_text()
        except FileNotFoundError:
            continue
        value = text if field is None else re.search(rf"^{field} (\d+)$", text, re.M).group(1)
        return int(value) * unit
    raise LookupError(f"no cgroup CPU counter for container {container_id[:12]} on this host")


def idle_cpu(containers: dict[str, str], seconds: float) -> dict[str, float]:
    """Each service's CPU over `seconds` of leaving it alone, in percent of one core.
    `containers` maps service names to full container ids."""
    before = {name: cpu_seconds(cid) for name, cid in containers.items()}
    started = time.monotonic()
    time.sleep(seconds)
    elapsed = time.monotonic() - started
    return {name: (cpu_seconds(cid) - before[name]) / elapsed * 100 for name, cid in containers.items()}
