"""``build-audio``: which recordings the content needs, which exist, and making the rest.

A *recording* is one unit of :mod:`helpline.voice_script` in one language at one speed
(answers also slowly). Its file name carries a hash of everything that shapes the sound
(text, language, engine, the engine's voice settings, speed, output format)::

    nl-answer-b8-3-slow-3f9a0c1d2e4b5a69.mp3

so an unchanged text is never spoken twice, a changed one gets a new name (Twilio caches
what it plays by URL: it can never play the old sound), and a file that exists under its name
is complete (it was written to a temporary file and renamed). ``manifest.json`` in the same
folder says which file plays which (unit, language, speed); files it no longer names are
pruned. The manifest can be lost: the next build finds the files by their names again.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import NamedTuple

from . import tts
from .content import Content
from .content.model import Voice
from .voice_script import has_slow_variant, spoken_units

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
LOCK = ".build.lock"  # held by the build under way (never pruned: not an .mp3)
MANIFEST_FORMAT = 1
# What a recording's file name may look like: the /audio route serves nothing else.
NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,150}-[0-9a-f]{16}\.mp3")
CHECKPOINT_SECONDS = 30.0  # a long build also writes the manifest this often


class Key(NamedTuple):
    """What a recording is of: a unit, in a language, slowly or not."""

    unit: str
    lang: str
    slow: bool


class Want(NamedTuple):
    """A recording the content needs, and the text it speaks."""

    key: Key
    text: str


@dataclass(frozen=True)
class Entry:
    """A line of the manifest: the file that plays ``key``, and how it was made."""

    unit: str
    lang: str
    slow: bool
    file: str
    engine: str
    seconds: float
    bytes: int

    @property
    def key(self) -> Key:
        return Key(self.unit, self.lang, self.slow)


Manifest = Mapping[Key, Entry]


class ManifestError(Exception):
    """The manifest cannot be read; the message says where."""


def wanted(content: Content, langs: Iterable[str] | None = None) -> list[Want]:
    """Return every recording the content needs (in ``langs``, or all languages)."""
    chosen = set(content.languages if langs is None else langs)
    found = []
    for (unit, lang), text in spoken_units(content).items():
        if lang in chosen:
            found.append(Want(Key(unit, lang, False), text))
            if has_slow_variant(unit):
                found.append(Want(Key(unit, lang, True), text))
    return found


def file_name(key: Key, text: str, engine: str, settings: tts.Settings) -> str:
    """Return the file name of ``key`` saying ``text``, made by ``engine`` with ``settings``."""
    shaped = json.dumps({"text": text, "lang": key.lang, "slow": key.slow, "engine": engine,
                         "settings": dict(settings), "format": dict(tts.FORMAT)},
                        sort_keys=True, ensure_ascii=False)
    digest = hashlib.sha256(shaped.encode("utf-8")).hexdigest()[:16]
    readable = re.sub(r"[^a-z0-9]+", "-", f"{key.lang}-{key.unit}".lower()).strip("-")[:120]
    return f"{readable}{'-slow' if key.slow else ''}-{digest}.mp3"


def expected_name(content: Content, want: Want, engine: str) -> str | None:
    """Return the name ``engine`` gives ``want`` now; None if that engine is unknown."""
    settings = tts.settings_of(engine, content.languages[want.key.lang].voice, want.key.slow)
    return None if settings is None else file_name(want.key, want.text, engine, settings)


def is_fresh(content: Content, entry: Entry, texts: Mapping[tuple[str, str], str]) -> bool:
    """Say whether ``entry`` still speaks the current text with the current settings."""
    text = texts.get((entry.unit, entry.lang))
    if text is None or entry.lang not in content.languages:
        return False
    return expected_name(content, Want(entry.key, text), entry.engine) == entry.file


# -- the manifest ---------------------------------------------------------------------------

def read_manifest(folder: Path) -> dict[Key, Entry]:
    """Return the manifest in ``folder`` (empty if there is none); raise ManifestError."""
    path = folder / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise ManifestError(f"{path}: cannot be read ({type(exc).__name__})") from None
    if not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT:
        raise ManifestError(f"{path}: not a manifest of format {MANIFEST_FORMAT}")
    entries: dict[Key, Entry] = {}
    for number, item in enumerate(data.get("recordings", []), start=1):
        try:
            entry = Entry(unit=str(item["unit"]), lang=str(item["lang"]), slow=bool(item["slow"]),
                          file=str(item["file"]), engine=str(item["engine"]),
                          seconds=float(item["seconds"]), bytes=int(item["bytes"]))
        except (KeyError, TypeError, ValueError):
            raise ManifestError(f"{path}: recording {number} is incomplete") from None
        if not NAME.fullmatch(entry.file):
            raise ManifestError(f"{path}: recording {number}: {entry.file!r} is no recording's name")
        entries[entry.key] = entry
    return entries


def write_manifest(folder: Path, entries: Manifest) -> None:
    """Write the manifest whole, or not at all (a reader never sees half of it)."""
    recordings = [asdict(entries[key]) for key in sorted(entries)]
    text = json.dumps({"format": MANIFEST_FORMAT, "recordings": recordings},
                      ensure_ascii=False, indent=1)
    _write_atomically(folder / MANIFEST, (text + "\n").encode("utf-8"))


def _write_atomically(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        with temporary.open("wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()


# -- planning (no sound is made here) --------------------------------------------------------

@dataclass
class Job:
    """A planned build: what to make, what is there already, what to keep as it is."""

    content: Content
    folder: Path
    engine: str
    make: list[tuple[Want, str]]  # (recording, its file name)
    unchanged: dict[Key, Entry]
    keep: dict[Key, Entry]  # entries this build does not replace (other languages, old ones)


def plan(content: Content, folder: Path, engine: str, old: Manifest, present: set[str],
         langs: Iterable[str] | None = None, force: bool = False) -> Job:
    """Decide what a build makes: every recording of ``langs`` whose file is not there yet.

    Pure: the manifest and the file names in the folder in, the plan out. A file that
    exists under the name the recording would get is reused (``force``: never).
    """
    everything = {want.key for want in wanted(content)}
    keep = {key: entry for key, entry in old.items() if key in everything}
    make, unchanged = [], {}
    for want in wanted(content, langs):
        name = expected_name(content, want, engine)
        assert name is not None, f"unknown engine {engine!r}"
        if name in present and not force:
            before = old.get(want.key)
            unchanged[want.key] = before if before is not None and before.file == name else \
                Entry(*want.key, file=name, engine=engine, seconds=-1.0, bytes=-1)
        else:
            make.append((want, name))
    return Job(content, folder, engine, make, unchanged, keep)


def unreferenced(present: Iterable[str], entries: Manifest) -> list[str]:
    """Return the recordings' files no entry names (to prune)."""
    named = {entry.file for entry in entries.values()}
    return sorted(name for name in present if name not in named)


# -- building --------------------------------------------------------------------------------

@dataclass
class Summary:
    """What a build did."""

    generated: list[Entry] = field(default_factory=list)
    unchanged: int = 0
    failed: list[tuple[Key, str]] = field(default_factory=list)
    pruned: list[str] = field(default_factory=list)
    seconds: float = 0.0


class BuildRunning(Exception):
    """Another build holds the folder: running beside it would undo its work."""


@contextlib.contextmanager
def exclusive(folder: Path) -> Iterator[None]:
    """Hold ``folder`` for one whole build (plan, make, manifest, prune), or refuse at once.

    A build rewrites the manifest from its own plan and prunes every file that plan does not
    name: two at once (start.sh's long gTTS build and an operator's espeak one) would undo
    each other. The lock goes with the process, even one that was killed.
    """
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / LOCK).open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildRunning(
                f"another audio build is running in {folder} (deploy/start.sh starts one at "
                "every container start; a first gTTS build takes about ten minutes): nothing was "
                "changed; run this again when it has ended") from None
        yield


def prepare(content: Content, folder: Path, engine: str, langs: Iterable[str] | None = None,
            force: bool = False) -> Job:
    """Read what ``folder`` holds and plan the build (see :func:`plan`)."""
    try:
        old = read_manifest(folder)
    except ManifestError as exc:
        # The files are still found by their names: nothing is spoken twice.
        log.warning("%s; starting a new one", exc)
        old = {}
    present = {p.name for p in folder.glob("*.mp3")} if folder.is_dir() else set()
    return plan(content, folder, engine, old, {n for n in present if NAME.fullmatch(n)},
                langs, force)


def run(job: Job, engine: tts.Engine,
        done: Callable[[Key, str | None], None] = lambda key, error: None) -> Summary:
    """Make the planned recordings, ``engine.workers`` at a time, and prune the rest.

    ``done`` hears of each recording (and its error, if it failed). A recording that failed
    keeps its old file, if it had one. An interrupted build (an exception, Ctrl-C) keeps every
    file it finished and writes them into the manifest before it stops; it prunes nothing.
    """
    assert engine.name == job.engine, "the file names were planned for another engine"
    started = time.monotonic()
    folder = job.folder
    folder.mkdir(parents=True, exist_ok=True)
    summary = Summary(unchanged=len(job.unchanged))
    entries = {**job.keep, **{k: _measured(folder, e) for k, e in job.unchanged.items()}}
    languages = job.content.languages
    pool = ThreadPoolExecutor(max_workers=max(1, engine.workers), thread_name_prefix="tts")
    futures: dict[Future[Entry], Want] = {
        pool.submit(_make, folder, engine, want, name, languages[want.key.lang].voice): want
        for want, name in job.make}
    written = time.monotonic()
    finished = False
    try:
        for future in as_completed(futures):
            key = futures[future].key
            try:
                entry = future.result()
            except (tts.TtsError, OSError) as exc:  # OSError: the file could not be written
                why = str(exc) if isinstance(exc, tts.TtsError) else f"cannot write: {exc}"
                summary.failed.append((key, why))
                done(key, why)
            else:
                entries[key] = entry
                summary.generated.append(entry)
                done(key, None)
            if time.monotonic() - written > CHECKPOINT_SECONDS:
                write_manifest(folder, entries)
                written = time.monotonic()
        finished = True
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        if not finished:  # what was being spoken when the build stopped is kept too
            for future, want in futures.items():
                if future.done() and not future.cancelled() and future.exception() is None:
                    entries[want.key] = future.result()
        write_manifest(folder, entries)
    summary.pruned = _prune(folder, entries)
    summary.seconds = time.monotonic() - started
    return summary


def _make(folder: Path, engine: tts.Engine, want: Want, name: str, voice: Voice) -> Entry:
    recording = engine.speak(want.text, voice, want.key.slow)
    _write_atomically(folder / name, recording.mp3)
    return Entry(*want.key, file=name, engine=engine.name, seconds=recording.seconds,
                 bytes=len(recording.mp3))


def _measured(folder: Path, entry: Entry) -> Entry:
    """Fill in the size and length of a file found by its name (not in the manifest)."""
    if entry.bytes >= 0:
        return entry
    mp3 = (folder / entry.file).read_bytes()
    return Entry(entry.unit, entry.lang, entry.slow, entry.file, entry.engine,
                 tts.duration(mp3), len(mp3))


def _prune(folder: Path, entries: Manifest) -> list[str]:
    present = [p.name for p in folder.glob("*.mp3") if NAME.fullmatch(p.name)]
    pruned = unreferenced(present, entries)
    for name in pruned:
        with contextlib.suppress(FileNotFoundError):
            (folder / name).unlink()
    for leftover in folder.glob(".*.tmp"):  # from a build that was killed mid-file
        with contextlib.suppress(FileNotFoundError):
            leftover.unlink()
    return pruned
