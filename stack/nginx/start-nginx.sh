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

# A renewed certificate: nginx's graceful reload starts new workers with it, and the old
# ones finish their open requests (event streams included) before they exit.
watch_certificate() {
  local seen now
  set +e  # a watcher that dies on one failed read would never load a renewal
  seen="$(fingerprint)"
  while sleep "$NGINX_CERT_CHECK_SECONDS"; do
    now="$(fingerprint)"
    [ "$now" != "$seen" ] || continue
    rm -f "$CONF/certs/placeholder"
    # A failed reload (a key that does not match) keeps the old certificate; try again later.
    if install_certificate && nginx -c "$CONF/nginx.conf" -s reload; then
      seen="$now"
      echo "start-nginx: certificate changed: nginx reloaded" >&2
    fi
  done
}

mkdir -p "$CONF"
render /etc/nginx/templates/nginx.conf.template "$CONF/nginx.conf"
render /etc/nginx/templates/app.conf.template "$CONF/app.conf"
case "$NGINX_TLS" in
  on)
    render /etc/nginx/templates/servers-tls-on.conf.template "$CONF/servers.conf"
    mkdir -m 700 "$CONF/certs"
    install_certificate
    watch_certificate &
    ;;
  off) render /etc/nginx/templates/servers-tls-off.conf.template "$CONF/servers.conf" ;;
  *) echo "start-nginx: NGINX_TLS must be on or off, not '$NGINX_TLS'" >&2; exit 2 ;;
esac
exec nginx -c "$CONF/nginx.conf" "$@"
