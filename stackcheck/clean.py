"""Remove every stack this suite started on this machine, kept ones included."""

from .compose import PROJECT_PREFIX, STATE_DIR, forget_project, project_names, remove_project_resources

if __name__ == "__main__":
    for project in project_names():
        print(f"removing {project}")
        remove_project_resources(project)
    for leftover in {p.name.split(".")[0] for p in STATE_DIR.glob(f"{PROJECT_PREFIX}*")}:
        forget_project(leftover)
