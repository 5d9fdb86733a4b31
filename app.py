"""WSGI entry point: ``gunicorn app:app`` or ``flask --app app ...``."""

import sys

from helpline import create_app
from helpline.config import ConfigError
from helpline.logs import cannot_start

try:
    app = create_app()
except ConfigError as wrong_setting:
    # One line that names the setting, not a traceback; and gunicorn stops instead of
    # booting worker after worker.
    sys.exit(cannot_start(wrong_setting))
