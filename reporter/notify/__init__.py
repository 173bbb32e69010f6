"""Notifications to residents: an outbox written with the business change, delivered by a worker."""
