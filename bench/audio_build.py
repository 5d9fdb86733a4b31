"""How long a full audio build takes with each engine, and how big the audio is per language.

    .venv/bin/python -m bench.audio_build [--gtts-delay 0.3] [--gtts-lang nl ...]

espeak-ng runs for real. gTTS cannot reach Google from a test machine: Google's endpoint is
FAKED at the HTTP layer (tests/fake_google.py), answering each request after --gtts-delay
seconds (an assumed round trip, not a measurement). Everything above it is real: gTTS,
requests, our throttle (one request per 0.25 s over all workers), the workers and the
encoding. So the gTTS figure shows what the throttle costs, not what Google does.
Each build starts from an empty folder (the first build of a deployment); a second build of
unchanged content speaks nothing.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import pytest

from helpline import audio_build, tts
from helpline.catalog import build_catalog
from tests.fake_google import FakeGoogle

ROOT = Path(__file__).resolve().parent.parent


def build(engine: tts.Engine, langs: list[str] | None) -> tuple[float, audio_build.Summary]:
    """Build into an empty folder (removed afterwards); return the seconds it took."""
    content = build_catalog(ROOT / "content", ROOT / "prompts").content
    with tempfile.TemporaryDirectory(prefix=f"bench-audio-{engine.name}-") as folder:
        started = time.perf_counter()
        job = audio_build.prepare(content, Path(folder), engine.name, langs)
        summary = audio_build.run(job, engine)
        return time.perf_counter() - started, summary


def per_language(summary: audio_build.Summary) -> None:
    totals: dict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0])
    for entry in summary.generated:
        figures = totals[entry.lang]
        figures[0] += 1
        figures[1] += entry.seconds
        figures[2] += entry.bytes
    print(f"  {'lang':<6}{'files':>6}{'minutes':>10}{'size':>11}{'kB/minute':>11}")
    rows = [*sorted(totals.items()), ("total", [sum(f[i] for f in totals.values()) for i in range(3)])]
    for lang, (files, seconds, size) in rows:
        print(f"  {lang:<6}{files:>6.0f}{seconds / 60:>10.1f}{size / 1e6:>8.2f} MB"
              f"{size / 1000 / (seconds / 60):>11.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gtts-delay", type=float, default=0.3,
                        help="seconds the fake Google takes per request (default 0.3)")
    parser.add_argument("--gtts-lang", action="append", dest="gtts_langs",
                        help="build only this language with gTTS (repeat; default: all)")
    args = parser.parse_args()

    seconds, summary = build(tts.Espeak(), None)
    print(f"espeak-ng (real): {len(summary.generated)} recordings, "
          f"{len(summary.failed)} failed, full build in {seconds:.1f} s")
    per_language(summary)

    monkeypatch = pytest.MonkeyPatch()
    google = FakeGoogle(delay=args.gtts_delay)
    google.install(monkeypatch)
    try:
        engine = tts.Gtts()
        seconds, summary = build(engine, args.gtts_langs)
    finally:
        monkeypatch.undo()
    which = ", ".join(args.gtts_langs) if args.gtts_langs else "all languages"
    print(f"\ngTTS, Google FAKED at the HTTP layer ({args.gtts_delay:.2f} s per request, "
          f"throttle {engine.interval:.2f} s, {engine.workers} workers), {which}: "
          f"{len(summary.generated)} recordings, {len(summary.failed)} failed, "
          f"{len(google.requests)} requests, full build in {seconds:.1f} s")
    print("  (its sound is the fake's tones, so no sizes: the format is the same constant "
          f"{tts.KBPS} kbps, {tts.KBPS * 60 // 8} kB per minute, mono {tts.SAMPLE_RATE} Hz)")


if __name__ == "__main__":
    main()
