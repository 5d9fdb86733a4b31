"""Only Twilio may drive the webhooks: every request must carry a valid signature."""

from __future__ import annotations

import functools
import hmac
import logging
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import quote

from flask import Response, current_app, request
from twilio.request_validator import RequestValidator

from . import metrics
from .config import is_development
from .simulate import REHEARSAL, SIMULATED

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


@functools.lru_cache(maxsize=4)
def _validator(token: str) -> RequestValidator:
    return RequestValidator(token)


def is_valid_request() -> bool:
    token = current_app.config.get("TWILIO_AUTH_TOKEN")
    if not token:
        # Without a token only development serves webhooks, and a command's own simulator
        # (`helpline simulate` on a fresh clone): its requests never leave this process and
        # carry an environ key no HTTP request can set, and a production server does not start
        # without a token (config.finish), so no outside request reaches this line there.
        simulated = bool(request.environ.get(SIMULATED)) and not current_app.config.get(
            "HELPLINE_SERVING", True)
        return is_development(current_app.config) or simulated
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature:
        return False
    validator, url, form = _validator(token), signed_url(), request.form
    # The URL as Twilio signed it almost always matches at once (one HMAC); validate() then
    # also tries it with the default port added or removed, as Twilio sometimes signs.
    # (Compared as bytes: a forged header may hold any character.)
    expected = validator.compute_signature(url, form).encode()
    return (hmac.compare_digest(expected, signature.encode("utf-8", "replace"))
            or validator.validate(url, form, signature))


def twilio_signed(view: F) -> F:
    """Refuse (403, nothing changed) any request whose Twilio signature does not check out."""

    @functools.wraps(view)
    def checked(*args: Any, **kwargs: Any) -> Any:
        # The form is read first, in every mode: a body over MAX_CONTENT_LENGTH is a 413 here,
        # never an error inside the view (in development nothing else reads it before).
        rehearsal = request.form.get(REHEARSAL) == "1"
        if not is_valid_request():
            signed = bool(request.headers.get("X-Twilio-Signature"))
            log.warning("refused a webhook request %s Twilio signature: %s",
                        "with a wrong" if signed else "without a", request.path)
            metrics.signature_refused(request.path, signed)
            return Response("invalid signature\n", status=403, mimetype="text/plain")
        if rehearsal:  # and signed: only a holder of the token can have set it
            request.environ[SIMULATED] = True
        return view(*args, **kwargs)

    return checked  # type: ignore[return-value]
