"""What the stack costs while nobody uses it: the CPU of each service, left alone."""

import time

import allure
import pytest

from stackcheck import resources, slo


def test_the_idle_stack_leaves_the_cpu_to_others(target, summary):
    """When nobody is using the app, each service, and the whole stack together, stays under a small set share
    of the server's processor, so the server stays free for other work and running costs stay low."""
    if target.docker_host is not None:
        pytest.skip(f"needs the Docker host's cgroups, on {target.docker_host}, not this machine")
    budget = slo.section("idle_cpu")
    containers = {name: info["Id"] for name, info in target.containers().items()}
    time.sleep(budget["settle_s"])
    used = resources.idle_cpu(containers, budget["window_s"])
    total = sum(used.values())
    table = "\n".join(f"{name:12} {percent:5.2f} %" for name, percent in sorted(used.items()))
    allure.attach(f"{table}\ntotal        {total:5.2f} % of one core", name="idle CPU per service",
                  attachment_type=allure.attachment_type.TEXT)
    summary.add("Idle stack CPU", total, "% of a core", None, budget["total_max_percent"],
                note=f"{budget['window_s']} s left alone; " + ", ".join(f"{n} {p:.1f}" for n, p in sorted(used.items())))
    busy = {name: round(p, 2) for name, p in used.items() if p > budget["service_max_percent"]}
    assert not busy, f"services busy while idle (limit {budget['service_max_percent']} % each):\n{table}"
    assert total <= budget["total_max_percent"], f"the idle stack uses {total:.1f} % of a core:\n{table}"
