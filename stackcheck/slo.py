"""The one SLO file (slo.yaml at the repository root) and access to its sections."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

SLO_FILE = Path(__file__).resolve().parent.parent / "slo.yaml"


@cache
def load(path: Path = SLO_FILE) -> dict:
    with path.open() as f:
        return yaml.safe_load(f)


def section(name: str) -> dict:
    data = load()
    if name not in data:
        raise KeyError(f"{SLO_FILE.name} has no section {name!r}")
    return data[name]
