"""Remove every stack this suite started on this machine, kept ones included; or only the
compose projects named on the command line (any project, e.g. the loopback VPS's).

    python -m stackcheck.clean [PROJECT...]
"""

import sys

from .compose import PROJECT_PREFIX, STATE_DIR, forget_project, project_names, remove_project_resources

if __name__ == "__main__":
    named = sys.argv[1:]
    for project in named or project_names():
        print(f"removing {project}")
        remove_project_resources(project)
    if not named:
        for leftover in {p.name.split(".")[0] for p in STATE_DIR.glob(f"{PROJECT_PREFIX}*")}:
            forget_project(leftover)
