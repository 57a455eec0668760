"""Accounts, sign-in sessions and the per-account sign-in backoff (API.md, "Identity and access").

- A session is a random token (`secrets.token_urlsafe(32)`, 256 bits) in the cookie
  `sa_session`; the database keeps only its sha256. Every sign-in makes a new one.
- Every request looks its session up in Postgres (one indexed statement, which also
  refreshes `last_seen_at` at most every TOUCH_SECONDS): nothing is cached, so a revoked
  session, a disabled account or an expired session is refused on the very next request,
  whatever the number of workers.
- After BACKOFF_AFTER consecutive failed sign-ins of a name, sign-in for that name is
  refused (429) for 1 s, then 2 s, 4 s... per further failure, at most BACKOFF_CAP_SECONDS;
  a success resets it. Names without an account get the same treatment (signin_failures),
  so neither the answer, nor its timing, nor a 429 tells whether an account exists.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import math
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError

from . import passwords
from .db import get_engine, session_scope
from .errors import Conflict
from .models import AuthSession, SigninFailure, User
from .settings import get_settings

COOKIE_NAME = "sa_session"
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{43}$")  # secrets.token_urlsafe(32)
TOUCH_SECONDS = 30
BACKOFF_AFTER = 5
BACKOFF_CAP_SECONDS = 900
# Rows nobody can use any more are deleted this long after they stopped working.
KEEP_DEAD_SECONDS = 86400


@dataclass(frozen=True)
class Principal:
    """The signed-in user of a request."""

    user_id: int
    username: str
    token_hash: str


@dataclass(frozen=True)
class SigninResult:
    outcome: str  # "ok" | "wrong" | "throttled"
    username: str = ""
    token: str = ""
    retry_after: int = 0


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def backoff_seconds(failures: int) -> int:
    """How long sign-in is refused after this many consecutive failures (0: not at all)."""
    if failures < BACKOFF_AFTER:
        return 0
    return min(2 ** min(failures - BACKOFF_AFTER, 20), BACKOFF_CAP_SECONDS)


# --- cookies ------------------------------------------------------------------------------

def _cookie(value: str, max_age: int) -> str:
    parts = [f"{COOKIE_NAME}={value}", "HttpOnly", f"Max-Age={max_age}", "Path=/", "SameSite=Lax"]
    if get_settings().cookie_secure:
        parts.append("Secure")
    return "; ".join(parts)


def session_cookie(token: str) -> str:
    """The Set-Cookie value of a new session: it lives as long as the session may."""
    return _cookie(token, get_settings().session_max_seconds)


def clearing_cookie() -> str:
    return _cookie("", 0)


def cookie_token(cookie_header: str | None) -> str | None:
    """The session token of a Cookie header, when it has the shape of one."""
    if not cookie_header:
        return None
    from starlette.requests import cookie_parser

    value = cookie_parser(cookie_header).get(COOKIE_NAME)
    return value if value and TOKEN_RE.match(value) else None


# --- sessions -----------------------------------------------------------------------------

_LOOKUP = text("""
    WITH s AS (
        SELECT a.token_hash, a.last_seen_at, u.id AS user_id, u.username
          FROM auth_sessions a JOIN users u ON u.id = a.user_id
         WHERE a.token_hash = :token_hash
           AND a.revoked_at IS NULL
           AND NOT u.disabled
           AND a.last_seen_at > now() - make_interval(secs => :idle)
           AND a.created_at > now() - make_interval(secs => :max_age)
    ), touched AS (
        UPDATE auth_sessions a SET last_seen_at = now()
          FROM s
         WHERE a.token_hash = s.token_hash AND s.last_seen_at < now() - make_interval(secs => :touch)
    )
    SELECT user_id, username FROM s
""")


async def lookup(token: str) -> Principal | None:
    """The user of a live session: not revoked, not idle too long, not too old, account enabled."""
    settings = get_settings()
    digest = token_hash(token)
    async with get_engine().begin() as conn:
        row = (await conn.execute(_LOOKUP, {
            "token_hash": digest, "idle": float(settings.session_idle_seconds),
            "max_age": float(settings.session_max_seconds), "touch": float(TOUCH_SECONDS),
        })).first()
    return Principal(row.user_id, row.username, digest) if row else None


async def _new_session(session, user_id: int) -> str:
    token = secrets.token_urlsafe(32)
    session.add(AuthSession(token_hash=token_hash(token), user_id=user_id))
    await session.flush()
    return token


async def revoke(token_hash_value: str) -> None:
    async with session_scope() as session:
        await session.execute(
            update(AuthSession).where(AuthSession.token_hash == token_hash_value, AuthSession.revoked_at.is_(None))
            .values(revoked_at=func.now())
        )


async def revoke_all(session, user_id: int) -> int:
    result = await session.execute(
        update(AuthSession).where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=func.now())
    )
    return result.rowcount or 0


async def _prune_sessions(session, user_id: int) -> None:
    """This user's sessions that stopped working more than a day ago."""
    settings = get_settings()
    now = func.now()
    keep = dt.timedelta(seconds=KEEP_DEAD_SECONDS)
    await session.execute(delete(AuthSession).where(
        AuthSession.user_id == user_id,
        (AuthSession.revoked_at < now - keep)
        | (AuthSession.created_at < now - dt.timedelta(seconds=settings.session_max_seconds) - keep)
        | (AuthSession.last_seen_at < now - dt.timedelta(seconds=settings.session_idle_seconds) - keep),
    ))


# --- sign-up and sign-in ------------------------------------------------------------------

async def sign_up(username: str, password: str) -> str:
    """Creates the account and signs it in; the new session's token. Conflict when taken."""
    password_hash = await passwords.hash_async(password)
    async with session_scope() as session:
        user = User(username=username, password_hash=password_hash, disabled=False, failed_signins=0)
        session.add(user)
        try:
            await session.flush()
        except IntegrityError as exc:
            raise Conflict("username taken") from exc
        await session.execute(delete(SigninFailure).where(SigninFailure.username == username))
        return await _new_session(session, user.id)


async def sign_in(username: str, password: str, replaced_token: str | None = None) -> SigninResult:
    """Checks the password under the name's row lock, so parallel guesses queue behind each
    other and the backoff counts every one of them. A hashing slot is taken first: at most
    passwords.HASH_CONCURRENCY sign-ins hold a database connection at a time."""
    async with passwords.slot():
        async with session_scope() as session:
            user = await session.scalar(select(User).where(User.username == username).with_for_update())
            unknown = None
            if user is None:
                unknown = await session.scalar(
                    select(SigninFailure).where(SigninFailure.username == username).with_for_update())
            # The time now that the lock is held (now() would be when the transaction began).
            now = await session.scalar(select(func.clock_timestamp()))
            counter = user if user is not None else unknown
            if counter is not None and counter.locked_until is not None and counter.locked_until > now:
                wait = math.ceil((counter.locked_until - now).total_seconds())
                return SigninResult("throttled", retry_after=max(wait, 1))

            stored = user.password_hash if user is not None else None
            ok = await asyncio.to_thread(passwords.verify_password, stored or passwords.dummy_hash(), password)
            if user is not None and stored is not None and ok and not user.disabled:
                user.failed_signins, user.locked_until = 0, None
                if passwords.needs_rehash(stored):
                    user.password_hash = await asyncio.to_thread(passwords.hash_password, password)
                if replaced_token:
                    # The browser's previous session is over: its cookie is replaced now.
                    await session.execute(
                        update(AuthSession).where(AuthSession.token_hash == token_hash(replaced_token),
                                                  AuthSession.revoked_at.is_(None))
                        .values(revoked_at=func.now()))
                await _prune_sessions(session, user.id)
                token = await _new_session(session, user.id)
                return SigninResult("ok", username=user.username, token=token)

            failures = (counter.failed_signins if counter is not None else 0) + 1
            wait = backoff_seconds(failures)
            locked_until = now + dt.timedelta(seconds=wait) if wait else None
            if user is not None:
                user.failed_signins = failures
                if locked_until is not None:
                    user.locked_until = locked_until
            else:
                await session.execute(
                    insert(SigninFailure)
                    .values(username=username, failed_signins=failures, locked_until=locked_until, last_failed_at=now)
                    .on_conflict_do_update(index_elements=["username"], set_={
                        "failed_signins": failures, "last_failed_at": now,
                        "locked_until": func.coalesce(locked_until, SigninFailure.locked_until)}))
                await session.execute(delete(SigninFailure).where(
                    SigninFailure.last_failed_at < now - dt.timedelta(seconds=KEEP_DEAD_SECONDS)))
            return SigninResult("wrong")
