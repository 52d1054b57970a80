"""`caller-server serve` over HTTPS, and its warning when serving plain HTTP to the
network (issue 14), on SQLite and PostgreSQL."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import requests

from tests.support.cli import cli
from tests.support.server import LiveServer, free_port, seed
from tests.support.tls import self_signed

pytestmark = pytest.mark.timeout(120)
WARNING = "warning: serving plain HTTP on"
ALL_INTERFACES = "0.0.0.0"


def test_serve_answers_over_https_with_the_given_certificate(
    server_db: str, tmp_path: Path
) -> None:
    cert, key = self_signed(tmp_path)
    data = seed(server_db, contacts=1, callers=1)
    args = ["--ssl-certfile", str(cert), "--ssl-keyfile", str(key)]
    with LiveServer(server_db, via_cli=True, args=args, tls_ca=cert) as server:
        assert server.url.startswith("https://127.0.0.1:")
        reply = requests.post(
            server.url + "/api/v1/auth/login",
            json={"username": data.callers[0], "password": data.password},
            verify=str(cert),
            timeout=30,
        )
        assert reply.status_code == 200, reply.text
        # A client that does not trust the certificate is refused by TLS itself.
        with pytest.raises(requests.exceptions.SSLError):
            requests.get(server.url + "/api/v1/health", timeout=10)
        # And plain HTTP gets no answer from the API.
        plain = server.url.replace("https://", "http://") + "/api/v1/health"
        try:
            status = requests.get(plain, timeout=10).status_code
        except requests.RequestException:
            status = None
        assert status != 200
        assert WARNING not in server.log_text()


def test_plain_http_on_all_interfaces_warns_on_stderr(server_db: str) -> None:
    with LiveServer(server_db, via_cli=True, host=ALL_INTERFACES) as server:
        log = server.log_text()
    assert f"{WARNING} {ALL_INTERFACES}" in log
    assert "--ssl-certfile" in log


def test_plain_http_on_loopback_does_not_warn(server_db: str) -> None:
    with LiveServer(server_db, via_cli=True, host="127.0.0.1") as server:
        assert WARNING not in server.log_text()


def test_https_on_all_interfaces_does_not_warn(server_db: str, tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path)
    args = ["--ssl-certfile", str(cert), "--ssl-keyfile", str(key)]
    with LiveServer(server_db, via_cli=True, host=ALL_INTERFACES, args=args, tls_ca=cert) as server:
        assert WARNING not in server.log_text()


def _refused(proc: subprocess.CompletedProcess[str], *expected: str) -> None:
    assert proc.returncode != 0, proc.stdout
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    for text in expected:
        assert text in lines[0]


def test_bad_tls_files_are_one_line(server_db: str, tmp_path: Path) -> None:
    port = str(free_port())
    missing = str(tmp_path / "nowhere.pem")
    _refused(cli(server_db, "serve", "--port", port, "--ssl-certfile", missing), "give both")
    _refused(
        cli(
            server_db, "serve", "--port", port, "--ssl-certfile", missing, "--ssl-keyfile", missing
        ),
        "cannot use",
        "HTTPS",
    )
    cert, _key = self_signed(tmp_path)
    other = tmp_path / "other"
    other.mkdir()
    _cert2, wrong_key = self_signed(other)
    _refused(
        cli(
            server_db,
            "serve",
            "--port",
            port,
            "--ssl-certfile",
            str(cert),
            "--ssl-keyfile",
            str(wrong_key),
        ),
        "cannot use",
    )
