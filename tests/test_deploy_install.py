"""deploy/install.sh with a root prefix: a scratch directory stands for `/`; the files it writes
are checked, and the system commands it would run, in their order (install.log)."""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
INSTALL = ROOT / "deploy" / "install.sh"
DOMAIN = "dt.tinh.gov.vn"
APPS = sorted(
    path.parent.name
    for path in ROOT.glob("*/__init__.py")
    if path.parent.name not in ("tests", "bench")
)


def install(prefix: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(INSTALL), "--root", str(prefix), "--python", sys.executable, *args],
        env={k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def settings_of(prefix: Path) -> dict[str, str]:
    text = (prefix / "etc" / "doithoai" / "env").read_text()
    return dict(re.findall(r"^([A-Z][A-Z0-9_]*)=(.*)$", text, flags=re.M))


def fill_in(prefix: Path, **values: str) -> None:
    env = prefix / "etc" / "doithoai" / "env"
    text = env.read_text()
    for name, value in values.items():
        text = re.sub(rf"^{name}=.*$", f"{name}={value}", text, flags=re.M)
    env.write_text(text)


@pytest.fixture
def installed(tmp_path: Path) -> Path:
    first = install(tmp_path, "--domain", DOMAIN)
    assert first.returncode == 3, first.stdout + first.stderr
    fill_in(
        tmp_path,
        EMAIL_HOST="smtp.tinh.gov.vn",
        EMAIL_HOST_USER="doithoai@tinh.gov.vn",
        DEFAULT_FROM_EMAIL="doithoai@tinh.gov.vn",
        PRIVACY_CONTROLLER='"Sở Tư pháp tỉnh Bắc Ninh"',
        WORKERS="3",
    )
    (tmp_path / "etc" / "prometheus").mkdir(parents=True)
    second = install(tmp_path)
    assert second.returncode == 0, second.stdout + second.stderr
    return tmp_path


def commands(prefix: Path) -> list[str]:
    return (prefix / "install.log").read_text().splitlines()


def index(lines: list[str], pattern: str) -> int:
    for position, line in enumerate(lines):
        if re.search(pattern, line):
            return position
    raise AssertionError(f"no command matches {pattern!r}:\n" + "\n".join(lines))


def test_the_first_run_needs_the_domain(tmp_path):
    result = install(tmp_path)
    assert result.returncode == 2
    assert "--domain" in result.stderr


def test_the_first_run_writes_the_settings_and_names_what_is_left_to_fill_in(tmp_path):
    result = install(tmp_path, "--domain", DOMAIN)
    assert result.returncode == 3
    for name in ("EMAIL_HOST", "DEFAULT_FROM_EMAIL", "PRIVACY_CONTROLLER"):
        assert f"  {name}\n" in result.stdout
    env = tmp_path / "etc" / "doithoai" / "env"
    assert stat.S_IMODE(env.stat().st_mode) == 0o640
    values = settings_of(tmp_path)
    assert values["DEBUG"] == "false"
    assert len(values["SECRET_KEY"]) >= 50
    assert values["ALLOWED_HOSTS"] == DOMAIN
    assert values["SITE_URL"] == values["CSRF_TRUSTED_ORIGINS"] == f"https://{DOMAIN}"
    assert re.fullmatch(
        r"postgres://doithoai:[A-Za-z0-9]{32}@127\.0\.0\.1:5432/doithoai", values["DATABASE_URL"]
    )
    assert values["MEDIA_ROOT"] == f"{ROOT}/media"
    # Every other line is left as the example has it: commented, with its default.
    assert "# DATABASE_POOL_MAX=20" in env.read_text()
    # Two runs never share a secret.
    other = tmp_path / "other"
    install(other, "--domain", DOMAIN)
    assert settings_of(other)["SECRET_KEY"] != values["SECRET_KEY"]
    # Nothing is installed yet.
    assert not (tmp_path / "etc" / "systemd").exists()


def test_debug_on_is_refused(installed):
    fill_in(installed, DEBUG="true")
    result = install(installed)
    assert result.returncode == 3
    assert "DEBUG" in result.stdout


def test_pip_comes_first_from_its_own_lock_then_the_checks_then_the_tables(installed):
    lines = commands(installed)
    assert index(lines, r"requirements-pip\.lock") < index(lines, r"-r \S*/requirements\.lock")
    assert index(lines, r"-r \S*/requirements\.lock") < index(lines, r"manage\.py check --deploy")
    assert index(lines, r"manage\.py check --deploy") < index(lines, r"manage\.py migrate")
    assert index(lines, r"manage\.py migrate") < index(lines, r"systemctl enable --now")
    # The site's name in emails is the domain before the first account's confirmation leaves.
    assert index(lines, r"manage\.py migrate") < index(lines, rf"example\.com becomes {DOMAIN}")
    assert index(lines, rf"example\.com becomes {DOMAIN}") < index(lines, r"systemctl enable --now")
    compiled = lines[index(lines, r"-m compileall")].split("-q", 1)[1].split()
    assert sorted(compiled) == APPS
    assert {"reports", "consultation", "erasure"} <= set(compiled)


def test_the_virtualenv_is_made_from_debians_python_which_the_service_can_run():
    # Not whichever python3 root's PATH finds first (pyenv, /usr/local): the service account
    # could not run it. Tried on a machine whose root had pyenv first: "Permission denied".
    text = INSTALL.read_text()
    assert re.search(r"^SYSTEM_PYTHON=/usr/bin/python3$", text, flags=re.M)
    assert 'run "$SYSTEM_PYTHON" -m venv "$APP/.venv"' in text
    assert not re.search(r"^[^#]*\bpython3 -m venv", text, flags=re.M)
    assert 'runuser -u doithoai -- "$APP/.venv/bin/python"' in text


def test_the_account_exists_before_its_folders_and_no_sudo_is_needed(installed):
    lines = commands(installed)
    adduser = index(lines, r"^adduser --system --group --home \S+ --no-create-home doithoai$")
    assert adduser < index(lines, r"^chown doithoai:doithoai \S+/media$")
    assert f"--home {ROOT} " in lines[adduser]  # the checkout, which exists
    assert not any(line.startswith("sudo") for line in lines)
    assert not re.search(r"^\s*sudo ", INSTALL.read_text(), flags=re.M)


def test_every_unit_is_installed_for_this_checkout_and_enabled(installed):
    units = installed / "etc" / "systemd" / "system"
    shipped = sorted(p.name for p in (ROOT / "deploy" / "systemd").iterdir())
    assert sorted(p.name for p in units.iterdir()) == shipped
    for unit in units.iterdir():
        text = unit.read_text()
        assert "/srv/doithoai" not in text, unit.name
    assert f"WorkingDirectory={ROOT}\n" in (units / "doithoai@.service").read_text()
    lines = commands(installed)
    assert index(lines, r"^systemctl daemon-reload$") < index(lines, r"^systemctl enable --now")
    enabled = lines[index(lines, r"^systemctl enable --now")].split()[3:]
    assert set(enabled) == {
        "doithoai-tasks",
        "doithoai@1",
        "doithoai@2",
        "doithoai@3",
        "doithoai-tasks-prune.timer",
        "doithoai-backup.timer",
        "doithoai-restore-drill.timer",
        "doithoai-purge-sessions.timer",
        "doithoai-retention.timer",
        "doithoai-due-reminders.timer",
    }
    timers = {p.name for p in (ROOT / "deploy" / "systemd").glob("*.timer")}
    assert timers <= set(enabled), "a timer is shipped but never enabled"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze here")
def test_systemd_analyze_verifies_the_installed_units(installed, tmp_path):
    units = installed / "etc" / "systemd" / "system"
    # A template is verified as one of its instances.
    shutil.copy(units / "doithoai@.service", units / "doithoai@1.service")
    names = sorted(str(p) for p in units.iterdir() if p.name != "doithoai@.service")
    result = subprocess.run(
        ["systemd-analyze", "verify", *names], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Unknown key" not in result.stderr


def test_nginx_serves_the_domain_from_one_upstream_line_per_worker(installed):
    site = (installed / "etc" / "nginx" / "sites-available" / "doithoai").read_text()
    assert re.findall(r"server 127\.0\.0\.1:(\d+) ", site) == ["8001", "8002", "8003"]
    assert f"server_name {DOMAIN};" in site
    assert f"/etc/letsencrypt/live/{DOMAIN}/fullchain.pem" in site
    assert f"alias {ROOT}/staticfiles/;" in site
    for snippet in ("doithoai-proxy.conf", "doithoai-logging.conf"):
        assert (installed / "etc" / "nginx" / "snippets" / snippet).read_text() == (
            ROOT / "deploy" / "nginx" / snippet.removeprefix("doithoai-")
        ).read_text()
    limits = installed / "etc" / "nginx" / "modules-enabled" / "60-doithoai-limits.conf"
    assert "worker_rlimit_nofile 65536;" in limits.read_text()
    lines = commands(installed)
    # No certificate yet: certbot, by the webroot the port-80 site serves, then the full site.
    assert index(lines, r"^certbot certonly --webroot") < index(lines, r"^nginx -t")
    assert "location /.well-known/acme-challenge/" in site


def test_with_a_certificate_certbot_is_not_run(installed):
    live = installed / "etc" / "letsencrypt" / "live" / DOMAIN
    live.mkdir(parents=True)
    (live / "fullchain.pem").write_text("")
    result = install(installed)
    assert result.returncode == 0, result.stderr
    assert not any(line.startswith("certbot") for line in commands(installed))


def test_prometheus_gets_one_target_per_worker_and_the_alerts(installed):
    import yaml

    config = yaml.safe_load((installed / "etc" / "prometheus" / "prometheus.yml").read_text())
    targets = [t for s in config["scrape_configs"][0]["static_configs"] for t in s["targets"]]
    assert targets == ["127.0.0.1:8001", "127.0.0.1:8002", "127.0.0.1:8003"]
    assert (installed / "etc" / "prometheus" / "doithoai-alerts.yml").exists()


def test_the_kernels_listen_queue_and_the_folders(installed):
    sysctl = installed / "etc" / "sysctl.d" / "60-doithoai.conf"
    assert sysctl.read_text() == "net.core.somaxconn = 4096\n"
    backups = installed / "var" / "backups" / "doithoai"
    assert stat.S_IMODE(backups.stat().st_mode) == 0o700
    assert stat.S_IMODE((installed / "etc" / "doithoai").stat().st_mode) == 0o750
