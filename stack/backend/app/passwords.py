"""Password hashing: Argon2id (argon2-cffi), off the event loop, a bounded number at a time.

Each hash takes ARGON2_MEMORY_KIB of memory and a core for tens of milliseconds, so at
most HASH_CONCURRENCY run at once per process: a burst of sign-ins queues instead of
pushing the container past its memory limit or starving every other request.
"""
from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import lru_cache

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from .settings import get_settings

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
USERNAME_MIN, USERNAME_MAX = 3, 32
PASSWORD_MIN, PASSWORD_MAX = 10, 128
HASH_CONCURRENCY = 2

_slots: asyncio.Semaphore | None = None
_slots_loop: asyncio.AbstractEventLoop | None = None


def username_problem(username: str) -> str | None:
    """Why a username can't be used, or None."""
    if not USERNAME_MIN <= len(username) <= USERNAME_MAX:
        return f"a username has {USERNAME_MIN} to {USERNAME_MAX} characters"
    if not USERNAME_RE.match(username):
        return "a username is lower-case letters, digits and _ . - (starting with a letter or digit)"
    return None


def password_problem(password: str) -> str | None:
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        return f"a password has {PASSWORD_MIN} to {PASSWORD_MAX} characters"
    return None


@lru_cache
def hasher() -> PasswordHasher:
    s = get_settings()
    return PasswordHasher(time_cost=s.argon2_time_cost, memory_cost=s.argon2_memory_kib,
                          parallelism=s.argon2_parallelism, hash_len=32, salt_len=16, type=Type.ID)


@lru_cache
def dummy_hash() -> str:
    """A hash nobody's password matches, verified for unknown names so they take as long."""
    return hasher().hash("no account has this password: it only costs the same time")


def hash_password(password: str) -> str:
    return hasher().hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    try:
        return hasher().verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    try:
        return hasher().check_needs_rehash(stored_hash)
    except InvalidHashError:
        return True


def _semaphore() -> asyncio.Semaphore:
    global _slots, _slots_loop
    loop = asyncio.get_running_loop()
    if _slots is None or _slots_loop is not loop:
        _slots, _slots_loop = asyncio.Semaphore(HASH_CONCURRENCY), loop
    return _slots


@asynccontextmanager
async def slot() -> AsyncIterator[None]:
    """One of the HASH_CONCURRENCY hashing slots of this process."""
    async with _semaphore():
        yield


async def hash_async(password: str) -> str:
    async with slot():
        return await asyncio.to_thread(hash_password, password)
