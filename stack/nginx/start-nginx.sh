#!/bin/bash
# Render nginx's configuration from templates/ with the NGINX_* settings, install the TLS
# certificate (NGINX_TLS=on), then run nginx. Only the listed variables are replaced, so
# nginx's own $variables stay intact.
set -euo pipefail
: "${NGINX_SSE_READ_TIMEOUT:=3600s}"
: "${NGINX_API_RATE:=60r/m}"
: "${NGINX_API_BURST:=20}"
: "${NGINX_AGENT_RATE:=10r/m}"
: "${NGINX_AGENT_BURST:=5}"
: "${NGINX_MAX_BODY_SIZE:=1m}"
: "${NGINX_SIGNIN_RATE:=5r/m}"
: "${NGINX_SIGNIN_BURST:=5}"
: "${NGINX_TLS:=off}"
# The HTTPS port clients use (the published one), for the redirect from port 80.
: "${NGINX_HTTPS_PORT:=443}"
# How often a renewed certificate is looked for (certbot's deploy hook writes it).
: "${NGINX_CERT_CHECK_SECONDS:=60}"
# How often the app's servers are looked up in Docker's DNS (a recreated container's new address).
: "${NGINX_RESOLVE_SECONDS:=5}"
CONF=/tmp/nginx
CERTS=/etc/nginx/certs

# Retry-After for a 429: the time one more request takes to be allowed (rounded up).
retry_after() {
  local rate="${1%r/*}"
  if [ "${1#*r/}" = m ]; then echo $(( (60 + rate - 1) / rate )); else echo 1; fi
}
# shellcheck disable=SC2034  # read below through ${!var}
NGINX_RETRY_AFTER="$(retry_after "$NGINX_API_RATE")"
# shellcheck disable=SC2034
NGINX_SIGNIN_RETRY_AFTER="$(retry_after "$NGINX_SIGNIN_RATE")"
# shellcheck disable=SC2034
if [ "$NGINX_HTTPS_PORT" = 443 ]; then NGINX_HTTPS_PORT_SUFFIX=""; else NGINX_HTTPS_PORT_SUFFIX=":$NGINX_HTTPS_PORT"; fi

render() {  # render TEMPLATE OUTPUT
  local conf var
  conf="$(<"$1")"
  for var in NGINX_RETRY_AFTER NGINX_SIGNIN_RETRY_AFTER NGINX_SSE_READ_TIMEOUT NGINX_API_RATE NGINX_API_BURST \
             NGINX_AGENT_RATE NGINX_AGENT_BURST NGINX_SIGNIN_RATE NGINX_SIGNIN_BURST NGINX_MAX_BODY_SIZE \
             NGINX_HTTPS_PORT_SUFFIX; do
    conf="${conf//"\${$var}"/${!var}}"
  done
  printf '%s\n' "$conf" >"$2"
}

# The certificate nginx serves: certbot's (or any installed with `stack cert install`)
# when present, else a self-signed placeholder, so that a first start works before any
# certificate exists. nginx reads copies, so a half-written renewal is never loaded.
install_certificate() {
  if [ -r "$CERTS/fullchain.pem" ] && [ -r "$CERTS/privkey.pem" ]; then
    cp "$CERTS/fullchain.pem" "$CONF/certs/fullchain.pem.new"
    cp "$CERTS/privkey.pem" "$CONF/certs/privkey.pem.new"
    mv "$CONF/certs/privkey.pem.new" "$CONF/certs/privkey.pem"
    mv "$CONF/certs/fullchain.pem.new" "$CONF/certs/fullchain.pem"
    echo "start-nginx: serving the certificate from $CERTS" >&2
  elif [ ! -e "$CONF/certs/placeholder" ]; then
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
      -subj "/CN=placeholder.invalid" -keyout "$CONF/certs/privkey.pem" -out "$CONF/certs/fullchain.pem" 2>/dev/null
    touch "$CONF/certs/placeholder"
    echo "start-nginx: no certificate in $CERTS yet: serving a self-signed placeholder" >&2
  fi
}

# Before the first certificate there is nothing to read: that too is a fingerprint.
fingerprint() { { cat "$CERTS/fullchain.pem" "$CERTS/privkey.pem" 2>/dev/null || true; } | md5sum; }

# The certificate changed (certbot's deploy hook or `stack cert install`): install the new one.
renew_certificate() {
  rm -f "$CONF/certs/placeholder"
  install_certificate
}

# nginx 1.22 resolves an upstream block's names once, at start (the `resolve` parameter came
# in 1.27.3), so this script resolves them: every address of each service (replicas share
# the load), each with kept-alive connections. A name that does not resolve keeps its last
# addresses; before any, an address that refuses at once, so nginx answers 502 until then.
UPSTREAMS="frontend:3000 backend:8000"
upstreams() {
  local service name port addresses address
  for service in $UPSTREAMS; do
    name="${service%:*}" port="${service#*:}"
    addresses="$(getent ahostsv4 "$name" | awk '!seen[$1]++ {printf "%s ", $1}')"
    if [ -n "$addresses" ]; then
      echo "$addresses" >"$CONF/$name.addresses"
    else
      addresses="$(cat "$CONF/$name.addresses" 2>/dev/null || true)"
    fi
    printf 'upstream %s {\n' "$name"
    [ -n "$addresses" ] || printf '    server 127.0.0.1:1;  # not resolved yet: refused at once\n'
    for address in $addresses; do printf '    server %s:%s;\n' "$address" "$port"; done
    # Below the 5 s after which uvicorn and Node close an idle connection themselves.
    printf '    keepalive 16;\n    keepalive_timeout 4s;\n}\n'
  done
}

write_upstreams() {  # write_upstreams CONFIG
  printf '%s\n' "$1" >"$CONF/upstreams.conf.new" && mv "$CONF/upstreams.conf.new" "$CONF/upstreams.conf"
}

# watch INTERVAL PROBE APPLY SEEN: every INTERVAL seconds, when PROBE prints something other
# than SEEN, APPLY it and reload nginx gracefully: new workers take the change, the old ones
# finish their open requests (event streams included) before they exit. A failed apply or
# reload (a key that does not match its certificate) is tried again at the next check.
watch() {
  local interval="$1" probe="$2" apply="$3" seen="$4" now
  set +e  # a watcher that dies on one failed read would never apply a change
  while sleep "$interval"; do
    now="$("$probe")"
    [ "$now" != "$seen" ] || continue
    if "$apply" "$now" && nginx -c "$CONF/nginx.conf" -s reload; then
      seen="$now"
      echo "start-nginx: $probe changed: nginx reloaded" >&2
    fi
  done
}

mkdir -p "$CONF"
addresses="$(upstreams)"
write_upstreams "$addresses"
watch "$NGINX_RESOLVE_SECONDS" upstreams write_upstreams "$addresses" &
render /etc/nginx/templates/nginx.conf.template "$CONF/nginx.conf"
render /etc/nginx/templates/app.conf.template "$CONF/app.conf"
case "$NGINX_TLS" in
  on)
    render /etc/nginx/templates/servers-tls-on.conf.template "$CONF/servers.conf"
    mkdir -m 700 "$CONF/certs"
    install_certificate
    watch "$NGINX_CERT_CHECK_SECONDS" fingerprint renew_certificate "$(fingerprint)" &
    ;;
  off) render /etc/nginx/templates/servers-tls-off.conf.template "$CONF/servers.conf" ;;
  *) echo "start-nginx: NGINX_TLS must be on or off, not '$NGINX_TLS'" >&2; exit 2 ;;
esac
exec nginx -c "$CONF/nginx.conf" "$@"
