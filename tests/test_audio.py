"""Audio: real recordings with espeak-ng, rebuilt only when a text changes, played and served."""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import miniaudio
import pytest
from flask import Flask

from helpline import audio_build, tts
from helpline.audio import AudioFiles
from helpline.audio_build import Key
from helpline.catalog import build_catalog
from helpline.voice_script import spoken_units

from .conftest import ROOT, app_on, make_app
from .test_voice import walk
from .twilio_client import PUBLIC_URL, Caller, Heard

CONTENT = build_catalog(ROOT / "content", ROOT / "prompts").content
WANTED = {want.key for want in audio_build.wanted(CONTENT)}
PER_LANGUAGE = Counter(key.lang for key in WANTED)  # nl also has what staff hear (whispers)
# What staff hear, in Dutch only: each language, the same with "an interpreter may be needed",
# and "press 1 to take the call".
STAFF_UNITS = 2 * len(CONTENT.languages) + 1
EN, FR, NL = PER_LANGUAGE["en"], PER_LANGUAGE["fr"], PER_LANGUAGE["nl"]
ANSWERS = list(CONTENT.tree.answers)


@dataclass(frozen=True)
class Built:
    """A folder of recordings of the shipped content, and what build-audio printed."""

    folder: Path
    exit_code: int
    output: str

    def manifest(self) -> dict[Key, audio_build.Entry]:
        return audio_build.read_manifest(self.folder)


def build(folder: Path, *args: str, app: Flask | None = None) -> tuple[int, str]:
    """Run ``flask helpline build-audio --engine espeak ARGS`` into ``folder``."""
    app = app or make_app(HELPLINE_AUDIO_DIR=str(folder))
    result = app.test_cli_runner().invoke(
        args=["helpline", "build-audio", "--engine", "espeak", *args])
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """Every recording of the shipped content, made once for this module (read-only)."""
    folder = tmp_path_factory.mktemp("audio")
    return Built(folder, *build(folder))


@pytest.fixture
def audio_copy(built: Built, tmp_path: Path) -> Path:
    """A copy of the built recordings that a test may change."""
    return Path(shutil.copytree(built.folder, tmp_path / "audio"))


def summary(output: str) -> str:
    """Return the counts of build-audio's summary line."""
    line = next(line for line in output.splitlines() if line.startswith("audio in "))
    return line.split(": ", 1)[1].rsplit(" (", 1)[0]


def mtimes(folder: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}


# -- building -------------------------------------------------------------------------------

def test_every_unit_is_recorded_as_a_mono_mp3_in_every_language(built: Built) -> None:
    """Each prompt, menu and answer (answers also slowly) of every language plays as mono MP3."""
    assert 0 == built.exit_code, built.output
    assert f"{len(WANTED)} generated, 0 unchanged, 0 failed, 0 pruned" == summary(built.output)
    # Every unit in every language, and each of the 20 answers once more, slowly.
    units = spoken_units(CONTENT)
    assert len(units) + 20 * len(CONTENT.languages) == len(WANTED)
    assert PER_LANGUAGE["en"] + STAFF_UNITS == PER_LANGUAGE["nl"]
    assert len(CONTENT.languages) * PER_LANGUAGE["en"] + STAFF_UNITS == len(WANTED)
    manifest = built.manifest()
    assert WANTED == set(manifest)
    assert {e.file for e in manifest.values()} | {"manifest.json", audio_build.LOCK} == {
        p.name for p in built.folder.iterdir()}
    for key, entry in manifest.items():
        decoded = miniaudio.mp3_read_file_s16(str(built.folder / entry.file))
        assert (1, tts.SAMPLE_RATE) == (decoded.nchannels, decoded.sample_rate), key
        assert decoded.duration > 0.5, key
        assert abs(decoded.duration - entry.seconds) < 0.2, key
        assert "espeak" == entry.engine
    for lang in CONTENT.languages:
        for answer in ANSWERS:
            normal = manifest[Key(f"answer:{answer}", lang, False)]
            slow = manifest[Key(f"answer:{answer}", lang, True)]
            assert slow.seconds > 1.2 * normal.seconds, (lang, answer)


def test_a_second_build_generates_nothing(built: Built) -> None:
    """Run again on unchanged content: nothing is spoken, written or removed."""
    before, manifest = mtimes(built.folder), built.manifest()
    assert (0, f"0 generated, {len(WANTED)} unchanged, 0 failed, 0 pruned") == (
        lambda code, out: (code, summary(out)))(*build(built.folder))
    assert manifest == built.manifest()
    changed = {name for name, mtime in mtimes(built.folder).items() if before.get(name) != mtime}
    assert changed <= {"manifest.json"}


def test_changing_one_dutch_answer_rebuilds_only_its_dutch_recordings(
        content_copy: Path, audio_copy: Path) -> None:
    """Staff edit the Dutch "coercion" answer: its two Dutch files (normal, slow) are remade."""
    answers = content_copy / "content" / "answers" / "nl.yaml"
    text = answers.read_text(encoding="utf-8")
    assert text.count("Dwang kan geweld zijn, of dreigen met geweld.") == 1
    answers.write_text(text.replace("Dwang kan geweld zijn, of dreigen met geweld.",
                                    "Dwang kan geweld zijn. Of dreigen met geweld."),
                       encoding="utf-8")
    before = audio_build.read_manifest(audio_copy)
    code, output = build(audio_copy, app=app_on(content_copy, HELPLINE_AUDIO_DIR=str(audio_copy)))
    assert 0 == code, output
    assert f"2 generated, {len(WANTED) - 2} unchanged, 0 failed, 2 pruned" == summary(output)
    after = audio_build.read_manifest(audio_copy)
    changed = {key for key in after if after[key] != before[key]}
    assert {Key("answer:coercion", "nl", False), Key("answer:coercion", "nl", True)} == changed
    for key in changed:
        assert not (audio_copy / before[key].file).exists()
        assert (audio_copy / after[key].file).exists()
    assert len(after) + 2 == len(list(audio_copy.iterdir()))  # and the manifest, the lock


def test_one_language_forced_is_spoken_again_the_others_untouched(audio_copy: Path) -> None:
    """--lang en --force remakes every English recording and touches no other file."""
    before = mtimes(audio_copy)
    code, output = build(audio_copy, "--lang", "en", "--force")
    assert (0, f"{EN} generated, 0 unchanged, 0 failed, 0 pruned") == (code, summary(output))
    changed = {name for name, mtime in mtimes(audio_copy).items() if before[name] != mtime}
    assert changed - {"manifest.json"} == {name for name in before if name.startswith("en-")}
    assert EN == len(changed - {"manifest.json"})


def test_an_unknown_language_is_refused(audio_copy: Path) -> None:
    """--lang xx names the languages there are, and builds nothing."""
    before = mtimes(audio_copy)
    code, output = build(audio_copy, "--lang", "xx")
    assert 2 == code
    assert "xx: no such language (choose from nl, en, ro, pl, bg, hu, vi, fr)" in output
    assert before == mtimes(audio_copy)


def test_a_lost_manifest_costs_nothing(audio_copy: Path) -> None:
    """Without manifest.json the files are found again by their names: nothing is spoken."""
    manifest = audio_build.read_manifest(audio_copy)
    (audio_copy / "manifest.json").unlink()
    code, output = build(audio_copy)
    assert (0, f"0 generated, {len(WANTED)} unchanged, 0 failed, 0 pruned") == (code, summary(output))
    assert manifest == audio_build.read_manifest(audio_copy)


def test_an_interrupted_build_keeps_what_it_made(tmp_path: Path) -> None:
    """Ctrl-C after a few recordings: those are in the manifest; the next build goes on from there."""
    folder = tmp_path / "audio"
    job = audio_build.prepare(CONTENT, folder, "espeak", ["nl"])
    finished: list[Key] = []

    def done(key: Key, error: str | None) -> None:
        finished.append(key)
        if len(finished) == 5:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        audio_build.run(job, tts.Espeak(workers=2), done)
    kept = audio_build.read_manifest(folder)
    assert set(finished) <= set(kept)
    assert {e.file for e in kept.values()} | {"manifest.json"} == {p.name for p in folder.iterdir()}
    again = audio_build.run(audio_build.prepare(CONTENT, folder, "espeak", ["nl"]), tts.Espeak())
    assert (NL - len(kept), len(kept), []) == (len(again.generated), again.unchanged, again.failed)


def test_a_second_build_at_the_same_time_is_refused_and_undoes_nothing(audio_copy: Path) -> None:
    """While a build runs (start.sh's long gTTS one, say), an operator's `build-audio --engine
    espeak` refuses at once and says why, instead of rewriting the manifest and pruning the
    files the running build is making."""
    theirs = audio_copy / "nl-prompt-welcome-0123456789abcdef.mp3"  # named by the other's plan
    theirs.write_bytes(b"")
    before = mtimes(audio_copy)
    with audio_build.exclusive(audio_copy):
        code, output = build(audio_copy, "--force")
    assert 1 == code
    assert f"another audio build is running in {audio_copy}" in output
    assert "nothing was changed; run this again when it has ended" in output
    assert before == mtimes(audio_copy)
    assert 0 == build(audio_copy)[0]  # once the other has ended, a build runs (and prunes)
    assert not theirs.exists()


def test_a_failing_engine_is_reported_and_keeps_the_old_recording(audio_copy: Path) -> None:
    """espeak-ng without the voice: every text fails, exit 1, and the old files are kept."""
    manifest = audio_build.read_manifest(audio_copy)
    job = audio_build.prepare(CONTENT, audio_copy, "espeak", ["vi"], force=True)
    result = audio_build.run(job, tts.Espeak(binary="no-such-espeak"))
    assert (0, PER_LANGUAGE["vi"]) == (len(result.generated), len(result.failed))
    assert "no-such-espeak is not installed (Debian: apt-get install espeak-ng)" == result.failed[0][1]
    assert manifest == audio_build.read_manifest(audio_copy)
    assert all((audio_copy / e.file).exists() for e in manifest.values())


# -- planning ------------------------------------------------------------------------------

def test_file_names_change_with_everything_that_shapes_the_sound() -> None:
    """Text, language, speed, engine and voice settings each give another name; nothing else."""
    key = Key("answer:b8-3", "nl", False)
    name = audio_build.file_name(key, "Tekst.", "espeak", {"voice": "nl", "speed": 160})
    assert name == audio_build.file_name(key, "Tekst.", "espeak", {"speed": 160, "voice": "nl"})
    assert audio_build.NAME.fullmatch(name)
    assert name.startswith("nl-answer-b8-3-")
    others = {
        audio_build.file_name(key, "Tekst!", "espeak", {"voice": "nl", "speed": 160}),
        audio_build.file_name(key._replace(lang="en"), "Tekst.", "espeak",
                              {"voice": "nl", "speed": 160}),
        audio_build.file_name(key._replace(slow=True), "Tekst.", "espeak",
                              {"voice": "nl", "speed": 160}),
        audio_build.file_name(key, "Tekst.", "gtts", {"voice": "nl", "speed": 160}),
        audio_build.file_name(key, "Tekst.", "espeak", {"voice": "nl+f3", "speed": 160}),
        audio_build.file_name(key, "Tekst.", "espeak", {"voice": "nl", "speed": 115}),
    }
    assert 6 == len(others) and name not in others


def test_a_broken_manifest_is_named_and_never_served(audio_copy: Path) -> None:
    """A manifest naming a path outside the folder is refused whole: Twilio's voice says all."""
    path = audio_copy / "manifest.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["recordings"][0]["file"] = "../../app.py"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(audio_build.ManifestError,
                       match=re.escape("recording 1: '../../app.py' is no recording's name")):
        audio_build.read_manifest(audio_copy)
    app = make_app(HELPLINE_AUDIO_DIR=str(audio_copy))
    reply = Caller(app.test_client()).call()
    assert {"Say"} == {h.verb for h in reply.heard}
    result = app.test_cli_runner().invoke(args=["helpline", "check"])
    assert 0 == result.exit_code
    assert "warning: audio: " in result.output and "is no recording's name" in result.output


# -- playing and serving --------------------------------------------------------------------

def test_a_whole_call_plays_recordings_the_app_serves(built: Built) -> None:
    """With audio built, every word of every call is a Play of an absolute URL we serve."""
    app = make_app(HELPLINE_AUDIO_DIR=str(built.folder))
    client = app.test_client()
    played: set[str] = set()

    def listen(item: Heard) -> None:
        assert "Play" == item.verb, item
        played.add(item.text)

    walk(client, listen)
    urls = {key: f"{PUBLIC_URL}/audio/{e.file}" for key, e in built.manifest().items()}
    assert played <= set(urls.values())
    # The walk keeps to opening hours, so not every prompt is met; every menu and answer is.
    heard = {key for key, url in urls.items() if url in played}
    assert {key for key in WANTED if key.unit.startswith(("menu:", "answer:", "lang:"))} <= heard
    for url in sorted(played)[:40]:
        response = client.get(url.removeprefix(PUBLIC_URL))
        assert 200 == response.status_code
        assert "audio/mpeg" == response.mimetype
        assert (built.folder / url.rsplit("/", 1)[1]).read_bytes() == response.data
        response.close()


def test_a_recording_is_served_to_be_cached_for_good(built: Built) -> None:
    """/audio/<name>: audio/mpeg, an ETag, immutable for a year; a revalidation gets 304."""
    entry = built.manifest()[Key("prompt:voice_welcome", "nl", False)]
    client = make_app(HELPLINE_AUDIO_DIR=str(built.folder)).test_client()
    response = client.get(f"/audio/{entry.file}")
    assert (200, "audio/mpeg") == (response.status_code, response.mimetype)
    assert entry.bytes == len(response.data) == int(response.headers["Content-Length"])
    assert f'"{entry.file.removesuffix(".mp3")}"' == response.headers["ETag"]
    cache = response.cache_control
    assert (True, 365 * 24 * 3600, True) == (cache.public, cache.max_age, cache.immutable)
    response.close()
    again = client.get(f"/audio/{entry.file}", headers={"If-None-Match": response.headers["ETag"]})
    assert 304 == again.status_code
    again.close()


@pytest.mark.parametrize("path", [
    "/audio/manifest.json", "/audio/../app.py", "/audio/..%2fapp.py", "/audio/%2e%2e%2fapp.py",
    "/audio/nl-answer-b8-3-0000000000000000.mp3", "/audio/", "/audio/a/b.mp3",
    "/audio/.manifest.json.1.2.tmp",
])
def test_only_recordings_in_the_manifest_are_served(built: Built, path: str) -> None:
    """Any other name under /audio/ (or a path that leaves the folder) is a 404."""
    client = make_app(HELPLINE_AUDIO_DIR=str(built.folder)).test_client()
    assert 404 == client.get(path).status_code


def test_a_file_the_manifest_does_not_name_is_not_served(audio_copy: Path) -> None:
    """A recording's file left in the folder, but not in the manifest, is a 404."""
    stray = "nl-answer-b8-3-0123456789abcdef.mp3"
    shutil.copy(next(audio_copy.glob("nl-answer-b8-3-*.mp3")), audio_copy / stray)
    client = make_app(HELPLINE_AUDIO_DIR=str(audio_copy)).test_client()
    assert 404 == client.get(f"/audio/{stray}").status_code


def _language_menu(app: Flask) -> list[Heard]:
    return Caller(app.test_client()).call().heard


def test_a_missing_recording_is_said_by_twilio(audio_copy: Path) -> None:
    """English's file is gone: the language menu says English, and plays the rest."""
    manifest = audio_build.read_manifest(audio_copy)
    (audio_copy / manifest[Key("lang:en", "en", False)].file).unlink()
    heard = _language_menu(make_app(HELPLINE_AUDIO_DIR=str(audio_copy)))
    english = CONTENT.prompts["en"].text["voice_choose_language"].format(key=2)
    assert [("Play", "nl"), ("Play", "nl"), ("Say", english), ("Play", "ro")] == [
        (h.verb, h.text if h.verb == "Say" else h.text.split("/audio/")[1][:2]) for h in heard[:4]]
    assert "en-GB" == heard[2].language


def test_a_recording_of_an_older_text_is_never_played(content_copy: Path, audio_copy: Path) -> None:
    """Staff edit the Dutch welcome and audio is not rebuilt yet: Twilio says the new text."""
    prompts = content_copy / "prompts" / "nl.yaml"
    old = CONTENT.prompts["nl"].text["voice_welcome"]
    text = prompts.read_text(encoding="utf-8")
    assert "Welkom bij de hulplijn mensenhandel." in text
    prompts.write_text(text.replace("Welkom bij de hulplijn mensenhandel.",
                                    "Welkom bij de hulplijn."), encoding="utf-8")
    app = app_on(content_copy, HELPLINE_AUDIO_DIR=str(audio_copy))
    first = _language_menu(app)[0]
    assert ("Say", "nl-NL") == (first.verb, first.language)
    assert first.text != old.format(emergency=CONTENT.contacts.emergency)
    assert first.text.startswith("Welkom bij de hulplijn. ")
    result = app.test_cli_runner().invoke(args=["helpline", "check"])
    assert 0 == result.exit_code, result.output
    assert (f"warning: audio nl: 0 of {NL} recordings missing, 1 stale (their text or voice "
            "changed): run `flask --app app helpline build-audio --lang nl`") in result.output
    assert f"  en: {EN} of {EN}" in result.output
    assert "20 answers" in result.output.splitlines()[-1]


def test_without_a_public_url_the_recordings_are_root_relative(built: Built) -> None:
    """No HELPLINE_PUBLIC_URL (development): Play URLs are /audio/<name>, resolved by Twilio."""
    app = make_app(HELPLINE_AUDIO_DIR=str(built.folder), HELPLINE_PUBLIC_URL=None,
                   HELPLINE_ENV="development")
    catalog = app.extensions["helpline.catalog"].current
    assert isinstance(catalog.audio, AudioFiles)
    entry = built.manifest()[Key("prompt:voice_welcome", "nl", False)]
    assert f"/audio/{entry.file}" == catalog.audio.url("prompt:voice_welcome", "nl", False)


def test_healthz_shows_the_share_of_recordings_played_per_language(audio_copy: Path) -> None:
    """/healthz: every language complete; a Dutch file gone makes Dutch partial (still healthy)."""
    body = make_app(HELPLINE_AUDIO_DIR=str(audio_copy)).test_client().get("/healthz").get_json()
    assert {"status": "complete", "coverage": dict.fromkeys(CONTENT.languages, 1.0)} == body["audio"]
    manifest = audio_build.read_manifest(audio_copy)
    (audio_copy / manifest[Key("answer:b8-3", "nl", True)].file).unlink()
    response = make_app(HELPLINE_AUDIO_DIR=str(audio_copy)).test_client().get("/healthz")
    body = response.get_json()
    assert (200, "ok", "partial") == (response.status_code, body["status"], body["audio"]["status"])
    assert round((NL - 1) / NL, 3) == body["audio"]["coverage"]["nl"]
    assert 1.0 == body["audio"]["coverage"]["en"]


def test_check_says_when_no_audio_is_built() -> None:
    """`check` warns (and passes) when no recording exists: callers hear Twilio's voice."""
    result = make_app().test_cli_runner().invoke(args=["helpline", "check"])
    assert 0 == result.exit_code
    assert "warning: audio: none built in " in result.output


def test_a_finished_build_goes_live_without_a_restart(audio_copy: Path) -> None:
    """The running app looks at the manifest with the content: a new build is played at once."""
    manifest = audio_build.read_manifest(audio_copy)
    key = Key("prompt:voice_welcome", "nl", False)
    (audio_copy / manifest.pop(key).file).unlink()
    audio_build.write_manifest(audio_copy, manifest)
    app = make_app(HELPLINE_AUDIO_DIR=str(audio_copy))
    holder = app.extensions["helpline.catalog"]
    assert None is holder.current.audio.url(*key)
    assert None is holder.reload_if_changed()
    code, output = build(audio_copy)
    assert (0, f"1 generated, {len(WANTED) - 1} unchanged, 0 failed, 0 pruned") == (
        code, summary(output))
    assert holder.reload_if_changed() is True
    assert holder.current.audio.url(*key).startswith(f"{PUBLIC_URL}/audio/nl-prompt-voice-welcome-")


def test_a_full_disk_fails_the_recordings_it_could_not_write(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No space left after a few files: the rest are reported failed, the first ones kept."""
    write = audio_build._write_atomically
    written: list[Path] = []

    def filling_up(path: Path, data: bytes) -> None:
        if path.suffix == ".mp3" and len(written) >= 3:
            raise OSError(28, "No space left on device")
        written.append(path)
        write(path, data)

    monkeypatch.setattr(audio_build, "_write_atomically", filling_up)
    folder = tmp_path / "audio"
    job = audio_build.prepare(CONTENT, folder, "espeak", ["fr"])
    result = audio_build.run(job, tts.Espeak(workers=1))  # one at a time: exactly 3 fit
    assert (3, FR - 3) == (len(result.generated), len(result.failed))
    assert "cannot write: [Errno 28] No space left on device" == result.failed[0][1]
    assert {e.file for e in result.generated} == {
        e.file for e in audio_build.read_manifest(folder).values()}
