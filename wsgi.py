"""WSGI entry point for gunicorn: `gunicorn wsgi:app`."""
from reporter import create_app

app = create_app()
