#!/usr/bin/env bash
# Restore a backup made by deploy/backup.sh: the database, then the uploaded files.
#
#   deploy/restore.sh BACKUP     # a directory doithoai-<time>/ written by backup.sh
#
# The database named by DATABASE_URL must exist (createdb) and should be empty: objects of the
# backup that are already there are dropped first (--clean), and the whole restore runs in one
# transaction, so a failed restore leaves the database as it was. The workers must be stopped
# (systemctl stop 'doithoai@*'). MEDIA_ROOT is replaced by the backup's files; the old one is
# kept beside it as MEDIA_ROOT.before-restore-<time>. docs/operations.md, "Backup and restore".
set -euo pipefail

ENV_FILE=${ENV_FILE:-/etc/doithoai/env}
if [ -z "${DATABASE_URL:-}" ] && [ -r "$ENV_FILE" ]; then
    set -a
    # shellcheck disable=SC1090
    . "$ENV_FILE"
    set +a
fi
: "${DATABASE_URL:?set DATABASE_URL (postgres://user@host:port/name), or ENV_FILE}"
MEDIA_ROOT=${MEDIA_ROOT:-/srv/doithoai/media}
BACKUP=${1:?usage: deploy/restore.sh BACKUP_DIRECTORY}
DB_URI=$(printf '%s' "$DATABASE_URL" | sed -E 's#^(psql|pgsql|postgis)://#postgresql://#')

# A damaged or incomplete backup is refused before anything is touched.
(cd "$BACKUP" && sha256sum --check --quiet SHA256SUMS)

pg_restore --clean --if-exists --no-owner --no-privileges --single-transaction \
    --exit-on-error --dbname="$DB_URI" "$BACKUP/database.dump"

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
NEW="$MEDIA_ROOT.restoring-$STAMP"
mkdir -p "$NEW"
tar --extract --gzip --file="$BACKUP/media.tar.gz" --directory="$NEW"
if [ -d "$MEDIA_ROOT" ]; then
    mv "$MEDIA_ROOT" "$MEDIA_ROOT.before-restore-$STAMP"
fi
mv "$NEW" "$MEDIA_ROOT"
echo "restored $BACKUP into the database and $MEDIA_ROOT"
