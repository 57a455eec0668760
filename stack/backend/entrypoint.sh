#!/bin/sh
# Wait for Postgres and Redis, migrate (schema + price seed, idempotent), then start the server.
set -eu
cd /app
python -m app.wait "${WAIT_TIMEOUT_SECONDS:-60}"
alembic upgrade head
if [ "${WEB_CONCURRENCY:-1}" -gt 1 ]; then
    # Several workers: Prometheus metrics are aggregated through files in a private tmpfs dir.
    export PROMETHEUS_MULTIPROC_DIR="${PROMETHEUS_MULTIPROC_DIR:-/tmp/prometheus}"
    rm -rf "$PROMETHEUS_MULTIPROC_DIR" && mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
fi
exec "$@"
