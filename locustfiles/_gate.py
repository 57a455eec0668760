"""The SLO gate every Locust run ends with (imported by _common.py, so registered once).

It records each gated request's raw latency with its wall-clock time (Locust's own statistics
round percentiles to buckets). In distributed runs every worker sends its samples to the
master with its regular reports; the master judges them when it quits and:
- prints one verdict table, last: per SLO n, p50/p95/p99, the limit, the target, the verdict
- writes a folder of its own for the run (reports/locust/<time>/, or --slo-report-dir):
  samples.csv, verdict.json, Locust's HTML report and Allure results, so `make report` shows
  the run; every run keeps its folder (reports/locust/latest points at the newest)
- sets the exit code: 1 when any SLO of the user classes that ran fails, including one that
  received no traffic

A run in which every request fails for `load_run.abort_after_failing_s` (slo.yaml) stops
early and says so: a host that is down gives no figures worth waiting for.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import gevent
from locust import events
from locust.html import get_html_report
from locust.runners import WorkerRunner

from stackcheck import load, slo
from stackcheck.paths import LOCUST_DIR
from stackcheck.reporting import locust as locust_report

_samples: list[load.RawSample] = []
_started: list[float] = []
_report: list[str] = []  # the verdict, printed when Locust quits


@events.init_command_line_parser.add_listener
def _options(parser) -> None:
    parser.add_argument("--slo-report-dir", default="",
                        help="where the gate writes this run's samples, verdict, HTML report and Allure "
                             "results (default: a new folder under reports/locust/, linked as latest)")


def run_folder(chosen: str, started: float) -> Path:
    """The run's own folder: the one asked for, or reports/locust/<UTC time>/ linked as latest."""
    if chosen:
        return Path(chosen)
    folder = LOCUST_DIR / time.strftime("%Y%m%d-%H%M%S", time.gmtime(started))
    folder.mkdir(parents=True, exist_ok=True)
    latest = LOCUST_DIR / "latest"
    latest.unlink(missing_ok=True)
    latest.symlink_to(folder.name)
    return folder


@events.test_start.add_listener
def _test_start(environment, **_) -> None:
    if _started:
        return
    _started.append(time.time())
    if not isinstance(environment.runner, WorkerRunner):
        gevent.spawn(_stop_when_everything_fails, environment, slo.section("load_run")["abort_after_failing_s"])


def _stop_when_everything_fails(environment, after_s: float) -> None:
    """Quit when every request of the last `after_s` seconds failed (and some were made)."""
    totals = environment.runner.stats.total
    failing_since = None
    last = (totals.num_requests, totals.num_failures)
    while True:
        gevent.sleep(1)
        now = (totals.num_requests, totals.num_failures)
        made, failed = now[0] - last[0], now[1] - last[1]
        last = now
        if made and failed < made:
            failing_since = None
        elif made and failing_since is None:
            failing_since = time.monotonic()
        if failing_since is not None and time.monotonic() - failing_since >= after_s:
            errors = sorted(environment.runner.stats.errors.values(), key=lambda e: -e.occurrences)
            reason = f" (most often: {errors[0].error})" if errors else ""
            _report.append(f"STOPPED EARLY: every request failed for {after_s:g} s{reason}; is the host up?")
            environment.runner.quit()
            return


@events.request.add_listener
def _record(name: str, response_time: float, exception: BaseException | None, start_time: float | None = None,
            **_) -> None:
    # Timed from when the request was sent (Locust's start_time), not from when the event fires:
    # a stream's TTFB is reported only after the whole stream was read.
    if slo_name := load.slo_of(name):
        done = start_time + response_time / 1000 if start_time else time.time()
        _samples.append(load.RawSample(done, slo_name, name, response_time, exception is None))


@events.report_to_master.add_listener
def _send_samples(client_id: str, data: dict) -> None:
    # Fired on workers with every report, and once more when they quit.
    data["slo_samples"] = [tuple(vars(s).values()) for s in _samples]
    _samples.clear()


@events.worker_report.add_listener
def _receive_samples(client_id: str, data: dict) -> None:
    _samples.extend(load.RawSample(*row) for row in data.get("slo_samples", ()))


@events.quitting.add_listener
def _gate(environment, **_) -> None:
    options = environment.parsed_options
    if isinstance(environment.runner, WorkerRunner) or options is None or not _started:
        return   # a worker, or a web UI closed before any test: nothing was measured
    slos = sorted({name for user in environment.user_classes for name in user.slos})
    started = _started[0] if _started else min((s.ts for s in _samples), default=time.time())
    verdicts = load.judge(_samples, slos, started)
    folder = run_folder(options.slo_report_dir, started)
    load.write_results(folder, _samples, verdicts, started)
    if not options.html_file:   # otherwise Locust writes it where it was asked to
        (folder / "report.html").write_text(get_html_report(environment, show_download_link=False))
    locust_report.write(folder, folder / "allure-results")
    crashed = sum(e["count"] for e in environment.runner.exceptions.values())
    _report[:0] = ["", slo.table(verdicts)]
    if crashed:
        _report.append(f"FAILED: the locustfiles raised {crashed} exceptions; the load was not as designed")
    _report.append(f"raw samples and verdict: {folder}/")
    environment.process_exit_code = 0 if slo.gate(verdicts) and not crashed else 1


@events.quit.add_listener
def _print_verdict(exit_code: int, **_) -> None:
    # After Locust's own statistics, so the verdict is the last thing on the console.
    if _report:
        print("\n".join(_report), file=sys.stderr, flush=True)
