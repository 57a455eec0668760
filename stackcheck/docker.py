"""The one path to Docker: every read and command the suite sends to an engine goes through here.

It drives the docker CLI, so DOCKER_HOST (a local socket, or ssh://user@host for a VPS)
decides which engine answers, and a remote host needs nothing but its Docker API.
testcontainers (stackcheck.compose) runs the bundled stack's compose lifecycle; what it does
not offer (inspect, exec, signals, label sweeps, a remote engine) is here.
"""

from __future__ import annotations

import json
import subprocess

PROJECT_LABEL = "com.docker.compose.project"


def run(*args: str, input: str | bytes | None = None, timeout: float | None = None) -> subprocess.CompletedProcess:
    """A docker CLI call whose failure the caller judges (cleanup and evidence go on regardless).
    Text in, text out; bytes in (a dump on stdin), bytes out."""
    return subprocess.run(["docker", *args], capture_output=True, input=input, timeout=timeout,
                          text=not isinstance(input, bytes))


def docker(*args: str) -> str:
    """A docker CLI call that must succeed; its stdout."""
    proc = run(*args)
    if proc.returncode:
        raise RuntimeError(f"docker {' '.join(args)} failed: {proc.stderr.strip()}")
    return proc.stdout


def output(*args: str) -> str:
    """A docker call's output, with its error text if it failed: evidence is never lost."""
    proc = run(*args)
    return proc.stdout + (f"\n[stderr]\n{proc.stderr}" if proc.returncode else "")


# --- a compose project's containers ---------------------------------------------------------

def _label(project: str) -> str:
    return f"label={PROJECT_LABEL}={project}"


def containers(project: str) -> dict[str, dict]:
    """`docker inspect` of each of the project's containers, by compose service name."""
    ids = docker("ps", "-aq", "--filter", _label(project)).split()
    if not ids:
        return {}
    return {c["Config"]["Labels"].get("com.docker.compose.service", name(c)): c
            for c in json.loads(docker("inspect", *ids))}


def name(info: dict) -> str:
    """A container's name, from its inspect."""
    return info["Name"].lstrip("/")


def environment(info: dict) -> dict[str, str]:
    """A container's environment as it was started, from its inspect."""
    return dict(line.split("=", 1) for line in info["Config"]["Env"])


def healthy(info: dict) -> bool:
    """Running, not paused, and healthy by its healthcheck. A container without a healthcheck
    is never healthy: the stack promises one for every service."""
    s = info["State"]
    return bool(s.get("Running")) and not s.get("Paused") and (s.get("Health") or {}).get("Status") == "healthy"


def state(info: dict) -> str:
    """A container's state in a few words, from its inspect: `running/healthy`,
    `exited/unhealthy (exit 137)`, `running/no healthcheck`, `paused/healthy`."""
    s = info["State"]
    health = (s.get("Health") or {}).get("Status") or "no healthcheck"
    return f"{s['Status']}/{health}" + (f" (exit {s['ExitCode']})" if not s["Running"] else "")


def health(project: str) -> dict[str, str]:
    """The one answer to "is this service healthy": every service that is not, with its state."""
    return {service: state(info) for service, info in containers(project).items() if not healthy(info)}


def exec_in(info: dict, *command: str, stdin: str | None = None, timeout: float = 60) -> str:
    """Run a command in a container; its stdout."""
    proc = run("exec", *(["-i"] if stdin is not None else []), info["Id"], *command,
               input=stdin, timeout=timeout)
    if proc.returncode:
        raise RuntimeError(f"docker exec {name(info)} {' '.join(command)} failed: {proc.stderr.strip()}")
    return proc.stdout


def image(ref: str) -> dict:
    return json.loads(docker("image", "inspect", ref))[0]


def image_history(ref: str) -> list[str]:
    """Each layer's creating command, untruncated."""
    return docker("history", "--no-trunc", "--format", "{{.CreatedBy}}", ref).splitlines()


def server_version() -> str:
    proc = run("version", "--format", "{{.Server.Version}} (client {{.Client.Version}})")
    return proc.stdout.strip() or f"unavailable: {proc.stderr.strip()}"


# --- projects as a whole: what they hold, and removing it -----------------------------------

_LISTINGS = (("containers", ["ps", "-a"], "{{.Names}}", ["rm", "-f", "-v"]),
             ("networks", ["network", "ls"], "{{.Name}}", ["network", "rm"]),
             ("volumes", ["volume", "ls"], "{{.Name}}", ["volume", "rm", "-f"]))


def projects() -> set[str]:
    """Every compose project that holds a container, network or volume on this engine."""
    found: set[str] = set()
    for _, listing, _, _ in _LISTINGS:
        found.update(run(*listing, "--filter", f"label={PROJECT_LABEL}",
                         "--format", f'{{{{.Label "{PROJECT_LABEL}"}}}}').stdout.split())
    return found


def working_dirs(project: str) -> set[str]:
    """The folders the project's containers were started from (compose records them)."""
    return set(run("ps", "-a", "--filter", _label(project), "--format",
                   '{{.Label "com.docker.compose.project.working_dir"}}').stdout.split())


def project_resources(project: str) -> dict[str, list[str]]:
    """What Docker still holds for a project: used to prove that teardown left nothing."""
    return {kind: run(*listing, "--filter", _label(project), "--format", fmt).stdout.split()
            for kind, listing, fmt, _ in _LISTINGS}


def remove_project(project: str) -> None:
    """Remove a project's containers, networks and volumes by label; needs no compose files."""
    for kind, listing, _, remove in _LISTINGS:
        if ids := run(*listing, "-q", "--filter", _label(project)).stdout.split():
            run(*remove, *ids)
