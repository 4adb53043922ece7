#!/usr/bin/env bash
# The restore drill: restore the newest backup into a scratch database and a scratch folder,
# compare every table's rows and the files with what the backup holds, report, and clear the
# scratch copies. The only proof that a backup is good is a restore.
#
#   deploy/restore-drill.sh [BACKUP]     # default: the newest doithoai-*/ in BACKUP_DIR
#
# The scratch database is RESTORE_DRILL_DATABASE_URL (default: DATABASE_URL's database with
# `_drill` after its name, which deploy/install.sh creates, owned by the same role); production's
# database and MEDIA_ROOT are never touched. The report is written to BACKUP_DIR/drills/, and
# BACKUP_DIR/restore-drill.status says how the drill ended, for the metrics and their alerts
# (doithoai_restore_drill_*). Run monthly by doithoai-restore-drill.timer. Encrypted backups
# (BACKUP_AGE_RECIPIENTS) are decrypted with BACKUP_AGE_IDENTITY, as restore.sh does: without
# it the drill fails, and says so.
# docs/operations.md, "Restore drill".
set -euo pipefail
umask 077

ENV_FILE=${ENV_FILE:-/etc/doithoai/env}
if [ -z "${DATABASE_URL:-}" ] && [ -r "$ENV_FILE" ]; then
    set -a
    # shellcheck disable=SC1090
    . "$ENV_FILE"
    set +a
fi
HERE=$(cd "$(dirname "$0")" && pwd)
BACKUPS=${BACKUP_DIR:-/var/backups/doithoai}
# shellcheck source=deploy/status.sh
. "$HERE/status.sh"
SCRATCH_MEDIA=""
SCRATCH_DB=""
clear_scratch() {
    # The drill's copy holds everything production holds: it is not kept.
    if [ -n "$SCRATCH_MEDIA" ]; then rm -rf "$SCRATCH_MEDIA"; fi
    if [ -n "$SCRATCH_DB" ]; then
        psql --no-psqlrc --quiet --set=ON_ERROR_STOP=1 --dbname="$SCRATCH_DB" \
            --command="SET client_min_messages = warning; DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;" \
            >/dev/null ||
            echo "could not empty the scratch database" >&2
    fi
}
finish() {
    local code=$?
    clear_scratch
    write_status "$BACKUPS/restore-drill.status" "$code"
    if [ "$code" -ne 0 ]; then echo "restore drill FAILED (exit $code)" >&2; fi
}
trap finish EXIT

: "${DATABASE_URL:?set DATABASE_URL (postgres://user@host:port/name), or ENV_FILE}"
BACKUP=${1:-$(find "$BACKUPS" -maxdepth 1 -type d -name 'doithoai-*' ! -name '*.partial' | sort | tail -n 1)}
[ -n "$BACKUP" ] || { echo "no backup in $BACKUPS" >&2; exit 1; }
if [ -n "${RESTORE_DRILL_DATABASE_URL:-}" ]; then
    SCRATCH_DB=$RESTORE_DRILL_DATABASE_URL
else
    # postgres://user:pw@host:port/name?options → the same with name_drill.
    SCRATCH_DB=$(printf '%s' "$DATABASE_URL" | sed -E 's#^(psql|pgsql|postgis)://#postgresql://#; s#^([^?]*/[^/?]+)#\1_drill#')
fi
if [ "$(printf '%s' "$SCRATCH_DB" | sed 's/?.*//')" = "$(printf '%s' "$DATABASE_URL" | sed 's/?.*//')" ]; then
    echo "the scratch database is production's: set RESTORE_DRILL_DATABASE_URL" >&2
    exit 2
fi

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$BACKUPS/drills"
SCRATCH_MEDIA=$(mktemp -d "$BACKUPS/drills/media-$STAMP.XXXXXX")
REPORT="$BACKUPS/drills/restore-drill-$STAMP.txt"
"$HERE/restore.sh" --database "$SCRATCH_DB" --media "$SCRATCH_MEDIA" --report "$REPORT" "$BACKUP"
echo "restore drill passed; report: $REPORT"
