"""Coverage both ways between the suite and the defect catalog: tests that catch no seeded
defect, and the stack's promises that no defect puts to the test.

A promise is a name from one of the places the stack states what it guarantees:
- `slo:<section>.<entry>`: a threshold in slo.yaml (`slo:latency.api`, `slo:recovery.backend`)
- `api:<heading>`: a section of the backend's contract, stack/backend/API.md
- `compose:<service>.<setting>`: a guarantee a compose file gives a service (healthcheck,
  restart policy, read-only filesystem, memory limit, ...)

    python -m stackcheck.promises      writes reports/mutants/coverage.md
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml

from . import defects, slo
from .paths import MUTANTS_DIR, ROOT, STACK_DIR

API_MD = STACK_DIR / "backend" / "API.md"
COMPOSE_FILES = ("compose.yml", "compose.prod.yml")
COMPOSE_SETTINGS = ("healthcheck", "restart", "read_only", "user", "cap_drop", "security_opt", "mem_limit",
                    "deploy", "ports", "tmpfs", "init", "logging")
# How the suite measures, not what the stack promises.
SLO_NOT_PROMISES = {"defaults", "load_run", "resources.min_samples", "idle_cpu.settle_s", "idle_cpu.window_s"}
# The folders whose tests guard the stack (unit tests guard the suite's own library).
GUARDING = ("functional", "performance", "resilience", "ops")


def _slo_promises() -> list[str]:
    found = []
    for section, entries in slo.load().items():
        if section in SLO_NOT_PROMISES or not isinstance(entries, dict):
            continue
        found += [f"slo:{section}.{name}" for name in entries if f"{section}.{name}" not in SLO_NOT_PROMISES]
    return found


def _api_promises() -> list[str]:
    return [f"api:{m.group(1).strip()}" for m in re.finditer(r"^#{2,3} (.+)$", API_MD.read_text(), re.M)]


class _ComposeLoader(yaml.SafeLoader):
    """Compose's own tags (`!reset`, `!override`) read as the plain values they tag."""


_ComposeLoader.add_multi_constructor("!", lambda loader, _tag, node: (
    loader.construct_mapping(node) if isinstance(node, yaml.MappingNode)
    else loader.construct_sequence(node) if isinstance(node, yaml.SequenceNode)
    else loader.construct_scalar(node)))


def _compose_promises() -> list[str]:
    found: dict[str, None] = {}
    for name in COMPOSE_FILES:
        services = yaml.load((STACK_DIR / name).read_text(), _ComposeLoader).get("services", {})
        for service, config in services.items():
            for setting in COMPOSE_SETTINGS:
                if setting in (config or {}):
                    found[f"compose:{service}.{setting}"] = None
    return list(found)


def promises() -> list[str]:
    return _slo_promises() + _api_promises() + _compose_promises()


def guarding_tests(root: Path = ROOT) -> list[str]:
    """Every test function that guards the stack, as a node id without parameters."""
    found = []
    for folder in GUARDING:
        for path in sorted((root / "tests" / folder).glob("test_*.py")):
            found += [f"{path.relative_to(root)}::{m.group(1)}"
                      for m in re.finditer(r"^(?:async )?def (test_\w+)\(", path.read_text(), re.M)]
    return found


def report(catalog: tuple[defects.Defect, ...]) -> str:
    tests = guarding_tests()
    named = {c.split("[")[0] for d in catalog for c in d.caught_by}
    idle = [t for t in tests if t not in named]
    broken = {p for d in catalog for p in d.promises}
    open_promises = [p for p in promises() if p not in broken]
    lines = ["# Coverage both ways: tests and seeded defects", "",
             f"{len(catalog)} defects; {len(tests) - len(idle)} of {len(tests)} tests catch at least one; "
             f"{len(promises()) - len(open_promises)} of {len(promises())} promises have a defect.", "",
             f"## Tests that catch no defect ({len(idle)}): strengthen them, or add the defect they exist for", ""]
    lines += [f"- `{t}`" for t in idle]
    lines += ["", f"## Promises with no defect ({len(open_promises)})", ""]
    lines += [f"- `{p}`" for p in open_promises]
    return "\n".join(lines) + "\n"


def main() -> None:
    MUTANTS_DIR.mkdir(parents=True, exist_ok=True)
    path = MUTANTS_DIR / "coverage.md"
    path.write_text(report(defects.catalog()))
    print(path, file=sys.stderr)


if __name__ == "__main__":
    main()
