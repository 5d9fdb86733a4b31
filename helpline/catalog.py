"""The content as the app serves it: loaded, validated and prepared once, then only read.

``build_catalog`` is pure (files in, immutable catalog out). ``init_app`` loads it when the
app starts and keeps the last good version; ``current()`` is what a request reads.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from flask import Flask, current_app

from . import engine, metrics, sms_input
from .background import Periodic
from .content import Content, ContentError, Problem, load_content
from .content._problems import errors_only
from .sms_book import SmsBook, build_sms_book
from .voice_book import NO_AUDIO, AudioIndex, VoiceBook, build_voice_book

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Catalog:
    """Everything a request needs, prepared: content, SMS texts, engine rules, keywords, TwiML."""

    content: Content
    sms: SmsBook
    rules: engine.Rules
    keywords: sms_input.Keywords
    voice: VoiceBook
    audio: AudioIndex = NO_AUDIO  # the recordings the voice documents play

    @property
    def version(self) -> str:
        return self.content.version

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return self.content.warnings


def fingerprint(*folders: Path) -> str:
    """Return a digest of every file under ``folders`` (or of a file given itself)."""
    digest = hashlib.sha256()
    for folder in folders:
        if folder.is_file():
            digest.update(folder.name.encode() + b"\0" + folder.read_bytes())
        for path in sorted(folder.rglob("*")) if folder.is_dir() else []:
            if path.is_file():
                digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def build_catalog(content_dir: Path, prompts_dir: Path,
                  audio: AudioIndex = NO_AUDIO) -> Catalog:
    """Load, validate and prepare the content; raise :class:`ContentError` on any problem.

    Unchanged files are not prepared twice in one process (tests build many apps, and a
    reload that finds nothing changed costs only reading the files).
    """
    return _build(content_dir.resolve(), prompts_dir.resolve(),
                  fingerprint(content_dir, prompts_dir), audio)


@dataclass(frozen=True)
class _Texts:
    """The part of a catalog that does not depend on the recordings: most of the work."""

    content: Content
    sms: SmsBook
    rules: engine.Rules
    keywords: sms_input.Keywords


@lru_cache(maxsize=4)
def _texts(content_dir: Path, prompts_dir: Path, fingerprint: str) -> _Texts:
    content = load_content(content_dir, prompts_dir)
    book, problems = build_sms_book(content)
    if errors_only(problems):
        raise ContentError(problems)
    rules = engine.Rules(content.tree, tuple(content.languages), book.pages)
    return _Texts(content, book, rules, sms_input.Keywords.from_content(content))


@lru_cache(maxsize=4)
def _build(content_dir: Path, prompts_dir: Path, fingerprint: str,
           audio: AudioIndex = NO_AUDIO) -> Catalog:
    texts = _texts(content_dir, prompts_dir, fingerprint)
    voice, problems = build_voice_book(texts.content, texts.rules, audio)
    if errors_only(problems):
        raise ContentError(problems)
    return Catalog(texts.content, texts.sms, texts.rules, texts.keywords, voice, audio)


class CatalogHolder:
    """Keeps the last good catalog, and the error of the last load that failed.

    With ``reload_seconds`` > 0 a background thread (one per worker process, started by the
    first request so that it survives gunicorn's fork) re-reads the files that often and swaps
    in a new version atomically, but only one that validates.

    ``audio`` finds the recordings that speak a loaded content; files in ``also_watch`` (the
    audio manifest) are looked at with the content, so a finished audio build goes live.
    """

    def __init__(self, content_dir: Path, prompts_dir: Path, quiet: bool = False,
                 reload_seconds: float = 0,
                 audio: Callable[[Content], AudioIndex] | None = None,
                 also_watch: tuple[Path, ...] = ()) -> None:
        self.quiet = quiet  # CLI commands report problems themselves
        self.content_dir = content_dir
        self.prompts_dir = prompts_dir
        self.reload_seconds = reload_seconds
        self.audio = audio
        self.also_watch = also_watch
        self.current: Catalog | None = None
        self.error: ContentError | None = None
        self.loaded_at: float | None = None
        self._fingerprint: str | None = None
        self._lock = threading.Lock()
        self._watcher = Periodic(reload_seconds, self.reload_if_changed, "content reload")

    def load(self) -> bool:
        """Try to (re)load; on failure keep serving the last good version."""
        with self._lock:
            self._fingerprint = self._watched()
            content_fingerprint = fingerprint(self.content_dir, self.prompts_dir)
            try:
                # The same cache keys as build_catalog's (check, tests): the texts are
                # prepared once, then the voice documents with the recordings of this content.
                where = (self.content_dir.resolve(), self.prompts_dir.resolve(),
                         content_fingerprint)
                texts = _texts(*where)
                audio = self.audio(texts.content) if self.audio is not None else NO_AUDIO
                catalog = _build(*where, audio)
            except ContentError as exc:
                self.error = exc
                if not self.quiet:
                    metrics.content_load_failed()
                    still = " (still serving the last good version)" if self.current else ""
                    log.error("content not loaded%s, %d problem(s):\n%s", still,
                              len(exc.problems), exc)
                return False
            self.current, self.error, self.loaded_at = catalog, None, time.time()
        if not self.quiet:
            log.info("content version %s loaded", catalog.version)
            for warning in catalog.warnings:
                level = logging.WARNING if "EXAMPLE" in warning.message else logging.INFO
                log.log(level, "content: %s", warning)
        return True

    def reload_if_changed(self) -> bool | None:
        """Reload when any file changed; None when nothing did."""
        if self._watched() == self._fingerprint:
            return None
        return self.load()

    def _watched(self) -> str:
        return fingerprint(self.content_dir, self.prompts_dir, *self.also_watch)

    def watch(self) -> None:
        """Start the reload thread of this process, once."""
        self._watcher.start()


def init_app(app: Flask) -> None:
    from . import audio  # here: the audio route reads the catalog

    audio_dir = Path(app.config["HELPLINE_AUDIO_DIR"])
    public_url = app.config["HELPLINE_PUBLIC_URL"]
    holder = CatalogHolder(Path(app.config["HELPLINE_CONTENT_DIR"]),
                           Path(app.config["HELPLINE_PROMPTS_DIR"]),
                           quiet=not app.config["HELPLINE_SERVING"],
                           reload_seconds=float(app.config["HELPLINE_RELOAD_SECONDS"]),
                           audio=lambda content: audio.load_index(content, audio_dir, public_url),
                           also_watch=(audio.manifest_path(audio_dir),))
    holder.load()
    app.extensions["helpline.catalog"] = holder
    if app.config["HELPLINE_SERVING"]:
        app.before_request(holder.watch)


def holder() -> CatalogHolder:
    found: CatalogHolder = current_app.extensions["helpline.catalog"]
    return found


def current() -> Catalog | None:
    """Return the catalog being served (None only if content never loaded)."""
    return holder().current
