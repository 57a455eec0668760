"""Where things are: the repository, the stack it tests, and the folders the suite writes."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STACK_DIR = ROOT / "stack"
SLO_FILE = ROOT / "slo.yaml"
LOCUSTFILES = ROOT / "locustfiles"
# Per-project state (env file with secrets and ports, secret files, keep marks), so that a
# kept stack can be reused by a later run.
STATE_DIR = ROOT / ".stackcheck"

REPORTS = ROOT / "reports"
ALLURE_RESULTS = REPORTS / "allure-results"
EVIDENCE_DIR = REPORTS / "evidence"
PERFORMANCE_DIR = REPORTS / "performance"
CHAOS_DIR = REPORTS / "chaos"
LOCUST_DIR = REPORTS / "locust"
SLO_HISTORY = REPORTS / "slo-history.jsonl"   # every run's measured numbers, for trends (kept by make clean)
MUTANTS_DIR = REPORTS / "mutants"      # the self-check: seeded defects and their score
