#!/usr/bin/env bash
# Install the platform on a fresh Debian 12 or Ubuntu 24.04 with systemd, as root, from the
# checkout this script is in (e.g. /srv/doithoai). Run it again at any time: every step checks
# what is there first. docs/operations.md, "Install", explains each step.
#
#   deploy/install.sh --domain doithoai.example.gov.vn      # the first time
#   deploy/install.sh                                        # again, after editing the settings
#
# The first run writes the settings, /etc/doithoai/env, from .env.example with its Production
# section filled in (a new SECRET_KEY, a new database password, DEBUG=false, the domain, one
# worker per core) and stops: fill in the lines it names (the mail server, the sender, the
# controller of personal data) and run it again. The second run installs everything: packages,
# the `doithoai` account, folders, the database and its role, the code's dependencies, the
# tables and static files, the systemd units (workers, task worker, timers), nginx with a
# Let's Encrypt certificate, and Prometheus's targets if Prometheus is installed; then it waits
# until every worker is ready.
#
# Options:
#   --domain NAME      the site's host name (first run)
#   --root DIR         write every file under DIR instead of / and run no system command, only
#                      list them in DIR/install.log (for tests: a scratch directory stands for /)
#   --python PATH      the Python that renders the configuration (default: the checkout's .venv)
#   --no-certbot       the certificate comes from elsewhere: put it where the site says
#   --no-packages      skip apt-get (everything is installed already)
set -euo pipefail
umask 022

HERE=$(cd "$(dirname "$0")" && pwd)
APP=$(dirname "$HERE")
PREFIX="" DOMAIN="" PYTHON="" CERTBOT=1 PACKAGES=1
while [ $# -gt 0 ]; do
    case "$1" in
    --domain) DOMAIN=$2; shift 2 ;;
    --root) PREFIX=${2%/}; shift 2 ;;
    --python) PYTHON=$2; shift 2 ;;
    --no-certbot) CERTBOT=0; shift ;;
    --no-packages) PACKAGES=0; shift ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done
LIVE=1
if [ -n "$PREFIX" ]; then
    LIVE=0
    mkdir -p "$PREFIX"
    : >"$PREFIX/install.log"
elif [ "$(id -u)" -ne 0 ]; then
    echo "run as root: it installs packages, units and nginx's site" >&2
    exit 1
fi
if [ -z "$PYTHON" ]; then PYTHON=$APP/.venv/bin/python; fi
ENV_FILE="$PREFIX/etc/doithoai/env"

say() { printf '\n== %s\n' "$*"; }

# A command that changes the system: run it, or under --root only list it.
run() {
    if [ "$LIVE" -eq 1 ]; then
        "$@"
    else
        printf '%s\n' "$*" >>"$PREFIX/install.log"
    fi
}

# A folder with its owner and mode; under --root, the owner is only listed.
folder() {
    local mode=$1 owner=$2 path=$3
    mkdir -p "$PREFIX$path"
    chmod "$mode" "$PREFIX$path"
    run chown "$owner" "$path"
}

# A file written from stdin, with its mode, and its owner if given.
put() {
    local mode=$1 path=$2 owner=${3:-}
    mkdir -p "$(dirname "$PREFIX$path")"
    cat >"$PREFIX$path.new"
    chmod "$mode" "$PREFIX$path.new"
    mv -f "$PREFIX$path.new" "$PREFIX$path"
    if [ -n "$owner" ]; then run chown "$owner" "$path"; fi
}

random_secret() {
    head -c 64 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c "$1"
}

# ---------------------------------------------------------------------------------------------
if [ "$PACKAGES" -eq 1 ]; then
    say "packages"
    run env DEBIAN_FRONTEND=noninteractive apt-get update -q
    # python3-venv: the code's own Python packages; postgresql-client comes with postgresql.
    # libpango and a font with Vietnamese: the reports' PDF (WeasyPrint). age, rsync and the ssh
    # client: the backups' encryption and their copy off the machine, when the settings ask for
    # them; jq: reading the JSON logs. No sudo is needed: the steps run as another user with
    # runuser, which util-linux always has.
    run env DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3 python3-venv git curl \
        nginx postgresql redis-server certbot libpango-1.0-0 libpangoft2-1.0-0 \
        fonts-dejavu-core age rsync openssh-client jq
fi

# ---------------------------------------------------------------------------------------------
say "the doithoai account"
# Its home is the checkout, which exists: this script is in it.
if [ "$LIVE" -eq 0 ] || ! getent passwd doithoai >/dev/null; then
    run adduser --system --group --home "$APP" --no-create-home doithoai
fi
# ---------------------------------------------------------------------------------------------
say "settings: /etc/doithoai/env"
if [ ! -f "$ENV_FILE" ]; then
    [ -n "$DOMAIN" ] || { echo "the first run needs --domain NAME (the site's host name)" >&2; exit 2; }
    printf '%s' "$DOMAIN" | grep -Eq '^[a-z0-9.-]+$' || { echo "not a host name: $DOMAIN" >&2; exit 2; }
    WORKERS_HERE=$(nproc 2>/dev/null || echo 2)
    # The Production section uncommented and filled in where it can be; the rest as it is.
    awk -v domain="$DOMAIN" -v secret="$(random_secret 60)" -v password="$(random_secret 32)" \
        -v app="$APP" -v workers="$WORKERS_HERE" '
        /^# --- / { production = ($0 ~ /^# --- Production/) }
        production && /^# [A-Z][A-Z0-9_]*=/ {
            line = substr($0, 3)
            gsub(/doithoai\.example\.gov\.vn/, domain, line)
            sub(/^SECRET_KEY=.*/, "SECRET_KEY=" secret, line)
            sub(/PASSWORD@/, password "@", line)
            sub(/^MEDIA_ROOT=.*/, "MEDIA_ROOT=" app "/media", line)
            sub(/^WORKERS=.*/, "WORKERS=" workers, line)
            print line
            next
        }
        { print }' "$APP/.env.example" | put 640 /etc/doithoai/env root:doithoai
    folder 750 root:doithoai /etc/doithoai
    echo "wrote $ENV_FILE, its Production section filled in where it could be."
fi
# What production needs, set and no longer the example's.
missing=$(
    set -a
    # shellcheck disable=SC1090
    . "$ENV_FILE"
    set +a
    for name in DEBUG SECRET_KEY ALLOWED_HOSTS CSRF_TRUSTED_ORIGINS SITE_URL DATABASE_URL \
        REDIS_URL MEDIA_ROOT EMAIL_BACKEND EMAIL_HOST DEFAULT_FROM_EMAIL PRIVACY_CONTROLLER WORKERS; do
        value=${!name:-}
        case "$value" in
        "" | *example.gov.vn* | *…*) echo "  $name" ;;
        esac
    done
    case "${EMAIL_HOST_USER:-}" in *example.gov.vn*) echo "  EMAIL_HOST_USER" ;; esac
    [ "${DEBUG:-}" = false ] || [ "${DEBUG:-}" = "" ] || echo "  DEBUG (must be false)"
)
if [ -n "$missing" ]; then
    echo "Fill in these lines of $ENV_FILE (.env.example explains each), then run $0 again:"
    echo "$missing"
    exit 3
fi
set -a
# shellcheck disable=SC1090
. "$ENV_FILE"
set +a
DOMAIN=$(printf '%s' "$SITE_URL" | sed -E 's#^[a-z]+://([^/:]+).*#\1#')
BACKUP_DIR=${BACKUP_DIR:-/var/backups/doithoai}
WORKERS=${WORKERS:-2}

# ---------------------------------------------------------------------------------------------
say "folders: the settings, the uploaded files, the backups"
folder 750 root:doithoai /etc/doithoai
run chown root:doithoai /etc/doithoai/env
folder 750 doithoai:doithoai "$MEDIA_ROOT"
folder 700 doithoai:doithoai "$BACKUP_DIR"

# ---------------------------------------------------------------------------------------------
say "PostgreSQL: the role, the database and the restore drill's scratch database"
read -r DB_USER DB_PASSWORD DB_HOST DB_NAME < <(python3 -c '
import sys
from urllib.parse import unquote, urlsplit
url = urlsplit(sys.argv[1])
print(unquote(url.username or ""), unquote(url.password or "-"), url.hostname or "", url.path.lstrip("/"))
' "$DATABASE_URL")
case "$DB_HOST" in
127.0.0.1 | localhost | ::1)
    # psql variables quote the names and the password; nothing is pasted into SQL.
    sql="SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', :'user', :'password')
         WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'user') \\gexec
         SELECT format('ALTER ROLE %I PASSWORD %L', :'user', :'password') \\gexec
         SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'user')
         WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') \\gexec
         SELECT format('CREATE DATABASE %I OWNER %I', :'db' || '_drill', :'user')
         WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db' || '_drill') \\gexec"
    if [ "$LIVE" -eq 1 ]; then
        printf '%s\n' "$sql" | runuser -u postgres -- psql --quiet --set=ON_ERROR_STOP=1 \
            --set=user="$DB_USER" --set=password="$DB_PASSWORD" --set=db="$DB_NAME" >/dev/null
    else
        run runuser -u postgres -- psql "(create role $DB_USER, databases $DB_NAME and ${DB_NAME}_drill)"
    fi
    ;;
*) echo "PostgreSQL is on $DB_HOST: create the role, $DB_NAME and ${DB_NAME}_drill there" ;;
esac

# ---------------------------------------------------------------------------------------------
say "the code's dependencies, exactly those of the lock files"
# Debian's own Python, which the service account can run: a root shell may find another python3
# first (pyenv, a build in /usr/local) under a folder the service cannot read.
SYSTEM_PYTHON=/usr/bin/python3
if [ "$LIVE" -eq 1 ] && [ -e "$APP/.venv/bin/python" ] &&
    ! runuser -u doithoai -- "$APP/.venv/bin/python" -c '' 2>/dev/null; then
    echo "$APP/.venv runs a Python the doithoai account cannot: made again from $SYSTEM_PYTHON"
    rm -rf "$APP/.venv"
fi
if [ ! -x "$APP/.venv/bin/python" ]; then run "$SYSTEM_PYTHON" -m venv "$APP/.venv"; fi
# pip first, from its own lock: Debian 12's pip (23.0.1) refuses the lock files in hash mode.
run "$APP/.venv/bin/python" -m pip install --quiet --require-hashes -r "$APP/requirements-pip.lock"
run "$APP/.venv/bin/python" -m pip install --quiet --require-hashes -r "$APP/requirements.lock"

say "the configuration checked; the tables, the static files, the bytecode"
APPS=$(cd "$APP" && for init in */__init__.py; do dirname "$init"; done | grep -Ev '^(tests|bench)$' | tr '\n' ' ')
run runuser -u doithoai -- env -C "$APP" sh -c \
    "set -a; . /etc/doithoai/env; set +a; exec .venv/bin/python manage.py check --deploy --fail-level WARNING"
run runuser -u doithoai -- env -C "$APP" sh -c \
    "set -a; . /etc/doithoai/env; set +a; exec .venv/bin/python manage.py migrate --no-input"
# The site's address and name in emails: Django's first site is "example.com", and the first
# account's confirmation email leaves before anyone can sign in to the admin to change it. Set
# once from SITE_URL; the admin renames it afterwards (Sites), and a second run leaves it alone.
SITE_CODE="import os
from django.conf import settings
from django.contrib.sites.models import Site
domain = os.environ['SITE_DOMAIN']
Site.objects.filter(pk=settings.SITE_ID, domain='example.com').update(domain=domain, name=domain)"
if [ "$LIVE" -eq 1 ]; then
    printf '%s\n' "$SITE_CODE" | runuser -u doithoai -- env -C "$APP" SITE_DOMAIN="$DOMAIN" sh -c \
        "set -a; . /etc/doithoai/env; set +a; exec .venv/bin/python manage.py shell"
else
    run runuser -u doithoai -- manage.py shell "(the site example.com becomes $DOMAIN)"
fi
# As root: the code, the static files and the bytecode are root's, only read by the service.
run env -C "$APP" sh -c \
    "set -a; . /etc/doithoai/env; set +a; exec .venv/bin/python manage.py collectstatic --no-input -v 0"
# shellcheck disable=SC2086
run env -C "$APP" .venv/bin/python -m compileall -q $APPS

printf 'net.core.somaxconn = 4096\n' | put 644 /etc/sysctl.d/60-doithoai.conf
run sysctl --system --quiet

# ---------------------------------------------------------------------------------------------
say "systemd: $WORKERS workers, the task worker, the timers"
for unit in "$HERE"/systemd/*.service "$HERE"/systemd/*.timer; do
    sed -e "s#/srv/doithoai/media#$MEDIA_ROOT#g" -e "s#/srv/doithoai#$APP#g" \
        -e "s#/var/backups/doithoai#$BACKUP_DIR#g" "$unit" |
        put 644 "/etc/systemd/system/$(basename "$unit")"
done
run systemctl daemon-reload
WORKER_UNITS=$(for n in $(seq 1 "$WORKERS"); do printf 'doithoai@%s ' "$n"; done)
TIMERS="doithoai-tasks-prune.timer doithoai-backup.timer doithoai-restore-drill.timer
    doithoai-purge-sessions.timer doithoai-retention.timer doithoai-due-reminders.timer"
RUNNING=inactive
if [ "$LIVE" -eq 1 ]; then RUNNING=$(systemctl is-active doithoai@1 || true); fi
# shellcheck disable=SC2086
run systemctl enable --now doithoai-tasks $WORKER_UNITS $TIMERS
if [ "$LIVE" -eq 1 ]; then
    systemctl restart doithoai-tasks
    for unit in $(systemctl list-units --plain --no-legend 'doithoai@*.service' | awk '{ print $1 }'); do
        n=${unit#doithoai@}
        n=${n%.service}
        # Workers beyond WORKERS (the count went down) are stopped and disabled.
        if [ "$n" -gt "$WORKERS" ]; then systemctl disable --now "$unit"; fi
    done
fi

# ---------------------------------------------------------------------------------------------
say "nginx: the site for $DOMAIN, in front of $WORKERS workers"
put 644 /etc/nginx/snippets/doithoai-proxy.conf <"$HERE/nginx/proxy.conf"
put 644 /etc/nginx/snippets/doithoai-logging.conf <"$HERE/nginx/logging.conf"
# Every websocket is two connections in nginx: the client's and the worker's.
printf '# deploy/install.sh: one descriptor per connection, two per websocket.\nworker_rlimit_nofile 65536;\n' |
    put 644 /etc/nginx/modules-enabled/60-doithoai-limits.conf
if [ -f "$PREFIX/etc/nginx/nginx.conf" ]; then
    run sed -i -E 's/worker_connections [0-9]+;/worker_connections 30000;/' /etc/nginx/nginx.conf
fi
folder 755 root:root /var/www/letsencrypt
render_site() {
    env -C "$APP" "$PYTHON" manage.py deploy_config nginx --domain "$DOMAIN" --root "$APP"
}
CERT="/etc/letsencrypt/live/$DOMAIN/fullchain.pem"
if [ ! -f "$PREFIX$CERT" ]; then
    # No certificate yet: port 80 only, for Let's Encrypt's challenge, while certbot asks.
    sed "s/doithoai\.example\.gov\.vn/$DOMAIN/g" "$HERE/nginx/acme.conf" |
        put 644 /etc/nginx/sites-available/doithoai
    run ln -sfn /etc/nginx/sites-available/doithoai /etc/nginx/sites-enabled/doithoai
    run rm -f /etc/nginx/sites-enabled/default
    run systemctl reload-or-restart nginx
    if [ "$CERTBOT" -eq 0 ]; then
        echo "Put the certificate at $CERT (and its key beside it, privkey.pem), then run $0 again."
        exit 4
    fi
    if ! run certbot certonly --webroot --webroot-path /var/www/letsencrypt --domain "$DOMAIN" \
        --email "$DEFAULT_FROM_EMAIL" --agree-tos --non-interactive \
        --deploy-hook "systemctl reload nginx"; then
        echo "certbot could not get a certificate for $DOMAIN: does its DNS name this machine," \
            "and does port 80 reach it? Then run $0 again." >&2
        exit 4
    fi
fi
render_site | put 644 /etc/nginx/sites-available/doithoai
run ln -sfn /etc/nginx/sites-available/doithoai /etc/nginx/sites-enabled/doithoai
run rm -f /etc/nginx/sites-enabled/default
run nginx -t -q
run systemctl reload-or-restart nginx
if [ "$RUNNING" = active ]; then
    # A second run: the workers that were running take the code and settings, one by one.
    "$HERE/rolling-restart.sh"
fi

# ---------------------------------------------------------------------------------------------
if [ -d "$PREFIX/etc/prometheus" ]; then
    say "Prometheus: one target per worker, and the alerts"
    env -C "$APP" "$PYTHON" manage.py deploy_config prometheus |
        put 644 /etc/prometheus/prometheus.yml
    put 644 /etc/prometheus/doithoai-alerts.yml <"$HERE/prometheus/doithoai-alerts.yml"
    run systemctl reload-or-restart prometheus
fi

# ---------------------------------------------------------------------------------------------
if [ "$LIVE" -eq 1 ]; then
    say "every worker ready"
    for n in $(seq 1 "$WORKERS"); do
        port=$((${WORKER_BASE_PORT:-8001} + n - 1))
        for _ in $(seq 240); do
            [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$port/readyz")" = 200 ] && break
            sleep 0.5
        done
        printf 'worker %s: ' "$n"
        curl -s --max-time 5 "http://127.0.0.1:$port/readyz" || true
        echo
    done
fi
say "installed $(cat "$APP/VERSION") for https://$DOMAIN/"
echo "Next (docs/operations.md, \"After the install\"): the first account, the site's name, a test email:"
echo "  $APP/deploy/manage.sh createsuperuser"
echo "  $APP/deploy/manage.sh send_test_email you@your.agency --wait 60"
