"""`GET /metrics`, for the monitoring network only (addresses in METRICS_ALLOW, or METRICS_TOKEN)."""
import hmac
import ipaddress
import time

from flask import Blueprint, Flask, Response, current_app, g, request
from prometheus_client import CONTENT_TYPE_LATEST

from reporter.errors import NotFound
from reporter.metrics.gauges import register_defaults
from reporter.metrics.registry import LATENCY, REQUESTS, exposition

metrics_blp = Blueprint("metrics", __name__)
flask_blueprints = [metrics_blp]


def _allowed() -> bool:
    token = current_app.config.get("METRICS_TOKEN")
    header = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(header, f"Bearer {token}"):
        return True
    try:
        addr = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    return any(addr in ipaddress.ip_network(net) for net in current_app.config["METRICS_ALLOW"])


@metrics_blp.get("/metrics")
def metrics():
    """Prometheus text exposition; others get a 404 (its existence is not advertised)."""
    if not _allowed():
        raise NotFound()
    return Response(exposition(), mimetype=CONTENT_TYPE_LATEST)


def instrument(app: Flask) -> None:
    """Count and time every request by its route pattern (not the raw path: bounded label values)."""
    register_defaults()

    @app.before_request
    def _start_timer():
        g.metrics_started = time.perf_counter()

    @app.after_request
    def _observe(response):
        started = g.get("metrics_started")
        if started is not None:
            endpoint = request.url_rule.rule if request.url_rule else "unmatched"
            REQUESTS.labels(request.method, endpoint, str(response.status_code)).inc()
            LATENCY.labels(request.method, endpoint).observe(time.perf_counter() - started)
        return response
