#!/bin/sh
# The password comes from a secret file, written to a private tmpfs file, never to argv.
set -eu
secret=/run/secrets/redis_password
[ -s "$secret" ] || { echo "start-redis: $secret is missing or empty" >&2; exit 1; }
umask 077
printf 'requirepass "%s"\n' "$(cat "$secret")" >/tmp/redis-auth.conf
exec redis-server /usr/local/etc/redis/redis.conf --include /tmp/redis-auth.conf "$@"
