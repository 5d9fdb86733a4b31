#!/usr/bin/env bash
# Container start: refuse to serve content with errors, then serve while the audio is brought up
# to date beside the server.
set -euo pipefail
cd "$(dirname "$0")/.."

# What runs before and beside gunicorn logs through this, so that every line of the container's
# log is a JSON line like the app's and gunicorn's (text with HELPLINE_ENV=development).
log() { python3 deploy/json_lines.py "$@"; }

# Errors in content/ or prompts/ stop the start, with every problem in the log. (The image
# build runs the same check, so this fails only on content mounted over the image's.) On
# success only its last line is logged, not check's tables.
if ! report=$(flask --app app helpline check 2>&1); then
  printf '%s\n' "$report" | log start.sh ERROR
  echo "start.sh: the check failed (above: the content, or a setting): the helpline does not start" \
    | log start.sh ERROR
  exit 1
fi
printf '%s\n' "$report" | tail -n 1 | log start.sh INFO

# The audio build runs beside the server, never before it: a first gTTS build takes about ten
# minutes, and callers must not wait for it. It is incremental (only texts whose audio is missing
# or out of date are spoken), the app plays each recording as soon as the build's manifest names
# it, and until then, or if the build fails, callers hear the text spoken by Twilio (<Say>).
if flask --app app helpline build-audio --help >/dev/null 2>&1; then
  { flask --app app helpline build-audio 2>&1 | log build-audio INFO \
      || echo "start.sh: the audio build failed; serving with <Say> where audio is missing" \
        | log start.sh ERROR; } &
fi

exec gunicorn --config gunicorn.conf.py app:app
