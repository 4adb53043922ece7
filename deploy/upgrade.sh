#!/usr/bin/env bash
# Upgrade to a release, or go back to the one before, as root, from the checkout (e.g.
# /srv/doithoai). docs/operations.md, "Upgrade and roll back"; each release's notes: CHANGELOG.md.
#
#   deploy/upgrade.sh v1.1.0         # upgrade to the release tagged v1.1.0
#   deploy/upgrade.sh --rollback     # back to the release before the last upgrade
#
# An upgrade:
#   1. backs up (doithoai-backup), and notes the release it starts from;
#   2. checks out the new release and installs its locked dependencies (pip first);
#   3. checks it before any worker is touched: `manage.py check --deploy`, and
#      `manage.py migrate --plan` (the migrations resolve against this database; which will run).
#      A failure here puts the previous release's code back; nothing was restarted or migrated;
#   4. static files, bytecode, the systemd units of the new release;
#   5. its CHANGELOG's **Migrations** line says how: `online`, the migrations run while the old
#      release serves, then the task worker and the web workers restart one by one
#      (deploy/rolling-restart.sh, waiting for each /readyz); `stop`, every worker stops, the
#      migrations run, every worker starts;
#   6. a worker that does not get ready stops the restart. If no migration ran, the previous
#      release is put back and restarted the same way: a rollback without a restore. If one ran,
#      the script says so and stops: restore the backup of step 1, or fix forward.
#
# `--rollback` does step 6's rollback by hand, later: the release before the last upgrade, when
# that upgrade ran no migration. Options: --restart 'COMMAND {n}' (how a web worker restarts,
# for deploy/rolling-restart.sh), --timeout SECONDS (how long a worker may take to get ready,
# 120), --units DIR (where the units go, /etc/systemd/system),
# --state DIR (where the last upgrade is noted, /var/lib/doithoai), --no-backup.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
APP=$(dirname "$HERE")
ENV_FILE=${ENV_FILE:-/etc/doithoai/env}
UNITS=/etc/systemd/system
STATE=/var/lib/doithoai
RESTART='systemctl restart doithoai@{n}'
READY_TIMEOUT=120
BACKUP=1 ROLLBACK=0 TAG=""
while [ $# -gt 0 ]; do
    case "$1" in
    --rollback) ROLLBACK=1; shift ;;
    --restart) RESTART=$2; shift 2 ;;
    --timeout) READY_TIMEOUT=$2; shift 2 ;;
    --units) UNITS=$2; shift 2 ;;
    --state) STATE=$2; shift 2 ;;
    --no-backup) BACKUP=0; shift ;;
    -*) echo "unknown option $1" >&2; exit 2 ;;
    *) TAG=$1; shift ;;
    esac
done
[ "$ROLLBACK" -eq 1 ] || [ -n "$TAG" ] || {
    echo "usage: $0 vX.Y.Z | --rollback" >&2
    exit 2
}
set -a
# shellcheck disable=SC1090
. "$ENV_FILE"
set +a
WORKERS=${WORKERS:-2}
MEDIA_ROOT=${MEDIA_ROOT:-$APP/media}
BACKUP_DIR=${BACKUP_DIR:-/var/backups/doithoai}
cd "$APP"
PY="$APP/.venv/bin/python"

say() { printf '\n== %s\n' "$*"; }
manage() { "$PY" manage.py "$@"; }

install_code() {
    # The checked-out release's dependencies, static files, bytecode and units.
    # `&&`: it also runs as a condition, where a failure would not stop the function.
    "$PY" -m pip install --quiet --require-hashes -r requirements-pip.lock &&
        "$PY" -m pip install --quiet --require-hashes -r requirements.lock
}

finish_code() {
    local apps
    manage collectstatic --no-input -v 0
    apps=$(for init in */__init__.py; do dirname "$init"; done | grep -Ev '^(tests|bench)$')
    # shellcheck disable=SC2086
    "$PY" -m compileall -q $apps
    for unit in "$HERE"/systemd/*.service "$HERE"/systemd/*.timer; do
        sed -e "s#/srv/doithoai/media#$MEDIA_ROOT#g" -e "s#/srv/doithoai#$APP#g" \
            -e "s#/var/backups/doithoai#$BACKUP_DIR#g" "$unit" >"$UNITS/$(basename "$unit")"
    done
    systemctl daemon-reload
}

restart_all() {
    systemctl restart doithoai-tasks
    "$HERE/rolling-restart.sh" --restart "$RESTART" --timeout "$READY_TIMEOUT"
}

checkout() {
    git -c advice.detachedHead=false checkout --quiet --detach "$1"
}

# The release in the checkout's own CHANGELOG: `online` or `stop` (`stop` when it says neither).
migrations_mode() {
    local version mode
    version=$(cat VERSION)
    mode=$(awk -v v="$version" '
        /^## / { inside = ($2 == v) }
        inside && /^\*\*Migrations:\*\*/ { print $2; exit }' CHANGELOG.md)
    case "$mode" in online | stop) echo "$mode" ;; *) echo stop ;; esac
}

pending_migrations() {
    # `migrate --plan` fails when the migrations do not resolve against this database.
    local plan
    plan=$(manage migrate --plan) || return 1
    if printf '%s' "$plan" | grep -q "No planned migration operations"; then echo 0; else echo 1; fi
}

back_to() {
    local commit=$1
    say "back to $(git show -s --format=%h "$commit") ($(git show "$commit:VERSION"))"
    checkout "$commit"
    install_code
    finish_code
}

if [ -n "$(git status --porcelain --untracked-files=no)" ]; then
    echo "the checkout has local changes: upgrade refuses to overwrite them (git status)" >&2
    exit 1
fi
mkdir -p "$STATE"

if [ "$ROLLBACK" -eq 1 ]; then
    [ -f "$STATE/last-upgrade" ] || { echo "no upgrade to roll back ($STATE/last-upgrade)" >&2; exit 1; }
    read -r PREV MIGRATED <"$STATE/last-upgrade"
    if [ "$MIGRATED" = 1 ]; then
        echo "the last upgrade ran migrations: going back needs the backup made before it" \
            "(docs/operations.md, \"Restore, and the restore drill\")" >&2
        exit 1
    fi
    back_to "$PREV"
    restart_all
    rm -f "$STATE/last-upgrade"
    say "rolled back to $(cat VERSION)"
    exit 0
fi

PREV=$(git rev-parse HEAD)
say "from $(cat VERSION) ($(git rev-parse --short HEAD)) to $TAG"
if [ "$BACKUP" -eq 1 ]; then
    say "backup first"
    systemctl start doithoai-backup
fi
git fetch --quiet --tags || echo "(could not fetch; using the tags already here)"
git rev-parse --quiet --verify "$TAG^{commit}" >/dev/null || { echo "no release $TAG" >&2; exit 1; }

say "the new release, checked before any worker is touched"
checkout "$TAG"
if ! install_code || ! manage check --deploy --fail-level WARNING ||
    ! PENDING=$(pending_migrations); then
    echo "$TAG does not pass its checks here: nothing was restarted or migrated" >&2
    back_to "$PREV"
    exit 1
fi
MODE=$(migrations_mode)
echo "migrations: $([ "$PENDING" = 1 ] && echo "to run, $MODE" || echo none)"
finish_code
MIGRATED=0 STARTED=0
printf '%s %s\n' "$PREV" "$MIGRATED" >"$STATE/last-upgrade"

if [ "$PENDING" = 1 ] && [ "$MODE" = stop ]; then
    say "every worker stops for the migrations"
    systemctl stop 'doithoai@*' doithoai-tasks
    MIGRATED=1
    printf '%s %s\n' "$PREV" "$MIGRATED" >"$STATE/last-upgrade"
    manage migrate --no-input
    # A worker that does not start is found by the readiness wait below, which says why.
    systemctl start doithoai-tasks || true
    # shellcheck disable=SC2046
    systemctl start $(for n in $(seq 1 "$WORKERS"); do printf 'doithoai@%s ' "$n"; done) || true
    STARTED=1
elif [ "$PENDING" = 1 ]; then
    say "migrations, while the previous release serves"
    MIGRATED=1
    printf '%s %s\n' "$PREV" "$MIGRATED" >"$STATE/last-upgrade"
    manage migrate --no-input
fi

say "workers, one by one"
if [ "$STARTED" = 1 ]; then
    # Started already, after the migrations: only wait until each one is ready.
    ready() { "$HERE/rolling-restart.sh" --wait-only --timeout "$READY_TIMEOUT"; }
else
    ready() { restart_all; }
fi
if ready; then
    say "upgraded to $(cat VERSION)"
    exit 0
fi
if [ "$MIGRATED" = 1 ]; then
    echo "a worker of $TAG is not ready, and its migrations ran: not rolled back." \
        "Fix forward, or restore the backup made before the upgrade (docs/operations.md)." >&2
    exit 1
fi
echo "a worker of $TAG is not ready; no migration ran: back to the previous release" >&2
back_to "$PREV"
restart_all
rm -f "$STATE/last-upgrade"
say "rolled back to $(cat VERSION)"
exit 1
