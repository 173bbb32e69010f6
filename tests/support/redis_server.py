"""A private Redis per test session (or benchmark run): `redis-server` on a free port, in a folder of its own, no
persistence, stopped at the end. Nothing is ever flushed: a run only ever sees the keys it wrote, and two runs on one
host (or a Redis the host uses for something else) never touch each other's state."""
import shutil
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def available() -> bool:
    return shutil.which("redis-server") is not None


@contextmanager
def private_redis():
    """Yield `redis://127.0.0.1:<port>/0` of a redis-server started for this run; stop it afterwards."""
    import redis

    folder = tempfile.mkdtemp(prefix="reporter-redis-")
    for _attempt in range(5):  # a free port may be taken between the probe and the bind
        port = _free_port()
        proc = subprocess.Popen(  # noqa: S603 - fixed arguments
            ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", folder, "--logfile", f"{folder}/redis.log"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        url = f"redis://127.0.0.1:{port}/0"
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                redis.Redis.from_url(url, socket_timeout=0.5).ping()
                break
            except redis.RedisError:
                time.sleep(0.05)
        else:
            proc.kill()
            proc.wait()
            continue
        try:
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            shutil.rmtree(folder, ignore_errors=True)
        return
    raise RuntimeError(f"redis-server did not start (see {folder}/redis.log)")
