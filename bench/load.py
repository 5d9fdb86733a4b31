"""A load generator: concurrent clients posting signed, Twilio-shaped webhooks over loopback.

Each client keeps an HTTP/1.1 connection for a few requests and walks a script: an SMS conversation (a new
number each time, its language in turn) or a phone call that follows the ``<Gather>`` and
``<Redirect>`` of every answer, pressing the keys of its script. Every request is signed as
Twilio signs it, against ``PUBLIC_URL``. A run is bounded in time and in requests.
"""

from __future__ import annotations

import asyncio
import itertools
import statistics
import time
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import urlencode, urljoin, urlsplit

from twilio.request_validator import RequestValidator

from helpline.content import Content

PUBLIC_URL = "https://helpline.bench.invalid"
TOKEN = "bench-token-0123456789abcdef0123"
ACCOUNT = "AC" + "0" * 32
HELPLINE_NUMBER = "+3197010000000"

_numbers = itertools.count(1)
_sids = itertools.count(1)

Request = tuple[str, dict[str, str]]  # path (with query), POST fields


def new_number() -> str:
    """Return a Dutch mobile number no earlier client of this process has used."""
    return f"+316{next(_numbers):08d}"


class Script(Protocol):
    """What one client sends next, given the status and body of the last answer."""

    def next(self, status: int | None, body: bytes) -> Request: ...


@dataclass(frozen=True)
class Language:
    """What a texter of one language types: the start, more and wipe keywords."""

    start: str
    more: str
    wipe: str


def languages_of(content: Content) -> list[Language]:
    """Return what texters of each language of ``content`` type, in menu order."""
    return [Language(lang.keywords.start[0], lang.keywords.more[0], lang.keywords.wipe[0])
            for lang in content.languages.values()]


class SmsConversations:
    """Texters, one after another, each walking a conversation in the next language."""

    def __init__(self, languages: Sequence[Language], offset: int) -> None:
        self.languages, self.turn = languages, offset
        self.bodies: list[str] = []
        self.number = ""

    def next(self, status: int | None, body: bytes) -> Request:
        if not self.bodies:
            lang = self.languages[self.turn % len(self.languages)]
            self.turn += 1
            self.number = new_number()
            # keyword, topic, answer, next page, repeat, back, other answer, main menu,
            # topic, answer, person, main menu, not understood, languages, pick one, wipe
            self.bodies = [lang.start, "1", "1", lang.more, "#", "*", "2", "9", "3", "1", "0",
                           "9", "hallo", "8", "2", lang.wipe]
        params = {"MessageSid": f"SM{next(_sids):032x}", "AccountSid": ACCOUNT,
                  "From": self.number, "To": HELPLINE_NUMBER, "Body": self.bodies.pop(0),
                  "NumSegments": "1", "NumMedia": "0", "FromCountry": "NL",
                  "ApiVersion": "2010-04-01"}
        params["SmsSid"] = params["MessageSid"]
        return "/sms", params


class VoiceCalls:
    """Callers, one after another, each pressing the keys of a menu walk.

    The next request is whatever the last answer asks for: its ``<Gather>`` action with the
    next key, else its ``<Redirect>``; a call with neither (a ``<Dial>``, a hang-up), or whose
    keys are all pressed, ends, and the next caller rings ``/voice``.
    """

    KEYS = ("1", "1", "1", "1", "9", "2", "1", "1", "*", "#", "0")

    def __init__(self) -> None:
        self.keys: list[str] = []
        self.call: dict[str, str] = {}
        self.path = "/voice"

    def _ring(self) -> Request:
        self.keys = list(self.KEYS)
        number = new_number()
        self.call = {"CallSid": f"CA{next(_sids):032x}", "AccountSid": ACCOUNT, "From": number,
                     "Caller": number, "To": HELPLINE_NUMBER, "Called": HELPLINE_NUMBER,
                     "Direction": "inbound", "ApiVersion": "2010-04-01", "FromCountry": "NL"}
        self.path = "/voice"
        return self.path, {**self.call, "CallStatus": "ringing"}

    def _follow(self, url: str, fields: dict[str, str]) -> Request:
        absolute = urlsplit(urljoin(PUBLIC_URL + self.path, url.strip()))
        self.path = absolute.path + (f"?{absolute.query}" if absolute.query else "")
        return self.path, {**self.call, "CallStatus": "in-progress", **fields}

    def next(self, status: int | None, body: bytes) -> Request:
        if status != 200 or not self.keys:
            return self._ring()
        try:
            root = ET.fromstring(body)
        except ET.ParseError:
            return self._ring()
        gather = root.find(".//Gather")
        if gather is not None and gather.get("action"):
            return self._follow(gather.get("action", ""), {"Digits": self.keys.pop(0)})
        redirect = root.find(".//Redirect")
        if redirect is not None and redirect.text:
            return self._follow(redirect.text, {})
        return self._ring()


@dataclass
class Run:
    """What one run measured: latency of every answer after the warm-up, and the statuses."""

    name: str
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    errors: int = 0
    answered: int = 0  # every answer, warm-up included

    @property
    def requests(self) -> int:
        return len(self.latencies)

    def add(self, other: Run) -> Run:
        """Return this run and ``other`` taken together, as if one."""
        return Run(self.name, self.seconds + other.seconds, self.latencies + other.latencies,
                   self.statuses + other.statuses, self.errors + other.errors,
                   self.answered + other.answered)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, share: float) -> float:
        """Return the latency (seconds) below which ``share`` of the answers came."""
        if len(self.latencies) < 2:
            return self.latencies[0] if self.latencies else 0.0
        return statistics.quantiles(self.latencies, n=1000, method="inclusive")[
            round(share * 1000) - 1]

    @property
    def failed(self) -> int:
        return self.errors + sum(n for status, n in self.statuses.items() if status != 200)


def encode(port: int, path: str, params: dict[str, str], validator: RequestValidator) -> bytes:
    """Return the bytes of a POST as Twilio sends it, signed."""
    body = urlencode(params).encode()
    signature = validator.compute_signature(PUBLIC_URL + path, params)
    head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(body)}\r\nX-Twilio-Signature: {signature}\r\n"
            "User-Agent: TwilioProxy/1.1\r\n\r\n")
    return head.encode() + body


async def _read(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    """Read one response: status, body, and whether the server will close the connection."""
    status = int((await reader.readline()).split()[1])
    length, closing = 0, False
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        if name.lower() == "content-length":
            length = int(value)
        elif name.lower() == "connection" and value.strip().lower() == "close":
            closing = True
    return status, await reader.readexactly(length), closing


# Requests per connection: a client that kept one connection for the whole run would stay with
# the worker that accepted it, and an uneven share of clients per worker would then decide the
# result. Twilio, too, does not keep one connection per caller.
REQUESTS_PER_CONNECTION = 10


async def _client(port: int, script: Script, run: Run, measure_from: float, end: float,
                  limit: int) -> None:
    validator = RequestValidator(TOKEN)
    status: int | None = None
    body = b""
    connection: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
    for sent in itertools.count(1):
        if time.perf_counter() >= end or run.requests >= limit:
            break
        path, params = script.next(status, body)
        data = encode(port, path, params, validator)
        started = time.perf_counter()
        try:
            if connection is None:
                connection = await asyncio.open_connection("127.0.0.1", port)
            reader, writer = connection
            writer.write(data)
            status, body, closing = await _read(reader)
        except (OSError, ValueError, IndexError, asyncio.IncompleteReadError):
            run.errors += 1
            status, body, closing = None, b"", True
        done = time.perf_counter()
        if (closing or sent % REQUESTS_PER_CONNECTION == 0) and connection is not None:
            connection[1].close()
            connection = None
        if status is not None:
            run.answered += 1
        if measure_from <= done <= end and status is not None:
            run.latencies.append(done - started)
            run.statuses[status] += 1
    if connection is not None:
        connection[1].close()


def drive(name: str, port: int, script: Callable[[int], Script], clients: int, seconds: float,
          warmup: float, limit: int = 1_000_000) -> Run:
    """Run ``clients`` concurrent clients for ``warmup`` + ``seconds``; measure the last part."""

    async def main() -> Run:
        run = Run(name)
        start = time.perf_counter()
        measure_from, end = start + warmup, start + warmup + seconds
        await asyncio.gather(*(_client(port, script(n), run, measure_from, end, limit)
                               for n in range(clients)))
        run.seconds = min(time.perf_counter(), end) - measure_from
        return run

    return asyncio.run(main())


def probe(port: int, script: Script) -> int:
    """Send the first request of ``script`` once; return the HTTP status."""

    async def main() -> int:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        path, params = script.next(None, b"")
        writer.write(encode(port, path, params, RequestValidator(TOKEN)))
        status = (await _read(reader))[0]
        writer.close()
        return status

    return asyncio.run(main())
