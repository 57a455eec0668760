# shellcheck shell=bash
# cert: the HTTPS certificate of a --prod stack. certbot (the prod profile's sidecar) gets
# and renews Let's Encrypt's over HTTP-01, through nginx's port 80; install-cert hands each
# one to nginx, which reloads gracefully within NGINX_CERT_CHECK_SECONDS.

CERTBOT_DIRS=(--config-dir /etc/letsencrypt --work-dir /tmp/certbot --logs-dir /tmp/certbot/logs)

cert_usage() {
  cat <<'EOF'
cert issue DOMAIN EMAIL [--staging]
                     the first Let's Encrypt certificate (nginx must be up, and DOMAIN's
                     port 80 must reach it); --staging: Let's Encrypt's test CA
cert renew           renew now if due (the sidecar tries every RENEW_INTERVAL seconds)
cert install DIR     install DIR/fullchain.pem and DIR/privkey.pem (a certificate from
                     elsewhere); waits until nginx serves it
cert status          the certificate nginx serves (subject, issuer, expiry), and the
                     sidecar's last renewal
EOF
}

# cert_served FIELD...: openssl x509 output for what nginx serves now.
cert_served() {
  svc_exec nginx openssl x509 -in /tmp/nginx/certs/fullchain.pem -noout "$@" </dev/null
}

cert_wait_served() {
  local want="$1" deadline=$((SECONDS + 90))
  while [ "$(cert_served -fingerprint -sha256 2>/dev/null)" != "$want" ]; do
    [ "$SECONDS" -lt "$deadline" ] || die "cert: nginx does not serve the new certificate after 90 s (stack logs nginx)"
    sleep 1
  done
  say "nginx serves the new certificate"
}

cmd_cert() {
  [ "$PROD" = 1 ] || die "cert: HTTPS and its certbot sidecar are part of --prod"
  local sub="${1:-}"; [ $# -gt 0 ] && shift
  case "$sub" in
    issue)
      [ $# -ge 2 ] || die "cert issue DOMAIN EMAIL [--staging]"
      local staging=()
      [ "${3:-}" = --staging ] && staging=(--test-cert)
      say "asking Let's Encrypt for $1 (HTTP-01 through nginx's port 80)"
      svc_exec certbot certbot certonly --non-interactive "${CERTBOT_DIRS[@]}" --webroot -w /var/www/acme \
        -d "$1" --email "$2" --agree-tos --no-eff-email "${staging[@]+"${staging[@]}"}" \
        --deploy-hook install-cert </dev/null || die "cert issue: certbot failed (above)"
      ;;
    renew)
      svc_exec certbot certbot renew --non-interactive "${CERTBOT_DIRS[@]}" --webroot -w /var/www/acme \
        --deploy-hook install-cert </dev/null || die "cert renew: certbot failed (above)"
      ;;
    install)
      if [ $# -lt 1 ] || [ ! -s "$1/fullchain.pem" ] || [ ! -s "$1/privkey.pem" ]; then
        die "cert install DIR: DIR needs fullchain.pem and privkey.pem"
      fi
      local want
      want="$(openssl x509 -in "$1/fullchain.pem" -noout -fingerprint -sha256)" || die "cert install: $1/fullchain.pem is not a certificate"
      tar -C "$1" -c fullchain.pem privkey.pem | svc_exec certbot install-cert - || die "cert install: install-cert failed"
      cert_wait_served "$want"
      ;;
    status)
      cert_served -subject -issuer -enddate || die "cert status: nginx is not running with TLS"
      printf 'renewal: %s\n' "$(svc_exec certbot cat /tmp/renew-status </dev/null 2>/dev/null || echo 'certbot is not running')"
      ;;
    *) cert_usage >&2; die "unknown cert command: ${sub:-none}" ;;
  esac
}
