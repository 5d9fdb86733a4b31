"""Configuration: defaults, then environment variables, then (in tests) explicit values."""

from __future__ import annotations

import logging
import os
import re
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .identity import E164, exists

log = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parent.parent

DEFAULTS: dict[str, Any] = {
    "HELPLINE_ENV": "production",
    "REDIS_URL": None,
    "TWILIO_AUTH_TOKEN": None,
    "HELPLINE_PUBLIC_URL": None,
    "HELPLINE_HASH_KEY": None,
    "HELPLINE_ENCRYPTION_KEY": None,
    "HELPLINE_SESSION_TTL": 30 * 60,
    "HELPLINE_LANGUAGE_TTL": 30 * 24 * 3600,
    # Abuse limits: messages one number may send per window, and SMS sent per minute overall,
    # replies and hand-off messages alike (a cap on cost if someone floods the number to make
    # us text premium numbers, or floods staff through a hand-off).
    "HELPLINE_SMS_PER_NUMBER": 20,
    "HELPLINE_SMS_PER_NUMBER_WINDOW": 600,
    "HELPLINE_SMS_REPLIES_PER_MINUTE": 300,
    # Reaching a person: how long a callback request is kept; how long after a texter's last
    # message staff may still answer them (no unasked-for texts after that); how long an SMS
    # hand-off's thread is kept after the texter's last message.
    "HELPLINE_CALLBACK_TTL": 7 * 24 * 3600,
    "HELPLINE_HANDOFF_WINDOW": 30 * 60,
    "HELPLINE_HANDOFF_TTL": 24 * 3600,
    # The helpline's own SMS number (E.164), which SMS hand-off messages to staff are sent from
    # when the texter writes over another channel (WhatsApp); None: no hand-off over those.
    "HELPLINE_SMS_NUMBER": None,
    # How often (seconds) a serving worker writes the anonymous figures it counted in memory;
    # 0 writes each figure at once.
    "HELPLINE_FIGURES_SECONDS": 2,
    # How often (seconds) a running app looks for edited content files; 0 turns this off.
    "HELPLINE_RELOAD_SECONDS": 5,
    "HELPLINE_CONTENT_DIR": str(PROJECT_ROOT / "content"),
    "HELPLINE_PROMPTS_DIR": str(PROJECT_ROOT / "prompts"),
    # Where the audio build writes the spoken prompts and answers (a volume in docker-compose).
    "HELPLINE_AUDIO_DIR": str(PROJECT_ROOT / "var" / "audio"),
    # The staff page (/staff/): one login. The hash is werkzeug's generate_password_hash(); with
    # neither set the page is off (404).
    "HELPLINE_STAFF_USER": None,
    "HELPLINE_STAFF_PASSWORD_HASH": None,
    # How many reverse proxies (TLS terminators) stand in front of the app: their
    # X-Forwarded-Proto and X-Forwarded-For are believed (werkzeug's ProxyFix). 0: none are.
    "HELPLINE_TRUSTED_PROXIES": 0,
}

_INTEGERS = {"HELPLINE_SESSION_TTL", "HELPLINE_LANGUAGE_TTL", "HELPLINE_SMS_PER_NUMBER",
             "HELPLINE_SMS_PER_NUMBER_WINDOW", "HELPLINE_SMS_REPLIES_PER_MINUTE",
             "HELPLINE_CALLBACK_TTL", "HELPLINE_HANDOFF_WINDOW", "HELPLINE_HANDOFF_TTL"}


# What the whole-number settings that are not durations count.
_UNITS = {"HELPLINE_SMS_PER_NUMBER": "messages (per window)",
          "HELPLINE_SMS_REPLIES_PER_MINUTE": "messages (a minute)"}


class ConfigError(RuntimeError):
    """The environment is not safe to serve with; the message says what to set."""


def from_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    """Read every known setting that is present (and not empty) in ``environ``."""
    found: dict[str, Any] = {}
    for name in DEFAULTS:
        value = environ.get(name, "").strip()
        if not value:
            continue
        if name in ("HELPLINE_RELOAD_SECONDS", "HELPLINE_FIGURES_SECONDS"):
            try:
                found[name] = float(value)
            except ValueError:
                raise ConfigError(f"{name} must be a number of seconds, not {value!r}") from None
        elif name == "HELPLINE_TRUSTED_PROXIES":
            if not value.isdigit():
                raise ConfigError(f"{name} must be a whole number (0 or more), not {value!r}")
            found[name] = int(value)
        elif name in _INTEGERS:
            try:
                found[name] = int(value)
            except ValueError:
                raise ConfigError(f"{name} must be a whole number of {_UNITS.get(name, 'seconds')}, "
                                  f"not {value!r}") from None
        else:
            found[name] = value
    return found


def is_development(config: Mapping[str, Any]) -> bool:
    return str(config.get("HELPLINE_ENV", "")).lower() == "development"


def finish(config: dict[str, Any], *, serving: bool) -> None:
    """Check the settings and fill in what development may leave out.

    When ``serving`` (a web server, not a CLI command such as ``check``), production refuses
    to start without a Twilio token, a hash key and an encryption key: an unsigned webhook
    would let anyone drive the helpline, numbers must be hashed with a secret that survives
    restarts, and numbers kept to reply to must be encrypted; without the public URL, which
    Twilio signs its requests for and fetches the recordings from (``<Play>`` needs an
    absolute address); and without Redis, which every server process must share.
    """
    env = str(config["HELPLINE_ENV"]).lower()
    if env not in ("production", "development"):
        raise ConfigError(f"HELPLINE_ENV must be 'production' or 'development', not {env!r}")
    if serving and env == "production":
        missing = [n for n in ("TWILIO_AUTH_TOKEN", "HELPLINE_HASH_KEY", "HELPLINE_ENCRYPTION_KEY",
                               "HELPLINE_PUBLIC_URL") if not config.get(n)]
        if missing:
            raise ConfigError(
                f"refusing to start in production without {' and '.join(missing)}; set "
                "them (see README), or set HELPLINE_ENV=development on a development machine"
            )
        # The embedded store lives in one process: under gunicorn each worker would keep its
        # own conversations, limits and wipes. (Tests serve from one process on purpose.)
        if not config.get("REDIS_URL") and not config.get("TESTING"):
            raise ConfigError(
                "refusing to start in production without REDIS_URL: each server process would "
                "keep its own copy of every conversation (a wipe would erase only one, limits "
                "would count per process); set it (docker-compose: redis://redis:6379/0), or "
                "set HELPLINE_ENV=development on a development machine")
    made_up = []
    for name in ("HELPLINE_HASH_KEY", "HELPLINE_ENCRYPTION_KEY"):
        if not config.get(name):
            # Fine for development: the embedded store forgets everything at restart anyway.
            config[name] = secrets.token_hex(32)
            made_up.append(name)
    config["HELPLINE_MADE_UP_KEYS"] = tuple(made_up)  # what no other process shares
    if env == "development" and not config.get("TWILIO_AUTH_TOKEN"):
        log.warning("DEVELOPMENT MODE: TWILIO_AUTH_TOKEN is not set, so webhook signatures "
                    "are NOT checked. Never expose this server to the internet.")
    for name in sorted(_INTEGERS):
        if int(config[name]) <= 0:
            raise ConfigError(f"{name} must be a positive whole number of "
                              f"{_UNITS.get(name, 'seconds')}, not {config[name]!r}")
    _check_public_url(config.get("HELPLINE_PUBLIC_URL"), production=env == "production")
    _check_sms_number(config.get("HELPLINE_SMS_NUMBER"))
    _check_staff_login(config)


def _check_public_url(public: str | None, *, production: bool) -> None:
    """Refuse a public URL Twilio could not follow: the voice menus hand out root-relative URLs
    (``/voice/...``), which Twilio resolves against the host alone, so the helpline must be
    served at the root of its host; and in production only over HTTPS (messages, numbers)."""
    if not public:
        return
    parts = urlsplit(public)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise ConfigError(f"HELPLINE_PUBLIC_URL must be an address such as "
                          f"https://helpline.example.org, not {public!r}")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ConfigError(
            f"HELPLINE_PUBLIC_URL must be the root of a host, without a path ({public!r}): the "
            "voice menus hand out URLs such as /voice/nl/main/key, which Twilio resolves against "
            "the host alone. Serve the helpline on a host name of its own "
            "(https://helpline.example.org).")
    if production and parts.scheme != "https":
        raise ConfigError(f"HELPLINE_PUBLIC_URL must be https:// in production, not {public!r}: "
                          "Twilio would send numbers and messages unencrypted")


def _check_sms_number(number: str | None) -> None:
    """Refuse an SMS number Twilio would refuse to send from: hand-off messages to staff about
    a WhatsApp texter go ``from`` it, and Twilio takes only E.164 (the texter would wait for
    staff who never hear of them). One in that form that the numbering plan does not know
    (a digit short or long, or a range too new for it) is only warned about: refusing to
    start on it could keep a real number's helpline down."""
    if not number:
        return
    if re.fullmatch(E164, number) is None:
        raise ConfigError(
            f"HELPLINE_SMS_NUMBER must be the helpline's own SMS number as Twilio shows it, "
            f"not {number!r}: + and the country code, then the number without its first 0, "
            "without spaces and without 'whatsapp:' (+31970...)")
    if not exists(number):
        log.warning("HELPLINE_SMS_NUMBER %s is not a number the numbering plan knows: check "
                    "that no digit is missing or one too many (staff messages about WhatsApp "
                    "texters go from it)", number)


MAKE_HASH = ("python -c 'import getpass, werkzeug.security as s; "
             "print(s.generate_password_hash(getpass.getpass()))'")


def _check_staff_login(config: Mapping[str, Any]) -> None:
    """Refuse a half-configured staff login, or a password that is not a werkzeug hash."""
    user, hashed = config.get("HELPLINE_STAFF_USER"), config.get("HELPLINE_STAFF_PASSWORD_HASH")
    if bool(user) != bool(hashed):
        raise ConfigError("set both HELPLINE_STAFF_USER and HELPLINE_STAFF_PASSWORD_HASH for the "
                          "staff page, or neither (the page is then off)")
    if hashed and not str(hashed).startswith(("scrypt:", "pbkdf2:")):
        raise ConfigError("HELPLINE_STAFF_PASSWORD_HASH must be a password hash, never the "
                          f"password itself; make one with: {MAKE_HASH}")


def environ() -> Mapping[str, str]:
    return os.environ


def unset_if_empty(name: str) -> None:
    """Take ``name`` out of the environment when it is empty or blank, as every setting here
    reads an empty value: docker's env files pass ``NAME=`` as an empty value, and a library
    that asks only whether the name is there must not see it (prometheus_client would keep its
    files for PROMETHEUS_MULTIPROC_DIR in the working directory, read-only in the image)."""
    if not os.environ.get(name, "").strip():
        os.environ.pop(name, None)
