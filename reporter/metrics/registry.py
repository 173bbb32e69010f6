"""The metric objects and the gauges features contribute (computed when Prometheus scrapes)."""
import logging
import os
from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

log = logging.getLogger(__name__)

REQUESTS = Counter("reporter_http_requests_total", "HTTP requests", ["method", "endpoint", "status"])
LATENCY = Histogram("reporter_http_request_duration_seconds", "HTTP request latency", ["method", "endpoint"],
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))

_GAUGES: dict[str, tuple[str, Callable[[], dict[str, float] | float]]] = {}


def register_gauge(name: str, description: str, compute: Callable[[], dict[str, float] | float]) -> None:
    """A gauge computed at scrape time (a number, or a dict label value -> number under label `key`)."""
    _GAUGES[name] = (description, compute)


class BusinessCollector:
    """Reads the registered gauges from the database at scrape time (shared truth across workers)."""

    def collect(self):
        for name, (description, compute) in _GAUGES.items():
            try:
                value = compute()
            except Exception:  # a failing gauge must not break the whole scrape
                log.exception("metric %s failed", name)
                continue
            if isinstance(value, dict):
                family = GaugeMetricFamily(name, description, labels=["key"])
                for key, number in value.items():
                    family.add_metric([str(key)], float(number))
            else:
                family = GaugeMetricFamily(name, description, value=float(value))
            yield family


def exposition() -> bytes:
    """The text exposition: per-process or multiprocess (gunicorn) request metrics plus business gauges."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
    else:
        from prometheus_client import REGISTRY

        registry = REGISTRY
    text = generate_latest(registry)
    business = CollectorRegistry()
    business.register(BusinessCollector())
    return text + generate_latest(business)
