# shellcheck shell=bash
# Sourced by deploy/backup.sh and deploy/restore-drill.sh: the outcome of a run, for the metrics.
#
#   write_status FILE EXIT_CODE
#
# FILE holds three lines: `outcome ok|failed`, `finished <unix time>`, `last_success <unix time>`
# (0: never). The workers read it (config/metrics.py, BACKUP_DIR) and serve it as
# doithoai_backup_* and doithoai_restore_drill_*; deploy/prometheus/doithoai-alerts.yml alerts
# on a failed run and on a good one too long ago.

write_status() {
    local file=$1 code=$2 now last=0 outcome=failed
    now=$(date +%s)
    if [ -r "$file" ]; then
        last=$(sed -n 's/^last_success \([0-9][0-9]*\)$/\1/p' "$file")
        last=${last:-0}
    fi
    if [ "$code" -eq 0 ]; then
        outcome=ok
        last=$now
    fi
    mkdir -p "$(dirname "$file")"
    printf 'outcome %s\nfinished %s\nlast_success %s\n' "$outcome" "$now" "$last" >"$file.tmp"
    chmod 0640 "$file.tmp"
    mv -f "$file.tmp" "$file"
}
