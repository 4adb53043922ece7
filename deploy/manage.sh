#!/usr/bin/env bash
# manage.py as the service runs it: as the doithoai account, in this checkout, with the settings
# of /etc/doithoai/env (ENV_FILE). The guide's commands go through it (docs/operations.md):
#
#   deploy/manage.sh createsuperuser
#   deploy/manage.sh send_test_email someone@example.gov.vn --wait 60
#   deploy/manage.sh version
#
# Run as root, it becomes doithoai first (runuser: no sudo needed), so that whatever a command
# writes under MEDIA_ROOT belongs to the service, as the workers' files do.
set -euo pipefail

APP=$(cd "$(dirname "$0")/.." && pwd)
ENV_FILE=${ENV_FILE:-/etc/doithoai/env}
if [ "$(id -un)" != doithoai ]; then
    exec runuser -u doithoai -- "$0" "$@"
fi
cd "$APP"
set -a
# shellcheck disable=SC1090
. "$ENV_FILE"
set +a
exec "$APP/.venv/bin/python" manage.py "$@"
