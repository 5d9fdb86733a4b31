"""``GET /metrics``: Prometheus text of requests, latency, hand-offs and rate-limit hits.

What is measured, and never with personal data in a label (no number, body, URL or query):

- ``helpline_requests_total{channel, status}``: every request; channel is ``sms``, ``voice``
  or ``other`` (from the path), status the HTTP status code.
- ``helpline_request_duration_seconds{channel}``: a latency histogram of the same requests.
- ``helpline_handoffs_total{channel}``: texters and callers put through to a person.
- ``helpline_rate_limited_total{channel, limit}``: messages refused by an abuse limit.
- ``helpline_store_failures_total{reason}``: times Redis could not serve (``unreachable``,
  ``read-only``, ``full``, ``not-saving``, ``refused``); each is followed by 2 seconds of
  answering without it.

The features that hand off or limit count through one call, with fixed label values::

    from . import metrics
    metrics.count("handoffs", channel="voice")
    metrics.count("rate_limited", channel="sms", limit="number")

Several worker processes (gunicorn): each process counts on its own unless
``PROMETHEUS_MULTIPROC_DIR`` names a directory shared by the workers before they import
this module; ``gunicorn.conf.py`` sets one up (and empties it at start), and ``/metrics``
then adds up every worker's figures, so any worker answers for the whole server. Without it
(``flask run``, tests) a scrape sees only the process that answers it.
"""

from __future__ import annotations

import atexit
import os
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Blueprint, Flask, Response, g
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector

from .simulate import is_simulated

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

# The header of an answer that was an apology or "line down": its cause (error, no-content).
FAILED_HEADER = "X-Helpline-Failed"

# Decided once, like prometheus_client itself decides where values live, at import.
MULTIPROCESS_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "").strip() or None
if MULTIPROCESS_DIR:
    # A directory named but not made yet (a new volume, /tmp/x): the first value below would
    # fail to open its file there, and stop the container at start.sh's check.
    os.makedirs(MULTIPROCESS_DIR, exist_ok=True)
_FILES_BEFORE = (set(Path(MULTIPROCESS_DIR).glob(f"*_{os.getpid()}.db")) if MULTIPROCESS_DIR
                 else set())

CHANNELS = ("sms", "voice")

REQUESTS = Counter("helpline_requests", "Requests answered, by channel and HTTP status.",
                   ["channel", "status"])
LATENCY = Histogram("helpline_request_duration_seconds", "Time to answer a request, by channel.",
                    ["channel"],
                    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
HANDOFFS = Counter("helpline_handoffs", "Texters and callers put through to a person.",
                   ["channel"])
RATE_LIMITED = Counter("helpline_rate_limited", "Messages refused by an abuse limit.",
                       ["channel", "limit"])

STORE_FAILURES = Counter("helpline_store_failures",
                         "Times Redis could not serve; texts are then answered without state.",
                         ["reason"])
STORE_REASONS = ("unreachable", "read-only", "full", "not-saving", "refused")

# A webhook that answered with an apology ("error": something unexpected failed) or with
# "line down, call 112" ("no-content": the content never loaded): a 200 to Twilio, so only
# this shows that callers and texters did not get what they asked for.
WEBHOOK_ERRORS = Counter("helpline_webhook_errors",
                         "Webhooks answered with an apology or 'line down' instead of an answer.",
                         ["channel", "cause"])
WEBHOOK_ERROR_CAUSES = ("error", "no-content")
# Webhooks refused for their Twilio signature: "wrong", one that did not check out (what Twilio's
# own requests get when HELPLINE_PUBLIC_URL or TWILIO_AUTH_TOKEN differs from what it signs
# with: every call and text then fails, however quiet the line); "missing", none at all (probes).
SIGNATURE_REFUSALS = Counter("helpline_signature_refusals",
                             "Webhooks refused for their Twilio signature, wrong or missing.",
                             ["channel", "signature"])
SIGNATURE_KINDS = ("wrong", "missing")
CONTENT_LOAD_FAILURES = Counter(
    "helpline_content_load_failures",
    "Content edits refused by the checks (the last good version, if any, keeps serving).")

_COUNTERS = {"handoffs": HANDOFFS, "rate_limited": RATE_LIMITED,
             "webhook_errors": WEBHOOK_ERRORS}

# Known label values start at zero, so that a dashboard sees them before the first event.
for _channel in CHANNELS:
    HANDOFFS.labels(_channel)
RATE_LIMITED.labels("sms", "number")
RATE_LIMITED.labels("sms", "replies")
for _reason in STORE_REASONS:
    STORE_FAILURES.labels(_reason)
for _channel in CHANNELS:
    for _cause in WEBHOOK_ERROR_CAUSES:
        WEBHOOK_ERRORS.labels(_channel, _cause)
    for _kind in SIGNATURE_KINDS:
        SIGNATURE_REFUSALS.labels(_channel, _kind)

# Each request's series, looked up once per process rather than per request. The webhooks'
# answers an alert asks about start at zero: a series born at its first 5xx would show no
# increase, and the alert would miss it (deploy/prometheus-alerts.yml).
_LATENCY_OF = {name: LATENCY.labels(name) for name in (*CHANNELS, "other")}
_REQUESTS_OF: dict[tuple[str, int], Counter] = {
    (name, status): REQUESTS.labels(name, str(status))
    for name in CHANNELS for status in (200, 403, 500)}

bp = Blueprint("metrics", __name__)


def count(name: str, **labels: str) -> None:
    """Add one to the counter ``name`` (``handoffs``, ``rate_limited``, ``webhook_errors``)
    with ``labels``.

    Staff trying the helpline (:mod:`helpline.simulate`) are no hand-offs: not counted.
    """
    if is_simulated():
        return
    _COUNTERS[name].labels(**labels).inc()


def webhook_failed(channel: str, cause: str) -> None:
    """Count one webhook answered with an apology (``error``) or "line down" (``no-content``),
    and say so in the answer's ``X-Helpline-Failed`` header: Twilio and the caller never see
    it, and ``helpline smoke`` can tell an apology (a 200 with TwiML) from an answer."""
    count("webhook_errors", channel=channel, cause=cause)
    g.helpline_failed = cause


def _mark_failed(response: Response) -> Response:
    cause = g.get("helpline_failed")
    if cause is not None:
        response.headers[FAILED_HEADER] = cause
    return response


def signature_refused(path: str, signed: bool) -> None:
    """Count one webhook refused for its signature: ``signed`` with a wrong one, or without."""
    SIGNATURE_REFUSALS.labels(channel(path), "wrong" if signed else "missing").inc()


def content_load_failed() -> None:
    """Count one content load refused by the checks."""
    CONTENT_LOAD_FAILURES.inc()


def store_failed(reason: str) -> None:
    """Count one failure of the store, by ``reason`` (one of ``STORE_REASONS``)."""
    STORE_FAILURES.labels(reason).inc()


def channel(path: str) -> str:
    """Name the channel of a request path: ``sms``, ``voice`` or ``other``."""
    first = path.strip("/").split("/", 1)[0]
    return first if first in CHANNELS else "other"


class Timed:
    """WSGI middleware around the app: time and count every request, by channel and status.

    Outside Flask, so that it costs a request almost nothing and also times Flask's own work.
    """

    def __init__(self, app: WSGIApplication) -> None:
        self.app = app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        statuses: list[str] = []

        def starting(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            statuses.append(status)
            return start_response(status, headers, exc_info)

        try:
            return self.app(environ, starting)
        finally:
            if statuses:
                _observe(channel(environ.get("PATH_INFO", "")), int(statuses[-1][:3]),
                         time.perf_counter() - started)


def _observe(name: str, status: int, seconds: float) -> None:
    _LATENCY_OF[name].observe(seconds)
    requests = _REQUESTS_OF.get((name, status))
    if requests is None:
        requests = _REQUESTS_OF.setdefault((name, status), REQUESTS.labels(name, str(status)))
    requests.inc()


@bp.get("/metrics")
def scrape() -> Response:
    """Return every metric in the Prometheus text format."""
    registry = REGISTRY
    if MULTIPROCESS_DIR is not None:
        registry = CollectorRegistry()
        MultiProcessCollector(registry, MULTIPROCESS_DIR)  # type: ignore[no-untyped-call]
    return Response(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)


def init_app(app: Flask) -> None:
    """Time and count every request, and serve ``/metrics``."""
    app.wsgi_app = Timed(app.wsgi_app)  # type: ignore[method-assign]
    app.register_blueprint(bp)
    app.after_request(_mark_failed)
    if MULTIPROCESS_DIR and not app.config["HELPLINE_SERVING"]:
        atexit.register(_remove_own_files)


def _remove_own_files() -> None:
    """Leave no figures of a command (``check`` ...) beside the server's: they count nothing.

    (A file of this process id that was there before is a stopped worker's: it stays.)
    """
    if not MULTIPROCESS_DIR:
        return
    for path in set(Path(MULTIPROCESS_DIR).glob(f"*_{os.getpid()}.db")) - _FILES_BEFORE:
        path.unlink(missing_ok=True)
