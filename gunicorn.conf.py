"""gunicorn settings (read from the environment; see README "Installing on a server" and "Configuration")."""
import multiprocessing
import os

bind = os.environ.get("BIND", f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}")
# Sync workers: the app is mostly database-bound; 2×cores+1 is gunicorn's advice, override with WEB_CONCURRENCY.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
# Requests that wait on WeChat time out after 5 s; uploads over slow mobile links need more than the default 30 s.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5  # ignored by sync workers (one request per connection); nginx keeps its own upstream pool
# Recycle workers now and then so slow leaks never accumulate; jitter keeps them from restarting together.
max_requests = 2000
max_requests_jitter = 200
# Each worker builds its own app and database pool after the fork (no connections shared across processes).
preload_app = False
# The app writes its own JSON access log line per request (with request ids); gunicorn's would duplicate it.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info")
# Trust X-Forwarded-* only from the local reverse proxy.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
limit_request_line = 8190
# gunicorn 27's control socket (for `gunicornc`) defaults to $HOME/.gunicorn/gunicorn.ctl: one path shared by every
# instance on the host, and unwritable under the unit's ProtectHome=true. Off unless GUNICORN_CONTROL_SOCKET names a
# path of this instance's own (the unit: /run/reporter/gunicorn.ctl, its RuntimeDirectory).
control_socket_disable = not os.environ.get("GUNICORN_CONTROL_SOCKET")
if not control_socket_disable:
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]


def child_exit(server, worker):
    """Drop a dead worker's live gauges from the shared Prometheus directory (multiprocess mode)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
