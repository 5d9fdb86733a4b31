"""The content as the app serves it: loaded, validated and prepared once, then only read.

``build_catalog`` is pure (files in, immutable catalog out). ``init_app`` loads it when the
app starts and keeps the last good version; ``current()`` is what a request reads.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from flask import Flask, current_app

from . import engine, sms_input
from .content import Content, ContentError, Problem, load_content
from .content._problems import errors_only
from .sms_book import SmsBook, build_sms_book

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Catalog:
    """Everything a request needs, prepared: content, SMS texts, engine rules, keywords."""

    content: Content
    sms: SmsBook
    rules: engine.Rules
    keywords: sms_input.Keywords

    @property
    def version(self) -> str:
        return self.content.version

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return self.content.warnings


def fingerprint(*folders: Path) -> str:
    """Return a digest of every file under ``folders``: equal digests, equal content."""
    digest = hashlib.sha256()
    for folder in folders:
        for path in sorted(folder.rglob("*")) if folder.is_dir() else []:
            if path.is_file():
                digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def build_catalog(content_dir: Path, prompts_dir: Path) -> Catalog:
    """Load, validate and prepare the content; raise :class:`ContentError` on any problem.

    Unchanged files are not prepared twice in one process (tests build many apps, and a
    reload that finds nothing changed costs only reading the files).
    """
    return _build(content_dir.resolve(), prompts_dir.resolve(),
                  fingerprint(content_dir, prompts_dir))


@lru_cache(maxsize=4)
def _build(content_dir: Path, prompts_dir: Path, fingerprint: str) -> Catalog:
    content = load_content(content_dir, prompts_dir)
    book, problems = build_sms_book(content)
    if errors_only(problems):
        raise ContentError(problems)
    rules = engine.Rules(content.tree, tuple(content.languages), book.pages)
    return Catalog(content, book, rules, sms_input.Keywords.from_content(content))


class CatalogHolder:
    """Keeps the last good catalog, and the error of the last load that failed."""

    def __init__(self, content_dir: Path, prompts_dir: Path, quiet: bool = False) -> None:
        self.quiet = quiet  # CLI commands report problems themselves
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
                if not self.quiet:
                    log.error("content not loaded, %d problem(s):\n%s", len(exc.problems), exc)
                return False
            self.current, self.error = catalog, None
        for warning in () if self.quiet else catalog.warnings:
            level = logging.WARNING if "EXAMPLE" in warning.message else logging.INFO
            log.log(level, "content: %s", warning)
        return True


def init_app(app: Flask) -> None:
    holder = CatalogHolder(Path(app.config["HELPLINE_CONTENT_DIR"]),
                           Path(app.config["HELPLINE_PROMPTS_DIR"]),
                           quiet=not app.config["HELPLINE_SERVING"])
    holder.load()
    app.extensions["helpline.catalog"] = holder


def holder() -> CatalogHolder:
    found: CatalogHolder = current_app.extensions["helpline.catalog"]
    return found


def current() -> Catalog | None:
    """Return the catalog being served (None only if content never loaded)."""
    return holder().current
