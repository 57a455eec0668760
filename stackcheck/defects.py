"""The suite's self-check: a catalog of seeded stack defects, each applied to a scratch copy of
the repository, and the suite run against that copy. A defect no test notices is a hole in the
suite (tests/selfcheck/README.md).

A defect is one YAML file in tests/selfcheck/defects/, named by its id:

    what: nginx buffers the agent stream              # one sentence
    area: sse                                         # one of AREAS
    edits:                                            # applied in order, to files under stack/
      - file: stack/nginx/templates/app.conf.template
        find: "proxy_buffering off;"                  # must occur exactly `count` times (default 1)
        replace: "proxy_buffering on;"
    markers: [functional]                             # the markers the runner runs
    caught_by:                                        # the tests that must fail (pytest node ids)
      - tests/functional/test_sse_timeline.py::test_nginx_itself_never_buffers_or_compresses_the_stream
    says: "buffer"                                    # optional: a regex the failure must match
    promises: ["api:ADK (behind the access guard)"]   # optional: the promises it breaks (stackcheck.promises)

An anchor that no longer matches is an error, never a silent no-op.
"""

from __future__ import annotations

import datetime
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

from . import docker
from .compose import image_tag, pid_alive
from .paths import ROOT

CATALOG = ROOT / "tests" / "selfcheck" / "defects"
AREAS = ("sse", "proxy", "posture", "data", "validation", "identity", "model", "https", "durability",
         "backup", "performance", "frontend")
CAUGHT, CAUGHT_ELSEWHERE, SURVIVED = "caught", "caught elsewhere", "survived"
ERROR = "error"   # the trial itself failed: an anchor gone, no test ran, a run over its time
SCRATCH_PREFIX = "stackcheck-scratch-"
RUN_TIMEOUT_S = 1800   # one run of the suite against a scratch copy: build, start, test, teardown
# Files a checkout has that git does not: the base images this machine built (stack/airgap/build).
UNTRACKED_NEEDED = ("stack/images.env",)


class AnchorGone(ValueError):
    """A defect's edit no longer matches the code: the catalog must follow the change."""


@dataclass(frozen=True)
class Edit:
    file: str
    find: str
    replace: str
    count: int = 1

    def apply(self, root: Path) -> None:
        path = root / self.file
        text = path.read_text()
        found = text.count(self.find)
        if found != self.count:
            raise AnchorGone(f"{self.file}: {self.find!r} occurs {found} times, the defect expects {self.count}")
        path.write_text(text.replace(self.find, self.replace))


@dataclass(frozen=True)
class Defect:
    id: str
    what: str
    area: str
    edits: tuple[Edit, ...]
    markers: tuple[str, ...]
    caught_by: tuple[str, ...]
    says: str = ""
    promises: tuple[str, ...] = ()   # what the stack promises that this defect breaks (stackcheck.promises)

    def apply(self, root: Path) -> None:
        for edit in self.edits:
            edit.apply(root)


def parse(path: Path) -> Defect:
    data = yaml.safe_load(path.read_text())
    known = {"what", "area", "edits", "markers", "caught_by", "says", "promises"}
    if unknown := set(data) - known:
        raise ValueError(f"{path.name}: unknown keys {sorted(unknown)}")
    if data["area"] not in AREAS:
        raise ValueError(f"{path.name}: area {data['area']!r} is not one of {AREAS}")
    edits = tuple(Edit(**edit) for edit in data["edits"])
    if not edits or any(not e.file.startswith("stack/") for e in edits):
        raise ValueError(f"{path.name}: a defect edits the stack (files under stack/), and at least one")
    if not data["caught_by"] or not data["markers"]:
        raise ValueError(f"{path.name}: name the markers to run and the tests that must fail")
    return Defect(path.stem, data["what"].strip(), data["area"], edits, tuple(data["markers"]),
                  tuple(data["caught_by"]), data.get("says", ""), tuple(data.get("promises", ())))


@cache
def catalog(folder: Path = CATALOG) -> tuple[Defect, ...]:
    return tuple(parse(path) for path in sorted(folder.glob("*.yaml")))


def caught_by_test(folder: Path = CATALOG) -> dict[str, list[str]]:
    """For each test some defect names (node id without parameters), those defects' ids."""
    named: dict[str, list[str]] = {}
    for defect in catalog(folder):
        for test in defect.caught_by:
            named.setdefault(test.split("[")[0], []).append(defect.id)
    return named


# The daily rotation (make test, so CI) takes defects these markers catch: a few minutes each.
# Defects caught by the ops or performance markers cost a quarter of an hour (the ops tests run
# as one sequence on a project of their own; the load runs are long), so the nightly run of the
# whole catalog tries them.
DAILY_MARKERS = {"functional", "resilience", "backups"}
# Tests that build on the state the ones before them left (tests/ops: one project, in file
# order): a defect naming one of them runs its whole file.
SEQUENTIAL = ("tests/ops/",)


def daily(defect: Defect) -> bool:
    return set(defect.markers) <= DAILY_MARKERS


def runnable(tests: tuple[str, ...]) -> tuple[str, ...]:
    """The node ids to run for these tests: a test of a sequential file brings its whole file."""
    return tuple(dict.fromkeys(t.split("::")[0] if t.startswith(SEQUENTIAL) else t for t in tests))


def select(defects: tuple[Defect, ...], which: str, per_day: int, day: datetime.date | None = None) -> list[Defect]:
    """`all`, comma-separated ids, or `today`: `per_day` of the daily defects in a rotation by
    date, so that successive days cover them all and a given day always picks the same ones."""
    if which == "all":
        return list(defects)
    if which != "today":
        by_id = {d.id: d for d in defects}
        if missing := [i for i in which.split(",") if i not in by_id]:
            raise KeyError(f"no such defects: {missing}")
        return [by_id[i] for i in which.split(",")]
    pool = [d for d in defects if daily(d)]
    if not pool or per_day < 1:
        raise ValueError(f"no daily defect to choose from ({len(pool)} daily, {per_day} a day)")
    day = day or datetime.date.today()
    start = (day.toordinal() * per_day) % len(pool)
    return [pool[(start + i) % len(pool)] for i in range(min(per_day, len(pool)))]


# What a run of the suite against a scratch copy found.

@dataclass
class Failure:
    test: str       # pytest node id
    message: str


@dataclass
class Outcome:
    ran: int
    failures: list[Failure] = field(default_factory=list)
    output: str = ""


@dataclass
class Trial:
    defect: Defect
    verdict: str
    outcome: Outcome
    diff: str


def junit_failures(path: Path) -> tuple[int, list[Failure]]:
    """(tests run, the failed or errored ones) from a pytest JUnit XML report."""
    ran, failed = 0, []
    for case in ET.parse(path).iter("testcase"):
        if case.find("skipped") is not None:
            continue
        ran += 1
        problem = case.find("failure")
        problem = problem if problem is not None else case.find("error")
        if problem is not None:
            test = f"{_node_file(case.get('classname', ''))}::{case.get('name')}"
            failed.append(Failure(test, f"{problem.get('message', '')}\n{problem.text or ''}"))
    return ran, failed


def _node_file(classname: str) -> str:
    """JUnit's classname (tests.functional.test_x, or ...test_x.TestClass) as the test's file."""
    parts = classname.split(".")
    while parts and not parts[-1].startswith("test_"):
        parts.pop()
    return "/".join(parts) + ".py"


def judge(defect: Defect, failures: list[Failure]) -> str:
    def expected(failure: Failure) -> bool:
        named = any(failure.test == t or failure.test.startswith(t + "[") for t in defect.caught_by)
        return named and (not defect.says or re.search(defect.says, failure.message, re.I) is not None)
    if any(expected(f) for f in failures):
        return CAUGHT
    return CAUGHT_ELSEWHERE if failures else SURVIVED


# The scratch copy: a git worktree of HEAD with images, stacks and files of its own.

def _git(*args: str, cwd: Path = ROOT) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def _remove_images(tag: str) -> None:
    listed = docker.run("images", "--filter", f"reference=*/*:{tag}", "--format", "{{.Repository}}:{{.Tag}}")
    if names := listed.stdout.split():
        docker.run("image", "rm", "--force", *names)


class Scratch:
    """A worktree of HEAD in a temporary folder. `reset` brings it back to HEAD between defects;
    `remove` deletes it and the images built from it (also for a run that was killed: `sweep`)."""

    def __init__(self) -> None:
        sweep()
        self.root = Path(tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-")).resolve()
        _git("worktree", "add", "--detach", "--quiet", str(self.root), "HEAD")
        for name in UNTRACKED_NEEDED:
            if (ROOT / name).exists():
                shutil.copyfile(ROOT / name, self.root / name)

    def reset(self) -> None:
        _git("checkout", "--quiet", "--force", "HEAD", "--", "stack", cwd=self.root)

    def diff(self) -> str:
        return _git("diff", "--", "stack", cwd=self.root)

    def run(self, markers: tuple[str, ...], tests: tuple[str, ...], report: Path, timeout_s: int) -> Outcome:
        """The suite, from the scratch copy (so its stackcheck, its stack and its image tags), on
        the given tests (node ids) and markers. Ctrl-C reaches it too; it is given time to tear down."""
        report.parent.mkdir(parents=True, exist_ok=True)
        report.unlink(missing_ok=True)
        command = [sys.executable, "-m", "pytest", "-m", " or ".join(markers), *tests, "-p", "no:cacheprovider",
                   "-q", "--junitxml", str(report), "-o", "junit_family=xunit1"]
        # A session of its own: a terminal's Ctrl-C reaches only us, and we pass it on once (a
        # second SIGINT during the inner suite's unwinding could skip the removal of its stack).
        proc = subprocess.Popen(command, cwd=self.root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                start_new_session=True)
        try:
            output, _ = proc.communicate(timeout=timeout_s)
        except BaseException:
            proc.send_signal(signal.SIGINT)   # the suite's own teardown removes its stack
            try:
                proc.communicate(timeout=120)
            except subprocess.TimeoutExpired:
                proc.kill()
            raise
        if not report.exists():
            return Outcome(0, output=output)
        ran, failures = junit_failures(report)
        return Outcome(ran, failures, output)

    def remove(self) -> None:
        _remove(self.root)


def _remove(root: Path) -> None:
    subprocess.run(["git", "worktree", "remove", "--force", str(root)], cwd=ROOT, capture_output=True)
    shutil.rmtree(root, ignore_errors=True)
    subprocess.run(["git", "worktree", "prune"], cwd=ROOT, capture_output=True)
    _remove_images(image_tag(root))


def sweep() -> None:
    """Remove the scratch copies (and their images) of runs that are no longer alive."""
    pattern = re.compile(rf"^{re.escape(SCRATCH_PREFIX)}(\d+)-")
    for path in Path(tempfile.gettempdir()).glob(f"{SCRATCH_PREFIX}*"):
        if (m := pattern.match(path.name)) and not pid_alive(int(m.group(1))):
            _remove(path)
