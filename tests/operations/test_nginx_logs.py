"""nginx's access log (deploy/nginx/logging.conf): JSON lines, secret links masked."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REQUIRE_SERVERS

ROOT = Path(__file__).resolve().parents[2]
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
PORT = 8810

CONFIG = """
worker_processes 1;
pid {state}/nginx.pid;
error_log {state}/error.log warn;
events {{ worker_connections 64; }}
http {{
    include {root}/deploy/nginx/logging.conf;
    access_log {state}/access.log doithoai;
    client_body_temp_path {state}/body;
    proxy_temp_path {state}/proxy;
    fastcgi_temp_path {state}/fastcgi;
    uwsgi_temp_path {state}/uwsgi;
    scgi_temp_path {state}/scgi;
    server {{
        listen 127.0.0.1:{port};
        location / {{ return 200 "ok\\n"; }}
    }}
}}
"""


@pytest.fixture
def nginx(tmp_path: Path) -> Iterator[Path]:
    if NGINX is None:
        if REQUIRE_SERVERS:
            pytest.fail("nginx is not installed")
        pytest.skip("nginx is not installed")
    (tmp_path / "nginx.conf").write_text(CONFIG.format(state=tmp_path, root=ROOT, port=PORT))
    with subprocess.Popen(
        [NGINX, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"), "-g", "daemon off;"],
        stderr=subprocess.PIPE,
    ) as process:
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{PORT}/", timeout=2).close()
                    break
                except OSError:
                    assert process.poll() is None, process.stderr.read()  # type: ignore[union-attr]
                    assert time.monotonic() < deadline
                    time.sleep(0.1)
            yield tmp_path / "access.log"
        finally:
            process.terminate()
            process.wait(timeout=30)


def test_nginx_masks_secret_links_in_its_access_log(nginx: Path):
    for path, referer in (
        ("/stage/s3cr3t-Stage_Token/", ""),
        ("/ws/stage/s3cr3t-Stage_Token/", ""),
        ("/invitations/inv1tati0n-T0ken/?next=/manage/", "https://x.gov.vn/stage/s3cr3t-Ref/"),
        ("/accounts/password/reset/key/1-set-password/", ""),
        ("/e/hoi-nghi/moderate/stage-link/", ""),
        (
            "/e/hoi-nghi/mine/7:pr1vate-L1nk/erase/",
            "https://x.gov.vn/e/hoi-nghi/mine/7:pr1vate-Ref/",
        ),
        ("/admin/events/user/?q=lan%40example.vn", "https://x.gov.vn/admin/?q=Lan+B%C3%ACnh"),
        ("/?q=dat+nong+nghiep", ""),
    ):
        headers = {"Referer": referer} if referer else {}
        request = urllib.request.Request(f"http://127.0.0.1:{PORT}{path}", headers=headers)
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200
    deadline = time.monotonic() + 30
    while len(nginx.read_text().splitlines()) < 9:  # the fixture's probe and these eight
        assert time.monotonic() < deadline
        time.sleep(0.1)
    text = nginx.read_text()
    assert "s3cr3t" not in text
    assert "inv1tati0n" not in text
    assert "set-password" not in text
    assert "pr1vate" not in text
    assert "example.vn" not in text
    assert "B%C3%ACnh" not in text
    records = [json.loads(line) for line in text.splitlines()]
    assert [r["uri"] for r in records[1:]] == [
        "/stage/***/",
        "/ws/stage/***/",
        "/invitations/***/?next=/manage/",
        "/accounts/password/reset/key/***/",
        "/e/hoi-nghi/moderate/stage-link/",
        "/e/hoi-nghi/mine/***/erase/",
        "/admin/events/user/?***",
        "/?q=dat+nong+nghiep",
    ]
    assert records[3]["referer"] == "https://x.gov.vn/stage/***/"
    assert records[6]["referer"] == "https://x.gov.vn/e/hoi-nghi/mine/***/"
    assert records[7]["referer"] == "https://x.gov.vn/admin/?***"
    assert all(len(r["request_id"]) == 32 for r in records)


def test_the_production_site_is_valid_for_debian_12s_nginx(tmp_path: Path):
    """`nginx -t` on deploy/nginx/doithoai.conf, its paths pointed at this checkout."""
    if NGINX is None or shutil.which("openssl") is None:
        pytest.skip("nginx or openssl is not installed")
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-subj", "/CN=test", "-keyout", str(tmp_path / "key.pem")),
            *("-out", str(tmp_path / "cert.pem")),
        ],
        check=True,
        capture_output=True,
    )
    site = (ROOT / "deploy" / "nginx" / "doithoai.conf").read_text()
    for installed, here in (
        ("/etc/nginx/snippets/doithoai-logging.conf", ROOT / "deploy/nginx/logging.conf"),
        ("/etc/nginx/snippets/doithoai-proxy.conf", ROOT / "deploy/nginx/proxy.conf"),
        ("/etc/letsencrypt/live/doithoai.example.gov.vn/fullchain.pem", tmp_path / "cert.pem"),
        ("/etc/letsencrypt/live/doithoai.example.gov.vn/privkey.pem", tmp_path / "key.pem"),
        ("/var/log/nginx/", f"{tmp_path}/"),
    ):
        site = site.replace(installed, str(here))
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid; error_log {tmp_path}/error.log;\n"
        f"events {{}}\nhttp {{ include {tmp_path}/site.conf; }}\n"
    )
    result = subprocess.run(
        [NGINX, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
