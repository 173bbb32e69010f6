"""Audit log: who changed or revealed what, append-only."""
