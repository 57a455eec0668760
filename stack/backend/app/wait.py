"""`python -m app.wait`: block until Postgres and Redis answer (the entrypoint's first step)."""
import asyncio
import sys
import time

from pydantic import ValidationError

from . import cache, db
from .settings import get_settings


async def main(timeout: float = 60.0) -> int:
    try:
        get_settings()
    except ValidationError as exc:  # a configuration error does not heal by waiting
        print(f"wait: invalid configuration: {exc}", file=sys.stderr)
        return 2
    deadline = time.monotonic() + timeout
    for name, check in (("postgres", db.ping), ("redis", cache.ping)):
        while True:
            try:
                await check(2.0)
                print(f"wait: {name} is up", file=sys.stderr)
                break
            except Exception as exc:  # noqa: BLE001 - any failure means "not yet"
                if time.monotonic() > deadline:
                    print(f"wait: {name} did not answer within {timeout:.0f} s: {type(exc).__name__}: {exc}",
                          file=sys.stderr)
                    return 1
                await asyncio.sleep(0.5)
    await db.dispose()
    await cache.close()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(float(sys.argv[1]) if len(sys.argv) > 1 else 60.0)))
