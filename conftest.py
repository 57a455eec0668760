"""Root conftest: the suite's fixtures live in the stackcheck library."""

pytest_plugins = ["stackcheck.pytest_plugin", "stackcheck.report"]
