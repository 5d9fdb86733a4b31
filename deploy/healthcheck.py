"""Container health check: exit 0 if ``GET /healthz`` answers 200 within a few seconds."""

import os
import sys
import urllib.request

port = os.environ.get("PORT", "").strip() or "8000"
try:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=4) as response:
        sys.exit(0 if response.status == 200 else 1)
except OSError as exc:  # URLError and HTTPError (a 503) are OSErrors
    print(f"healthcheck: {exc}", file=sys.stderr)
    sys.exit(1)
