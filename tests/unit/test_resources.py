"""docker stats parsing and the whole-stack memory and CPU budgets."""

import json

import pytest

from stackcheck import resources
from stackcheck.resources import StatsSample, mebibytes
from stackcheck.slo import FAIL, PASS, WARN


def test_docker_sizes_are_read_in_mebibytes():
    assert mebibytes("122.9MiB") == 122.9
    assert mebibytes("1.5GiB") == 1536
    assert mebibytes("512KiB") == 0.5
    assert mebibytes("0B") == 0
    with pytest.raises(ValueError):
        mebibytes("lots")


def test_stats_lines_are_summed_by_compose_service():
    lines = "\n".join(json.dumps({"ID": cid, "Name": f"p-{svc}-1", "CPUPerc": cpu, "MemUsage": mem})
                      for cid, svc, cpu, mem in (("aaa", "backend", "40.5%", "150MiB / 384MiB"),
                                                 ("bbb", "postgres", "9.5%", "0.5GiB / 1GiB")))
    sample = resources.parse_stats(lines, {"aaa": "backend", "bbb": "postgres"}, t=1.0)
    assert sample.cpu == {"backend": 40.5, "postgres": 9.5}
    assert sample.total_cpu == 50 and sample.total_memory_mb == 662


def stats(cpu: float, memory: float, n: int = 10) -> list[StatsSample]:
    return [StatsSample(i, {"backend": cpu}, {"backend": memory}) for i in range(n)]


def test_memory_is_the_peak_and_cpu_the_average_share_of_the_machine():
    used = resources.usage(stats(60, 100) + [StatsSample(99, {"backend": 0}, {"backend": 900})], cpus=2)
    assert used["memory_mb"] == 900
    assert used["cpu_percent"] == pytest.approx(600 / 11 / 2)


def test_budgets_pass_warn_and_fail():
    def statuses(cpu, memory):
        return [v.status for v in resources.verdicts(stats(cpu, memory), cpus=2)]
    assert statuses(cpu=20, memory=200) == [PASS, PASS]
    assert statuses(cpu=80, memory=600) == [WARN, WARN]        # above our targets, within the seed's
    assert statuses(cpu=100, memory=1024) == [FAIL, FAIL]      # the limits are strict: 50 % of 2 cores, 1 GiB


def test_too_few_samples_fail_the_budgets():
    verdicts = resources.verdicts(stats(10, 100, n=2), cpus=2)
    assert [v.status for v in verdicts] == [FAIL, FAIL]
    assert "only 2 samples" in verdicts[0].reasons[0]
    assert all(v.status == FAIL for v in resources.verdicts([], cpus=2))
