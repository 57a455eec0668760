"""What every locustfile shares: the base user and the SLO gate.

Locust imports every .py file in locustfiles/ except those starting with "_", so this module
is imported once, by the user files, and its listeners are registered exactly once.

The gate records each request's raw latency with its wall-clock time (Locust's own
statistics round percentiles to buckets). In distributed runs every worker sends its samples
to the master with its regular reports; the master judges them when it quits, prints a
verdict table, writes samples.csv and verdict.json, and sets the exit code: 1 when any SLO
of the user classes that ran fails, including one that received no traffic.
"""

from __future__ import annotations

import functools
import os
import sys
import time
from pathlib import Path

import gevent.ssl
from locust import FastHttpUser, HttpUser, events
from locust.clients import HttpSession
from locust.runners import WorkerRunner

from stackcheck import load, slo
from stackcheck.accounts import AUTH, ENV_ACCOUNTS, Account

_samples: list[load.RawSample] = []
_started: list[float] = []
_report: list[str] = []  # the verdict, printed when Locust quits


# A host whose certificate comes from a CA of its own (staging, the suite's throwaway CA):
# REQUESTS_CA_BUNDLE names it, added to the public roots. Both clients verify with one SSL
# context each, loaded once: a bundle given per request instead is parsed again for every
# request (measured: 82 ms against 13 ms a request, CPU-bound).
_CA_BUNDLE = os.environ.get("REQUESTS_CA_BUNDLE")
if _CA_BUNDLE:
    from locust.clients import _preloaded_ssl_context
    _preloaded_ssl_context.load_verify_locations(_CA_BUNDLE)


@functools.cache
def _verifying_context() -> gevent.ssl.SSLContext:
    """FastHttpUser asks for a context per connection: loading the public roots is the costly part."""
    context = gevent.ssl.create_default_context()
    if _CA_BUNDLE:
        context.load_verify_locations(_CA_BUNDLE)
    return context


class SignsIn:
    """What every user of the stack shares, whichever HTTP client it drives: the SLO sections
    its requests count for (`slos`), the same-origin header its writes need, and sign-in."""

    slos: tuple[str, ...] = ()

    def __init__(self, environment) -> None:
        # The backend (and ADK) refuse a write whose Origin is not the site's own.
        self.default_headers = {"Origin": self.host.rstrip("/")}  # FastHttpUser sends these
        super().__init__(environment)
        if isinstance(self.client, HttpSession):
            self.client.headers.update(self.default_headers)

    def sign_in(self) -> str | None:
        """Sign up as a new account, or, where sign-up is closed (staging), sign in as
        STACKCHECK_USER_A (`name:password`); the session cookie stays in self.client. The
        signed-in username, or None (the failure is reported under the `signin` SLO)."""
        account = Account.from_env(ENV_ACCOUNTS[0])
        route = "signin" if account else "signup"
        account = account or Account.random("load")
        with self.client.post(f"{AUTH}/{route}", json=account.credentials,
                              name=load.request_name("signin", f"{AUTH}/{route}"), catch_response=True) as answer:
            if answer.status_code not in (200, 201):
                answer.failure(f"{route} answered {answer.status_code}: {(answer.text or '')[:200]}")
                return None
        return account.username


class StackUser(SignsIn, HttpUser):
    """A user on python-requests: reads a response body as its chunks arrive (event streams)."""

    abstract = True


class FastStackUser(SignsIn, FastHttpUser):
    """A user on geventhttpclient, which costs the load generator less CPU a request
    (locustfiles/README.md); its reads wait for whole buffers, so no event streams."""

    abstract = True
    insecure = False
    ssl_context_factory = staticmethod(_verifying_context)


@events.init_command_line_parser.add_listener
def _options(parser) -> None:
    parser.add_argument("--slo-report-dir", default="reports/locust",
                        help="where the SLO gate writes samples.csv and verdict.json")


@events.test_start.add_listener
def _test_start(environment, **_) -> None:
    if not _started:
        _started.append(time.time())


@events.request.add_listener
def _record(name: str, response_time: float, exception: BaseException | None, **_) -> None:
    if slo_name := load.slo_of(name):
        _samples.append(load.RawSample(time.time(), slo_name, name, response_time, exception is None))


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
    if isinstance(environment.runner, WorkerRunner) or environment.parsed_options is None:
        return
    slos = sorted({name for user in environment.user_classes for name in user.slos})
    started = _started[0] if _started else min((s.ts for s in _samples), default=time.time())
    verdicts = load.judge(_samples, slos, started)
    folder = Path(environment.parsed_options.slo_report_dir)
    load.write_results(folder, _samples, verdicts, started)
    crashed = sum(e["count"] for e in environment.runner.exceptions.values())
    _report.extend(["", slo.table(verdicts)])
    if crashed:
        _report.append(f"FAILED: the locustfiles raised {crashed} exceptions; the load was not as designed")
    _report.append(f"raw samples and verdict: {folder}/")
    environment.process_exit_code = 0 if slo.gate(verdicts) and not crashed else 1


@events.quit.add_listener
def _print_verdict(exit_code: int, **_) -> None:
    # After Locust's own statistics, so the verdict is the last thing on the console.
    if _report:
        print("\n".join(_report), file=sys.stderr, flush=True)
