# The helpline: gunicorn serving app:app as an unprivileged user. See docker-compose.yml.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# espeak-ng: the offline voice for the audio build when gTTS cannot be reached.
RUN apt-get update \
 && apt-get install -y --no-install-recommends espeak-ng \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies first, exactly as pyproject.toml lists them: a change to the code or the
# content then rebuilds only the layers below.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
      > /tmp/requirements.txt \
 && pip install -r /tmp/requirements.txt \
 && rm /tmp/requirements.txt

COPY . .

# Check the content while building: a staff typo then stops the build with every problem listed,
# and `docker compose up -d --build` keeps the running container (a broken image would stop at
# start.sh's own check and restart in a loop instead). It reads only the files: no secrets, no
# Redis. Warnings and the segment counts (stdout) are left for the start's check to print.
RUN flask --app app helpline check > /dev/null \
 || { echo "The image was not built: fix the content (above) and build again. A container" \
           "already running keeps serving its own content." >&2; exit 1; }

# The code and content stay root's (read-only to the app); the app owns only var/ (audio).
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin helpline \
 && mkdir -p /app/var/audio \
 && chown -R helpline:helpline /app/var
USER helpline

ENV PORT=8000 \
    HELPLINE_AUDIO_DIR=/app/var/audio
EXPOSE 8000
VOLUME ["/app/var/audio"]
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
  CMD ["python", "/app/deploy/healthcheck.py"]

# check the content, build missing audio, then exec gunicorn --config gunicorn.conf.py app:app
CMD ["/app/deploy/start.sh"]
