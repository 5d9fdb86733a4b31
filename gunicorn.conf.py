"""gunicorn settings for the helpline: ``gunicorn --config gunicorn.conf.py app:app``.

Every setting comes from an environment variable listed in ``ENVIRONMENT`` (with its
default); an empty value counts as unset. Options on the command line win over this file.
This file must not import the app or ``prometheus_client``: see ``on_starting``. It imports
``helpline.logs`` only, which imports neither.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from typing import Any

from gunicorn.glogging import Logger

from helpline.logs import RedactNumbers, WithholdBadRequests, server_formatter

# Every variable this file reads, and its default. The deploy tests check the compose file and
# the example env file against these and the app's own settings (helpline/config.py).
ENVIRONMENT = {
    "PORT": "8000",  # the port to listen on, on every interface (the container's)
    "GUNICORN_WORKERS": "2",  # processes: about one per CPU core
    "GUNICORN_THREADS": "4",  # threads per process: requests wait on Redis, not on the CPU
    "GUNICORN_TIMEOUT": "30",  # seconds before a stuck worker is restarted (Twilio waits 15)
    "PROMETHEUS_MULTIPROC_DIR": "",  # where workers share metrics; empty: a fresh temporary one
}


def _setting(name: str) -> str:
    return os.environ.get(name, "").strip() or ENVIRONMENT[name]


def _whole(name: str) -> int:
    """The setting ``name`` as a whole number of at least 1; a typo stops gunicorn with one
    line that names it (gunicorn prints the message of a SystemExit from its config file)."""
    value = _setting(name)
    if not value.isdigit() or int(value) < 1:
        raise SystemExit(f"gunicorn.conf.py: {name} must be a whole number of at least 1, "
                         f"not {value!r}")
    return int(value)


bind = [f"0.0.0.0:{_whole('PORT')}"]
workers = _whole("GUNICORN_WORKERS")
threads = _whole("GUNICORN_THREADS")
worker_class = "gthread"
timeout = _whole("GUNICORN_TIMEOUT")
graceful_timeout = 10
keepalive = 5  # behind a TLS proxy that reuses its connections
# Each worker imports the app itself: the metrics directory must be known before it does.
preload_app = False
# No access log: the error log (helpline/logs.py filters it) is all an operator needs.
accesslog = None
# No control socket (gunicorn 25.1+): nothing here manages workers at run time, and its default
# place ($HOME/.gunicorn) is not writable for the container's user (an error at every start).
# (Older gunicorn ignores the setting.)
control_socket_disable = True


class ServerLogger(Logger):
    """gunicorn's own lines (its master's too) in the app's shape (JSON in production) and
    redacted, like the app's. (Not ``logconfig_dict``: with it gunicorn would also write an
    access log line for every request.)"""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for handler in self.error_log.handlers:
            handler.setFormatter(server_formatter())
            for kind in (WithholdBadRequests, RedactNumbers):
                if not any(isinstance(f, kind) for f in handler.filters):
                    handler.addFilter(kind())


logger_class = ServerLogger

def on_starting(server: Any) -> None:
    """Give the workers one empty directory to add up their metrics in (/metrics reads it).

    prometheus_client decides at import whether values live in that directory, so it must be
    in the environment before a worker imports the app; a directory left from an earlier run
    would add its old counts to the new ones.
    """
    directory = _setting("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        os.makedirs(directory, exist_ok=True)
        for name in os.listdir(directory):
            if name.endswith(".db"):
                os.remove(os.path.join(directory, name))
    else:
        directory = tempfile.mkdtemp(prefix="helpline-metrics-")
        # Kept on the server, not in this file: a reload (HUP) reads this file again.
        server.helpline_made_metrics_dir = directory
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = directory


def child_exit(server: Any, worker: Any) -> None:
    """Drop the live-only figures of a worker that stopped (its counts stay in the sums)."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server: Any) -> None:
    """Remove the metrics directory this server made for itself (reloaded or not)."""
    directory = getattr(server, "helpline_made_metrics_dir", None)
    if directory:
        shutil.rmtree(directory, ignore_errors=True)
