"""Staff edit content while the helpline runs: good edits go live, broken ones are refused."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import ROOT, _free_port
from .twilio_client import parse_sms_twiml


class Server:
    """The helpline under gunicorn, as deployed, on a copy of the content."""

    def __init__(self, site: Path, **settings: str) -> None:
        self.site = site
        self.port = _free_port()
        env = {**os.environ, "HELPLINE_ENV": "development", "HELPLINE_RELOAD_SECONDS": "0.3",
               "HELPLINE_CONTENT_DIR": str(site / "content"),
               "HELPLINE_PROMPTS_DIR": str(site / "prompts"),
               # The test texts HULP every 0.1 s while a reload builds: no per-number limit here.
               "HELPLINE_SMS_PER_NUMBER": "100000", **settings}
        for name in ("REDIS_URL", "TWILIO_AUTH_TOKEN"):
            env.pop(name, None)
        self.log = (site / "server.log").open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{self.port}", "--workers", "1",
             "--threads", "2", "app:app"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )
        try:
            self.wait_until(lambda: self.health()[0] in (200, 503), "the server to start")
        except AssertionError:
            self.stop()  # never leave a server running behind a failed start
            raise

    def request(self, path: str, form: dict[str, str] | None = None) -> tuple[int, str]:
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", data, timeout=5) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def health(self) -> tuple[int, dict[str, Any]]:
        try:
            status, body = self.request("/healthz")
        except OSError:
            return 0, {}
        return status, json.loads(body)

    def sms(self, body: str) -> str | None:
        status, xml = self.request("/sms", {"From": "+31612345678", "Body": body})
        assert 200 == status
        return parse_sms_twiml(xml)

    @staticmethod
    def wait_until(condition: Callable[[], bool], what: str, seconds: float = 15) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if condition():
                return
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {what}")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
        self.log.close()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    site = tmp_path / "site"
    shutil.copytree(ROOT / "content", site / "content")
    shutil.copytree(ROOT / "prompts", site / "prompts")
    running = Server(site)
    yield running
    running.stop()


def test_broken_edit_is_refused_and_the_fixed_edit_goes_live(server: Server) -> None:
    """A broken edit: the old texts keep answering and /healthz says why; a fix is live in seconds."""
    prompts = server.site / "prompts" / "nl.yaml"
    good = prompts.read_text(encoding="utf-8")
    status, health = server.health()
    assert 200 == status
    old_version = health["content"]["version"]
    assert (server.sms("HULP") or "").startswith("Hulplijn mensenhandel. Informatie en hulp.")

    prompts.write_text(good.replace("  choose: Stuur een cijfer.", "  choose: [Stuur een cijfer."),
                       encoding="utf-8")
    server.wait_until(lambda: server.health()[1].get("content", {}).get("status") == "stale",
                      "/healthz to report the content as stale")
    status, health = server.health()
    assert 200 == status  # still serving: the last good version
    assert "prompts/nl.yaml:" in health["content"]["error"]
    assert "not valid YAML" in health["content"]["error"]
    assert (server.sms("HULP") or "").startswith("Hulplijn mensenhandel. Informatie en hulp.")

    prompts.write_text(good.replace("Hulplijn mensenhandel. Informatie en hulp.",
                                    "Hulplijn mensenhandel. Wij helpen je."), encoding="utf-8")
    # Poll /healthz, not /sms: texting in a loop would (rightly) hit the per-number limit.
    server.wait_until(lambda: server.health()[1].get("content", {}).get("status") == "ok",
                      "the fixed edit to go live")
    status, health = server.health()
    assert 200 == status
    assert "error" not in health["content"]
    assert health["content"]["version"] != old_version
    assert (server.sms("HULP") or "").startswith("Hulplijn mensenhandel. Wij helpen je.")


def test_a_load_with_recordings_prepares_the_texts_once(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """With recordings built, a (re)load prepares every SMS text once and the phone's documents
    once, with the recordings: a reload costs one preparation, not two."""
    from helpline import catalog as catalog_module

    for folder in ("content", "prompts"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    (tmp_path / "content" / "menu.yaml").write_text(
        (tmp_path / "content" / "menu.yaml").read_text() + "\n# a copy of its own\n")
    calls: list[str] = []

    def counted(name: str, real: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any) -> Any:
            calls.append(name)
            return real(*args)
        return call

    monkeypatch.setattr(catalog_module, "build_sms_book",
                        counted("sms", catalog_module.build_sms_book))
    monkeypatch.setattr(catalog_module, "build_voice_book",
                        counted("voice", catalog_module.build_voice_book))

    class Recordings:
        def url(self, unit_id: str, lang: str, slow: bool) -> str | None:
            return f"https://helpline.example.org/audio/{unit_id}-{lang}.mp3"

    recordings = Recordings()
    holder = catalog_module.CatalogHolder(tmp_path / "content", tmp_path / "prompts", quiet=True,
                                          audio=lambda content: recordings)
    assert holder.load()
    assert ["sms", "voice"] == calls
    assert holder.current is not None and recordings is holder.current.audio
