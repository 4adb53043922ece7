#!/usr/bin/env bash
# The production topology on loopback: N uvicorn workers behind nginx, sharing PostgreSQL
# (DATABASE_URL) and Redis (REDIS_URL). Used by the bench and the two-worker integration test.
#
#   deploy/topology.sh start          # workers on 127.0.0.1:8301.., nginx on 127.0.0.1:8300
#   deploy/topology.sh kill 1         # SIGKILL worker 1 (a crash, for the failover test)
#   deploy/topology.sh restart 1      # stop worker 1 gracefully if it runs, and start it again
#                                     # (after `kill`, as systemd's Restart=; for a rolling restart)
#   deploy/topology.sh status | stop
#
# Settings come from the environment like any deployment (DATABASE_URL, REDIS_URL, SECRET_KEY,
# ALLOWED_HOSTS, ...). Knobs: WORKERS (2), NGINX_PORT (8300), WORKER_BASE_PORT (8301),
# TOPOLOGY_DIR (state: pid files, logs, nginx.conf), WORKER_CPUS ("0,1": pin worker i to the
# i-th core with taskset), NGINX_CPU (pin nginx), PYTHON, NGINX_BIN (not NGINX: nginx reads that),
# NGINX_ACCESS_LOG ("1": nginx writes the production site's access log, deploy/nginx/logging.conf,
# to TOPOLOGY_DIR/nginx-access.log; off by default, as the bench wants).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
STATE=${TOPOLOGY_DIR:-${TMPDIR:-/tmp}/doithoai-topology}
WORKERS=${WORKERS:-2}
NGINX_PORT=${NGINX_PORT:-8300}
BASE_PORT=${WORKER_BASE_PORT:-8301}
PYTHON=${PYTHON:-$ROOT/.venv/bin/python}
NGINX=${NGINX_BIN:-$(command -v nginx || echo /usr/sbin/nginx)}

: "${DATABASE_URL:?set DATABASE_URL (PostgreSQL)}"
: "${REDIS_URL:?set REDIS_URL (the channel layer shared by the workers)}"

wait_port() {
    local port=$1 tries=150
    while ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
        tries=$((tries - 1))
        if [ "$tries" -le 0 ]; then
            echo "nothing listens on 127.0.0.1:$port; see $STATE/*.log" >&2
            return 1
        fi
        sleep 0.1
    done
}

pinning() {
    # The command prefix that pins to the given cores (nothing when none are given).
    if [ -n "$1" ]; then echo "taskset -c $1"; fi
}

start_worker() {
    local n=$1 port=$((BASE_PORT + $1 - 1)) cpu=""
    if [ -n "${WORKER_CPUS:-}" ]; then
        IFS=, read -r -a cpus <<<"$WORKER_CPUS"
        cpu=${cpus[$(((n - 1) % ${#cpus[@]}))]}
    fi
    (
        cd "$ROOT"
        # setsid: each worker leads its own process group, so stop/kill reach all of it.
        # shellcheck disable=SC2046
        exec setsid $(pinning "$cpu") "$PYTHON" -m uvicorn config.asgi:application \
            --host 127.0.0.1 --port "$port" --backlog 4096 \
            --loop uvloop --http httptools --ws websockets-sansio --ws-per-message-deflate false \
            --lifespan off --no-access-log --log-level warning --ws-ping-interval 60 \
            --ws-max-size "$((${DIALOGUE_MAX_FRAME_BYTES:-4096} * 16))"
    ) >>"$STATE/worker-$n.log" 2>&1 </dev/null &
    echo $! >"$STATE/worker-$n.pid"
}

write_nginx_conf() {
    local servers=""
    for n in $(seq 1 "$WORKERS"); do
        # As production's upstream (config/deployconf.py).
        servers+="        server 127.0.0.1:$((BASE_PORT + n - 1)) max_fails=1 fail_timeout=5s;"$'\n'
    done
    local access_log=off
    if [ "${NGINX_ACCESS_LOG:-0}" = 1 ]; then access_log="$STATE/nginx-access.log doithoai"; fi
    mkdir -p "$STATE/nginx-temp"
    sed -e "s|@STATE@|$STATE|g" -e "s|@NGINX_PORT@|$NGINX_PORT|g" \
        -e "s|@ACCESS_LOG@|$access_log|g" \
        -e "/@UPSTREAM_SERVERS@/{r /dev/stdin" -e "d}" \
        "$HERE/nginx/loopback.conf" >"$STATE/nginx.conf" <<<"$servers"
    cat "$HERE/nginx/proxy.conf" >"$STATE/proxy.conf"
    cat "$HERE/nginx/logging.conf" >"$STATE/logging.conf"
}

start() {
    mkdir -p "$STATE"
    if status >/dev/null 2>&1; then
        echo "already running (state in $STATE); stop it first" >&2
        return 1
    fi
    # As a deployment does: the workers serve hashed static files from the manifest.
    (cd "$ROOT" && "$PYTHON" manage.py collectstatic --no-input -v 0)
    for n in $(seq 1 "$WORKERS"); do start_worker "$n"; done
    for n in $(seq 1 "$WORKERS"); do wait_port $((BASE_PORT + n - 1)); done
    write_nginx_conf
    # nginx writes its error log itself (-e); the redirect only catches what it says at start.
    # shellcheck disable=SC2046,SC2094
    $(pinning "${NGINX_CPU:-}") "$NGINX" -p "$STATE" -c "$STATE/nginx.conf" -e "$STATE/nginx-error.log" \
        >>"$STATE/nginx-error.log" 2>&1 </dev/null
    wait_port "$NGINX_PORT"
    echo "nginx on 127.0.0.1:$NGINX_PORT -> $WORKERS workers on 127.0.0.1:$BASE_PORT.. (state in $STATE)"
}

kill_worker() {
    local pidfile="$STATE/worker-$1.pid"
    [ -f "$pidfile" ] || { echo "no worker $1" >&2; return 1; }
    kill -KILL -- "-$(cat "$pidfile")" 2>/dev/null || kill -KILL "$(cat "$pidfile")" 2>/dev/null || true
    rm -f "$pidfile"
}

stop_worker() {
    # As systemd stops a unit: TERM (uvicorn finishes what it serves), KILL if it lingers.
    local pidfile="$STATE/worker-$1.pid" pid
    [ -f "$pidfile" ] || return 0
    pid=$(cat "$pidfile")
    kill -TERM -- "-$pid" 2>/dev/null || true
    for _ in $(seq 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null || true
    rm -f "$pidfile"
}

restart_worker() {
    # As `systemctl restart`: a graceful stop if it runs (after `kill`, nothing to stop).
    stop_worker "$1"
    start_worker "$1"
    wait_port $((BASE_PORT + $1 - 1))
}

stop() {
    if [ -f "$STATE/nginx.pid" ]; then
        "$NGINX" -p "$STATE" -c "$STATE/nginx.conf" -e "$STATE/nginx-error.log" -s quit 2>/dev/null || true
        for _ in $(seq 50); do [ -f "$STATE/nginx.pid" ] || break; sleep 0.1; done
        rm -f "$STATE/nginx.pid"
    fi
    for pidfile in "$STATE"/worker-*.pid; do
        [ -f "$pidfile" ] || continue
        local pid
        pid=$(cat "$pidfile")
        # Each worker leads its own process group (setsid): TERM the group, then make sure.
        kill -TERM -- "-$pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL -- "-$pid" 2>/dev/null || true
        rm -f "$pidfile"
    done
}

status() {
    local alive=0
    for pidfile in "$STATE"/worker-*.pid "$STATE"/nginx.pid; do
        [ -f "$pidfile" ] || continue
        if kill -0 "$(cat "$pidfile")" 2>/dev/null; then
            echo "$(basename "$pidfile" .pid) running (pid $(cat "$pidfile"))"
            alive=1
        fi
    done
    [ "$alive" -eq 1 ]
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    status) status ;;
    kill) kill_worker "${2:?which worker}" ;;
    restart) restart_worker "${2:?which worker}" ;;
    *) echo "usage: $0 start|stop|status|kill N|restart N" >&2; exit 2 ;;
esac
