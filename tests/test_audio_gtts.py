"""Audio with gTTS, offline: Google's side is faked at the HTTP layer, everything above is real."""

from __future__ import annotations

import functools
from pathlib import Path

import miniaudio
import pytest

from helpline import audio_build, tts
from helpline.audio_build import Key
from helpline.catalog import build_catalog
from helpline.voice_script import spoken_units

from .conftest import ROOT, make_app
from .fake_google import SECONDS_PER_CHARACTER, FakeGoogle, Request

MINIMAL = ROOT / "tests" / "fixtures" / "minimal"
SHIPPED = build_catalog(ROOT / "content", ROOT / "prompts").content
SMALL = build_catalog(MINIMAL / "content", MINIMAL / "prompts").content
SMALL_NL = len(audio_build.wanted(SMALL, ["nl"]))
SMALL_EN = len(audio_build.wanted(SMALL, ["en"]))
SHIPPED_NL = len(audio_build.wanted(SHIPPED, ["nl"]))
WELCOME_NL = spoken_units(SMALL)[("prompt:voice_welcome", "nl")]


@pytest.fixture
def google(monkeypatch: pytest.MonkeyPatch) -> FakeGoogle:
    """Google Translate's speech endpoint, as gTTS reaches it through requests and urllib3."""
    fake = FakeGoogle()
    fake.install(monkeypatch)
    return fake


class Clock:
    """A clock that sleeping moves on at once; it remembers each sleep."""

    def __init__(self) -> None:
        self.now, self.slept = 1000.0, list[float]()

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The seconds gTTS waited before trying again (on a fake clock); one worker, no spacing."""
    clock = Clock()
    monkeypatch.setitem(tts.ENGINES, "gtts", functools.partial(
        tts.Gtts, workers=1, interval=0.0, sleep=clock.sleep, clock=lambda: clock.now))
    return clock.slept


def build_gtts(folder: Path, *args: str, small: bool = True) -> tuple[int, str]:
    """Run ``flask helpline build-audio --engine gtts ARGS`` (on the small content)."""
    content = {"HELPLINE_CONTENT_DIR": str(MINIMAL / "content"),
               "HELPLINE_PROMPTS_DIR": str(MINIMAL / "prompts")} if small else {}
    app = make_app(HELPLINE_AUDIO_DIR=str(folder), **content)
    result = app.test_cli_runner().invoke(args=["helpline", "build-audio", "--engine", "gtts",
                                                *args])
    return result.exit_code, result.output


def counts(output: str) -> str:
    line = next(line for line in output.splitlines() if line.startswith("audio in "))
    return line.split(": ", 1)[1].rsplit(" (", 1)[0]


def words(text: str) -> str:
    """Return ``text`` with single spaces (gTTS adds some after "?" and the like)."""
    return " ".join(text.split())


def is_welcome(request: Request) -> bool:
    # The whole welcome: gTTS sends a text of up to 100 characters in one request. (A part of
    # it would also match a part of a longer text that ends the same way, with 112.)
    assert len(WELCOME_NL) <= 100
    return request.lang == "nl" and words(request.text) == WELCOME_NL


def test_gtts_speaks_every_dutch_unit_through_google(google: FakeGoogle, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Each Dutch text goes to Google in parts, in Dutch, slowly for the slow files; mono MP3 back."""
    monkeypatch.setitem(tts.ENGINES, "gtts", functools.partial(tts.Gtts, interval=0.0))
    code, output = build_gtts(tmp_path, "--lang", "nl", small=False)
    assert (0, f"{SHIPPED_NL} generated, 0 unchanged, 0 failed, 0 pruned") == (code, counts(output))
    assert {"nl"} == {r.lang for r in google.requests}
    assert {"translate.google.com"} == {r.host for r in google.requests}
    assert all(0 < len(r.text) <= 100 for r in google.requests)
    texts = spoken_units(SHIPPED)
    slow_texts = [text for (unit, lang), text in texts.items() if unit.startswith("answer:")
                  and lang == "nl"]
    assert all(any(words(r.text) in t for t in slow_texts) for r in google.requests if r.slow)
    assert 20 <= sum(r.slow for r in google.requests)
    manifest = audio_build.read_manifest(tmp_path)
    assert {w.key for w in audio_build.wanted(SHIPPED, ["nl"])} == set(manifest)
    for key, entry in manifest.items():
        decoded = miniaudio.mp3_read_file_s16(str(tmp_path / entry.file))
        assert (1, tts.SAMPLE_RATE) == (decoded.nchannels, decoded.sample_rate), key
        assert decoded.duration > 0.5, key
        assert "gtts" == entry.engine
    # The sound is Google's: a short text is one request, and its file is as long as the tone.
    short = texts[("prompt:voice_not_option", "nl")]
    assert [short] == [words(r.text) for r in google.requests if words(r.text) == short]
    entry = manifest[Key("prompt:voice_not_option", "nl", False)]
    tone = round(SECONDS_PER_CHARACTER * len(short), 1)
    assert entry.seconds == pytest.approx(tone, abs=0.25)  # encoders pad a little


def test_a_429_is_waited_out_and_tried_again(google: FakeGoogle, waits: list[float],
                                            tmp_path: Path) -> None:
    """Google says 429 (Retry-After: 3) once: gTTS waits 3 seconds, tries again, and succeeds."""
    google.script(is_welcome, 429)
    code, output = build_gtts(tmp_path)
    assert (0, f"{SMALL_NL + SMALL_EN} generated, 0 unchanged, 0 failed, 0 pruned") == (
        code, counts(output))
    assert [3.0] == waits
    welcome = [r for r in google.requests if is_welcome(r)]
    assert len(welcome) == 1 + len({r.text for r in welcome})  # the first part, twice
    assert Key("prompt:voice_welcome", "nl", False) in audio_build.read_manifest(tmp_path)


def test_a_timeout_is_tried_again_after_a_growing_wait(google: FakeGoogle, waits: list[float],
                                                       tmp_path: Path) -> None:
    """Two read timeouts in a row: waits of 2 then 4 seconds, then the welcome is recorded."""
    google.script(is_welcome, "timeout", "timeout")
    code, output = build_gtts(tmp_path)
    assert (0, f"{SMALL_NL + SMALL_EN} generated, 0 unchanged, 0 failed, 0 pruned") == (
        code, counts(output))
    assert [2.0, 4.0] == waits


@pytest.mark.parametrize(("status", "expected_waits", "why"), [
    (429, [3.0, 4.0, 8.0, 16.0], "429 (Too Many Requests) from TTS API. Probable cause: Unknown "
                                 "(gave up after 5 attempts)"),
    (503, [2.0, 4.0, 8.0, 16.0], "503 (Service Unavailable) from TTS API. Probable cause: "
                                 "Upstream API error. Try again later. (gave up after 5 attempts)"),
    (403, [], "403 (Forbidden) from TTS API. Probable cause: Bad token or upstream API changes"),
])
def test_a_recording_google_keeps_refusing_fails_and_the_rest_is_kept(
        google: FakeGoogle, waits: list[float], tmp_path: Path, status: int,
        expected_waits: list[float], why: str) -> None:
    """The Dutch welcome always fails: reported, exit 1; all other recordings are made and kept."""
    google.script(is_welcome, status, forever=True)
    code, output = build_gtts(tmp_path)
    others = SMALL_NL + SMALL_EN - 1
    assert (1, f"{others} generated, 0 unchanged, 1 failed, 0 pruned") == (code, counts(output))
    assert f"failed: nl prompt:voice_welcome: gTTS: {why}" in output
    assert "Error: 1 recording(s) failed (above); the others were kept" in output
    assert expected_waits == waits
    manifest = audio_build.read_manifest(tmp_path)
    assert others == len(manifest)
    assert Key("prompt:voice_welcome", "nl", False) not in manifest
    assert all((tmp_path / entry.file).stat().st_size > 0 for entry in manifest.values())

    google.scripts.clear()  # Google is back: the next build makes only what is missing
    code, output = build_gtts(tmp_path)
    assert (0, f"1 generated, {others} unchanged, 0 failed, 0 pruned") == (code, counts(output))


def test_a_reply_without_sound_fails_at_once(google: FakeGoogle, waits: list[float],
                                             tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Google answers 200 with no audio in it (its API changed): a clear failure, no retry."""
    monkeypatch.setattr(FakeGoogle, "_reply",
                        lambda self, text: ')]}\'\n\n[["wrb.fr","jQ1olc",null,null,"generic"]]\n')
    code, output = build_gtts(tmp_path, "--lang", "en")
    assert (1, f"0 generated, 0 unchanged, {SMALL_EN} failed, 0 pruned") == (code, counts(output))
    assert ("failed: en prompt:voice_welcome: gTTS: 200 (OK) from TTS API. Probable cause: No "
            "audio stream in response. Unsupported language 'en'\n") in output
    assert [] == waits


def test_requests_to_google_leave_a_quarter_second_apart(google: FakeGoogle, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """The default spacing holds through a whole build: one wait per request, none more."""
    clock = Clock()
    monkeypatch.setitem(tts.ENGINES, "gtts", functools.partial(
        tts.Gtts, workers=1, sleep=clock.sleep, clock=lambda: clock.now))
    code, output = build_gtts(tmp_path, "--lang", "nl")
    assert (0, f"{SMALL_NL} generated, 0 unchanged, 0 failed, 0 pruned") == (code, counts(output))
    assert len(google.requests) > SMALL_NL  # the long answers take several requests
    assert [0.25] * (len(google.requests) - 1) == clock.slept


def test_the_throttle_spaces_requests_over_all_threads() -> None:
    """Requests to Google leave at least `interval` apart; a 429 holds every one back."""
    now = [100.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    throttle = tts.Throttle(0.25, sleep=sleep, clock=lambda: now[0])
    for _ in range(3):
        throttle.wait()
    assert [0.25, 0.25] == slept
    now[0] += 1.0  # a quiet second: the next request may go at once
    throttle.wait()
    assert [0.25, 0.25] == slept
    throttle.hold(5.0)
    throttle.wait()
    assert 5.0 == slept[-1]


def test_gtts_sends_the_voice_settings_that_name_its_files() -> None:
    """gTTS files are named by language, Google domain and speed; espeak by voice and speed."""
    voice = SHIPPED.languages["nl"].voice
    assert {"lang": "nl", "tld": "com", "slow": True} == dict(tts.Gtts().settings(voice, True))
    assert {"voice": "nl", "speed": 115} == dict(tts.Espeak().settings(voice, True))


def test_google_is_sent_whole_sentences_a_hundred_characters_at_most() -> None:
    """Texts go to Google in runs of whole sentences: fewer requests, no voice restarting mid-sentence."""
    text = ("Veel slachtoffers zijn bang. Ze vertrouwen de politie niet. Of ze hebben geen "
            "verblijfsvergunning en zijn bang dat ze het land uit moeten, ook als ze hulp nodig "
            "hebben. Kies 0.")
    assert ["Veel slachtoffers zijn bang. Ze vertrouwen de politie niet.",
            "Of ze hebben geen verblijfsvergunning en zijn bang dat ze het land uit moeten, ook "
            "als ze hulp nodig hebben.", "Kies 0."] == tts.sentences(text)
    for (unit, lang), said in spoken_units(SHIPPED).items():
        runs = tts.sentences(said)
        assert words(said) == " ".join(runs), (unit, lang)
        assert all(len(run) <= 100 or not any(c in run[:-1] for c in ".!?") for run in runs)
