"""Debian's nginx serving deploy/nginx/reporter.conf as shipped, on free local ports under a temporary prefix (for
the deploy and security tests)."""
import datetime
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

from tests.faults.servers import free_port

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
        # the site itself and the default server that refuses unknown hosts, on each port
        assert (upstreams, plain, tls) == (1, 2, 2), "the site file changed shape: teach this test its new lines"
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


def requirements() -> list:
    """Marks for an nginx test: nginx installed, and the PostgreSQL pass (such tests run once per CI run)."""
    import pytest

    return [pytest.mark.skipif(NGINX is None, reason="nginx is not installed (apt-get install nginx; .ci/run does)"),
            pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
                               reason="nginx tests run once, in the PostgreSQL pass (set TEST_DATABASE_URL)")]
