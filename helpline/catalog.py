"""The content as the app serves it: loaded, validated and prepared once, then only read.

``build_catalog`` is pure (files in, immutable catalog out). ``init_app`` loads it when the
app starts and keeps the last good version; ``current()`` is what a request reads.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, current_app

from . import engine, sms_input
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

    @property
    def version(self) -> str:
        return self.content.version

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return self.content.warnings


def build_catalog(content_dir: Path, prompts_dir: Path,
                  audio: AudioIndex = NO_AUDIO) -> Catalog:
    """Load, validate and prepare the content; raise :class:`ContentError` on any problem."""
    content = load_content(content_dir, prompts_dir)
    book, problems = build_sms_book(content)
    if errors_only(problems):
        raise ContentError(problems)
    rules = engine.Rules(content.tree, tuple(content.languages), book.pages)
    voice, problems = build_voice_book(content, rules, audio)
    if errors_only(problems):
        raise ContentError(problems)
    return Catalog(content, book, rules, sms_input.Keywords.from_content(content), voice)


class CatalogHolder:
    """Keeps the last good catalog, and the error of the last load that failed."""

    def __init__(self, content_dir: Path, prompts_dir: Path) -> None:
        self.content_dir = content_dir
        self.prompts_dir = prompts_dir
        self.current: Catalog | None = None
        self.error: ContentError | None = None
        self._lock = threading.Lock()

    def load(self) -> bool:
        """Try to (re)load; on failure keep serving the last good version."""
        with self._lock:
            try:
                catalog = build_catalog(self.content_dir, self.prompts_dir)
            except ContentError as exc:
                self.error = exc
                log.error("content not loaded, %d problem(s):\n%s", len(exc.problems), exc)
                return False
            self.current, self.error = catalog, None
        for warning in catalog.warnings:
            level = logging.WARNING if "EXAMPLE" in warning.message else logging.INFO
            log.log(level, "content: %s", warning)
        return True


def init_app(app: Flask) -> None:
    holder = CatalogHolder(Path(app.config["HELPLINE_CONTENT_DIR"]),
                           Path(app.config["HELPLINE_PROMPTS_DIR"]))
    holder.load()
    app.extensions["helpline.catalog"] = holder


def holder() -> CatalogHolder:
    found: CatalogHolder = current_app.extensions["helpline.catalog"]
    return found


def current() -> Catalog | None:
    """Return the catalog being served (None only if content never loaded)."""
    return holder().current
