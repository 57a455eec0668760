"""Security posture of the running containers, read from `docker inspect` (no shell needed)."""

import pytest

from stackcheck import compose_model, slo

ROOT_USERS = {"", "root", "0", "0:0"}


@pytest.fixture(scope="module")
def containers(target) -> dict[str, dict]:
    found = target.containers()
    assert found, f"no containers found for project {target.project}"
    return found


def each(containers: dict[str, dict], bad) -> dict[str, object]:
    """The services for which `bad(inspect)` returns something, with what it returned."""
    return {svc: why for svc, c in containers.items() if (why := bad(c))}


def test_no_container_runs_as_root(containers):
    """No service runs with full administrator rights (as root), so someone who breaks into one gets as little
    power as possible."""
    as_root = sorted(each(containers, lambda c: c["Config"]["User"] in ROOT_USERS))
    assert not as_root, f"{as_root} run as root: set a non-root USER in their Dockerfile"


def test_root_filesystems_are_read_only(containers):
    """Every service's own files are read-only, so an intruder cannot change the program or plant files in
    it."""
    assert not each(containers, lambda c: not c["HostConfig"]["ReadonlyRootfs"] and "writable rootfs")


def test_all_capabilities_are_dropped_and_privileges_cannot_grow(containers):
    """Every service gives up all special system powers and cannot gain new ones later, which limits the harm a
    break-in could do."""
    assert not each(containers, lambda c: "ALL" not in (c["HostConfig"]["CapDrop"] or []) and
                    f'cap_drop={c["HostConfig"]["CapDrop"]}')
    assert not each(containers, lambda c: "no-new-privileges:true" not in (c["HostConfig"]["SecurityOpt"] or [])
                    and f'security_opt={c["HostConfig"]["SecurityOpt"]}')


def test_every_service_has_a_healthcheck_and_is_healthy(containers):
    """Every service has a built-in health check and reports healthy, so problems are noticed and can be acted
    on automatically."""
    assert not each(containers, lambda c: not (c["Config"].get("Healthcheck") or {}).get("Test")
                    and "no healthcheck")
    assert not each(containers, lambda c: (c["State"].get("Health") or {}).get("Status") != "healthy"
                    and c["State"].get("Health"))


def test_restart_policy_memory_limit_and_log_rotation(containers):
    """Every service restarts by itself after a crash unless stopped on purpose, has a memory limit, and has its
    logs capped in size and number of files, so no single service can exhaust the server's memory or disk."""
    assert not each(containers, lambda c: c["HostConfig"]["RestartPolicy"]["Name"] != "unless-stopped"
                    and c["HostConfig"]["RestartPolicy"])
    assert not each(containers, lambda c: not c["HostConfig"]["Memory"] and "no memory limit")
    assert not each(containers, lambda c: not {"max-size", "max-file"} <= set(c["HostConfig"]["LogConfig"]["Config"])
                    and c["HostConfig"]["LogConfig"])


def test_only_nginx_publishes_ports_in_the_base_compose_file():
    """In the production setup file only the web server (nginx) is opened to the outside; no other service (the
    app, the backend, the database, the cache) is."""
    config = compose_model("compose.yml")
    publishing = sorted(svc for svc, spec in config["services"].items() if spec.get("ports"))
    assert publishing == ["nginx"], f"services publishing ports in compose.yml: {publishing}"


def test_only_nginx_is_reachable_from_other_hosts(containers):
    """The test override publishes more, but on 127.0.0.1 only; a deployed host publishes nginx alone."""
    def public(c):
        bindings = [b for ports in (c["HostConfig"]["PortBindings"] or {}).values() for b in ports or []]
        return [b for b in bindings if b["HostIp"] not in ("127.0.0.1", "::1")]
    assert not each({svc: c for svc, c in containers.items() if svc != "nginx"}, public)


def test_no_secret_in_image_history_or_baked_in_env(containers, target):
    """No secret of this run (such as a password) is built into any service's image or its build history, and no
    image sets a password itself, so an image that is shared or leaked gives away no secret."""
    secrets = target.require("secrets")
    for svc, c in containers.items():
        image = target.image(svc)
        baked = "\n".join(image["Config"].get("Env") or []) + "\n".join(target.image_history(svc))
        leaked = [s for s in secrets if s in baked]
        assert not leaked, f"{svc}: a secret of this run is baked into its image"
        named = [line for line in image["Config"].get("Env") or [] if "PASSWORD=" in line.upper()]
        assert not named, f"{svc}: image env sets a password: {named}"


def test_image_sizes_stay_within_budget(containers, target):
    """Every service's image has a size budget and stays within it, so deploys stay quick and disk use stays
    predictable."""
    budgets = slo.section("images")
    sizes = {svc: target.image(svc)["Size"] / 1e6 for svc in containers}
    # Every image the target runs has a budget (the bundled stack's test-only services too).
    unbudgeted = set(sizes) - set(budgets)
    assert not unbudgeted, f"images without a budget in slo.yaml: {sorted(unbudgeted)}"
    over = {svc: f"{mb:.0f} MB > {budgets[svc]['max_mb']} MB" for svc, mb in sizes.items()
            if mb > budgets[svc]["max_mb"]}
    assert not over, over
