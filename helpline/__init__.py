"""helpline: an SMS and voice helpline for people caught in human trafficking."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import click
from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the helpline app: defaults, then environment, then ``test_config``."""
    # Imported here, not above: gunicorn's master imports ``helpline.logs`` for its own log
    # lines (gunicorn.conf.py), and must not import prometheus_client (``metrics``) before it
    # has told the workers where to share their figures.
    from . import config

    config.unset_if_empty("PROMETHEUS_MULTIPROC_DIR")  # before prometheus_client is imported
    from . import audio, catalog, cli, health, logs, metrics, safety, sms, staff, stats, store, voice
    from .forms import MAX_BODY_BYTES, WebhookRequest

    app = Flask(__name__)
    app.request_class = WebhookRequest  # Twilio's forms, read the short way
    # Twilio does not follow redirects: an odd URL ("/voice//key") must reach a view, not a 308.
    app.url_map.merge_slashes = False
    app.config.from_mapping(config.DEFAULTS)
    app.config.update(config.from_environment(config.environ()))
    if test_config is not None:
        app.config.update(test_config)
    if app.config.get("MAX_CONTENT_LENGTH") is None:
        app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    # A web server (gunicorn, or `flask run`) serves; other CLI commands (check ...) do not.
    context = click.get_current_context(silent=True)
    serving = context is None or context.info_name == "run"
    app.config["HELPLINE_SERVING"] = serving
    logs.configure(app, serving)
    config.finish(app.config, serving=serving)

    catalog.init_app(app)
    store.init_app(app)
    stats.init_app(app)
    metrics.init_app(app)
    app.register_blueprint(sms.bp)
    app.register_blueprint(voice.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(audio.bp)
    safety.init_app(app)
    staff.init_app(app)
    proxies = int(app.config["HELPLINE_TRUSTED_PROXIES"])
    if proxies:  # believe the proxies' X-Forwarded-Proto and -For, and only theirs
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
    cli.init_app(app)
    return app
