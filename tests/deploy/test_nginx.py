"""The production recipe holds: deploy/nginx/reporter.conf passes `nginx -t` on the distribution's nginx, and with it in
front of real gunicorn (sync workers) fifty clients trickling request bodies at one byte a second leave
/api/v1/health answering in under a second; without it, a few such clients take every worker."""
import datetime
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import threading
import time
from pathlib import Path

import pytest
import requests
import urllib3

from tests.faults.servers import Gunicorn, free_port

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "deploy" / "nginx" / "reporter.conf"
SERVER_NAME = "reporter.example.gov.cn"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate and key for the site's name, where the site expects them (under `directory`)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, SERVER_NAME)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(SERVER_NAME)]), critical=False)
            .sign(key, hashes.SHA256()))
    directory.mkdir(parents=True, exist_ok=True)
    chain, private = directory / "fullchain.pem", directory / "privkey.pem"
    chain.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    private.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    private.chmod(0o600)
    return chain, private


class Nginx:
    """The site file as shipped, with its paths moved under a temporary prefix and its ports made free ones."""

    def __init__(self, prefix: Path, upstream_port: int):
        self.prefix = prefix
        self.http_port, self.https_port = free_port(), free_port()
        site = SITE.read_text()
        for path in sorted(set(re.findall(r"(/(?:etc|var)/[\w./-]+)", site))):
            site = site.replace(path, str(prefix / path.lstrip("/")))
            (prefix / path.lstrip("/")).parent.mkdir(parents=True, exist_ok=True)
        site, upstreams = re.subn(r"\bserver 127\.0\.0\.1:8000\b", f"server 127.0.0.1:{upstream_port}", site)
        site, plain = re.subn(r"\blisten\s+80\b", f"listen 127.0.0.1:{self.http_port}", site)
        site, tls = re.subn(r"\blisten\s+443\b", f"listen 127.0.0.1:{self.https_port}", site)
        assert (upstreams, plain, tls) == (1, 1, 1), "the site file changed shape: teach this test its new lines"
        assert not re.search(r"listen\s+\[", site), "IPv6 listeners: teach this test to move them"
        self_signed(prefix / "etc" / "ssl" / "reporter")
        for temp in ("body", "proxy", "fastcgi", "uwsgi", "scgi", "logs"):
            (prefix / temp).mkdir(exist_ok=True)
        (prefix / "reporter.conf").write_text(site)
        (prefix / "nginx.conf").write_text(
            ("user root root;\n" if os.geteuid() == 0 else "")
            + f"pid {prefix}/nginx.pid;\nerror_log {prefix}/logs/error.log warn;\n"
            "events { worker_connections 1024; }\n"
            "http {\n"
            f"    access_log off;\n    client_body_temp_path {prefix}/body;\n    proxy_temp_path {prefix}/proxy;\n"
            f"    fastcgi_temp_path {prefix}/fastcgi;\n    uwsgi_temp_path {prefix}/uwsgi;\n"
            f"    scgi_temp_path {prefix}/scgi;\n"
            f"    include {prefix}/reporter.conf;\n}}\n")
        self.process: subprocess.Popen | None = None

    def command(self, *args: str) -> list[str]:
        return [NGINX, "-p", str(self.prefix), "-c", str(self.prefix / "nginx.conf"), *args]

    def test_config(self) -> subprocess.CompletedProcess:
        return subprocess.run(self.command("-t"), capture_output=True, text=True, timeout=30)  # noqa: S603

    def start(self) -> "Nginx":
        self.process = subprocess.Popen(self.command("-g", "daemon off;"),  # noqa: S603
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nginx exited: {self.process.stderr.read().decode()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.https_port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("nginx did not listen")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)  # graceful: the master ends its own workers
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


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


def health_times(url: str, seconds: float, **kwargs) -> list[float]:
    """Time GET /api/v1/health repeatedly for a while (a timeout counts as its full length)."""
    times, end = [], time.monotonic() + seconds
    while time.monotonic() < end:
        started = time.monotonic()
        try:
            resp = requests.get(f"{url}/api/v1/health", timeout=2, **kwargs)
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
    prefix = tmp_path / "nginx"
    prefix.mkdir()
    return prefix


@pytest.fixture()
def gunicorn(tmp_path):
    """Real gunicorn with two sync workers, as deployed; /health needs no database (SQLite, never created)."""
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
        assert requests.get(f"{site}/api/v1/health", timeout=5, **kwargs).status_code == 200
        with Trickle("127.0.0.1", nginx.https_port, 50, tls=True) as trickle:
            assert trickle.connected == 50
            behind = health_times(site, 8, **kwargs)
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
