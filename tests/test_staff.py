"""The staff page: who gets in, how, and what staff see there (Flask's test client)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.security import generate_password_hash

from helpline.config import ConfigError
from helpline.stats import AMSTERDAM, read_day

from .conftest import app_on, make_app
from .twilio_client import Caller, Texter

USER, PASSWORD = "staff", "correct horse battery staple"
PASSWORD_HASH = generate_password_hash(PASSWORD)
HTTPS = "https://helpline.example.org"


def staff_app(**overrides: Any) -> Flask:
    return make_app(HELPLINE_STAFF_USER=USER, HELPLINE_STAFF_PASSWORD_HASH=PASSWORD_HASH, **overrides)


class Staff:
    """A browser on the staff page: keeps the cookie, reads the CSRF token from each page."""

    def __init__(self, app: Flask, base_url: str = HTTPS, address: str = "192.0.2.10") -> None:
        self.client: FlaskClient = app.test_client()
        self.base_url, self.address = base_url, address
        self.token = ""

    def get(self, path: str, **kwargs: Any) -> Any:
        response = self.client.get(path, base_url=self.base_url,
                                   environ_overrides={"REMOTE_ADDR": self.address}, **kwargs)
        found = re.search(r'name="csrf-token" content="([^"]+)"', response.get_data(as_text=True))
        if found:
            self.token = found.group(1)
        return response

    def post(self, path: str, **kwargs: Any) -> Any:
        return self.client.post(path, base_url=self.base_url,
                                environ_overrides={"REMOTE_ADDR": self.address}, **kwargs)

    def log_in(self, user: str = USER, password: str = PASSWORD) -> Any:
        self.get("/staff/login")
        return self.post("/staff/login", data={"csrf": self.token, "username": user,
                                               "password": password})

    def api(self, path: str, body: dict[str, Any]) -> Any:
        return self.post(path, json=body, headers={"X-CSRF-Token": self.token})


@pytest.fixture
def staff() -> Staff:
    """A staff member, logged in, on the page as deployed (production, HTTPS)."""
    member = Staff(staff_app())
    assert 302 == member.log_in().status_code
    member.get("/staff/")
    return member


# -- who gets in -------------------------------------------------------------------------------

def test_without_a_login_configured_the_page_does_not_exist() -> None:
    """With no staff user set, /staff/ is simply not there."""
    client = make_app().test_client()
    assert 404 == client.get("/staff/", base_url=HTTPS).status_code
    assert 404 == client.get("/staff/login", base_url=HTTPS).status_code


@pytest.mark.parametrize(("overrides", "says"), [
    ({"HELPLINE_STAFF_USER": USER}, "set both HELPLINE_STAFF_USER and HELPLINE_STAFF_PASSWORD_HASH"),
    ({"HELPLINE_STAFF_USER": USER, "HELPLINE_STAFF_PASSWORD_HASH": PASSWORD},
     "must be a password hash, never the password itself; make one with: python -c"),
])
def test_a_half_or_plain_text_login_refuses_to_start(overrides: dict[str, str], says: str) -> None:
    """An operator who sets only a name, or the password itself, is told what to do."""
    with pytest.raises(ConfigError, match=re.escape(says)):
        make_app(**overrides)


def test_pages_need_a_login() -> None:
    """Every page sends a stranger to the login form; the JSON API answers 401."""
    visitor = Staff(staff_app())
    for path in ("/staff/", "/staff/translations", "/staff/callbacks", "/staff/figures"):
        response = visitor.get(path)
        assert (302, "/staff/login") == (response.status_code, response.location)
    visitor.get("/staff/login")
    response = visitor.api("/staff/api/sms", {"body": "HULP"})
    assert (401, {"error": "not logged in"}) == (response.status_code, response.get_json())


def test_log_in_sets_a_secure_strict_cookie() -> None:
    """A right name and password lead to the phone; the cookie is __Host-, Secure, HttpOnly, Strict."""
    member = Staff(staff_app())
    response = member.log_in()
    assert (302, "/staff/") == (response.status_code, response.location)
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-helpline-staff=")
    for flag in ("Secure", "HttpOnly", "SameSite=Strict", "Path=/"):
        assert flag in cookie.split("; ")
    assert "Domain" not in cookie
    assert 200 == member.get("/staff/").status_code


def test_logging_out_ends_the_login_for_a_copy_of_the_cookie_too() -> None:
    """After logging out, the old cookie (copied, or left in another tab) opens nothing: the
    callback list shows numbers. The store keeps the login under a digest, never the cookie's id."""
    app = staff_app()
    member = Staff(app)
    member.log_in()
    cookie = member.client.get_cookie("__Host-helpline-staff", domain="helpline.example.org")
    assert cookie is not None and 200 == member.get("/staff/callbacks").status_code
    kept = app.extensions["helpline.store"].client.keys("helpline:staff-session:*")
    assert 1 == len(kept)
    assert app.extensions["helpline.store"].client.ttl(kept[0]) > 7 * 3600
    member.get("/staff/")
    assert 302 == member.post("/staff/logout", data={"csrf": member.token}).status_code
    thief = Staff(app)
    thief.client.set_cookie("__Host-helpline-staff", cookie.value, domain="helpline.example.org",
                            secure=True, path="/")
    response = thief.get("/staff/callbacks")
    assert (302, "/staff/login") == (response.status_code, response.location)
    assert [] == app.extensions["helpline.store"].client.keys("helpline:staff-session:*")


@pytest.mark.parametrize(("user", "password"), [(USER, "wrong"), ("admin", PASSWORD), ("", "")])
def test_a_wrong_name_or_password_is_refused(user: str, password: str) -> None:
    """A wrong password (or name) gets the form again with a plain message, and no way in."""
    member = Staff(staff_app())
    response = member.log_in(user, password)
    assert 401 == response.status_code
    assert "Wrong name or password." in response.get_data(as_text=True)
    assert 302 == member.get("/staff/").status_code


def test_logins_are_limited_per_client_address() -> None:
    """After 10 tries in 15 minutes a client is refused, even with the right password."""
    app = staff_app()
    guesser = Staff(app, address="192.0.2.66")
    for _ in range(10):
        assert 401 == guesser.log_in(password="guess").status_code
    refused = guesser.log_in()
    assert 429 == refused.status_code
    assert "Too many attempts." in refused.get_data(as_text=True)
    assert 302 == Staff(app, address="192.0.2.10").log_in().status_code
    keys = " ".join(app.extensions["helpline.store"].client.keys("*"))
    assert "staff-login" in keys and "192.0.2" not in keys


def test_one_address_cannot_lock_every_staff_member_out() -> None:
    """101 wrong logins from one address (behind the proxy) get 10 x 401, then 429; a colleague
    at another address still logs in: refused attempts do not use up everyone's limit."""
    app = staff_app(HELPLINE_TRUSTED_PROXIES=1)
    guesser = Staff(app, address="127.0.0.1")  # the TLS proxy; the client is X-Forwarded-For
    guesser.get("/staff/login", headers={"X-Forwarded-For": "203.0.113.66"})
    statuses = [guesser.post("/staff/login", headers={"X-Forwarded-For": "203.0.113.66"},
                             data={"csrf": guesser.token, "username": USER, "password": "guess"}
                             ).status_code for _ in range(101)]
    assert [401] * 10 + [429] * 91 == statuses
    colleague = Staff(app, address="127.0.0.1")
    colleague.get("/staff/login", headers={"X-Forwarded-For": "198.51.100.10"})
    assert 302 == colleague.post("/staff/login", headers={"X-Forwarded-For": "198.51.100.10"},
                                 data={"csrf": colleague.token, "username": USER,
                                       "password": PASSWORD}).status_code


def test_logins_are_limited_overall(monkeypatch: pytest.MonkeyPatch) -> None:
    """Guesses spread over many addresses stop at the overall limit (100; 20 here), for everyone."""
    from helpline import staff

    monkeypatch.setattr(staff, "LOGINS_OVERALL", 20)
    app = staff_app()
    for n in range(2):
        guesser = Staff(app, address=f"192.0.2.{100 + n}")
        for _ in range(10):
            assert 401 == guesser.log_in(password="guess").status_code
    assert 429 == Staff(app, address="192.0.2.10").log_in().status_code


def test_a_new_password_ends_every_session(staff: Staff) -> None:
    """When the operator sets a new password hash, staff already logged in must log in again."""
    assert 200 == staff.get("/staff/").status_code
    staff.client.application.config["HELPLINE_STAFF_PASSWORD_HASH"] = generate_password_hash("new")
    assert 302 == staff.get("/staff/").status_code


def test_log_out(staff: Staff) -> None:
    """Log out (a POST with the token) ends the session."""
    assert 302 == staff.post("/staff/logout", data={"csrf": staff.token}).status_code
    assert 302 == staff.get("/staff/").status_code


# -- HTTPS and CSRF ----------------------------------------------------------------------------

def test_production_refuses_plain_http() -> None:
    """Over http:// in production the page refuses, and says to use https://."""
    member = Staff(staff_app(), base_url="http://helpline.example.org")
    response = member.get("/staff/login")
    assert 403 == response.status_code
    assert "works over a secure connection (https://) only" in response.get_data(as_text=True)
    assert 403 == member.post("/staff/login", data={"username": USER, "password": PASSWORD}).status_code
    assert "Set-Cookie" not in response.headers  # no cookie ever travels over plain http


def test_forwarded_proto_counts_only_from_trusted_proxies() -> None:
    """X-Forwarded-Proto: https is believed with HELPLINE_TRUSTED_PROXIES set, never without."""
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.7"}
    untrusted = Staff(staff_app(), base_url="http://helpline.example.org")
    assert 403 == untrusted.get("/staff/login", headers=forwarded).status_code
    behind_proxy = Staff(staff_app(HELPLINE_TRUSTED_PROXIES=1), base_url="http://helpline.example.org")
    assert 200 == behind_proxy.get("/staff/login", headers=forwarded).status_code


def test_development_works_over_http_without_secure_cookie() -> None:
    """On a development machine (http://127.0.0.1) the page works; the cookie cannot be Secure."""
    member = Staff(staff_app(HELPLINE_ENV="development"), base_url="http://127.0.0.1:5000")
    response = member.log_in()
    assert 302 == response.status_code
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("helpline-staff=") and "Secure" not in cookie.split("; ")
    assert 200 == member.get("/staff/").status_code


def test_posts_without_the_csrf_token_are_refused(staff: Staff) -> None:
    """A POST with a missing or wrong token changes nothing (login, logout and the API)."""
    stranger = Staff(staff_app())
    stranger.get("/staff/login")
    response = stranger.post("/staff/login", data={"username": USER, "password": PASSWORD})
    assert 400 == response.status_code
    assert 302 == stranger.get("/staff/").status_code
    assert 400 == staff.post("/staff/api/sms", json={"body": "HULP"},
                             headers={"X-CSRF-Token": "forged"}).status_code
    assert 400 == staff.post("/staff/logout").status_code
    assert 200 == staff.get("/staff/").status_code


def test_pages_are_never_cached_framed_or_fed_from_elsewhere(staff: Staff) -> None:
    """No cache, no framing, and a policy that allows only this app's own scripts and media."""
    response = staff.get("/staff/")
    assert "no-store" == response.headers["Cache-Control"]
    policy = response.headers["Content-Security-Policy"]
    for rule in ("default-src 'none'", "script-src 'self'", "media-src 'self'",
                 "frame-ancestors 'none'"):
        assert rule in policy
    assert "<script>" not in response.get_data(as_text=True)  # no inline script


# -- the phone ---------------------------------------------------------------------------------

def test_the_phone_offers_every_language(staff: Staff) -> None:
    """The SMS phone has a start button per language, named in itself, sending its keyword."""
    html = " ".join(staff.get("/staff/").get_data(as_text=True).split())
    for code, keyword, name in (("nl", "HULP", "Nederlands"), ("en", "HELPLINE", "English"),
                                ("ro", "AJUTOR", "Română"), ("fr", "AIDE", "Français")):
        assert (f'<button type="button" class="start" data-keyword="{keyword}" lang="{code}" '
                f'title="sends {keyword}">{name}</button>') in html
    assert 8 == html.count('class="start"')
    assert 'id="call-audio"' in html


def test_texting_through_the_phone_shows_each_reply_and_its_cost(staff: Staff) -> None:
    """HULP, then 1: the real replies, with segments, encoding and characters; nothing counted."""
    first = staff.api("/staff/api/sms", {"body": "HULP", "new": True}).get_json()["reply"]
    assert first["text"].startswith("Hulplijn mensenhandel. Informatie en hulp.")
    assert (2, "GSM-7", 284) == (first["segments"], first["encoding"], first["characters"])
    second = staff.api("/staff/api/sms", {"body": "1"}).get_json()["reply"]
    assert second["text"].startswith("Je rechten")
    again = staff.api("/staff/api/sms", {"body": "1", "new": True}).get_json()["reply"]
    assert not again["text"].startswith("Je rechten")  # a new conversation starts afresh
    assert {"reply": None} == staff.api("/staff/api/sms", {"body": "STOP"}).get_json()
    store = staff.client.application.extensions["helpline.store"]
    assert {} == read_day(store, dt.datetime.now(AMSTERDAM).date())


def handoffs_on_metrics() -> float:
    from prometheus_client import REGISTRY

    return REGISTRY.get_sample_value("helpline_handoffs_total", {"channel": "voice"}) or 0.0


def test_calling_through_the_phone_follows_the_real_voice_webhooks(staff: Staff) -> None:
    """A call: the language menu, a key, a silence, a person nobody answers; nothing counted."""
    handoffs = handoffs_on_metrics()
    start = staff.api("/staff/api/call", {"do": "start"}).get_json()["step"]
    assert "key" == start["next"]
    assert ("en-GB", "For English, press 2.") in [(h["language"], h["text"]) for h in start["heard"]]
    english = staff.api("/staff/api/call", {"do": "key", "digits": "2", "url": start["url"]})
    step = english.get_json()["step"]
    assert {"en-GB"} == {h["language"] for h in step["heard"]}
    assert step["heard"][-1]["text"].startswith("Main menu.")
    assert "redirect" == step["otherwise"]["next"]
    silent = staff.api("/staff/api/call", {"do": "redirect", "url": step["otherwise"]["url"]})
    assert "I did not hear a key." == silent.get_json()["step"]["heard"][0]["text"]
    person = staff.api("/staff/api/call", {"do": "key", "digits": "0", "url": step["url"]})
    menu = person.get_json()["step"]
    assert menu["heard"][0]["text"].startswith("To talk to someone at the helpline, press 1.")
    helpline = staff.api("/staff/api/call", {"do": "key", "digits": "1", "url": menu["url"]})
    dial = helpline.get_json()["step"]
    assert ("dial", 1) == (dial["next"], dial["phones"])
    nobody = staff.api("/staff/api/call", {"do": "dial", "status": "no-answer", "url": dial["url"]})
    assert nobody.get_json()["step"]["heard"][0]["text"].startswith("Sorry, nobody can take")
    store = staff.client.application.extensions["helpline.store"]
    assert {} == read_day(store, dt.datetime.now(AMSTERDAM).date())  # staff trying are not counted
    assert handoffs == handoffs_on_metrics()


def test_recordings_are_served_from_this_app(staff: Staff) -> None:
    """Where a call plays recordings, the phone gets their path here, for its audio element."""
    from helpline.catalog import build_catalog

    from .conftest import ROOT
    from .test_voice_book import FakeAudio

    holder = staff.client.application.extensions["helpline.catalog"]
    holder.current = build_catalog(ROOT / "content", ROOT / "prompts", audio=FakeAudio())
    heard = staff.api("/staff/api/call", {"do": "start"}).get_json()["step"]["heard"]
    assert {"play"} == {h["verb"] for h in heard}
    assert "/audio/en/lang-en.mp3" in [h["src"] for h in heard]
    assert "https://helpline.example.org/audio/en/lang-en.mp3" in [h["text"] for h in heard]


@pytest.mark.parametrize("body", [
    {"do": "key", "digits": "1", "url": "/sms"},
    {"do": "redirect", "url": "https://elsewhere.example/voice/en/main"},
    {"do": "redirect", "url": "/voice//evil"},
    {"do": "key", "digits": "1x", "url": "/voice/en/main/key"},
    {"do": "key", "digits": "1" * 21, "url": "/voice/en/main/key"},
    {"do": "dial", "status": "busy", "url": "/voice/en/_person/done"},
    {"do": "explode"},
])
def test_the_call_api_goes_only_to_the_voice_webhooks(staff: Staff, body: dict[str, str]) -> None:
    """The phone can only drive /voice/... with keys a phone has: anything else is a 400."""
    response = staff.api("/staff/api/call", body)
    assert 400 == response.status_code
    assert "error" in response.get_json()


# -- translations, callbacks, figures ----------------------------------------------------------

def test_translation_list_shows_review_and_date_status(content_copy: Path) -> None:
    """Per language: how many a person reviewed, which are out of date, with their titles."""
    runner = app_on(content_copy).test_cli_runner()
    assert 0 == runner.invoke(args=["helpline", "review", "en", "b8-3"]).exit_code
    nl = content_copy / "content/answers/nl.yaml"
    nl.write_text(nl.read_text(encoding="utf-8").replace(
        "title: Wat is mensenhandel?", "title: Wat is mensenhandel precies?"), encoding="utf-8")
    member = Staff(app_on(content_copy, HELPLINE_STAFF_USER=USER,
                          HELPLINE_STAFF_PASSWORD_HASH=PASSWORD_HASH))
    member.log_in()
    html = " ".join(member.get("/staff/translations").get_data(as_text=True).split())
    assert ('<span lang="en">English</span> (en): 1 of 20 reviewed, 1 out of date') in html
    assert ('<span lang="ro">Română</span> (ro): 0 of 20 reviewed, 1 out of date') in html
    assert ('<td><code>b8-3</code></td> <td lang="en">What is the B8/3?</td> '
            '<td class="yes">reviewed</td> <td class="yes">up to date</td>') in html
    assert ('<td><code>what-is-trafficking</code></td> <td lang="en">What is human trafficking?'
            '</td> <td class="no">not yet</td> <td class="no">out of date</td>') in html


def test_no_callbacks_is_said_plainly(staff: Staff) -> None:
    """With no open callback request, the page says so."""
    response = staff.get("/staff/callbacks")
    assert 200 == response.status_code
    assert "No open callback requests." in response.get_data(as_text=True)


def ask_for_a_callback(app: Flask, number: str = "+31687654321") -> None:
    """A caller in Romanian whom nobody answers, and who asks to be called back."""
    caller = Caller(app.test_client(), number)
    caller.call()
    caller.press("3")  # Română
    caller.press("0")  # the person menu
    caller.press("1")  # someone at the helpline ...
    caller.dial_ends("no-answer")  # ... who does not answer: may we call you back?
    caller.press("1")  # yes


def called_back_form(html: str) -> tuple[str, dict[str, str]]:
    """The first "Called back" form of the page: where it posts, and what (as a browser would)."""
    form = re.search(r'<form method="post" action="(/staff/callbacks/[0-9a-f]+/done)">(.*?)</form>',
                     html, re.S)
    assert form is not None
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form.group(2)))
    return form.group(1), fields


def test_callbacks_are_listed_with_the_number_to_call_and_erased_when_done(staff: Staff) -> None:
    """A caller's callback request: when, language and number; "Called back" erases it."""
    ask_for_a_callback(staff.client.application)
    html = " ".join(staff.get("/staff/callbacks").get_data(as_text=True).split())
    assert ('<td>2026-11-25 10:30</td> <td>Română</td> '
            '<td><a href="tel:+31687654321">+31687654321</a></td>') in html
    action, fields = called_back_form(html)
    assert staff.token == fields["csrf"]
    response = staff.post(action, data=fields)
    assert 302 == response.status_code and response.location.endswith("/staff/callbacks?done=1")
    after = staff.get("/staff/callbacks?done=1").get_data(as_text=True)
    assert "Done: that request and its number are erased." in after
    assert "No open callback requests." in after and "87654321" not in after
    assert 400 == staff.post(action, data={"at": fields["at"]}).status_code  # no token: refused


def test_called_back_on_an_old_list_keeps_the_request_the_caller_made_since(staff: Staff) -> None:
    """Staff load the list and call back without reaching the caller, who then asks again: the
    "Called back" of the old list erases nothing, and the page says the caller asked again and
    lists their new request (which "Called back" then erases as usual)."""
    app = staff.client.application
    ask_for_a_callback(app)
    action, old = called_back_form(staff.get("/staff/callbacks").get_data(as_text=True))
    app.config["HELPLINE_CLOCK"].advance(minutes=20)
    ask_for_a_callback(app)  # rings again meanwhile, asks again: the same id, a new request
    response = staff.post(action, data=old)
    assert 302 == response.status_code and response.location.endswith("/staff/callbacks?again=1")
    html = " ".join(staff.get("/staff/callbacks?again=1").get_data(as_text=True).split())
    assert ("Not erased: that caller asked to be called back again after this list was loaded. "
            "The list below shows their new request") in html
    assert "Done:" not in html
    assert ('<td>2026-11-25 10:50</td> <td>Română</td> '
            '<td><a href="tel:+31687654321">+31687654321</a></td>') in html
    again, new = called_back_form(html)
    assert action == again and old["at"] != new["at"]
    assert 302 == staff.post(action, data=new).status_code
    assert "No open callback requests." in staff.get("/staff/callbacks").get_data(as_text=True)


@pytest.mark.parametrize("at", [None, "", "yesterday", "nan", "inf", "1e999", "0x1p3"])
def test_a_garbled_called_back_form_erases_nothing(staff: Staff, at: str | None) -> None:
    """A "Called back" without the request's version, or with a garbled one, is refused (400,
    not an error of ours) and the request stays listed."""
    ask_for_a_callback(staff.client.application)
    action, fields = called_back_form(staff.get("/staff/callbacks").get_data(as_text=True))
    data = {"csrf": fields["csrf"]} if at is None else {**fields, "at": at}
    response = staff.post(action, data=data)
    assert 400 == response.status_code
    assert "nothing was erased" in response.get_data(as_text=True)
    assert "+31687654321" in staff.get("/staff/callbacks").get_data(as_text=True)


def test_a_failing_callback_list_does_not_take_the_page_down(
        staff: Staff, monkeypatch: pytest.MonkeyPatch) -> None:
    """If the callback requests cannot be read, the page says so and still works."""
    from helpline import callbacks

    def broken(*args: object) -> list[object]:
        raise RuntimeError("store down")

    monkeypatch.setattr(callbacks, "open_requests", broken)
    response = staff.get("/staff/callbacks")
    assert 200 == response.status_code
    assert "could not be read just now" in response.get_data(as_text=True)


def test_figures_chart_the_last_30_days_and_name_nobody(staff: Staff) -> None:
    """Real texts and a call move today's bar and the totals; no number appears on the page."""
    app = staff.client.application
    texter = Texter(app.test_client(), "+31687654321")
    for body in ("HULP", "1", "1", "0"):
        texter.send(body)
    caller = Caller(app.test_client(), "+31687654321")
    caller.call()
    caller.press("2")
    caller.press("0")  # asks for a person: 2 in all, with the SMS
    html = staff.get("/staff/figures").get_data(as_text=True)
    today = dt.datetime.now(AMSTERDAM).date()
    assert 30 == html.count('<g class="day">')
    assert f"<title>{today}: 4 SMS, 1 call</title>" in html
    assert f"<title>{today - dt.timedelta(days=1)}: 0 SMS, 0 calls</title>" in html
    assert '<dd id="handoffs">2</dd>' in html
    assert '<dd id="closed">0</dd>' in html  # the clock of the tests stands in opening hours
    assert "<td>Nederlands</td><td>1</td>" in html
    assert "<td>b8-3 (nl)</td><td>1</td>" in html
    assert "87654321" not in html


def test_figures_count_asking_for_a_person_outside_opening_hours() -> None:
    """On a Sunday, a texter and a caller who ask for a person are counted as out of hours."""
    from .conftest import FrozenClock

    sunday = dt.datetime(2026, 11, 29, 14, 0, tzinfo=AMSTERDAM)
    member = Staff(staff_app(HELPLINE_CLOCK=FrozenClock(sunday)))
    member.log_in()
    app = member.client.application
    texter = Texter(app.test_client(), "+31687654321")
    texter.send("HELPLINE")
    texter.send("0")
    caller = Caller(app.test_client(), "+31687654321")
    caller.call()
    caller.press("2")
    caller.press("0")
    html = member.get("/staff/figures").get_data(as_text=True)
    assert '<dd id="handoffs">2</dd>' in html
    assert '<dd id="closed">2</dd>' in html
