"""The worker count and base port are settings; nginx's upstream, Prometheus's targets and the
systemd unit all follow them (config/deployconf.py, `manage.py deploy_config`)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from config import deployconf

ROOT = Path(__file__).resolve().parent.parent
UNIT = ROOT / "deploy" / "systemd" / "doithoai@.service"


def upstream_ports(site: str) -> list[int]:
    block = re.search(r"upstream doithoai \{(.*?)\}", site, flags=re.DOTALL)
    assert block
    return [int(port) for port in re.findall(r"server 127\.0\.0\.1:(\d+) ", block[1])]


def scrape_targets(config: str) -> list[tuple[str, str]]:
    [job] = yaml.safe_load(config)["scrape_configs"]
    return [
        (target, static["labels"]["worker"])
        for static in job["static_configs"]
        for target in static["targets"]
    ]


def test_the_files_in_deploy_are_what_the_defaults_generate():
    site = (ROOT / "deploy" / "nginx" / "doithoai.conf").read_text()
    assert deployconf.nginx_site(workers=2, base_port=8001) == site
    prometheus = (ROOT / "deploy" / "prometheus" / "prometheus.yml").read_text()
    assert deployconf.prometheus_config(workers=2, base_port=8001) == prometheus
    # The issue this replaces: four targets for two workers, so an alert fired at once.
    assert [target for target, _worker in scrape_targets(prometheus)] == [
        "127.0.0.1:8001",
        "127.0.0.1:8002",
    ]


@pytest.mark.parametrize(("workers", "base"), [(1, 8001), (4, 8001), (6, 9101)])
def test_one_upstream_line_and_one_target_per_worker(workers, base):
    ports = list(range(base, base + workers))
    site = deployconf.nginx_site(workers=workers, base_port=base, domain="dt.tinh.gov.vn")
    assert upstream_ports(site) == ports
    assert "doithoai.example.gov.vn" not in site
    assert "server_name dt.tinh.gov.vn;" in site
    assert f"fail_timeout={deployconf.FAIL_TIMEOUT_SECONDS}s" in site
    targets = scrape_targets(deployconf.prometheus_config(workers=workers, base_port=base))
    assert targets == [(f"127.0.0.1:{port}", str(n)) for n, port in enumerate(ports, start=1)]


def test_the_code_folder_is_where_nginx_finds_the_static_files():
    site = deployconf.nginx_site(workers=2, base_port=8001, root="/opt/doithoai")
    assert "alias /opt/doithoai/staticfiles/;" in site
    assert "/srv/doithoai" not in site


@pytest.mark.parametrize(
    ("workers", "base", "domain"),
    [(0, 8001, "a.vn"), (2, 80, "a.vn"), (2, 65535, "a.vn"), (2, 8001, "a.vn; evil")],
)
def test_nonsense_is_refused(workers, base, domain):
    with pytest.raises(ValueError, match=r"WORKERS|WORKER_BASE_PORT|host name"):
        deployconf.nginx_site(workers=workers, base_port=base, domain=domain)


def manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**os.environ, "DEBUG": "true", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_command_reads_the_settings():
    env = {"WORKERS": "3", "WORKER_BASE_PORT": "8101", "SITE_URL": "https://dt.tinh.gov.vn"}
    site = manage("deploy_config", "nginx", "--root", "/srv/doithoai", **env)
    assert site.returncode == 0, site.stderr
    assert upstream_ports(site.stdout) == [8101, 8102, 8103]
    assert "server_name dt.tinh.gov.vn;" in site.stdout
    prometheus = manage("deploy_config", "prometheus", **env)
    assert [t for t, _ in scrape_targets(prometheus.stdout)] == [
        "127.0.0.1:8101",
        "127.0.0.1:8102",
        "127.0.0.1:8103",
    ]
    refused = manage("deploy_config", "prometheus", WORKERS="0")
    assert refused.returncode != 0
    assert "WORKERS" in refused.stderr


def unit_command(line_start: str, instance: int, env: dict[str, str]) -> str:
    """A command line of the unit as systemd hands it to /bin/sh, echoed by the shell."""
    text = UNIT.read_text()
    match = re.search(rf"^{line_start}=/bin/sh -c '(.*?)'$", text, flags=re.M | re.DOTALL)
    assert match, line_start
    script = match[1].replace("\\\n", " ").replace("$$", "$").replace("%%", "%")
    script = script.replace("%i", str(instance))
    # Print the command instead of running it.
    script = re.sub(r"^exec ", "echo ", script)
    script = script.replace("curl ", "echo curl ").replace("&& exit 0", "; exit 0")
    result = subprocess.run(
        ["/bin/sh", "-c", script],
        env={"PATH": os.environ["PATH"], **env},
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return result.stdout


@pytest.mark.parametrize(
    ("instance", "env", "port"),
    [(1, {}, 8001), (3, {}, 8003), (2, {"WORKER_BASE_PORT": "9101"}, 9102)],
)
def test_the_unit_listens_and_checks_on_the_port_the_settings_give(instance, env, port):
    assert f"--port {port} " in unit_command("ExecStart", instance, env)
    assert f"http://127.0.0.1:{port}/healthz" in unit_command("ExecStartPost", instance, env)
