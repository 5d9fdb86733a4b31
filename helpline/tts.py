"""Text-to-speech engines: a text in, a small mono MP3 out.

Two engines: gTTS (Google Translate's voices; production) and espeak-ng (offline; development
and tests). Whatever an engine returns is decoded and encoded again to one format
(:data:`SAMPLE_RATE`, mono, :data:`KBPS`), so every recording is alike: Twilio plays calls at
8 kHz, so more would only cost bandwidth.

Only ``build-audio`` speaks; the app merely asks an engine which settings shape its sound
(:meth:`Engine.settings`), for the file names. The heavy imports wait until something is said.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from .content.model import Voice

SAMPLE_RATE = 16_000  # Hz: twice what a phone line carries
KBPS = 32  # constant bit rate: 240 kB per minute of speech
FORMAT: Mapping[str, int] = {"sample_rate": SAMPLE_RATE, "channels": 1, "kbps": KBPS}

Settings = Mapping[str, str | int | float | bool]


class TtsError(Exception):
    """Speaking one text failed; the message says why (and how often it was tried)."""


@dataclass(frozen=True)
class Recording:
    """One text, spoken: the MP3 bytes and how long they play."""

    mp3: bytes
    seconds: float


def encode(audio: bytes) -> Recording:
    """Decode ``audio`` (WAV or MP3) and encode it as a mono MP3 in :data:`FORMAT`."""
    import lameenc
    import miniaudio

    try:
        decoded = miniaudio.decode(audio, output_format=miniaudio.SampleFormat.SIGNED16,
                                   nchannels=1, sample_rate=SAMPLE_RATE)
    except miniaudio.DecodeError:
        raise TtsError(f"the engine returned no sound it could decode ({len(audio)} bytes)") from None
    if decoded.num_frames == 0:
        raise TtsError("the engine returned silence of no length")
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(KBPS)
    encoder.set_in_sample_rate(SAMPLE_RATE)
    encoder.set_channels(1)
    encoder.set_quality(7)  # LAME's fast mode: 3 times quicker than 2, no loss heard at 8 kHz
    mp3 = bytes(encoder.encode(decoded.samples.tobytes())) + bytes(encoder.flush())
    return Recording(mp3, duration(mp3))


def duration(mp3: bytes) -> float:
    """Return how long ``mp3`` plays, in seconds (as a decoder counts it)."""
    import miniaudio

    return round(float(miniaudio.mp3_get_info(mp3).duration), 3)


class Engine(Protocol):
    """A text-to-speech engine, as the audio build uses it."""

    @property
    def name(self) -> str: ...

    @property
    def workers(self) -> int:
        """How many texts may be spoken at once."""

    def settings(self, voice: Voice, slow: bool) -> Settings:
        """Return everything besides the text that shapes the sound (for the file name)."""

    def speak(self, text: str, voice: Voice, slow: bool) -> Recording:
        """Speak ``text``; raise :class:`TtsError` when that cannot be done."""


@dataclass(frozen=True)
class Espeak:
    """espeak-ng, run once per text: offline, robotic, fast."""

    name: str = "espeak"
    speed: int = 160  # words per minute; espeak-ng's own default (175) is hurried on a phone
    slow_speed: int = 115
    workers: int = 4  # each text is a process of its own
    binary: str = "espeak-ng"

    def settings(self, voice: Voice, slow: bool) -> Settings:
        return {"voice": voice.espeak, "speed": self.slow_speed if slow else self.speed}

    def speak(self, text: str, voice: Voice, slow: bool) -> Recording:
        binary = shutil.which(self.binary)
        if binary is None:
            raise TtsError(f"{self.binary} is not installed (Debian: apt-get install espeak-ng)")
        speed = self.slow_speed if slow else self.speed
        # The text goes in on stdin (UTF-8, -b 1): as an argument, a text starting with "-"
        # would be read as an option.
        try:
            done = subprocess.run(
                [binary, "-v", voice.espeak, "-s", str(speed), "-b", "1", "--stdout"],
                input=text.encode("utf-8"), capture_output=True, timeout=120, check=False)
        except subprocess.TimeoutExpired:
            raise TtsError(f"espeak-ng -v {voice.espeak}: no sound after 120 seconds") from None
        if done.returncode != 0 or not done.stdout:
            why = done.stderr.decode("utf-8", "replace").strip() or f"exit status {done.returncode}"
            raise TtsError(f"espeak-ng -v {voice.espeak}: {why}")
        return encode(done.stdout)


class Throttle:
    """Spaces out requests to one service, over every thread that sends them."""

    def __init__(self, interval: float, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.interval, self.sleep, self.clock = interval, sleep, clock
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        """Return when the next request may go."""
        with self._lock:
            now = self.clock()
            start = max(now, self._next)
            self._next = start + self.interval
        if start > now:
            self.sleep(start - now)

    def hold(self, seconds: float) -> None:
        """Let no request go for ``seconds`` (the service asked us to slow down)."""
        with self._lock:
            self._next = max(self._next, self.clock() + seconds)


@dataclass
class Gtts:
    """gTTS: Google Translate's voices, over HTTP, throttled and retried.

    Google answers HTTP 429 to too many requests, and gTTS sends one request per 100
    characters or so. So: at most one request per ``interval`` over all workers; after a 429,
    a 5xx, a timeout or a failed connection no request goes for ``first_wait`` seconds,
    doubling each time (or the server's ``Retry-After``), and the text is tried again,
    ``attempts`` times in all. Anything else (403: Google changed its API) fails at once.
    """

    name: str = "gtts"
    workers: int = 2
    tld: str = "com"
    interval: float = 0.25
    attempts: int = 5
    first_wait: float = 2.0
    longest_wait: float = 60.0
    timeout: tuple[float, float] = (5.0, 30.0)  # seconds to connect, to read
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    throttle: Throttle = field(init=False)

    def __post_init__(self) -> None:
        self.throttle = Throttle(self.interval, self.sleep, self.clock)

    def settings(self, voice: Voice, slow: bool) -> Settings:
        return {"lang": voice.gtts, "tld": self.tld, "slow": slow}

    def speak(self, text: str, voice: Voice, slow: bool) -> Recording:
        from gtts import gTTSError

        for attempt in range(1, self.attempts + 1):
            try:
                return encode(self._fetch(text, voice.gtts, slow))
            except gTTSError as exc:
                response = exc.rsp
                status: int | None = None if response is None else response.status_code
                if status not in (None, 429) and status < 500:
                    raise TtsError(f"gTTS: {exc}") from None
                if attempt == self.attempts:
                    raise TtsError(f"gTTS: {exc} (gave up after {attempt} attempts)") from None
                # Every worker holds back, not only this one: the next request (this text's
                # again, most likely) waits in the throttle.
                self.throttle.hold(min(self.longest_wait, max(self.first_wait * 2 ** (attempt - 1),
                                                              _retry_after(response))))
            except AssertionError as exc:  # gTTS asserts there is something to say
                raise TtsError(f"gTTS: {exc}") from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _fetch(self, text: str, lang: str, slow: bool) -> bytes:
        """Return Google's MP3 of ``text``, one throttled request per part."""
        from gtts import gTTS

        # lang_check=False: the languages are checked by content validation, and gTTS's
        # check would only warn. gTTS's own tokenizer also cuts at every comma: twice the
        # requests, and a voice that starts again mid-sentence.
        speech = gTTS(text, tld=self.tld, lang=lang, slow=slow, lang_check=False,
                      timeout=self.timeout, tokenizer_func=sentences)
        # stream() is a generator: each next() sends the next request. get_bodies() says how
        # many there will be without sending any, so the throttle is asked once per request.
        count = len(speech.get_bodies())
        parts = speech.stream()
        audio = bytearray()
        for _ in range(count):
            self.throttle.wait()
            part = next(parts, None)
            if part is None:
                break
            audio += part
        return bytes(audio + b"".join(parts))


def sentences(text: str, limit: int = 100) -> list[str]:
    """Cut ``text`` into runs of whole sentences of up to ``limit`` characters each.

    One request per run (gTTS cuts a single sentence longer than that at a space).
    """
    runs: list[str] = []
    for sentence in _SENTENCE_END.split(text.strip()):
        if runs and len(runs[-1]) + 1 + len(sentence) <= limit:
            runs[-1] += " " + sentence
        elif sentence:
            runs.append(sentence)
    return runs


_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")


def _retry_after(response: Any) -> float:
    """Return the seconds a response's ``Retry-After`` asks for (0 when it asks nothing)."""
    value = "" if response is None else str(response.headers.get("Retry-After", ""))
    return float(value) if value.isdigit() else 0.0


ENGINES: dict[str, Callable[[], Engine]] = {"gtts": Gtts, "espeak": Espeak}


def engine(name: str) -> Engine:
    """Return a ready engine by name (``gtts`` or ``espeak``)."""
    return ENGINES[name]()


def settings_of(name: str, voice: Voice, slow: bool) -> Settings | None:
    """Return the settings engine ``name`` speaks ``voice`` with; None for an unknown engine."""
    factory = ENGINES.get(name)
    return None if factory is None else factory().settings(voice, slow)
