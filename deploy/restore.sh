#!/usr/bin/env bash
# Restore a backup made by deploy/backup.sh: the database, then the uploaded files; then count
# both and compare with what the backup holds.
#
#   deploy/restore.sh BACKUP                                  # over DATABASE_URL and MEDIA_ROOT
#   deploy/restore.sh --database URL --media DIR BACKUP       # into a scratch database and folder
#   options: --report FILE (write the comparison there too),
#            --identity FILE (the private age key of an encrypted backup; BACKUP_AGE_IDENTITY)
#
# BACKUP is a directory doithoai-<time>/ written by backup.sh; one whose checksums do not match
# is refused before anything is touched. An encrypted backup (database.dump.age and
# media.tar.gz.age, BACKUP_AGE_RECIPIENTS in backup.sh) is decrypted on the way, with the
# identity file; no decrypted copy is written to disk. The database must exist (createdb); everything in its
# `public` schema is dropped and the backup restored in one transaction, so a failed restore
# leaves the database as it was. Nothing may use the database meanwhile: stop the workers, the
# task worker and the timers first (docs/operations.md, "Restore"); after LOCK_WAIT (30 s) of
# waiting for a lock the restore gives up and changes nothing.
#
# Over MEDIA_ROOT, the previous files are kept in BACKUP_DIR as media.before-restore-<time>, and
# the restored ones, when root restores, get the owner and mode of the folder they replace; into
# a scratch folder (--media), the folder must be empty or not exist yet. At the end, the rows of
# every table and the files are counted and compared with the backup's COUNTS: the restore fails
# if they differ.
set -euo pipefail

ENV_FILE=${ENV_FILE:-/etc/doithoai/env}
if [ -z "${DATABASE_URL:-}" ] && [ -r "$ENV_FILE" ]; then
    set -a
    # shellcheck disable=SC1090
    . "$ENV_FILE"
    set +a
fi
HERE=$(cd "$(dirname "$0")" && pwd)
TARGET_DB="" TARGET_MEDIA="" REPORT=""
IDENTITY=${BACKUP_AGE_IDENTITY:-}
while [ $# -gt 1 ]; do
    case "$1" in
    --database) TARGET_DB=$2; shift 2 ;;
    --media) TARGET_MEDIA=$2; shift 2 ;;
    --report) REPORT=$2; shift 2 ;;
    --identity) IDENTITY=$2; shift 2 ;;
    *) break ;;
    esac
done
BACKUP=${1:?usage: deploy/restore.sh [--database URL --media DIR] [--report FILE] [--identity FILE] BACKUP}
BACKUP=${BACKUP%/}
SCRATCH=0
if [ -n "$TARGET_DB$TARGET_MEDIA" ]; then
    if [ -z "$TARGET_DB" ] || [ -z "$TARGET_MEDIA" ]; then
        echo "a scratch restore needs both --database and --media" >&2
        exit 2
    fi
    SCRATCH=1
else
    : "${DATABASE_URL:?set DATABASE_URL (postgres://user@host:port/name), or ENV_FILE}"
    TARGET_DB=$DATABASE_URL
    TARGET_MEDIA=${MEDIA_ROOT:-/srv/doithoai/media}
fi
DB_URI=$(printf '%s' "$TARGET_DB" | sed -E 's#^(psql|pgsql|postgis)://#postgresql://#')

# A damaged or incomplete backup is refused before anything is touched.
(cd "$BACKUP" && sha256sum --check --quiet SHA256SUMS)

# The dump and the archive, read as a stream: decrypted on the way when the backup is encrypted.
ENCRYPTED=0
if [ -f "$BACKUP/database.dump.age" ]; then
    ENCRYPTED=1
    if [ -z "$IDENTITY" ] || [ ! -r "$IDENTITY" ]; then
        echo "$BACKUP is encrypted: give the file of its private age key (--identity FILE, or" \
            "BACKUP_AGE_IDENTITY${IDENTITY:+; $IDENTITY cannot be read})" >&2
        exit 2
    fi
    command -v age >/dev/null || { echo "$BACKUP is encrypted but age is not installed (apt-get install age)" >&2; exit 2; }
    # Checked before anything is touched: the key opens the dump, which starts as pg_dump's do.
    magic=$(
        set +o pipefail
        age --decrypt --identity "$IDENTITY" "$BACKUP/database.dump.age" 2>/dev/null | head -c 5
    )
    if [ "$magic" != PGDMP ]; then
        echo "$IDENTITY does not open $BACKUP (not the private key of its recipient?)" >&2
        exit 2
    fi
fi
read_backup() {
    if [ "$ENCRYPTED" -eq 1 ]; then
        age --decrypt --identity "$IDENTITY" "$BACKUP/$1.age"
    else
        cat "$BACKUP/$1"
    fi
}

if [ "$SCRATCH" -eq 1 ] && [ -d "$TARGET_MEDIA" ] && [ -n "$(ls -A "$TARGET_MEDIA")" ]; then
    echo "$TARGET_MEDIA is not empty: a scratch restore needs an empty folder" >&2
    exit 2
fi

# One transaction: the schema emptied, then the backup's objects and rows. Waiting for a lock
# (something still connected) fails it instead of hanging.
{
    echo "SET lock_timeout = '${LOCK_WAIT:-30s}'; SET client_min_messages = warning;"
    echo "DROP SCHEMA IF EXISTS public CASCADE;"
    echo "CREATE SCHEMA public;"
    if ! read_backup database.dump | pg_restore --no-owner --no-privileges --file=-; then
        # The schema must not be left emptied: an error rolls the whole transaction back.
        echo "DO \$\$ BEGIN RAISE EXCEPTION 'the backup could not be read'; END \$\$;"
    fi
} | psql --no-psqlrc --quiet --single-transaction --set=ON_ERROR_STOP=1 --output=/dev/null \
    --dbname="$DB_URI"

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
if [ "$SCRATCH" -eq 1 ]; then
    mkdir -p "$TARGET_MEDIA"
    read_backup media.tar.gz | tar --extract --gzip --directory="$TARGET_MEDIA"
else
    NEW="$TARGET_MEDIA.restoring-$STAMP"
    mkdir -p "$NEW"
    read_backup media.tar.gz | tar --extract --gzip --directory="$NEW"
    if [ -d "$TARGET_MEDIA" ] && [ "$(id -u)" -eq 0 ]; then
        # Run as root: the files become the service's, as the folder they replace was (the
        # archive's owners are another machine's numbers, or root's).
        chown -R --reference="$TARGET_MEDIA" "$NEW"
        chmod --reference="$TARGET_MEDIA" "$NEW"
    fi
    if [ -d "$TARGET_MEDIA" ]; then
        # Kept with the backups, not beside the code.
        KEEP="${BACKUP_DIR:-/var/backups/doithoai}/media.before-restore-$STAMP"
        mkdir -p "$(dirname "$KEEP")"
        mv "$TARGET_MEDIA" "$KEEP"
        echo "the previous files are in $KEEP"
    fi
    mv "$NEW" "$TARGET_MEDIA"
fi

# What was restored, against what the backup holds.
if [ ! -f "$BACKUP/COUNTS" ]; then
    echo "restored $BACKUP (made before backups counted their rows: nothing to compare)"
    exit 0
fi
RESTORED=$(mktemp)
trap 'rm -f "$RESTORED"' EXIT
"$HERE/counts.sh" --database "$DB_URI" --media "$TARGET_MEDIA" >"$RESTORED"
keyed() {
    # "rows public.t 12" → "public.t 12"; "files 3" stays; sorted for join.
    awk '{ if ($1 == "rows") print $2, $3; else print $1, $2 }' "$1" | LC_ALL=C sort
}
report() {
    echo "restore of $BACKUP"
    # The database's address without its password.
    echo "into $(printf '%s' "${DB_URI%%\?*}" | sed -E 's#://([^:@/]*):[^@]*@#://\1:***@#')" \
        "and $TARGET_MEDIA, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    printf '%-44s %14s %10s\n' "table or files" "in the backup" "restored"
    LC_ALL=C join -a 1 -a 2 -e MISSING -o 0,1.2,2.2 <(keyed "$BACKUP/COUNTS") <(keyed "$RESTORED") |
        awk '{ printf "%-44s %14s %10s %s\n", $1, $2, $3, ($2 == $3 ? "" : "DIFFERENT") }'
}
if [ -n "$REPORT" ]; then report | tee "$REPORT"; else report; fi
if ! diff -q "$BACKUP/COUNTS" "$RESTORED" >/dev/null; then
    echo "the restored rows or files DIFFER from the backup's" >&2
    exit 1
fi
echo "restored $BACKUP: every table's rows and every file match the backup"
