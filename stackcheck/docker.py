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
    return {c["Config"]["Labels"].get("com.docker.compose.service", c["Name"].lstrip("/")): c
            for c in json.loads(docker("inspect", *ids))}


def image(ref: str) -> dict:
    return json.loads(docker("image", "inspect", ref))[0]


def image_history(ref: str) -> list[str]:
    """Each layer's creating command, untruncated."""
    return docker("history", "--no-trunc", "--format", "{{.CreatedBy}}", ref).splitlines()


def env_of(project: str, service: str) -> dict[str, str]:
    """A running service's environment, as its container was started."""
    env = containers(project)[service]["Config"]["Env"]
    return dict(line.split("=", 1) for line in env)


def exec_in(project: str, service: str, *command: str) -> str:
    """Run a command in a service's container; its stdout."""
    return docker("exec", containers(project)[service]["Name"].lstrip("/"), *command)
