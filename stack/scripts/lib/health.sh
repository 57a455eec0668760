# shellcheck shell=bash
# Health: each service's state and healthcheck, nginx's checks from this host, and the
# evidence printed when a start fails.

# http_status URL: the status code, 000 when nothing answers. An https URL is checked with
# curl, without verifying the certificate: this checks the service, `stack cert status` the
# certificate (a first start serves a self-signed placeholder).
http_status() {
  if command -v curl >/dev/null 2>&1; then
    curl -sk -o /dev/null -m 5 -w '%{http_code}' "$1" 2>/dev/null || true
  elif [[ "$1" == https://* ]]; then
    echo "000 (curl is needed for https)"
  else
    local hostport="${1#http://}" path host port line
    path="/${hostport#*/}"; hostport="${hostport%%/*}"; host="${hostport%:*}"; port="${hostport##*:}"
    { exec 8<>"/dev/tcp/$host/$port" && printf 'GET %s HTTP/1.0\r\nHost: %s\r\n\r\n' "$path" "$host" >&8 \
      && read -r -t 5 _ line _ <&8 && exec 8>&- && echo "$line"; } 2>/dev/null || echo 000
  fi
}

# nginx's published address, for checks from this host: HTTPS where it is published (port
# 80 then only redirects), else HTTP; a wildcard bind becomes 127.0.0.1.
nginx_url() {
  local addr host port scheme=https
  addr="$(compose port nginx 8443 2>/dev/null | head -n 1)" || true
  [ -n "$addr" ] || { scheme=http; addr="$(compose port nginx 8080 2>/dev/null | head -n 1)" || true; }
  [ -n "$addr" ] || return 1
  host="${addr%:*}"; port="${addr##*:}"
  case "$host" in 0.0.0.0|"[::]"|::|"") host=127.0.0.1 ;; esac
  echo "$scheme://$host:$port"
}

# check_health [SVC...]: prints a table; returns 1 unless every service is running and
# healthy (or running, when it has no healthcheck) and nginx answers both checks.
check_health() {
  local want=("$@") rows svc s name bad=0 found state health url code path
  [ ${#want[@]} -gt 0 ] || mapfile -t want < <(cfg_services)
  rows="$(compose ps -a --format '{{.Service}}|{{.State}}|{{.Health}}|{{.Name}}' 2>/dev/null || true)"
  printf '  %-10s %-12s %-10s %s\n' SERVICE STATE HEALTH CONTAINER
  for svc in "${want[@]}"; do
    found=0
    while IFS='|' read -r s state health name; do
      [ "$s" = "$svc" ] || continue
      found=1
      printf '  %-10s %-12s %-10s %s\n' "$svc" "$state" "${health:--}" "$name"
      if [ "$state" != running ] || { [ -n "$health" ] && [ "$health" != healthy ]; }; then bad=1; fi
    done <<<"$rows"
    if [ "$found" = 0 ]; then printf '  %-10s %-12s %-10s\n' "$svc" missing -; bad=1; fi
  done
  if printf '%s\n' "${want[@]}" | grep -qx nginx; then
    if url="$(nginx_url)"; then
      for path in /nginx-health /api/v1/health/ready; do
        code="$(http_status "$url$path")"
        printf '  GET %-45s %s\n' "$url$path" "$code"
        [ "$code" = 200 ] || bad=1
      done
    else
      printf '  nginx publishes neither 8443 nor 8080: HTTP checks not possible\n'
      bad=1
    fi
  fi
  return "$bad"
}

# wait_health SECONDS [SVC...]: poll until healthy; print the table once at the end.
wait_health() {
  local limit="$1"; shift
  local deadline=$((SECONDS + limit)) out
  while :; do
    if out="$(check_health "$@")"; then printf '%s\n' "$out"; return 0; fi
    if [ "$SECONDS" -ge "$deadline" ]; then printf '%s\n' "$out"; return 1; fi
    sleep 2
  done
}

# Evidence for a failed start: what runs, and the last words of whatever isn't healthy.
show_evidence() {
  local svc state health
  {
    say "evidence: compose ps -a"
    compose ps -a || true
    while IFS='|' read -r svc state health; do
      [ -n "$svc" ] || continue
      [ "$state" = running ] && { [ -z "$health" ] || [ "$health" = healthy ]; } && continue
      say "evidence: last log lines of $svc ($state${health:+, $health})"
      compose logs --no-color --tail 25 "$svc" 2>&1 | sed 's/^/    /' || true
      local cid; cid="$(compose ps -aq "$svc" | head -n 1)"
      if [ -n "$cid" ]; then
        say "evidence: last healthcheck output of $svc"
        docker inspect -f '{{if .State.Health}}{{range .State.Health.Log}}{{.ExitCode}}: {{.Output}}{{end}}{{end}}' "$cid" 2>/dev/null \
          | tail -n 3 | sed 's/^/    /' || true
      fi
    done < <(compose ps -a --format '{{.Service}}|{{.State}}|{{.Health}}' 2>/dev/null || true)
  } >&2
}
