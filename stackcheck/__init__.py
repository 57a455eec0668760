"""stackcheck: the acceptance, load and resilience suite of the stock-analyst stack.

Tests reach the stack through these names (and the fixtures of stackcheck.plugin); reports
are written with stackcheck.reporting.
"""

from . import resources, slo
from .agent import AgentClient, Run
from .backup import Backups, compare_tables, rows_lost
from .compose import compose_model, leftovers, service_names
from .compose import remove as remove_stack
from .faults import Faults, NotSteady, StackBroken
from .load import LoadRun, run_locust
from .resources import StackSampler
from .target import Target

__all__ = ["AgentClient", "Backups", "Faults", "LoadRun", "NotSteady", "Run", "StackBroken", "StackSampler",
           "Target", "compare_tables", "compose_model", "leftovers", "remove_stack", "rows_lost", "run_locust",
           "resources", "service_names", "slo"]
