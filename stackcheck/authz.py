"""Who may do what: every operation the backend's OpenAPI lists, as each of three roles.

- anonymous: no session. Only the public operations answer; the rest answer 401.
- owner: the signed-in user whose objects the request addresses. It succeeds (2xx).
- other: another signed-in user, aiming at the owner's objects. A request that names the
  owner (ADK's `{user_id}` path segment, or `user_id` in a run's body) answers 403; one that
  addresses an owner's object by id answers 404, as a missing object does (its existence is
  never revealed); an operation on no one's objects (a stock quote) succeeds, and answers
  with nothing of the owner's.

The rules are stack/backend/API.md's ("Authorization"). Because the operations come from the
running stack's OpenAPI, a new route is judged the moment it exists.
"""

from __future__ import annotations

from dataclasses import dataclass

ROLES = ("anonymous", "owner", "other")
METHODS = ("get", "post", "put", "patch", "delete")
# Reachable without a session: health, and the way in.
SIGNUP = "/api/v1/auth/signup"
PUBLIC_PREFIXES = ("/api/v1/health/", "/api/v1/auth/signin", SIGNUP)
# Path parameters that address an object some user owns.
OWNED = ("watchlist_id", "analysis_id", "session_id")
# Operations whose JSON body names the user they act for.
USER_IN_BODY = ("/run_sse", "/run")


@dataclass(frozen=True)
class Operation:
    method: str       # upper case
    path: str         # the OpenAPI template, e.g. /api/v1/watchlists/{watchlist_id}
    takes_body: bool = False

    def __str__(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def public(self) -> bool:
        return self.path.startswith(PUBLIC_PREFIXES)

    @property
    def names_user(self) -> bool:
        return "{user_id}" in self.path or self.path in USER_IN_BODY

    @property
    def addresses_object(self) -> bool:
        return any(f"{{{p}}}" in self.path for p in OWNED)


def operations(openapi: dict) -> list[Operation]:
    """Every operation of an OpenAPI document, in its order."""
    return [Operation(method.upper(), path, "requestBody" in spec) for path, item in openapi["paths"].items()
            for method, spec in item.items() if method in METHODS]


def expected(op: Operation, role: str, signup_open: bool = True) -> int | None:
    """The status the role must get (None: any success). A host with sign-up closed (prod)
    refuses every sign-up with 403."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    if op.path == SIGNUP and op.method == "POST" and not signup_open:
        return 403
    if role == "anonymous":
        return None if op.public else 401
    if role == "owner" or op.public:
        return None
    if op.names_user:
        return 403
    return 404 if op.addresses_object else None


def judge(op: Operation, role: str, status: int, body: str = "", owners_ids: tuple[str, ...] = (),
          signup_open: bool = True) -> str | None:
    """What is wrong with one answer, or None. `owners_ids` must not appear in what another
    user is shown."""
    want = expected(op, role, signup_open)
    if want is None and not 200 <= status < 300:
        return f"{op} as {role}: expected success, got {status} {body[:160]}"
    if want is not None and status != want:
        return f"{op} as {role}: expected {want}, got {status} {body[:160]}"
    if role == "other" and (shown := [i for i in owners_ids if i and i in body]):
        return f"{op} as {role}: the answer shows the owner's {shown}"
    return None
