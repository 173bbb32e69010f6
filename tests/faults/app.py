"""The WSGI app the fault and scale-out tests serve with gunicorn: `wsgi:app`, plus settings the environment cannot
carry (short idempotency leases, cheap password hashing), as JSON in FAULT_APP_CONFIG."""
import json
import os

from reporter import create_app

app = create_app(json.loads(os.environ.get("FAULT_APP_CONFIG", "{}")))
