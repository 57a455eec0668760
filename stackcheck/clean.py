"""Remove every stack this suite started on this machine, kept ones included."""

from .compose import PROJECT_PREFIX, STATE_DIR, project_names, remove_project_resources

if __name__ == "__main__":
    for project in project_names():
        print(f"removing {project}")
        remove_project_resources(project)
    for leftover in STATE_DIR.glob(f"{PROJECT_PREFIX}*"):
        leftover.unlink()
