"""Idempotency-Key handling: a retried POST returns the first response instead of doing the work twice."""
