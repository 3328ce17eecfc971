#!/bin/bash
# preStop hook of the Envoy container (chart value envoy.drain): Envoy exits at SIGTERM
# without draining, so the kubelet must not send it before the requests in flight are done.
#   envoy-drain.sh ADMIN_PORT STAT_PREFIX MIN_SECONDS MAX_SECONDS
# 1. POST /healthcheck/fail: Envoy's /ready now fails (the pod has already left its Service's
#    endpoints on deletion; this covers any other load balancer that health-checks Envoy).
# 2. POST /drain_listeners?graceful&skip_exit: HTTP/2 connections get GOAWAY and HTTP/1
#    responses `connection: close` (--drain-strategy immediate), so keep-alive clients move to
#    another pod; the listeners stay open for --drain-time-s; skip_exit: Envoy keeps running
#    after that, until SIGTERM.
# 3. Wait until no request is in flight on the listener (gauge
#    http.STAT_PREFIX.downstream_rq_active), at least MIN_SECONDS (endpoints propagate) and
#    at most MAX_SECONDS; then return, and the kubelet sends SIGTERM.
# bash only (the image has no curl): HTTP/1.1 over /dev/tcp to the admin port on loopback.
set -u
port=${1:?admin port}
prefix=${2:?stat prefix}
min=${3:?min seconds}
max=${4:?max seconds}

admin() { # METHOD PATH: prints the response body; fails if Envoy does not answer 200
  local reply
  exec 3<>"/dev/tcp/127.0.0.1/$port" || return 1
  printf '%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n' "$1" "$2" >&3
  reply=$(cat <&3)
  exec 3<&-
  [[ "${reply%%$'\r'*}" == "HTTP/1.1 200"* ]] || return 1
  printf '%s\n' "${reply#*$'\r\n\r\n'}"
}

active() { # the listener's requests in flight, or nothing if Envoy does not say
  local line
  while IFS= read -r line; do
    if [[ "$line" == "http.$prefix.downstream_rq_active: "* ]]; then
      printf '%s' "${line##*: }"
      return
    fi
  done < <(admin GET "/stats?filter=downstream_rq_active")
}

admin POST /healthcheck/fail >/dev/null || echo "envoy-drain: /healthcheck/fail failed" >&2
admin POST '/drain_listeners?graceful&skip_exit' >/dev/null || echo "envoy-drain: /drain_listeners failed" >&2
start=$SECONDS
while (( SECONDS - start < max )); do
  sleep 1
  (( SECONDS - start < min )) && continue
  n=$(active)
  [[ "$n" == 0 ]] && break
done
echo "envoy-drain: done after $(( SECONDS - start ))s, ${n:-unknown} request(s) in flight" >&2
