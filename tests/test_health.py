"""What GET /healthz says about content, store and audio (the store cases are in test_app.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from helpline import catalog, health

from .conftest import app_on


def test_healthz_names_the_content_version_being_served(embedded_app: Flask) -> None:
    """The version in /healthz is the one of the catalog the app serves."""
    with embedded_app.app_context():
        current = catalog.current()
    assert current is not None
    body = embedded_app.test_client().get("/healthz").get_json()
    assert current.version == body["content"]["version"]
    assert list(current.content.languages) == body["content"]["languages"]


def test_audio_coverage_is_unknown_per_language_until_audio_is_built(embedded_app: Flask) -> None:
    """Without an audio build, every language has coverage null, and that is still healthy."""
    response = embedded_app.test_client().get("/healthz")
    body = response.get_json()
    assert 200 == response.status_code
    assert "ok" == body["status"]
    assert "unknown" == body["audio"]["status"]
    assert dict.fromkeys(body["content"]["languages"]) == body["audio"]["coverage"]


@pytest.mark.parametrize(("shares", "status"), [
    ((1.0, 1.0), "complete"), ((1.0, 0.5), "partial"), ((0.0, 0.0), "missing"),
    ((1.0, None), "unknown"),
])
def test_audio_status_sums_up_the_coverage(shares: tuple[float | None, ...], status: str,
                                           embedded_app: Flask,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Complete when every language has all its audio, missing when none has any."""
    monkeypatch.setattr(health, "audio_coverage", lambda _: dict(zip(("nl", "en"), shares,
                                                                     strict=True)))
    body = embedded_app.test_client().get("/healthz").get_json()
    assert status == body["audio"]["status"]
    assert "ok" == body["status"]


def test_a_content_error_in_healthz_quotes_no_phone_number(content_copy: Path) -> None:
    """/healthz says why an edit was refused, but a staff number written in a form the check
    refuses ("06 8765 4321") is not in it: a prober or a health check may keep what it reads."""
    contacts = content_copy / "content" / "contacts.yaml"
    app = app_on(content_copy)
    contacts.write_text(contacts.read_text().replace('"+31000000001"', '"06.8765.4321"'))
    assert not app.extensions["helpline.catalog"].load()
    content = app.test_client().get("/healthz").get_json()["content"]
    assert "stale" == content["status"]
    assert "content/contacts.yaml:14: staff[0].number: '[number]'" in content["error"]
    assert "8765" not in content["error"]
