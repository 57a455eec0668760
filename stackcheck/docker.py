"""Read-only views of a compose project through the docker CLI (works for any DOCKER_HOST)."""

from __future__ import annotations

import json
import subprocess


def run(*args: str) -> subprocess.CompletedProcess[str]:
    """A docker CLI call whose failure the caller judges (cleanup and evidence go on regardless)."""
    return subprocess.run(["docker", *args], capture_output=True, text=True)


def docker(*args: str) -> str:
    proc = run(*args)
    if proc.returncode:
        raise RuntimeError(f"docker {' '.join(args)} failed: {proc.stderr.strip()}")
    return proc.stdout


def containers(project: str) -> dict[str, dict]:
    """`docker inspect` of each of the project's containers, by compose service name."""
    ids = docker("ps", "-aq", "--filter", f"label=com.docker.compose.project={project}").split()
    if not ids:
        return {}
    return {c["Config"]["Labels"].get("com.docker.compose.service", name(c)): c
            for c in json.loads(docker("inspect", *ids))}


def name(info: dict) -> str:
    """A container's name, from its inspect."""
    return info["Name"].lstrip("/")


def state(info: dict) -> str:
    """A container's state in a few words, from its inspect: `running/healthy`,
    `exited/unhealthy (exit 137)`, `running` (no healthcheck)."""
    s = info["State"]
    health = (s.get("Health") or {}).get("Status")
    return f"{s['Status']}{'/' + health if health else ''}" + (f" (exit {s['ExitCode']})" if not s["Running"] else "")


def environment(info: dict) -> dict[str, str]:
    """A container's environment as it was started, from its inspect."""
    return dict(line.split("=", 1) for line in info["Config"]["Env"])


def image(ref: str) -> dict:
    return json.loads(docker("image", "inspect", ref))[0]


def image_history(ref: str) -> list[str]:
    """Each layer's creating command, untruncated."""
    return docker("history", "--no-trunc", "--format", "{{.CreatedBy}}", ref).splitlines()


def env_of(project: str, service: str) -> dict[str, str]:
    """A running service's environment, as its container was started."""
    return environment(containers(project)[service])


def exec_in(project: str, service: str, *command: str) -> str:
    """Run a command in a service's container; its stdout."""
    return docker("exec", name(containers(project)[service]), *command)
