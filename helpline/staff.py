"""The staff page, ``/staff/``: a phone to try the helpline, translations, callbacks, figures.

One login (``HELPLINE_STAFF_USER`` and a werkzeug ``HELPLINE_STAFF_PASSWORD_HASH``); with
neither set the page is off (404). In production it answers over HTTPS only: behind a TLS
proxy set ``HELPLINE_TRUSTED_PROXIES`` so that its ``X-Forwarded-Proto`` is believed. The
session cookie is Secure (in production), HttpOnly and SameSite=Strict; every POST carries
the session's CSRF token; logins are rate limited per client and overall.

The phone talks to the real webhooks: the page posts to a staff-only JSON endpoint, which
posts signed requests to ``/sms`` and ``/voice`` inside the app (:mod:`helpline.simulate`).
Nothing here shows a caller's or texter's number, except the callback list, whose purpose is
to call people back.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from typing import Any

from flask import (
    Blueprint,
    Flask,
    Request,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException
from werkzeug.security import check_password_hash
from werkzeug.wrappers import Response

from . import callbacks as callbacks_module
from . import catalog as catalog_module
from . import simulate, stats
from .config import is_development
from .sealed import sealer_for
from .store import PREFIX, StoreUnavailable, get_store
from .translations import review_status
from .twiml_read import CallStep

log = logging.getLogger(__name__)

bp = Blueprint("staff", __name__, url_prefix="/staff", template_folder="templates",
               static_folder="static/staff", static_url_path="/static")

SESSION_HOURS = 8
LOGIN_WINDOW = 15 * 60  # seconds
LOGINS_PER_CLIENT = 10  # attempts per client address per window
LOGINS_OVERALL = 100  # attempts per window from everywhere together (slows a spread-out guess)
FIGURE_DAYS = 30
OPEN = {"staff.login", "staff.static"}  # endpoints that need no login


# -- the callback list ------------------------------------------------------------------------

def open_callbacks() -> list[callbacks_module.CallbackRequest]:
    """Return the open callback requests, oldest first, their numbers opened for staff."""
    sealer = sealer_for(current_app.config["HELPLINE_ENCRYPTION_KEY"])
    return callbacks_module.open_requests(get_store(), sealer)


# -- access ------------------------------------------------------------------------------------

def _configured() -> bool:
    config = current_app.config
    return bool(config.get("HELPLINE_STAFF_USER") and config.get("HELPLINE_STAFF_PASSWORD_HASH"))


def _password_stamp() -> str:
    """A digest of the password hash: changing the password ends every staff session."""
    hashed = str(current_app.config["HELPLINE_STAFF_PASSWORD_HASH"])
    return hashlib.sha256(hashed.encode()).hexdigest()[:16]


def csrf_token() -> str:
    token = session.get("csrf")
    if not isinstance(token, str):
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


# A login is also kept in the store, under a digest of a random id the cookie holds: logging
# out ends it there, so a copy of the cookie (the callback list shows numbers) is worth
# nothing after. The store holds no id a reader could use as a cookie.
SESSION_KIND = "staff-session"


def _session_key(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def _logged_in() -> bool:
    if session.get("staff") != current_app.config["HELPLINE_STAFF_USER"] or not hmac.compare_digest(
            str(session.get("stamp", "")), _password_stamp()):
        return False
    session_id = session.get("sid")
    if not isinstance(session_id, str):
        return False
    try:
        return get_store().get_json(SESSION_KIND, _session_key(session_id)) is not None
    except StoreUnavailable:
        return False  # the login form then says the store cannot be reached


@bp.context_processor
def template_helpers() -> dict[str, Any]:
    return {"csrf_token": csrf_token}


@bp.errorhandler(HTTPException)
def api_error(error: HTTPException) -> ResponseReturnValue:
    """Answer the page's JSON calls in JSON; everything else as usual."""
    if request.path.startswith(f"{bp.url_prefix}/api/"):
        return jsonify(error=error.description), error.code or 500
    return error


@bp.before_request
def guard() -> ResponseReturnValue | None:
    """Off without a login; HTTPS only in production; logged in; a CSRF token on every POST."""
    if not _configured():
        abort(404)
    if request.scheme != "https" and not is_development(current_app.config):
        # No session here: a cookie must never travel over plain http.
        return render_template("staff/https.html", without_session=True), 403
    if request.method == "POST":
        sent = request.headers.get("X-CSRF-Token") or request.form.get("csrf", "")
        expected = session.get("csrf")
        if not isinstance(expected, str) or not hmac.compare_digest(sent.encode(), expected.encode()):
            log.warning("staff: a POST without the session's CSRF token was refused")
            if request.endpoint == "staff.login":  # the form is old (the session expired): again
                return render_template("staff/login.html", error="Please try again."), 400
            abort(400)
    if request.endpoint not in OPEN and not _logged_in():
        if request.path.startswith(f"{bp.url_prefix}/api/"):
            return jsonify(error="not logged in"), 401
        return redirect(url_for("staff.login"))
    return None


@bp.after_request
def headers(response: Response) -> Response:
    """Nothing cached, framed, or loaded from anywhere but this app."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        "media-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; "
        "frame-ancestors 'none'")
    return response


def _client_key() -> str:
    """A keyed hash of the client's address (behind trusted proxies: the real client's)."""
    secret = current_app.config["HELPLINE_HASH_KEY"].encode()
    address = (request.remote_addr or "unknown").encode()
    return hmac.new(secret, b"staff-login:" + address, hashlib.sha256).hexdigest()[:32]


def _too_many_logins() -> bool:
    """Count one login attempt; True when this client, or everyone together, tried too often.

    An attempt counts toward everyone's limit only while its client is under its own: the
    refused attempts of one address must not use up the others' and lock every staff member out.
    """
    store = get_store()
    if store.hit(f"{PREFIX}:staff-login:{_client_key()}", LOGIN_WINDOW) > LOGINS_PER_CLIENT:
        return True
    return store.hit(f"{PREFIX}:staff-login:all", LOGIN_WINDOW) > LOGINS_OVERALL


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    if request.method == "GET":
        if _logged_in():
            return redirect(url_for("staff.phone"))
        return render_template("staff/login.html", error=None)
    try:
        if _too_many_logins():
            log.warning("staff: too many login attempts; refused")
            return render_template("staff/login.html", error="Too many attempts. Wait 15 minutes, "
                                   "then try again."), 429
    except StoreUnavailable:
        return render_template("staff/login.html", error="The helpline's store cannot be reached, "
                               "so logins are paused. Try again in a minute."), 503
    config = current_app.config
    user = request.form.get("username", "")
    # The hash is always checked, so a wrong name takes as long as a wrong password.
    password_ok = check_password_hash(config["HELPLINE_STAFF_PASSWORD_HASH"],
                                      request.form.get("password", ""))
    user_ok = hmac.compare_digest(user.encode(), str(config["HELPLINE_STAFF_USER"]).encode())
    if not (password_ok and user_ok):
        log.warning("staff: a login failed")
        return render_template("staff/login.html", error="Wrong name or password."), 401
    session_id = secrets.token_urlsafe(32)
    try:
        get_store().set_json(SESSION_KIND, _session_key(session_id), 1, SESSION_HOURS * 3600)
    except StoreUnavailable:
        return render_template("staff/login.html", error="The helpline's store cannot be reached, "
                               "so logins are paused. Try again in a minute."), 503
    session.clear()
    session.permanent = True
    session.update(staff=user, stamp=_password_stamp(), csrf=secrets.token_urlsafe(32),
                   sid=session_id)
    log.info("staff: logged in")
    return redirect(url_for("staff.phone"))


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    """End the login here and in the store (a copied cookie no longer opens anything)."""
    session_id = session.get("sid")
    if isinstance(session_id, str):
        try:
            get_store().delete(SESSION_KIND, _session_key(session_id))
        except StoreUnavailable:
            log.error("staff: the store could not be reached to end a login; it ends by itself "
                      "within %d hours", SESSION_HOURS)
    session.clear()
    return redirect(url_for("staff.login"))


# -- pages -------------------------------------------------------------------------------------

def _catalog() -> catalog_module.Catalog:
    found = catalog_module.current()
    if found is None:
        abort(503, "the content never loaded: run `flask --app app helpline check`")
    return found


@bp.get("/")
def phone() -> ResponseReturnValue:
    content = _catalog().content
    languages = [(lang.code, lang.name, lang.keywords.start[0]) for lang in content.languages.values()]
    return render_template("staff/phone.html", page="phone", languages=languages)


@bp.get("/translations")
def translations() -> ResponseReturnValue:
    content = _catalog().content
    return render_template("staff/translations.html", page="translations",
                           languages=review_status(content),
                           base=content.languages[content.base].name)


@bp.get("/callbacks")
def callbacks() -> ResponseReturnValue:
    try:
        requests = open_callbacks()
        failed = False
    except Exception as exc:  # the list must not take the staff page down
        log.error("staff: %s while reading callback requests", type(exc).__name__)
        requests, failed = [], True
    found = catalog_module.current()
    names = {code: lang.name for code, lang in found.content.languages.items()} if found else {}
    return render_template("staff/callbacks.html", page="callbacks", requests=requests,
                           failed=failed, done=request.args.get("done") == "1",
                           asked_again=request.args.get("again") == "1", languages=names)


@bp.post("/callbacks/<request_id>/done")
def callback_done(request_id: str) -> ResponseReturnValue:
    """Staff called the caller back: erase the request (and the number kept with it), if it is
    still the one the page showed (``at``, its version): not one the caller made since."""
    if not (len(request_id) <= 64 and request_id.isascii() and request_id.isalnum()):
        abort(404)
    try:
        done = callbacks_module.mark_done(get_store(), request_id, request.form.get("at", ""))
    except ValueError:
        abort(400, "This form is out of date: nothing was erased. Open the callback list again.")
    except StoreUnavailable:
        abort(503, "the helpline's store cannot be reached: try again in a minute")
    if done is callbacks_module.Done.ASKED_AGAIN:
        log.info("staff: a callback request was kept: the caller asked again since the list "
                 "was loaded")
        return redirect(url_for("staff.callbacks", again=1))
    log.info("staff: a callback request was marked done")
    return redirect(url_for("staff.callbacks", done=1))


# What each counted event means, for the figures page (events not listed show their name).
EVENTS = {
    "sms.menu": "SMS: a menu sent",
    "sms.answer": "SMS: an answer sent",
    "sms.answer_page": "SMS: a next page of an answer",
    "sms.language_menu": "SMS: the language menu",
    "sms.person": "SMS: asked for a person",
    "sms.person_closed": "SMS: asked for a person, outside opening hours",
    "sms.person_by_phone": "SMS: asked for a person, no hand-off possible; told how to call",
    "sms.person_over_limit": "SMS: asked for a person while over the hand-off limit; told to "
                             "wait, how to call",
    "sms.handoff.opened": "SMS: put in touch with staff",
    "sms.handoff.message": "SMS: a message passed to staff",
    "sms.handoff.reply": "SMS: a staff reply passed on",
    "sms.handoff.closed": "SMS: a conversation with staff closed",
    "sms.handoff.after_close": "SMS: a text after staff closed unseen, passed on; texter told",
    "sms.handoff.expired": "SMS: a text after a conversation with staff expired; texter told",
    "sms.handoff.unreachable": "SMS: a text for staff not sent (no SMS number); told how to call",
    "sms.handoff.late": "SMS: a staff reply too late to pass on",
    "sms.handoff.taken": "SMS: a reply to a conversation another colleague has",
    "sms.handoff.not_open": "SMS: a staff reply to no open conversation",
    "sms.handoff.empty": "SMS: an empty staff reply",
    "sms.not_understood": "SMS: not understood",
    "sms.no_more": "SMS: no next page",
    "sms.wipe": "SMS: wipe word",
    "sms.wipe_failed": "SMS: wipe word, not erased (the store was down)",
    "sms.store_down": "SMS: answered with an apology (the store was down)",
    "sms.opt_out": "SMS: STOP",
    "sms.twilio_keyword": "SMS: a word Twilio answers",
    "sms.rate_limited": "SMS: over the limit of one number",
    "sms.reply_capped": "SMS: over the cap of SMS sent per minute",
    "sms.error": "SMS: an error on our side",
    "voice.call": "Calls",
    "voice.language": "Calls: a language chosen",
    "voice.menu": "Calls: a menu heard",
    "voice.answer": "Calls: an answer heard",
    "voice.answer_again": "Calls: an answer heard again",
    "voice.answer_slow": "Calls: an answer heard slowly",
    "voice.language_menu": "Calls: the language menu",
    "voice.not_option": "Calls: a key that is no option",
    "voice.silence": "Calls: no key pressed",
    "voice.person": "Calls: asked for a person",
    "voice.person_after_silence": "Calls: put through after silences",
    "voice.staff": "Calls: put through to staff",
    "voice.coordinator": "Calls: put through to a care coordinator",
    "voice.postcode": "Calls: asked for their postcode",
    "voice.postcode_unknown": "Calls: a postcode in no region",
    "voice.regions": "Calls: the list of regions",
    "voice.talked": "Calls: talked with a person",
    "voice.hung_up_ringing": "Calls: hung up while a person's phone rang",
    "voice.nobody": "Calls: nobody could take the call",
    "voice.coordinator_nobody": "Calls: the care coordinator did not answer",
    "voice.callback_offer": "Calls: offered a callback",
    "voice.callback_saved": "Calls: a callback request kept",
    "voice.callback_not-saved": "Calls: a callback request that could not be kept",
    "voice.goodbye": "Calls: ended after long silence",
    "voice.error": "Calls: an error on our side",
}
HANDOFFS = ("sms.person", "sms.person_closed", "sms.person_by_phone", "sms.person_over_limit",
            "sms.handoff.opened",
            "voice.person",
            "voice.person_after_silence")
LIMITS = ("sms.rate_limited", "sms.reply_capped")


@dataclass(frozen=True)
class Bar:
    """One day of the chart, in SVG coordinates."""

    day: dt.date
    sms: int
    calls: int
    x: float
    width: float
    sms_y: float
    sms_height: float
    calls_y: float
    calls_height: float
    label: bool  # write the date under this bar


CHART_WIDTH, CHART_HEIGHT, CHART_LEFT, CHART_RIGHT, CHART_TOP = 720, 220, 40, 24, 10
PLOT_HEIGHT = CHART_HEIGHT - CHART_TOP - 30


def chart(days: list[tuple[dt.date, dict[str, int]]]) -> tuple[list[Bar], int]:
    """Lay out stacked bars (SMS messages, calls) per day; return them and the scale's top."""
    counted = [(day, per) for day, per in ((d, stats.per_event(f)) for d, f in days)]
    totals = [(sum(v for e, v in per.items() if e.startswith("sms.")), per.get("voice.call", 0))
              for _, per in counted]
    top = max([1, *(s + c for s, c in totals)])
    step = (CHART_WIDTH - CHART_LEFT - CHART_RIGHT) / max(1, len(days))
    bars = []
    for index, ((day, _), (sms, calls)) in enumerate(zip(counted, totals, strict=True)):
        sms_height = PLOT_HEIGHT * sms / top
        calls_height = PLOT_HEIGHT * calls / top
        base = CHART_TOP + PLOT_HEIGHT
        bars.append(Bar(day, sms, calls, CHART_LEFT + index * step + 1, step - 2,
                        base - sms_height, sms_height, base - sms_height - calls_height,
                        calls_height, (len(days) - 1 - index) % 5 == 0))
    return bars, top


@bp.get("/figures")
def figures() -> ResponseReturnValue:
    try:
        days = stats.read_days(get_store(), FIGURE_DAYS)
    except StoreUnavailable:
        return render_template("staff/figures.html", page="figures", failed=True), 503
    totals: dict[str, int] = {}
    for _, found in days:
        for event, value in stats.per_event(found).items():
            totals[event] = totals.get(event, 0) + value
    bars, top = chart(days)
    names = {code: lang.name for code, lang in _catalog().content.languages.items()}
    languages = stats.per_label(days, "lang", ("sms.answer", "voice.answer"))
    return render_template(
        "staff/figures.html", page="figures", failed=False, bars=bars, top=top,
        width=CHART_WIDTH, height=CHART_HEIGHT, left=CHART_LEFT, right=CHART_WIDTH - CHART_RIGHT,
        plot_top=CHART_TOP,
        plot_bottom=CHART_TOP + PLOT_HEIGHT, days=FIGURE_DAYS,
        events=[(EVENTS.get(e, e), e, totals[e]) for e in sorted(totals, key=lambda e: (
            e.split(".")[0], list(EVENTS).index(e) if e in EVENTS else 99, e))],
        handoffs=sum(totals.get(e, 0) for e in HANDOFFS),
        closed=totals.get("sms.person_closed", 0) + stats.per_label(
            days, "hours", ("voice.person", "voice.person_after_silence")).get("closed", 0),
        limits=sum(totals.get(e, 0) for e in LIMITS),
        languages=sorted(((names.get(c, c), n) for c, n in languages.items()), key=lambda x: -x[1]),
        answers=stats.most_read(days))


# -- the phone: staff-only JSON over the real webhooks ----------------------------------------

def _simulated_sender(kind: str, fresh: bool = False) -> str:
    """A sender of this staff session that no real phone has: it never meets a real session."""
    name = f"sim_{kind}"
    if fresh or not isinstance(session.get(name), str):
        session[name] = f"simulator-{secrets.token_hex(8)}"
    return str(session[name])


def _json_body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        abort(400, "send a JSON object")
    return body


@bp.post("/api/sms")
def api_sms() -> ResponseReturnValue:
    """Text the helpline ``{"body": ..., "new": bool}``; answer with the reply and its cost."""
    body = _json_body()
    text = body.get("body")
    if not isinstance(text, str) or len(text) > 1600:
        abort(400, "body: the text of one SMS (at most 1600 characters)")
    sender = _simulated_sender("texter", fresh=bool(body.get("new")))
    try:
        reply = simulate.text_helpline(sender, text)
    except simulate.WebhookFailed as failed:
        return jsonify(error=f"/sms answered {failed.status}"), 502
    cost = reply.measure
    if reply.text is None or cost is None:
        return jsonify(reply=None)
    return jsonify(reply={"text": reply.text, "segments": cost.segments,
                          "encoding": cost.encoding, "characters": cost.units})


def _audio_src(url: str) -> str:
    """Serve a played file from this app (the page may load nothing from elsewhere)."""
    public = (current_app.config.get("HELPLINE_PUBLIC_URL") or "").rstrip("/")
    return url[len(public):] if public and url.startswith(public + "/") else url


def _step_json(step: CallStep | None) -> dict[str, Any] | None:
    if step is None:
        return None
    return {
        "heard": [{"verb": h.verb, "text": h.text, "language": h.language, "slow": h.slow,
                   "src": _audio_src(h.text) if h.verb == "play" else None} for h in step.heard],
        "next": step.next, "url": step.url, "phones": step.phones,
        "digits": step.digits, "finish": step.finish, "empty": step.empty,
        "otherwise": _step_json(step.otherwise),
    }


def _voice_url(value: object) -> str:
    """Accept only a follow-up URL of our own voice webhooks."""
    if (not isinstance(value, str) or not value.startswith("/voice/") or len(value) > 300
            or "//" in value or "\\" in value):
        abort(400, "url: a /voice/... URL from the last step")
    return value


@bp.post("/api/call")
def api_call() -> ResponseReturnValue:
    """Drive one simulated call: ``{"do": "start" | "key" | "redirect" | "dial", ...}``.

    ``start`` rings the helpline; ``key`` posts ``{"digits"}`` (one key, or an entry such
    as a postcode; "" for an empty one) to the Gather action ``url``;
    ``redirect`` follows ``url`` (the rest of a document after a silence); ``dial`` ends the
    call to staff with ``status`` (``completed`` or ``no-answer``) at ``url``. The answer is
    the next step: what is heard, and what the call waits for.
    """
    body = _json_body()
    action = body.get("do")
    call = simulate.Call(_simulated_sender("caller", fresh=action == "start"),
                         sid=_call_sid(fresh=action == "start"))
    try:
        if action == "start":
            step = call.start()
        elif action == "key":
            digits = body.get("digits")
            if not isinstance(digits, str) or len(digits) > 20 or set(digits) - simulate.KEYS:
                abort(400, "digits: the keys entered (0-9, * and #)")
            step = call.settle(call.request(_voice_url(body.get("url")), Digits=digits))
        elif action == "redirect":
            step = call.settle(call.request(_voice_url(body.get("url"))))
        elif action == "dial":
            status = body.get("status")
            if status not in ("completed", "no-answer"):
                abort(400, "status: completed or no-answer")
            step = call.settle(call.request(_voice_url(body.get("url")), DialCallStatus=str(status),
                                            DialCallDuration="0"))
        else:
            abort(400, "do: start, key, redirect or dial")
    except simulate.WebhookFailed as failed:
        return jsonify(error=f"{failed.path} answered {failed.status}"), 502
    return jsonify(step=_step_json(step))


def _call_sid(fresh: bool) -> str:
    if fresh or not isinstance(session.get("sim_call"), str):
        session["sim_call"] = "CA" + secrets.token_hex(16)
    return str(session["sim_call"])


class StaffCookie(SecureCookieSessionInterface):
    """The staff page's signed session cookie.

    A request without the cookie (every webhook) starts an empty session at once, without
    parsing cookies or building the cookie's signer; the cookie, when sent, is checked as
    always.
    """

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if self.get_cookie_name(app) not in request.environ.get("HTTP_COOKIE", ""):
            return self.session_class()
        return super().open_session(app, request)


def init_app(app: Flask) -> None:
    """Register the page, and the session cookie it needs."""
    development = is_development(app.config)
    # A key of its own for the cookie's signature, derived from the hash key (which every
    # production deployment already keeps secret and stable across workers and restarts).
    app.secret_key = hmac.new(app.config["HELPLINE_HASH_KEY"].encode(), b"staff session cookie",
                              hashlib.sha256).hexdigest()
    app.config.update(
        # __Host-: only ever sent to this host, over HTTPS, for the whole site.
        SESSION_COOKIE_NAME="helpline-staff" if development else "__Host-helpline-staff",
        SESSION_COOKIE_SECURE=not development,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=SESSION_HOURS),
    )
    app.session_interface = StaffCookie()
    app.register_blueprint(bp)
