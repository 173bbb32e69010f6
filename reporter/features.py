"""The feature packages, in dependency order.

Each may provide ``api.blueprints`` (flask-smorest blueprints), ``cli.commands`` (click groups/commands)
and ``reference.load`` (idempotent reference-data loader run by ``flask reference load``).
"""

FEATURES = [
    "reporter.system",
    "reporter.accounts",
    "reporter.org",
    "reporter.audit",
    "reporter.media",
    "reporter.geo",
    "reporter.workdays",
    "reporter.routing",
    "reporter.cases",
    "reporter.idempotency",
    "reporter.notify",
    "reporter.reports",
    "reporter.patrols",
    "reporter.rewards",
    "reporter.metrics",
    "reporter.stats",
    "reporter.privacy",
    "reporter.registers",
    "reporter.console",
]
