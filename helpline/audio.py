"""Recordings in the running app: which file a unit plays, and ``GET /audio/<name>``.

``build-audio`` (:mod:`helpline.audio_build`) writes the files and their manifest into
``HELPLINE_AUDIO_DIR``. The app reads the manifest with the content (and again when either
changes) and plays a recording only while it still speaks the current text with the current
settings: after an edit, Twilio's voice says the new text until the audio is built again.
Only files the loaded manifest names are served, under their content-hashed names, so they
may be cached for good.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from flask import Blueprint, abort, send_file
from flask.typing import ResponseReturnValue

from . import catalog as catalog_module
from .audio_build import (
    MANIFEST,
    NAME,
    Key,
    Manifest,
    ManifestError,
    is_fresh,
    read_manifest,
    wanted,
)
from .catalog import Catalog
from .content import Content
from .voice_book import NO_AUDIO, AudioIndex
from .voice_script import spoken_units

log = logging.getLogger(__name__)

bp = Blueprint("audio", __name__)

ONE_YEAR = 365 * 24 * 3600

Coverage = Mapping[str, Mapping[str, int]]


@dataclass(frozen=True)
class AudioFiles:
    """The recordings the app plays: an :class:`~helpline.voice_book.AudioIndex`.

    Equal to another only if it plays the same files from the same place (a catalog is
    cached by the index it was built with).
    """

    folder: Path
    base_url: str  # the file names are appended to this
    files: tuple[tuple[Key, str], ...]
    coverage: Coverage = field(compare=False)
    names: frozenset[str] = field(init=False, compare=False)
    _by_key: Mapping[Key, str] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_key", MappingProxyType(dict(self.files)))
        object.__setattr__(self, "names", frozenset(name for _, name in self.files))

    def url(self, unit_id: str, lang: str, slow: bool) -> str | None:
        name = self._by_key.get(Key(unit_id, lang, slow))
        return None if name is None else self.base_url + name


def manifest_path(folder: Path) -> Path:
    return folder / MANIFEST


def _present(folder: Path) -> set[str]:
    return {p.name for p in folder.glob("*.mp3")} if folder.is_dir() else set()


def _playable(content: Content, manifest: Manifest, present: set[str]) -> dict[Key, str]:
    """Return the file of each recording that exists and speaks the current text."""
    texts = spoken_units(content)
    return {key: entry.file for key, entry in manifest.items()
            if entry.file in present and is_fresh(content, entry, texts)}


def coverage(content: Content, manifest: Manifest,
             folder: Path | None) -> dict[str, dict[str, int]]:
    """Count, per language, the recordings the content needs and how many can be played.

    ``units``: recordings needed (every unit, and each answer once more, slowly);
    ``with_audio``: those played from a file; ``stale``: those whose file speaks an older
    text or was made with other settings (Twilio's voice says them); ``missing``: the rest.
    """
    return _count(content, manifest,
                  _playable(content, manifest, set() if folder is None else _present(folder)))


def _count(content: Content, manifest: Manifest, playable: Mapping[Key, str]) -> dict[str, dict[str, int]]:
    counts = {lang: {"units": 0, "with_audio": 0, "stale": 0, "missing": 0}
              for lang in content.languages}
    for want in wanted(content):
        figures = counts[want.key.lang]
        figures["units"] += 1
        if want.key in playable:
            figures["with_audio"] += 1
        elif want.key in manifest:
            figures["stale"] += 1
        else:
            figures["missing"] += 1
    return counts


def load_index(content: Content, folder: Path, public_url: str | None) -> AudioIndex:
    """Return the recordings of ``folder`` that speak ``content`` as it is now.

    ``public_url`` (``HELPLINE_PUBLIC_URL``) makes the URLs absolute; without it they are
    root-relative.
    """
    try:
        manifest = read_manifest(folder)
    except ManifestError as exc:
        log.error("audio: %s; Twilio's voice says everything until it is built again", exc)
        return NO_AUDIO
    if not manifest:
        return NO_AUDIO
    playable = _playable(content, manifest, _present(folder))
    if playable and not public_url:
        log.warning("audio: HELPLINE_PUBLIC_URL is not set, so recordings are played from "
                    "root-relative URLs (/audio/...): set it to the URL Twilio calls")
    base_url = f"{(public_url or '').rstrip('/')}/audio/"
    return AudioFiles(folder.resolve(), base_url, tuple(sorted(playable.items())),
                      MappingProxyType(_count(content, manifest, playable)))


def coverage_of(catalog: Catalog) -> Coverage | None:
    """Return the coverage (see :func:`coverage`) of a loaded catalog; None if no audio was built."""
    return catalog.audio.coverage if isinstance(catalog.audio, AudioFiles) else None


@bp.get("/audio/<name>")
def recording(name: str) -> ResponseReturnValue:
    """Serve a recording the loaded manifest names, and nothing else."""
    # No path is built from the request but a name found in that list.
    current = catalog_module.current()
    files = None if current is None else current.audio
    if not isinstance(files, AudioFiles) or name not in files.names or not NAME.fullmatch(name):
        abort(404)
    try:
        response = send_file(files.folder / name, mimetype="audio/mpeg", conditional=True,
                             etag=name.removesuffix(".mp3"), max_age=ONE_YEAR)
    except FileNotFoundError:  # pruned by a build since the manifest was read
        abort(404)
    # The name changes whenever the sound does: this URL's bytes never change.
    response.cache_control.immutable = True
    return response
