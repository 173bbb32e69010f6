"""The production recipe holds: deploy/nginx/reporter.conf passes `nginx -t` on the distribution's nginx, and with it in
front of real gunicorn (sync workers) fifty clients trickling request bodies at one byte a second leave
/api/v1/health answering in under a second; without it, a few such clients take every worker."""
import os
import socket
import ssl
import threading
import time

import pytest
import requests
import urllib3

from tests.faults.servers import Gunicorn
from tests.support.nginx import NGINX, SERVER_NAME, Nginx


class Trickle:
    """`count` clients each sending a JSON request whose body arrives one byte a second, until stopped."""

    def __init__(self, host: str, port: int, count: int, *, tls: bool):
        self.host, self.port, self.count, self.tls = host, port, count, tls
        self.stop_event = threading.Event()
        self.connected = 0
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._client, daemon=True) for _ in range(count)]

    def _client(self) -> None:
        try:
            sock = socket.create_connection((self.host, self.port), timeout=10)
            if self.tls:
                context = ssl.create_default_context()
                context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
                sock = context.wrap_socket(sock, server_hostname=SERVER_NAME)
            body = b'{"username": "someone", "password": "' + b"x" * 900 + b'"}'
            sock.sendall(b"POST /api/v1/auth/login HTTP/1.1\r\nHost: " + SERVER_NAME.encode()
                         + b"\r\nContent-Type: application/json\r\nContent-Length: "
                         + str(len(body)).encode() + b"\r\n\r\n")
            with self.lock:
                self.connected += 1
            for byte in body:
                if self.stop_event.wait(1.0):
                    break
                sock.sendall(bytes([byte]))
            sock.close()
        except OSError:
            pass  # the server may drop a trickling client; that is its right

    def __enter__(self) -> "Trickle":
        for thread in self.threads:
            thread.start()
        deadline = time.monotonic() + 20
        while self.connected < self.count and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(1.5)  # the first bytes of every body are on their way
        return self

    def __exit__(self, *exc) -> None:
        self.stop_event.set()
        for thread in self.threads:
            thread.join(timeout=5)


class SiteName(requests.adapters.HTTPAdapter):
    """TLS to 127.0.0.1 naming the site (SNI): the site refuses handshakes for any other name."""

    def init_poolmanager(self, *args, **kwargs):
        kwargs["server_hostname"] = SERVER_NAME
        return super().init_poolmanager(*args, **kwargs)


def health_times(url: str, seconds: float, http=requests, **kwargs) -> list[float]:
    """Time GET /api/v1/health repeatedly for a while (a timeout counts as its full length)."""
    times, end = [], time.monotonic() + seconds
    while time.monotonic() < end:
        started = time.monotonic()
        try:
            resp = http.get(f"{url}/api/v1/health", timeout=2, **kwargs)
            assert resp.status_code == 200 and resp.json() == {"status": "ok"}, resp.text[:200]
            times.append(time.monotonic() - started)
        except requests.Timeout:
            times.append(2.0)
        time.sleep(0.3)
    return times


@pytest.fixture()
def nginx_prefix(tmp_path):
    if NGINX is None:
        pytest.skip("needs nginx (Debian: apt-get install nginx; .ci/run installs it)")
    if not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"):
        pytest.skip("nginx tests run once, in the PostgreSQL pass (set TEST_DATABASE_URL)")
    prefix = tmp_path / "nginx"
    prefix.mkdir()
    return prefix


@pytest.fixture()
def gunicorn(tmp_path, nginx_prefix):
    """Real gunicorn with two sync workers, as deployed; /health needs no database (SQLite, never created). Asks for
    `nginx_prefix` first, so the SQLite pass skips before starting it."""
    server = Gunicorn(tmp_path, f"sqlite:///{tmp_path / 'unused.db'}", workers=2,
                      env={"GUNICORN_TIMEOUT": "60", "RATELIMIT_ENABLED": "false"})
    with server:
        yield server


def test_the_site_passes_nginx_t_on_the_distributions_nginx(nginx_prefix):
    done = Nginx(nginx_prefix, 8000).test_config()
    assert done.returncode == 0, done.stderr
    assert "syntax is ok" in done.stderr and "test is successful" in done.stderr


def test_fifty_trickling_clients_behind_nginx_leave_health_under_a_second(nginx_prefix, gunicorn):
    urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
    # The premise: exposed directly, five trickling clients take both sync workers and health stops answering.
    with Trickle("127.0.0.1", gunicorn.port, 5, tls=False):
        direct = health_times(gunicorn.url, 3)
    assert max(direct) >= 1.0, direct
    time.sleep(1.5)  # the workers finish those requests (the bodies were cut short)
    nginx = Nginx(nginx_prefix, gunicorn.port).start()
    try:
        site = f"https://127.0.0.1:{nginx.https_port}"
        kwargs = {"verify": False, "headers": {"Host": SERVER_NAME}}
        http = requests.Session()
        http.mount("https://", SiteName())
        assert http.get(f"{site}/api/v1/health", timeout=5, **kwargs).status_code == 200
        with Trickle("127.0.0.1", nginx.https_port, 50, tls=True) as trickle:
            assert trickle.connected == 50
            behind = health_times(site, 8, http, **kwargs)
        assert len(behind) >= 10 and max(behind) < 1.0, behind
    finally:
        nginx.stop()


def test_a_14_mib_chunked_body_to_real_gunicorn_is_413_in_the_one_error_shape(gunicorn):
    """Transfer-Encoding: chunked carries no Content-Length; gunicorn hands the stream over as it comes."""
    import json

    sock = socket.create_connection(("127.0.0.1", gunicorn.port), timeout=20)
    answer = bytearray()

    def read() -> None:
        try:
            while chunk := sock.recv(65536):
                answer.extend(chunk)
        except OSError:
            pass

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    sock.sendall(b"POST /api/v1/auth/wechat HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                 b"Transfer-Encoding: chunked\r\n\r\n")
    piece = b"x" * 65536
    try:
        sock.sendall(b'%x\r\n{"code": "\r\n' % len(b'{"code": "'))
        for _ in range(14 * 16):  # 14 MiB
            sock.sendall(b"%x\r\n%s\r\n" % (len(piece), piece))
        sock.sendall(b'2\r\n"}\r\n0\r\n\r\n')
    except OSError:
        pass  # the server answered and closed before the whole body was sent: that is the point
    reader.join(timeout=20)
    sock.close()
    head, _, body = bytes(answer).partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413"), head[:200]
    error = json.loads(body)
    assert error["code"] == 413 and error["error"] == "payload_too_large", error
