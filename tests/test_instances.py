"""Several machines: two gunicorn instances sharing one Redis are one helpline to a texter."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from bench.servers import Gunicorn, free_port

from .conftest import HASH_KEY, ROOT, RedisServer
from .test_metrics import Samples, samples_of, value
from .test_sms import GOLDEN, SHIPPED, conversation, transcript
from .twilio_client import PUBLIC_URL, TOKEN, Reply, parse_sms_twiml, sign, sms_params

pytestmark = pytest.mark.redis_server

NUMBER = "+31612345678"


class Instances:
    """Two helpline servers, each with two workers, on one Redis."""

    def __init__(self, servers: list[Gunicorn]) -> None:
        self.servers = servers

    def post_sms(self, server: Gunicorn, number: str, body: str) -> Reply:
        params = sms_params(number, body)
        request = urllib.request.Request(
            server.url + "/sms", data=urllib.parse.urlencode(params).encode(),
            headers={"X-Twilio-Signature": sign("/sms", params)})
        with urllib.request.urlopen(request, timeout=10) as response:
            assert "text/xml" == response.headers.get_content_type()
            xml = response.read().decode()
            return Reply(response.status, xml, parse_sms_twiml(xml))


class AlternatingTexter:
    """Someone texting from one number whose messages reach the two instances in turn."""

    def __init__(self, instances: Instances, number: str) -> None:
        self.instances, self.number, self.sent = instances, number, 0

    def send(self, body: str) -> Reply:
        server = self.instances.servers[self.sent % 2]
        self.sent += 1
        return self.instances.post_sms(server, self.number, body)


@pytest.fixture(scope="module")
def instances(redis_server: RedisServer, tmp_path_factory: pytest.TempPathFactory
              ) -> Iterator[Instances]:
    env = {"HELPLINE_ENV": "production", "TWILIO_AUTH_TOKEN": TOKEN, "HELPLINE_HASH_KEY": HASH_KEY,
           "HELPLINE_ENCRYPTION_KEY": "test-encryption-key-not-secret",
           "HELPLINE_PUBLIC_URL": PUBLIC_URL, "REDIS_URL": redis_server.url,
           "GUNICORN_WORKERS": "2", "GUNICORN_THREADS": "2"}
    logs = tmp_path_factory.mktemp("gunicorn")
    servers = [Gunicorn("app:app", env, logs / f"{name}.log") for name in "ab"]
    try:
        for server in servers:
            server.start(timeout=60)
        yield Instances(servers)
    finally:
        for server in servers:
            server.stop()


@pytest.fixture
def empty_redis(redis_server: RedisServer) -> None:
    redis.Redis.from_url(redis_server.url).flushdb()


@pytest.mark.parametrize("lang", list(SHIPPED.languages))
def test_conversation_alternating_between_instances_reads_as_golden(
    lang: str, instances: Instances, empty_redis: None
) -> None:
    """Each message to the other instance, the texter still gets the golden conversation."""
    actual = transcript(AlternatingTexter(instances, NUMBER), conversation(lang))
    assert (GOLDEN / f"sms-{lang}.txt").read_text(encoding="utf-8") == actual


def test_wipe_on_one_instance_is_seen_by_the_other(instances: Instances, empty_redis: None) -> None:
    """Erased through instance b, the texter is a stranger to instance a."""
    a, b = instances.servers
    assert (instances.post_sms(a, NUMBER, "HULP").text or "").startswith("Hulplijn mensenhandel.")
    instances.post_sms(b, NUMBER, "WIS")
    reply = instances.post_sms(a, NUMBER, "1")
    assert reply.text is not None
    assert "1 Nederlands\n2 English" in reply.text


def _scrape(server: Gunicorn) -> tuple[Samples, str]:
    status, text = server.get("/metrics")
    assert 200 == status
    return samples_of(text), text


def test_metrics_add_up_every_worker_of_an_instance(instances: Instances, empty_redis: None) -> None:
    """Whichever of its two workers answers /metrics, an instance reports all its requests."""
    server = instances.servers[0]
    name, labels = "helpline_requests_total", {"channel": "sms", "status": "200"}
    before = value(_scrape(server)[0], name, **labels)
    for n in range(12):
        instances.post_sms(server, f"+3161234{n:04d}", "HULP")
    for _ in range(4):
        samples, text = _scrape(server)
        assert 12 == value(samples, name, **labels) - before
        # Per-process collectors (gc, process) are absent: the figures come from every worker.
        assert "python_gc_objects_collected_total" not in text


def test_container_healthcheck_passes_on_a_healthy_instance(instances: Instances) -> None:
    """deploy/healthcheck.py exits 0 against a serving instance and 1 where nothing listens."""
    script = str(ROOT / "deploy" / "healthcheck.py")
    for port, expected in ((instances.servers[0].port, 0), (free_port(), 1)):
        result = subprocess.run([sys.executable, script], env={"PORT": str(port)},
                                capture_output=True, timeout=30, check=False)
        assert expected == result.returncode, result.stderr


def test_both_instances_serve_the_same_content(instances: Instances) -> None:
    """The two instances report one content version: they read the same files."""
    versions = {json.loads(server.get("/healthz")[1])["content"]["version"]
                for server in instances.servers}
    assert 1 == len(versions)


def test_every_line_an_instance_logs_is_json(instances: Instances, empty_redis: None) -> None:
    """gunicorn's own lines (its master's and its workers') are JSON like the app's, so that a
    log collector parses all of them; none holds the texter's number."""
    server = instances.servers[0]
    instances.post_sms(server, NUMBER, "HULP")
    lines = server.log.read_text(encoding="utf-8").splitlines()
    entries = [json.loads(line) for line in lines]  # a plain-text line fails here
    loggers = {entry["logger"] for entry in entries}
    assert {"gunicorn.error", "helpline.catalog"} <= loggers
    assert "gunicorn.access" not in loggers  # no access log: a line per request is no use
    assert any(entry["message"].startswith("Booting worker") for entry in entries)
    assert not any(NUMBER[1:] in line for line in lines)


def test_a_request_gunicorn_cannot_read_is_logged_without_its_text(instances: Instances) -> None:
    """gunicorn logs a request it cannot read with the text it choked on and the sender's
    address: the log keeps only that there was one, never what the sender wrote."""
    server = instances.servers[0]
    for raw in (b"POST  /sms?Body=GEHEIM1%20Kerkstraat HTTP/1.1\r\nHost: x\r\n\r\n",
                b"POST /sms HTTP/1.1\r\nHost: x\r\nX-Body GEHEIM2 Kerkstraat 0687654321\r\n\r\n"):
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as connection:
            connection.sendall(raw)
            assert connection.recv(100).startswith(b"HTTP/1.1 400")
    for _ in range(50):
        log = server.log.read_text(encoding="utf-8")
        if log.count("Invalid request") >= 2:
            break
        time.sleep(0.1)
    assert 2 == log.count('"Invalid request: not HTTP as a server can read it (its text and '
                          'sender withheld)"')
    for written in ("GEHEIM", "Kerkstraat", "87654321", "ip="):
        assert written not in log


def test_the_apps_lines_follow_gunicorns_log_file_and_level(redis_server: RedisServer,
                                                            tmp_path: Path) -> None:
    """With --error-logfile and --log-level (GUNICORN_CMD_ARGS, as an operator passes them to
    the container), the app's lines go where gunicorn's go, at its level: one log, one shape."""
    log_file = tmp_path / "helpline.log"
    env = {"HELPLINE_ENV": "production", "TWILIO_AUTH_TOKEN": TOKEN, "HELPLINE_HASH_KEY": HASH_KEY,
           "HELPLINE_ENCRYPTION_KEY": "test-encryption-key-not-secret",
           "HELPLINE_PUBLIC_URL": PUBLIC_URL, "REDIS_URL": redis_server.url,
           "GUNICORN_WORKERS": "1", "GUNICORN_THREADS": "1"}
    for level, expected, loggers_expected in (
            ("info", {"INFO", "WARNING"}, {"gunicorn.error", "helpline.catalog", "helpline.signature"}),
            ("warning", {"WARNING"}, {"helpline.catalog", "helpline.signature"})):
        log_file.unlink(missing_ok=True)
        server = Gunicorn("app:app", {**env, "GUNICORN_CMD_ARGS":
                                      f"--error-logfile {log_file} --log-level {level}"},
                          tmp_path / "stdout.log")
        try:
            server.start(timeout=60)
            unsigned = urllib.request.Request(server.url + "/sms", data=b"Body=HULP")
            with pytest.raises(urllib.error.HTTPError):  # refused, and logged as a warning
                urllib.request.urlopen(unsigned, timeout=10)
        finally:
            server.stop()
        entries = [json.loads(line) for line in log_file.read_text(encoding="utf-8").splitlines()]
        assert loggers_expected <= {entry["logger"] for entry in entries}
        assert expected == {entry["level"] for entry in entries}
