"""What every locustfile shares: the base users, and (imported here) the SLO gate.

Locust imports every .py file in locustfiles/ except those starting with "_", so this module
is imported once, by the user files, and the gate's listeners are registered exactly once.
"""

from __future__ import annotations

import functools
import os

import gevent.ssl
from locust import FastHttpUser, HttpUser
from locust.clients import HttpSession

import _gate  # noqa: F401 - registers the SLO gate's listeners
from stackcheck import load
from stackcheck.accounts import AUTH, ENV_ACCOUNTS, Account

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
