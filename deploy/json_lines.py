"""Write each line read from stdin to stderr as one JSON log line, as the app's are written.

    some-command 2>&1 | python3 deploy/json_lines.py LOGGER LEVEL

deploy/start.sh runs the content check and the audio build before and beside gunicorn: their
output goes through this, so that every line of the container's log is JSON (the shape of
``helpline.logs.JsonLines``: time, level, logger, message), redacted as the app's are. With
``HELPLINE_ENV=development`` lines pass as text (still redacted), as the app's logs are text
there. Standard library only: it runs before anything else of the app, and must work whatever
fails to import.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time

# As helpline.logs redacts every log line (the same pattern: a test keeps them the same): the
# check quotes what it refuses, a staff number written in a form it does not take included.
_PHONE_LIKE = re.compile(r"\+?\d(?:[\s().\/-]?\d){7,}")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def redact(text: str) -> str:
    """Replace anything that looks like a phone number with ``[number]``."""
    return _PHONE_LIKE.sub(lambda m: m.group(0) if _DATE.fullmatch(m.group(0)) else "[number]", text)


def as_json(line: str, logger: str, level: str, now: float | None = None) -> str:
    """Return ``line``, redacted, as one JSON log line from ``logger`` at ``level``."""
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(now))
    return json.dumps({"time": stamp, "level": level, "logger": logger, "message": redact(line)},
                      ensure_ascii=False)


def main(argv: list[str]) -> int:
    logger = argv[0] if argv else "start.sh"
    level = argv[1].upper() if len(argv) > 1 else "INFO"
    plain = os.environ.get("HELPLINE_ENV", "").strip().lower() == "development"
    for raw in sys.stdin:
        line = raw.rstrip("\n")
        if line.strip():
            print(redact(line) if plain else as_json(line, logger, level), file=sys.stderr,
                  flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
