"""WSGI entry point: ``gunicorn app:app`` or ``flask --app app ...``."""

from helpline import create_app

app = create_app()
