"""Issue 14 §5: Debian's nginx with `deploy/nginx/reporter.conf` closes requests for any host but the site's own,
over HTTP and over TLS, before they reach the app (a forged Host header never becomes a link or a log line there)."""
import socket
import ssl

import pytest

from tests.faults.servers import free_port
from tests.support.nginx import SERVER_NAME as HOST
from tests.support.nginx import Nginx, requirements

pytestmark = requirements()


@pytest.fixture()
def site(tmp_path):
    """The site as shipped, on free local ports, with a throw-away certificate at its certificate paths."""
    nginx = Nginx(tmp_path, upstream_port=free_port())
    checked = nginx.test_config()
    assert checked.returncode == 0, checked.stderr
    nginx.start()
    try:
        yield nginx.http_port, nginx.https_port
    finally:
        nginx.stop()


def _ask(sock, host: str) -> bytes:
    sock.sendall(f"GET /api/v1/health HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
    answer = b""
    while chunk := sock.recv(4096):
        answer += chunk
    return answer


def test_plain_http_answers_only_the_sites_name(site):
    http, _https = site
    with socket.create_connection(("127.0.0.1", http), timeout=5) as sock:
        assert _ask(sock, "evil.example.com") == b""  # 444: closed without an answer
    with socket.create_connection(("127.0.0.1", http), timeout=5) as sock:
        answer = _ask(sock, HOST).decode()
    assert answer.startswith("HTTP/1.1 301") and f"Location: https://{HOST}/api/v1/health" in answer


def test_tls_refuses_other_names_and_other_hosts(site):
    _http, https = site
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", https), timeout=5) as raw:
        with pytest.raises(ssl.SSLError):
            context.wrap_socket(raw, server_hostname="evil.example.com")
    with socket.create_connection(("127.0.0.1", https), timeout=5) as raw:
        with context.wrap_socket(raw, server_hostname=HOST) as sock:  # the right name, a forged Host header
            answer = _ask(sock, "evil.example.com")
    assert answer == b"" or answer.startswith(b"HTTP/1.1 421"), answer[:200]
