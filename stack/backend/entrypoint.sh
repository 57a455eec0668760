#!/bin/sh
# Start only once the data services answer, so the first requests don't fail.
set -eu
python3 - <<'PY'
import sys, time
from app.main import _postgres, _redis
deadline = time.monotonic() + 60
for name, check in (("postgres", _postgres), ("redis", _redis)):
    while True:
        try:
            check(); break
        except Exception as exc:
            if time.monotonic() > deadline:
                sys.exit(f"entrypoint: {name} did not answer within 60 s: {exc}")
            time.sleep(0.5)
PY
exec "$@"
