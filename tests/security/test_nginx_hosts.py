"""Issue 14 §5: Debian's nginx with `deploy/nginx/reporter.conf` closes requests for any host but the site's own,
over HTTP and over TLS, before they reach the app (a forged Host header never becomes a link or a log line there)."""
import datetime
import re
import shutil
import socket
import ssl
import subprocess
import time
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.faults.servers import free_port

SITE = Path(__file__).resolve().parents[2] / "deploy" / "nginx" / "reporter.conf"
HOST = "reporter.example.gov.cn"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
pytestmark = pytest.mark.skipif(NGINX is None, reason="nginx is not installed (apt-get install nginx-light)")


def _certificate(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(HOST)]), critical=False)
            .sign(key, hashes.SHA256()))
    chain, private = directory / "fullchain.pem", directory / "privkey.pem"
    chain.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    private.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    return chain, private


def _version() -> tuple[int, ...]:
    out = subprocess.run([NGINX, "-v"], capture_output=True, text=True).stderr
    return tuple(int(n) for n in re.search(r"nginx/(\d+)\.(\d+)\.(\d+)", out).groups())


@pytest.fixture()
def site(tmp_path):
    """The site as shipped, on free local ports, with a throw-away certificate at its certificate paths."""
    chain, private = _certificate(tmp_path)
    http, https = free_port(), free_port()
    conf = SITE.read_text()
    conf = conf.replace("/etc/ssl/reporter/fullchain.pem", str(chain))
    conf = conf.replace("/etc/ssl/reporter/privkey.pem", str(private))
    conf = conf.replace("/var/log/nginx/", f"{tmp_path}/")
    conf = re.sub(r"listen 80\b", f"listen 127.0.0.1:{http}", conf)
    conf = re.sub(r"listen 443\b", f"listen 127.0.0.1:{https}", conf)
    if _version() < (1, 25, 1):  # `http2 on;` is nginx 1.25.1+ (its fix for Debian 12 is issue 14 §3's)
        conf = conf.replace("http2 on;", "")
    (tmp_path / "site.conf").write_text(conf)
    temp = "\n".join(f"{kind}_temp_path {tmp_path}/{kind};" for kind in
                     ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    (tmp_path / "nginx.conf").write_text(f"""
pid {tmp_path}/nginx.pid;
error_log {tmp_path}/error.log;
events {{}}
http {{
    access_log {tmp_path}/access.log;
    {temp}
    include {tmp_path}/site.conf;
}}
""")
    args = [NGINX, "-p", str(tmp_path), "-e", str(tmp_path / "error.log"), "-c", str(tmp_path / "nginx.conf")]
    checked = subprocess.run([*args, "-t"], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    proc = subprocess.Popen([*args, "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", https), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        yield http, https
    finally:
        proc.terminate()
        proc.wait(10)


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
