"""``GET /healthz``: is the content loaded and current, and can the store be reached."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from . import catalog
from .store import get_store

bp = Blueprint("health", __name__)


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
        content["error"] = str(holder.error)
    store = get_store()
    store_ok = store.ping()
    body = {
        "status": "ok" if content["status"] == "ok" and store_ok else "degraded",
        "content": content,
        "store": {"status": "ok" if store_ok else "unreachable",
                  "kind": "embedded" if store.embedded else "redis"},
    }
    return jsonify(body), 200 if current is not None and store_ok else 503
