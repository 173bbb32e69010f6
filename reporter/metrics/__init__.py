"""Prometheus metrics at /metrics: request counts and latencies per endpoint, and business gauges."""
