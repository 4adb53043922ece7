#!/usr/bin/env bash
# What a backup holds, or what a restore gave back: the rows of every table, and the files.
#
#   deploy/counts.sh --dump database.dump --archive media.tar.gz   # read from a backup's files
#   deploy/counts.sh --database URL --media DIR                    # counted in a database, a folder
#
# One line each, sorted, so that two outputs compare with diff:
#   rows public.<table> <count>
#   files <count>
#   bytes <total size of the files>
# deploy/backup.sh writes the first into the backup (COUNTS); deploy/restore.sh compares the
# second with it.
set -euo pipefail

DUMP="" ARCHIVE="" DATABASE="" MEDIA=""
while [ $# -gt 0 ]; do
    case "$1" in
    --dump) DUMP=$2; shift 2 ;;
    --archive) ARCHIVE=$2; shift 2 ;;
    --database) DATABASE=$2; shift 2 ;;
    --media) MEDIA=$2; shift 2 ;;
    *) echo "usage: $0 --dump F --archive F | --database URL --media DIR" >&2; exit 2 ;;
    esac
done

{
    if [ -n "$DUMP" ]; then
        # Each table's data is one COPY block, one line per row, ended by "\.".
        pg_restore --data-only --file=- "$DUMP" | awk '
            /^COPY [^ ]+ / { table = $2; rows = 0; inside = 1; next }
            inside && $0 == "\\." { print "rows " table " " rows; inside = 0; next }
            inside { rows++ }'
    fi
    if [ -n "$DATABASE" ]; then
        psql --no-psqlrc --quiet --tuples-only --no-align --field-separator=' ' \
            --set=ON_ERROR_STOP=1 --dbname="$DATABASE" --command="
            SELECT 'rows', schemaname || '.' || tablename,
                   (xpath('/row/c/text()', query_to_xml(
                       format('SELECT count(*) AS c FROM %I.%I', schemaname, tablename),
                       false, true, '')))[1]::text
            FROM pg_tables WHERE schemaname = 'public'"
    fi
    if [ -n "$ARCHIVE" ]; then
        # Regular files only ("-" in the listing's first column), their sizes summed.
        tar --list --verbose --gzip --file="$ARCHIVE" |
            awk '/^-/ { files++; bytes += $3 } END { printf "files %d\nbytes %d\n", files, bytes }'
    fi
    if [ -n "$MEDIA" ]; then
        find "$MEDIA" -type f -printf '%s\n' |
            awk '{ files++; bytes += $1 } END { printf "files %d\nbytes %d\n", files, bytes }'
    fi
} | LC_ALL=C sort
