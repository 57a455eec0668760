"""Accounts from the command line, for operators: `python -m app.users COMMAND [NAME]`.

    add NAME       create an account; the password is read from stdin
    reset NAME     set a new password (from stdin); ends every session of the account and
                   lifts its sign-in backoff
    disable NAME   refuse the account's sign-ins and end its sessions now
    enable NAME    allow it again (and lift its sign-in backoff)
    list           every account: state, failures, backoff, live sessions, last activity

The password is never an argument. On a terminal it is asked twice without echo;
otherwise the first line of stdin is the password (a trailing newline is dropped).
stack/scripts/stack user ... runs this inside the backend container.
Exit status: 0 done, 1 refused (unknown or existing name, bad password...), 2 usage.
"""
from __future__ import annotations

import asyncio
import getpass
import sys

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from . import auth, passwords
from .db import dispose, session_scope
from .models import AuthSession, SigninFailure, User
from .settings import get_settings

USAGE = "usage: python -m app.users {add|reset|disable|enable} NAME | list"


class Refused(Exception):
    pass


def read_password() -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("New password: ")
        if getpass.getpass("Again: ") != first:
            raise Refused("the two passwords differ")
        password = first
    else:
        line = sys.stdin.readline()
        password = line[:-1] if line.endswith("\n") else line
        password = password[:-1] if password.endswith("\r") else password
    problem = passwords.password_problem(password)
    if problem:
        raise Refused(problem)
    return password


async def _user(session, name: str, lock: bool = True) -> User:
    query = select(User).where(User.username == name)
    user = await session.scalar(query.with_for_update() if lock else query)
    if user is None:
        raise Refused(f"no account named {name!r}")
    return user


async def add(name: str) -> str:
    problem = passwords.username_problem(name)
    if problem:
        raise Refused(problem)
    password_hash = passwords.hash_password(read_password())
    async with session_scope() as session:
        session.add(User(username=name, password_hash=password_hash, disabled=False, failed_signins=0))
        try:
            await session.flush()
        except IntegrityError as exc:
            raise Refused(f"an account named {name!r} exists") from exc
        await session.execute(SigninFailure.__table__.delete().where(SigninFailure.username == name))
    return f"added {name}"


async def reset(name: str) -> str:
    password_hash = passwords.hash_password(read_password())
    async with session_scope() as session:
        user = await _user(session, name)
        user.password_hash, user.failed_signins, user.locked_until = password_hash, 0, None
        ended = await auth.revoke_all(session, user.id)
    return f"new password for {name}; {ended} session(s) ended"


async def disable(name: str) -> str:
    async with session_scope() as session:
        user = await _user(session, name)
        user.disabled = True
        ended = await auth.revoke_all(session, user.id)
    return f"disabled {name}; {ended} session(s) ended"


async def enable(name: str) -> str:
    async with session_scope() as session:
        user = await _user(session, name)
        user.disabled, user.failed_signins, user.locked_until = False, 0, None
    return f"enabled {name}"


async def list_users() -> str:
    settings = get_settings()
    now = func.now()
    live = (
        select(func.count()).select_from(AuthSession)
        .where(AuthSession.user_id == User.id, AuthSession.revoked_at.is_(None),
               AuthSession.last_seen_at > now - func.make_interval(0, 0, 0, 0, 0, 0, float(settings.session_idle_seconds)),
               AuthSession.created_at > now - func.make_interval(0, 0, 0, 0, 0, 0, float(settings.session_max_seconds)))
        .scalar_subquery()
    )
    last = select(func.max(AuthSession.last_seen_at)).where(AuthSession.user_id == User.id).scalar_subquery()
    async with session_scope() as session:
        rows = (await session.execute(
            select(User.username, User.disabled, User.created_at, User.failed_signins, User.locked_until,
                   live, last, now).order_by(User.username))).all()
    lines = [f"{'USERNAME':<32} {'STATE':<8} {'FAILED':>6} {'BACKOFF UNTIL':<20} {'SESSIONS':>8} "
             f"{'LAST SEEN':<20} CREATED"]
    for name, disabled, created, failed, locked, sessions, seen, at in rows:
        def t(value):
            return value.strftime("%Y-%m-%d %H:%M:%S") if value else "-"
        until = t(locked) if locked and locked > at else "-"
        lines.append(f"{name:<32} {'disabled' if disabled else 'enabled':<8} {failed:>6} {until:<20} "
                     f"{sessions:>8} {t(seen):<20} {t(created)}")
    lines.append(f"{len(rows)} account(s)")
    return "\n".join(lines)


COMMANDS = {"add": add, "reset": reset, "disable": disable, "enable": enable}


async def run(argv: list[str]) -> str:
    try:
        if argv == ["list"]:
            return await list_users()
        if len(argv) == 2 and argv[0] in COMMANDS:
            return await COMMANDS[argv[0]](argv[1])
    finally:
        await dispose()
    raise SystemExit(USAGE)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(__doc__.strip())
        return 0 if argv else 2
    try:
        print(asyncio.run(run(argv)))
    except Refused as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except SystemExit as exc:
        print(exc, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
