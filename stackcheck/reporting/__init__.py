"""What the suite writes for people: the Allure context, the performance summary, the chaos
table, the scorecard, Locust verdicts as Allure results, plots, and a stack's evidence."""

from . import plots, scorecard
from ..paths import PERFORMANCE_DIR
from .chaos import ChaosReport, FaultRun
from .performance import Summary, attach_file

__all__ = ["PERFORMANCE_DIR", "ChaosReport", "FaultRun", "Summary", "attach_file", "plots", "scorecard"]
