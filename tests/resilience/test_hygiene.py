"""Ctrl-C in the middle of a fault leaves nothing behind: the interrupted run rolls the
fault back, removes its containers, networks and volumes, and the next run starts clean."""

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from stackcheck import leftovers, remove_stack

CHILD = "tests/resilience/hygiene_child.py"
START_TIMEOUT_S = 240   # a cached build and a stack start take about 20 s
EXIT_TIMEOUT_S = 120


def child(test: str) -> subprocess.Popen:
    # No Allure results and no cache from the child: the parent run owns reports/.
    return subprocess.Popen(
        [sys.executable, "-m", "pytest", f"{CHILD}::{test}", "-s", "-p", "no:cacheprovider",
         "-o", "addopts=", "--timeout", "400"],
        cwd=Path(__file__).parents[2], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})


def stop(proc: subprocess.Popen) -> str:
    """End a child that overran: Ctrl-C first, so that it removes its stack; then kill it."""
    if proc.poll() is not None:
        return ""
    proc.send_signal(signal.SIGINT)
    try:
        return proc.communicate(timeout=EXIT_TIMEOUT_S)[0]
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.communicate()[0]


def read_until(proc: subprocess.Popen, marker: str, timeout: float) -> list[str]:
    lines, deadline = [], time.monotonic() + timeout
    for line in proc.stdout:
        lines.append(line.rstrip())
        if marker in line:
            return lines
        assert time.monotonic() < deadline, f"no {marker!r} within {timeout:.0f} s:\n" + "\n".join(lines[-30:])
    raise AssertionError(f"the child ended before {marker!r}:\n" + "\n".join(lines[-30:]))


def project_of(lines: list[str]) -> str:
    return next(m.group(1) for line in lines if (m := re.search(r"starting stack (stackcheck-\S+)", line)))


def test_an_interrupt_during_a_fault_leaves_nothing_and_the_next_run_starts_clean():
    """If a test run is stopped (Ctrl-C) while it is simulating a fault, it reports failure rather than success
    and removes everything it created, and the next run starts without having to clean up after it. This keeps
    test machines and shared servers free of leftover copies of the stack."""
    interrupted = child("test_blocks_inside_a_fault")
    project = None
    try:
        lines = read_until(interrupted, "[child] inside the fault", START_TIMEOUT_S)
        project = project_of(lines)
        interrupted.send_signal(signal.SIGINT)
        rest, _ = interrupted.communicate(timeout=EXIT_TIMEOUT_S)
        assert interrupted.returncode != 0, "the interrupted run reported success"
        assert f"removed stack {project}" in rest, rest[-3000:]
        assert not leftovers(project), f"the interrupted run left {leftovers(project)}"
    finally:
        stop(interrupted)
        if project:   # never leak a stack, whatever failed above
            remove_stack(project)

    following = child("test_starts_on_a_steady_stack")
    try:
        out, _ = following.communicate(timeout=START_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"the following run took over {START_TIMEOUT_S} s:\n{stop(following)[-3000:]}") from None
    assert following.returncode == 0, out[-3000:]
    assert f"removed orphaned stack {project}" not in out, "the next run had to sweep the interrupted one"
    second = project_of(out.splitlines())
    assert not leftovers(second), f"the following run left {leftovers(second)}"
