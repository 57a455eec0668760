#!/bin/bash
# Render nginx.conf from its template with the NGINX_* settings, then run nginx.
# Only the listed variables are replaced, so nginx's own $variables stay intact.
set -euo pipefail
: "${NGINX_SSE_READ_TIMEOUT:=3600s}"
: "${NGINX_API_RATE:=60r/m}"
: "${NGINX_API_BURST:=20}"
: "${NGINX_AGENT_RATE:=10r/m}"
: "${NGINX_AGENT_BURST:=5}"
: "${NGINX_MAX_BODY_SIZE:=1m}"
: "${NGINX_SIGNIN_RATE:=5r/m}"
: "${NGINX_SIGNIN_BURST:=5}"
# Retry-After for a 429: the time one more request takes to be allowed (rounded up).
retry_after() {
  local rate="${1%r/*}"
  if [ "${1#*r/}" = m ]; then echo $(( (60 + rate - 1) / rate )); else echo 1; fi
}
# shellcheck disable=SC2034  # read below through ${!var}
NGINX_RETRY_AFTER="$(retry_after "$NGINX_API_RATE")"
# shellcheck disable=SC2034
NGINX_SIGNIN_RETRY_AFTER="$(retry_after "$NGINX_SIGNIN_RATE")"
conf="$(</etc/nginx/nginx.conf.template)"
for var in NGINX_RETRY_AFTER NGINX_SIGNIN_RETRY_AFTER NGINX_SSE_READ_TIMEOUT NGINX_API_RATE NGINX_API_BURST \
           NGINX_AGENT_RATE NGINX_AGENT_BURST NGINX_SIGNIN_RATE NGINX_SIGNIN_BURST NGINX_MAX_BODY_SIZE; do
  conf="${conf//"\${$var}"/${!var}}"
done
mkdir -p /tmp/nginx
printf '%s\n' "$conf" >/tmp/nginx/nginx.conf
exec nginx -c /tmp/nginx/nginx.conf "$@"
