"""stackcheck: the acceptance, load and resilience suite of the stock-analyst stack.

Tests reach the stack through these names (and the fixtures of stackcheck.plugin); reports
are written with stackcheck.reporting. Each name is imported when first used, so a consumer
of one light module (the backend's tests use stackcheck.sse alone, with httpx and httpx-sse)
never needs the suite's other dependencies.
"""

from importlib import import_module

_EXPORTS = {
    "Account": ".accounts", "Accounts": ".accounts", "SignInFailed": ".accounts",
    "AgentClient": ".agent", "Run": ".agent", "APP": ".agent",
    "Backups": ".backup", "compare_tables": ".backup", "rows_lost": ".backup",
    "compose_model": ".compose", "leftovers": ".compose", "service_names": ".compose", "signals_deferred": ".compose",
    "remove_stack": (".compose", "remove"),
    "Faults": ".faults", "NotSteady": ".faults", "StackBroken": ".faults",
    "LoadRun": ".load", "run_locust": ".load",
    "ModelMock": ".model",
    "StackSampler": ".resources",
    "SSEParser": ".sse",
    "Target": ".target",
    "authz": (".authz", None), "resources": (".resources", None), "slo": (".slo", None),
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'stackcheck' has no attribute {name!r}")
    module, attribute = _EXPORTS[name] if isinstance(_EXPORTS[name], tuple) else (_EXPORTS[name], name)
    found = import_module(module, __name__)
    return found if attribute is None else getattr(found, attribute)
