"""Only Twilio may drive the webhooks: every request must carry a valid signature."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import quote

from flask import Response, current_app, request
from twilio.request_validator import RequestValidator

from .config import is_development

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])


def signed_url() -> str:
    """Return the URL Twilio signed: the public URL behind a proxy, raw query string kept.

    Werkzeug's ``request.url`` decodes percent-escapes, which would change the signature,
    so the path is re-quoted and the query string is used as it arrived.
    """
    public = current_app.config.get("HELPLINE_PUBLIC_URL")
    base = public.rstrip("/") if public else request.host_url.rstrip("/")
    path = quote(request.script_root + request.path, safe="/:@!$&'()*+,;=-._~")
    query = request.query_string.decode("latin-1")
    return f"{base}{path}?{query}" if query else f"{base}{path}"


def is_valid_request() -> bool:
    token = current_app.config.get("TWILIO_AUTH_TOKEN")
    if not token:
        return is_development(current_app.config)
    signature = request.headers.get("X-Twilio-Signature", "")
    return bool(signature) and RequestValidator(token).validate(signed_url(), request.form,
                                                                 signature)


def twilio_signed(view: F) -> F:
    """Refuse (403, nothing changed) any request whose Twilio signature does not check out."""

    @functools.wraps(view)
    def checked(*args: Any, **kwargs: Any) -> Any:
        if not is_valid_request():
            log.warning("refused a webhook request without a valid Twilio signature: %s",
                        request.path)
            return Response("invalid signature\n", status=403, mimetype="text/plain")
        return view(*args, **kwargs)

    return checked  # type: ignore[return-value]
