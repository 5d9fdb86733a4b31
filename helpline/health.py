"""``GET /healthz``: content version, store reachable, and audio coverage per language."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from . import audio, catalog
from .catalog import Catalog
from .logs import redact
from .store import get_store

bp = Blueprint("health", __name__)


def audio_coverage(current: Catalog) -> dict[str, float | None]:
    """Return per language the share (0 to 1) of recordings played from a file.

    None means not known: no audio was ever built (no manifest), and callers hear ``<Say>``
    (the fallback), which is not a fault. A stale or missing recording counts as not there.
    """
    figures = audio.coverage_of(current)
    if figures is None:
        return dict.fromkeys(current.content.languages)
    return {lang: round(f["with_audio"] / f["units"], 3) if f["units"] else 1.0
            for lang, f in figures.items()}


def _audio(current: Catalog) -> dict[str, object]:
    coverage = audio_coverage(current)
    known = [share for share in coverage.values() if share is not None]
    if len(known) < len(coverage):
        status = "unknown"
    elif all(share >= 1 for share in known):
        status = "complete"
    else:
        status = "missing" if not any(known) else "partial"
    return {"status": status, "coverage": coverage}


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    holder = catalog.holder()
    current = holder.current
    content: dict[str, object] = {"status": "ok" if holder.error is None else "stale"}
    if current is None:
        content["status"] = "missing"
    else:
        content.update(version=current.version, languages=list(current.content.languages),
                       warnings=len(current.warnings), loaded_at=holder.loaded_at)
    if holder.error is not None:
        content["error"] = redact(str(holder.error))  # it may quote a staff number
    store = get_store()
    store_status = store.check()
    store_ok = store_status == "ok"
    body = {
        "status": "ok" if content["status"] == "ok" and store_ok else "degraded",
        "content": content,
        "store": {"status": store_status, "kind": "embedded" if store.embedded else "redis"},
    }
    if current is not None:
        # Audio never makes the helpline unhealthy: a missing file is spoken with <Say>.
        body["audio"] = _audio(current)
    return jsonify(body), 200 if current is not None and store_ok else 503
