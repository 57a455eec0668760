"""Accounts on the stack, and HTTP clients signed in as them, as a browser is.

A client carries the session cookie nginx's origin sets, and the same-origin `Origin`
header the page sends. Where sign-up is open (the bundled stack), each caller gets a fresh
account of its own; a deployed host keeps sign-up closed, so there the suite uses the two
accounts the operator gives it (STACKCHECK_USER_A and STACKCHECK_USER_B, each
`name:password`; README "Testing a deployed host").
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass

import httpx

AUTH = "/api/v1/auth"
SESSION_COOKIE = "sa_session"
ENV_ACCOUNTS = ("STACKCHECK_USER_A", "STACKCHECK_USER_B")


class SignInFailed(AssertionError):
    pass


@dataclass(frozen=True)
class Account:
    username: str
    password: str

    @classmethod
    def random(cls, prefix: str = "sc") -> Account:
        return cls(f"{prefix}-{secrets.token_hex(5)}", secrets.token_urlsafe(18))

    @classmethod
    def from_env(cls, variable: str) -> Account | None:
        name, sep, password = os.environ.get(variable, "").partition(":")
        return cls(name, password) if sep and name and password else None

    @property
    def credentials(self) -> dict[str, str]:
        """The body of a sign-up or sign-in."""
        return {"username": self.username, "password": self.password}

    def __repr__(self) -> str:  # never print a password in a report
        return f"Account({self.username!r})"


class Client(httpx.Client):
    """An httpx client that may be used in `with` after its first request (a signed-in
    client has sent its sign-in before it is handed out); leaving the block closes it."""

    def __enter__(self) -> Client:
        return self


def client(base_url: str, timeout: float = 30, http2: bool = False) -> Client:
    """A client as the page served by nginx is: same origin, cookies kept; with `http2`, it
    offers HTTP/2 in the TLS handshake, as browsers do."""
    return Client(base_url=base_url, timeout=timeout, headers={"Origin": base_url}, http2=http2)


def behind_the_proxy(http: Client, backend_url: str) -> Client:
    """A client to the backend without nginx, in `http`'s session. The session cookie is
    Secure on an HTTPS stack, so no cookie jar sends it over the backend's plain HTTP: it goes
    as a header instead, as nginx passes it on."""
    return Client(base_url=backend_url, timeout=http.timeout,
                  headers={"Cookie": f"{SESSION_COOKIE}={http.cookies[SESSION_COOKIE]}"})


def sign_up(http: httpx.Client, account: Account) -> httpx.Response:
    return http.post(f"{AUTH}/signup", json=account.credentials)


def sign_in(http: httpx.Client, account: Account) -> httpx.Response:
    return http.post(f"{AUTH}/signin", json=account.credentials)


def signed_in(base_url: str, account: Account, *, new: bool = False, timeout: float = 30,
              http2: bool = False) -> Client:
    """A client signed in as `account` (signed up first when `new`); fails with the answer."""
    http = client(base_url, timeout, http2)
    response = sign_up(http, account) if new else sign_in(http, account)
    if response.status_code not in (200, 201) or SESSION_COOKIE not in http.cookies:
        http.close()
        raise SignInFailed(f"{'sign-up' if new else 'sign-in'} of {account.username} at {base_url}: "
                           f"{response.status_code} {response.text[:300]}")
    return http


class Accounts:
    """Accounts for one target: fresh ones where sign-up is open, else the operator's two."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.signup_open: bool | None = None     # known after the first sign-up

    def _sign_up(self, prefix: str) -> Account | None:
        """A fresh, signed-up account; None when the target's sign-up is closed."""
        if self.signup_open is False:
            return None
        account = Account.random(prefix)
        with client(self.base_url) as http:
            response = sign_up(http, account)
        self.signup_open = response.status_code != 403
        if response.status_code == 403:
            return None
        if response.status_code != 201:
            raise SignInFailed(f"sign-up of {account.username} at {self.base_url}: "
                               f"{response.status_code} {response.text[:300]}")
        return account

    def pair(self) -> tuple[Account, Account] | None:
        """Two distinct accounts (owner, other), or None when there are none to use."""
        if (first := self._sign_up("owner")) and (second := self._sign_up("other")):
            return first, second
        found = [a for v in ENV_ACCOUNTS if (a := Account.from_env(v))]
        return (found[0], found[1]) if len(found) == 2 and found[0].username != found[1].username else None

    def new(self, prefix: str = "sc") -> Account:
        """A fresh account (sign-up open), or the operator's first one."""
        if account := self._sign_up(prefix) or Account.from_env(ENV_ACCOUNTS[0]):
            return account
        raise LookupError(f"sign-up is closed on {self.base_url} and {ENV_ACCOUNTS[0]} is not set")

    def anonymous(self, timeout: float = 30) -> Client:
        """A client with no session, as a visitor who never signed in."""
        return client(self.base_url, timeout)

    def client(self, account: Account | None = None, timeout: float = 30, http2: bool = False) -> Client:
        """A client signed in as `account` (a new one when not given)."""
        return signed_in(self.base_url, account or self.new(), timeout=timeout, http2=http2)
