"""Google Translate's speech endpoint, faked where HTTP leaves Python (urllib3's urlopen).

gTTS posts each part of a text (about 100 characters) to translate.google.com through
``requests``; requests hands the request to urllib3. Everything above that line runs for
real: gTTS's request building, requests' adapters and errors, gTTS's parsing of the answer.
The fake answers as Google does (a ``batchexecute`` reply carrying base64 MP3: mono, 24 kHz,
32 kbps), with a tone as long as the text would take to say, or with the trouble a test
scripts: an HTTP status (429 with ``Retry-After``, 403, 503 ...) or a read timeout.
"""

from __future__ import annotations

import base64
import io
import json
import math
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import lameenc
import pytest
import urllib3
from urllib3.connectionpool import HTTPConnectionPool

SECONDS_PER_CHARACTER = 0.06  # about how fast Google's voices speak
RATE = 24_000


@dataclass(frozen=True)
class Request:
    """One request gTTS sent: the text part, the language, and whether slowly."""

    host: str
    path: str
    text: str
    lang: str
    slow: bool


Trouble = int | str  # an HTTP status, or "timeout"


@dataclass
class Script:
    """Answer the requests ``matches`` picks with ``troubles``, in turn (``forever``: always)."""

    matches: Callable[[Request], bool]
    troubles: list[Trouble]
    forever: bool = False


@dataclass
class FakeGoogle:
    """The fake service: what it was asked, and what it answers."""

    delay: float = 0.0  # seconds each request takes (the bench's stand-in for the internet)
    retry_after: str | None = "3"  # the Retry-After a 429 carries
    requests: list[Request] = field(default_factory=list)
    scripts: list[Script] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _tones: dict[int, bytes] = field(default_factory=dict)

    def script(self, matches: Callable[[Request], bool], *troubles: Trouble,
               forever: bool = False) -> None:
        self.scripts.append(Script(matches, list(troubles), forever))

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Answer every HTTP request of this process from now on (until the test ends)."""
        fake = self

        def urlopen(pool: HTTPConnectionPool, method: str, url: str, body: Any = None,
                    headers: Any = None, **kwargs: Any) -> urllib3.HTTPResponse:
            return fake.answer(pool, method, url, body)

        monkeypatch.setattr(HTTPConnectionPool, "urlopen", urlopen)

    def answer(self, pool: HTTPConnectionPool, method: str, url: str,
               body: Any) -> urllib3.HTTPResponse:
        path = urllib.parse.urlsplit(url).path
        assert (method, path) == ("POST", "/_/TranslateWebserverUi/data/batchexecute"), url
        request = _parse(str(pool.host), path, body)
        with self._lock:
            self.requests.append(request)
            trouble = self._trouble(request)
        if self.delay:
            time.sleep(self.delay)
        if trouble == "timeout":
            raise urllib3.exceptions.ReadTimeoutError(pool, url, "Read timed out.")
        if trouble is not None:
            headers = {"Retry-After": self.retry_after} if trouble == 429 and self.retry_after else {}
            return _response(int(trouble), b"<html>Error</html>", headers, method, url)
        return _response(200, self._reply(request.text).encode(), {}, method, url)

    def _trouble(self, request: Request) -> Trouble | None:
        for script in self.scripts:
            if script.matches(request) and script.troubles:
                return script.troubles[0] if script.forever else script.troubles.pop(0)
        return None

    def _reply(self, text: str) -> str:
        """Return Google's answer to one part: base64 MP3 inside a JSON line."""
        audio = base64.b64encode(self.tone(SECONDS_PER_CHARACTER * len(text))).decode("ascii")
        envelope = json.dumps([["wrb.fr", "jQ1olc", json.dumps([audio]), None, None, None,
                                "generic"]], separators=(",", ":"))
        return f")]}}'\n\n{len(envelope)}\n{envelope}\n"

    def tone(self, seconds: float) -> bytes:
        """Return an MP3 tone of about ``seconds`` (mono, 24 kHz, 32 kbps, as Google's)."""
        tenths = max(1, round(seconds * 10))
        with self._lock:
            if tenths not in self._tones:
                # 400 Hz: one period is exactly 60 samples at 24 kHz; a tenth of a second, 40.
                period = b"".join(int(8000 * math.sin(2 * math.pi * i / 60)).to_bytes(
                    2, "little", signed=True) for i in range(60))
                pcm = period * (40 * tenths)
                encoder = lameenc.Encoder()
                encoder.set_bit_rate(32)
                encoder.set_in_sample_rate(RATE)
                encoder.set_channels(1)
                encoder.set_quality(7)
                self._tones[tenths] = bytes(encoder.encode(pcm)) + bytes(encoder.flush())
            return self._tones[tenths]


def _parse(host: str, path: str, body: Any) -> Request:
    """Read back what gTTS packed: f.req=[[["jQ1olc","[text,lang,speed,\"null\"]",...]]]."""
    form = urllib.parse.parse_qs(body if isinstance(body, str) else bytes(body).decode())
    rpc = json.loads(form["f.req"][0])
    assert "jQ1olc" == rpc[0][0][0]
    text, lang, speed, _ = json.loads(rpc[0][0][1])
    return Request(host, path, text, lang, speed is True)


def _response(status: int, body: bytes, headers: dict[str, str], method: str,
              url: str) -> urllib3.HTTPResponse:
    reasons = {200: "OK", 403: "Forbidden", 429: "Too Many Requests", 503: "Service Unavailable"}
    return urllib3.HTTPResponse(body=io.BytesIO(body), headers=headers, status=status,
                                reason=reasons.get(status, "Error"), preload_content=False,
                                decode_content=False, request_method=method, request_url=url)
