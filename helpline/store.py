"""The one place that talks to Redis (or, without ``REDIS_URL``, an in-process fake).

Keys are ``helpline:<kind>:<number key>`` where the number key is a keyed HMAC (see
``identity``): no phone number is ever stored in a key. Everything about a number has a TTL.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import fakeredis
import redis
from flask import Flask, current_app

log = logging.getLogger(__name__)

PREFIX = "helpline"

# Every kind of key that holds something about one number; ``forget`` erases them all.
PERSONAL_KINDS: list[str] = ["session", "lang"]


class StoreUnavailable(Exception):
    """Redis did not answer in time; callers fall back to answering without state."""


@contextmanager
def _guard() -> Iterator[None]:
    try:
        yield
    except (redis.ConnectionError, redis.TimeoutError) as exc:
        raise StoreUnavailable(type(exc).__name__) from None


class Store:
    """Small typed operations over a Redis client."""

    def __init__(self, client: redis.Redis, embedded: bool) -> None:
        self.client = client
        self.embedded = embedded

    @staticmethod
    def key(kind: str, number_key: str) -> str:
        return f"{PREFIX}:{kind}:{number_key}"

    def get_json(self, kind: str, number_key: str) -> Any:
        with _guard():
            raw = self.client.get(self.key(kind, number_key))
        if raw is None:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            return None

    def set_json(self, kind: str, number_key: str, value: Any, ttl: int) -> None:
        with _guard():
            self.client.set(self.key(kind, number_key), json.dumps(value), ex=ttl)

    def forget(self, number_key: str) -> None:
        """Erase every key about this number, at once."""
        with _guard():
            self.client.delete(*(self.key(kind, number_key) for kind in PERSONAL_KINDS))

    def ping(self) -> bool:
        try:
            return bool(self.client.ping())
        except (redis.ConnectionError, redis.TimeoutError):
            return False


def connect(url: str | None) -> Store:
    """Connect to ``url``, or create the embedded in-process store when it is None."""
    if not url:
        return Store(fakeredis.FakeRedis(decode_responses=True), embedded=True)
    client = redis.Redis.from_url(
        url, decode_responses=True, socket_timeout=0.5, socket_connect_timeout=0.5,
        health_check_interval=15,
    )
    return Store(client, embedded=False)


def init_app(app: Flask) -> None:
    store = connect(app.config.get("REDIS_URL"))
    if store.embedded:
        log.warning("REDIS_URL is not set: using the embedded in-process store. State is lost "
                    "at restart and not shared between workers: fine for development only.")
    app.extensions["helpline.store"] = store


def get_store() -> Store:
    found: Store = current_app.extensions["helpline.store"]
    return found
