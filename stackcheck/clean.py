"""Remove every stack this repository started on this machine (the suite's, kept ones
included, and the backend's and ops tests' throwaway stacks), with the suite's state for
them; or only the compose projects named on the command line (e.g. the loopback VPS's).

    python -m stackcheck.clean [PROJECT...]
"""

import sys

from . import docker, drill
from .compose import REPOSITORY_PREFIXES, forget_project, remove
from .paths import STATE_DIR


def main(named: list[str]) -> None:
    ours = named or sorted(p for p in docker.projects() if p.startswith(REPOSITORY_PREFIXES))
    for project in ours:
        print(f"removing {project}")
        remove(project)
    if not named:
        drill.sweep(every=True)  # restore drills on the Docker host the client points at
        # state of projects whose containers are already gone
        for leftover in {p.name.split(".")[0] for p in STATE_DIR.glob("*.*")}:
            forget_project(leftover)


if __name__ == "__main__":
    main(sys.argv[1:])
