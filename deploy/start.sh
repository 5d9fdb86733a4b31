#!/bin/sh
# Container start: refuse to serve content with errors, bring the audio up to date, then serve.
set -eu
cd "$(dirname "$0")/.."

# Errors in content/ or prompts/ stop the start, with every problem in the log.
flask --app app helpline check

# Incremental: only texts whose audio is missing or out of date are spoken again. A failure is
# not fatal: callers hear the text spoken by Twilio (<Say>) where a file is missing.
if flask --app app helpline build-audio --help >/dev/null 2>&1; then
  flask --app app helpline build-audio || echo "start.sh: the audio build failed; serving with <Say> where audio is missing" >&2
fi

exec gunicorn --config gunicorn.conf.py app:app
