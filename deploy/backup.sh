#!/usr/bin/env bash
# Back up the platform: the PostgreSQL database (pg_dump, custom format) and the uploaded files.
#
#   deploy/backup.sh [DEST]      # default DEST: $BACKUP_DIR or /var/backups/doithoai
#
# Writes DEST/doithoai-<UTC time>/ with database.dump, media.tar.gz, COUNTS (the rows of each
# table and the files, read from the dump and the archive themselves, for the restore drill) and
# SHA256SUMS, then deletes the backups in DEST older than KEEP_DAYS days (14; 0 keeps
# everything). Reads DATABASE_URL and MEDIA_ROOT from the environment, or from ENV_FILE
# (/etc/doithoai/env) when they are not set. Restore with deploy/restore.sh.
#
# Two optional steps, each a setting (.env.example, "Backups"):
#   BACKUP_AGE_RECIPIENTS  age public keys (age1…, comma-separated): the dump and the archive are
#                          encrypted to them, as database.dump.age and media.tar.gz.age, and the
#                          plain files removed. Only a holder of a matching private key
#                          (BACKUP_AGE_IDENTITY, for restore.sh) can read the backup.
#   BACKUP_COPY_TO         an rsync destination (doithoai-backup@backup.example.gov.vn:, say):
#                          once the backup is complete, its folder is copied there (over ssh, the
#                          key BACKUP_COPY_SSH_KEY, the host keys of BACKUP_COPY_KNOWN_HOSTS).
#                          The copy keeps its own rotation; KEEP_DAYS is this machine's.
#
# Whatever happens, DEST/backup.status says how the run ended ("ok" or "failed", the time, the
# time of the last good backup): the workers serve it as metrics (doithoai_backup_*), and
# deploy/prometheus/doithoai-alerts.yml alerts when a backup failed or none is recent. A backup
# whose encryption or copy failed counts as failed.
# docs/operations.md, "Backups".
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
MEDIA_ROOT=${MEDIA_ROOT:-/srv/doithoai/media}
DEST=${1:-${BACKUP_DIR:-/var/backups/doithoai}}
KEEP_DAYS=${KEEP_DAYS:-14}
AGE_RECIPIENTS=${BACKUP_AGE_RECIPIENTS:-}
COPY_TO=${BACKUP_COPY_TO:-}
COPY_SSH_KEY=${BACKUP_COPY_SSH_KEY:-/etc/doithoai/backup-ssh-key}
COPY_KNOWN_HOSTS=${BACKUP_COPY_KNOWN_HOSTS:-/etc/doithoai/backup-known-hosts}
mkdir -p "$DEST"
# shellcheck source=deploy/status.sh
. "$HERE/status.sh"
PARTIAL=""
finish() {
    local code=$?
    if [ -n "$PARTIAL" ]; then rm -rf "$PARTIAL"; fi
    # From here on, any failure is recorded as one, and so is success (status.sh).
    write_status "$DEST/backup.status" "$code"
    if [ "$code" -ne 0 ]; then echo "backup FAILED (exit $code)" >&2; fi
}
trap finish EXIT

: "${DATABASE_URL:?set DATABASE_URL (postgres://user@host:port/name), or ENV_FILE}"
# libpq reads postgres:// and postgresql:// URLs; django-environ also accepts these aliases.
DB_URI=$(printf '%s' "$DATABASE_URL" | sed -E 's#^(psql|pgsql|postgis)://#postgresql://#')
case "$DB_URI" in
postgres://* | postgresql://*) ;;
*) echo "DATABASE_URL is not PostgreSQL; back up that database with its own tools" >&2; exit 2 ;;
esac

# The optional steps' tools, checked before anything is written.
recipients=()
if [ -n "$AGE_RECIPIENTS" ]; then
    command -v age >/dev/null || { echo "BACKUP_AGE_RECIPIENTS is set but age is not installed (apt-get install age)" >&2; exit 2; }
    for recipient in ${AGE_RECIPIENTS//,/ }; do recipients+=(--recipient "$recipient"); done
fi
if [ -n "$COPY_TO" ]; then
    command -v rsync >/dev/null || { echo "BACKUP_COPY_TO is set but rsync is not installed (apt-get install rsync)" >&2; exit 2; }
fi

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
TARGET="$DEST/doithoai-$STAMP"
PARTIAL="$TARGET.partial"
mkdir -p "$PARTIAL"

# Custom format: compressed, and pg_restore can restore it into an empty database. No owner and
# no privileges, so that it restores under another role name too.
pg_dump --format=custom --no-owner --no-privileges --file="$PARTIAL/database.dump" "$DB_URI"

if [ -d "$MEDIA_ROOT" ]; then
    tar --create --gzip --file="$PARTIAL/media.tar.gz" --directory="$MEDIA_ROOT" .
else
    # No uploaded file yet: an empty archive, so that a restore always finds one.
    tar --create --gzip --file="$PARTIAL/media.tar.gz" --files-from=/dev/null
fi

# What the backup holds, counted from its own files: what a restore must give back.
"$HERE/counts.sh" --dump "$PARTIAL/database.dump" --archive "$PARTIAL/media.tar.gz" \
    >"$PARTIAL/COUNTS"

FILES=(database.dump media.tar.gz)
if [ ${#recipients[@]} -gt 0 ]; then
    # Encrypted to every recipient; the plain files go. COUNTS holds numbers only: it stays plain,
    # so that a backup's content can be checked without its key.
    for file in database.dump media.tar.gz; do
        age --encrypt "${recipients[@]}" --output "$PARTIAL/$file.age" "$PARTIAL/$file"
        rm -f "$PARTIAL/$file"
    done
    FILES=(database.dump.age media.tar.gz.age)
fi

(cd "$PARTIAL" && sha256sum "${FILES[@]}" COUNTS >SHA256SUMS)
mv "$PARTIAL" "$TARGET"
PARTIAL=""
echo "backup written to $TARGET"

if [ "$KEEP_DAYS" -gt 0 ]; then
    find "$DEST" -maxdepth 1 -type d -name 'doithoai-*' -mtime +"$KEEP_DAYS" -print0 |
        xargs -0 --no-run-if-empty rm -rf
fi

if [ -n "$COPY_TO" ]; then
    # Off the machine: the finished folder only, never a partial one. Over ssh, the account's
    # key and the known host keys come from files of their own: the service has no home to
    # keep them in, and no question may be asked (BatchMode).
    rsync --archive --partial --timeout=600 \
        --rsh="ssh -i $COPY_SSH_KEY -o UserKnownHostsFile=$COPY_KNOWN_HOSTS -o BatchMode=yes -o StrictHostKeyChecking=yes" \
        "$TARGET" "$COPY_TO" || {
        echo "the backup is in $TARGET, but its copy to $COPY_TO FAILED" >&2
        exit 1
    }
    echo "backup copied to $COPY_TO"
fi
