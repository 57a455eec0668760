from pathlib import Path

import pytest

HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Unit tests never need the stack: fail loudly if one asks for it.
    for item in items:
        if item.path.is_relative_to(HERE) and {"stack", "target"} & set(getattr(item, "fixturenames", ())):
            raise pytest.UsageError(f"{item.nodeid}: unit tests must not use the stack")
