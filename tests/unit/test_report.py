"""The report's labels and environment file, without Docker."""

import types

from stackcheck import plugin
from stackcheck.reporting import environment


def test_a_module_summary_is_its_docstrings_first_sentence_or_the_part_before_a_colon():
    module = types.ModuleType("m", "The stack is up: every service healthy.\n\nMore.")
    assert plugin.module_summary(module) == "The stack is up"
    module.__doc__ = "Postgres crashes under a steady stream of writes: every write\nsurvives."
    assert plugin.module_summary(module) == "Postgres crashes under a steady stream of writes"
    module.__doc__ = "Judged by slo.yaml. Then more."
    assert plugin.module_summary(module) == "Judged by slo.yaml"


def test_properties_escape_spaces_and_separators_in_keys_only():
    assert environment._escape("Target URL", key=True) == "Target\\ URL"
    assert environment._escape("http://host:80/a b") == "http://host:80/a b"
    assert environment._escape("two\nlines") == "two\\nlines"
