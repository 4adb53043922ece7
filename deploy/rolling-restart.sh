#!/usr/bin/env bash
# Restart the web workers one after the other, with no request refused on the way.
#
#   deploy/rolling-restart.sh [--restart 'COMMAND {n}'] [--timeout SECONDS]
#   deploy/rolling-restart.sh --wait-only      # only wait until every worker is ready
#
# For each worker n in 1..WORKERS: restart it (`systemctl restart doithoai@{n}` unless
# --restart says otherwise; {n} is the worker's number), wait until its /readyz answers 200, then
# wait out nginx's fail_timeout, during which nginx may still count the worker as down: only then
# is the next one restarted, so nginx always has a worker it will send requests to. A worker that
# is not ready within --timeout (120 s) stops the restart there, the others still serving the
# old release, and the script fails with that worker's /readyz answer. A worker is never
# restarted while no other one is ready.
#
# Reads WORKERS and WORKER_BASE_PORT from the environment, or from ENV_FILE (/etc/doithoai/env).
# docs/operations.md, "Rolling restart".
set -euo pipefail

ENV_FILE=${ENV_FILE:-/etc/doithoai/env}
if [ -z "${WORKERS:-}" ] && [ -r "$ENV_FILE" ]; then
    set -a
    # shellcheck disable=SC1090
    . "$ENV_FILE"
    set +a
fi
WORKERS=${WORKERS:-2}
BASE_PORT=${WORKER_BASE_PORT:-8001}
# nginx's `max_fails=1 fail_timeout=5s` (config/deployconf.py FAIL_TIMEOUT_SECONDS), and a second.
FAIL_TIMEOUT=5
RESTART='systemctl restart doithoai@{n}'
TIMEOUT=120
WAIT_ONLY=0
while [ $# -gt 0 ]; do
    case "$1" in
    --restart) RESTART=$2; shift 2 ;;
    --wait-only) WAIT_ONLY=1; shift ;;
    --timeout) TIMEOUT=$2; shift 2 ;;
    *) echo "usage: $0 [--restart 'COMMAND {n}'] [--timeout SECONDS] [--wait-only]" >&2; exit 2 ;;
    esac
done

readyz() {
    # The status code of worker $1's /readyz ("000" when it does not answer).
    curl -s -o /dev/null -w '%{http_code}' --max-time 5 \
        "http://127.0.0.1:$((BASE_PORT + $1 - 1))/readyz" || true
}

wait_ready() {
    local n=$1 deadline=$((SECONDS + TIMEOUT))
    until [ "$(readyz "$n")" = 200 ]; do
        if [ "$SECONDS" -ge "$deadline" ]; then
            echo "worker $n is not ready after ${TIMEOUT} s; its /readyz says:" >&2
            curl -s --max-time 5 "http://127.0.0.1:$((BASE_PORT + n - 1))/readyz" >&2 ||
                printf 'nothing: no answer on port %s (systemctl status doithoai@%s)' \
                    "$((BASE_PORT + n - 1))" "$n" >&2
            echo >&2
            if [ "$WAIT_ONLY" -eq 0 ]; then
                echo "stopped here: workers after $n were not restarted" >&2
            fi
            return 1
        fi
        sleep 0.5
    done
}

another_ready() {
    local n=$1 other
    [ "$WORKERS" -eq 1 ] && return 0
    for other in $(seq 1 "$WORKERS"); do
        if [ "$other" -ne "$n" ] && [ "$(readyz "$other")" = 200 ]; then return 0; fi
    done
    return 1
}

if [ "$WAIT_ONLY" -eq 1 ]; then
    for n in $(seq 1 "$WORKERS"); do wait_ready "$n"; done
    echo "all $WORKERS workers ready"
    exit 0
fi
for n in $(seq 1 "$WORKERS"); do
    if ! another_ready "$n"; then
        echo "no worker but $n is ready: restarting $n would leave none; stopped" >&2
        exit 1
    fi
    echo "worker $n: restarting"
    sh -c "${RESTART//\{n\}/$n}"
    wait_ready "$n"
    if [ "$n" -lt "$WORKERS" ]; then
        # nginx counts a worker that refused a connection as down for fail_timeout: wait it out.
        sleep $((FAIL_TIMEOUT + 1))
    fi
    echo "worker $n: ready"
done
echo "all $WORKERS workers restarted and ready"
