"""nginx's upstream and Prometheus's targets, generated from WORKERS and WORKER_BASE_PORT.

The systemd unit `doithoai@.service` reads the same two variables from /etc/doithoai/env, so
worker i listens on WORKER_BASE_PORT + i − 1 in all three places. `manage.py deploy_config
nginx|prometheus` prints the files; deploy/install.sh writes them. The files in deploy/nginx/ and
deploy/prometheus/ are what this prints for the defaults (2 workers from port 8001), which a
test keeps true.
"""

from __future__ import annotations

import re
from pathlib import Path

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
NGINX_SITE = DEPLOY / "nginx" / "doithoai.conf"
PROMETHEUS = DEPLOY / "prometheus" / "prometheus.yml"
EXAMPLE_DOMAIN = "doithoai.example.gov.vn"
EXAMPLE_ROOT = "/srv/doithoai"
# nginx marks a worker that failed once as down for this long (`max_fails=1`); a rolling restart
# waits this long after a restarted worker is ready before it restarts the next one
# (deploy/rolling-restart.sh), or nginx could find every worker marked down and answer 502.
FAIL_TIMEOUT_SECONDS = 5

_UPSTREAM_SERVERS = re.compile(r"(?m)^(\s*)server 127\.0\.0\.1:\d+ [^\n]*\n(?:\1server [^\n]*\n)*")
# The `static_configs:` line and every line indented deeper under it.
_TARGETS = re.compile(r"(?m)^([ ]*)static_configs:\n(?:\1[ ]+\S[^\n]*\n)*")


def worker_ports(workers: int, base_port: int) -> list[int]:
    """The port of each worker, 1 to `workers`."""
    if workers < 1:
        raise ValueError("WORKERS must be at least 1")
    if not 1024 <= base_port <= 65535 - workers:
        raise ValueError(f"WORKER_BASE_PORT {base_port} leaves no room for {workers} workers")
    return [base_port + n for n in range(workers)]


def upstream_servers(workers: int, base_port: int, indent: str = "    ") -> str:
    return "".join(
        f"{indent}server 127.0.0.1:{port} max_fails=1 fail_timeout={FAIL_TIMEOUT_SECONDS}s;\n"
        for port in worker_ports(workers, base_port)
    )


def nginx_site(
    *,
    workers: int,
    base_port: int,
    domain: str = EXAMPLE_DOMAIN,
    root: str = EXAMPLE_ROOT,
    template: str | None = None,
) -> str:
    """The site of deploy/nginx/doithoai.conf, with one upstream line per worker."""
    text = NGINX_SITE.read_text() if template is None else template
    if not re.fullmatch(r"[a-z0-9.-]+", domain):
        raise ValueError(f"not a host name: {domain!r}")
    text, found = _UPSTREAM_SERVERS.subn(
        lambda match: upstream_servers(workers, base_port, match[1]), text, count=1
    )
    if not found:
        raise ValueError("the nginx site has no upstream servers to replace")
    text = text.replace(EXAMPLE_DOMAIN, domain)
    return text.replace(f"{EXAMPLE_ROOT}/", f"{root.rstrip('/')}/")


def prometheus_targets(workers: int, base_port: int, indent: str = "    ") -> str:
    """One static config per worker, labelled with its number (the dashboard's legends)."""
    lines = [f"{indent}static_configs:\n"]
    for n, port in enumerate(worker_ports(workers, base_port), start=1):
        lines += [
            f"{indent}  - targets: ['127.0.0.1:{port}']\n",
            f"{indent}    labels: {{service: doithoai, worker: '{n}'}}\n",
        ]
    return "".join(lines)


def prometheus_config(*, workers: int, base_port: int, template: str | None = None) -> str:
    """deploy/prometheus/prometheus.yml, with one target per worker."""
    text = PROMETHEUS.read_text() if template is None else template
    text, found = _TARGETS.subn(
        lambda match: prometheus_targets(workers, base_port, match[1]), text, count=1
    )
    if not found:
        raise ValueError("the Prometheus configuration has no static_configs to replace")
    return text
