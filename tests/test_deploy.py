"""The deployment files, checked without a Docker engine: compose, env example, Dockerfile."""

from __future__ import annotations

import json
import logging
import os
import re
import runpy
import shlex
import subprocess
import sys
import time
import types
from pathlib import Path
from typing import Any

import pytest
import yaml

from bench.servers import free_port
from helpline.config import DEFAULTS
from helpline.logs import JsonLines

from .conftest import ROOT, app_on, make_app
from .twilio_client import Texter

COMPOSE: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
APP, REDIS = COMPOSE["services"]["app"], COMPOSE["services"]["redis"]
EXAMPLE_ENV = ROOT / "deploy" / "helpline.env.example"
DOCKERFILE = (ROOT / "Dockerfile").read_text()


def server_settings() -> dict[str, str]:
    """The variables gunicorn.conf.py reads, with their defaults."""
    found: dict[str, str] = runpy.run_path(str(ROOT / "gunicorn.conf.py"))["ENVIRONMENT"]
    return found


def variables_read() -> set[str]:
    """Every environment variable the app (helpline/config.py) or its server reads."""
    return set(DEFAULTS) | set(server_settings())


def env_file_names(path: Path) -> list[str]:
    """The names an env file sets (``NAME=value`` lines; comments and blank lines skipped)."""
    lines = [line.strip() for line in path.read_text().splitlines()]
    return [line.split("=", 1)[0] for line in lines if line and not line.startswith("#")]


def compose_environment(service: dict[str, Any]) -> dict[str, str]:
    environment = service.get("environment", {})
    if isinstance(environment, list):
        environment = dict(item.split("=", 1) for item in environment)
    return {str(k): str(v) for k, v in environment.items()}


def named_volumes(service: dict[str, Any]) -> dict[str, str]:
    """Mount point -> named volume of every named volume the service mounts."""
    mounts = {}
    for volume in service.get("volumes", []):
        source, target = volume.split(":")[:2]
        if source in (COMPOSE.get("volumes") or {}):
            mounts[target] = source
    return mounts


def dockerfile_instructions(name: str) -> list[str]:
    """The arguments of every ``name`` instruction, continuation lines joined."""
    joined = re.sub(r"\\\n\s*", " ", DOCKERFILE)
    return [line.split(None, 1)[1].strip() for line in joined.splitlines()
            if line.split(None, 1)[:1] == [name]]


def test_compose_runs_the_app_and_redis() -> None:
    """Two services, each with a health check."""
    assert {"app", "redis"} == set(COMPOSE["services"])
    for service in (APP, REDIS):
        assert service["healthcheck"]["test"]


def test_redis_appends_to_a_file_on_a_named_volume() -> None:
    """Redis persists with appendonly yes, in /data on a named volume."""
    command = REDIS["command"]
    command = shlex.split(command) if isinstance(command, str) else command
    assert "yes" == command[command.index("--appendonly") + 1]
    assert "/data" in named_volumes(REDIS)
    assert REDIS["image"].startswith("redis:7")


def test_app_waits_for_a_healthy_redis() -> None:
    """The app starts only once Redis answers its health check."""
    assert {"redis": {"condition": "service_healthy"}} == APP["depends_on"]


def test_audio_is_built_into_a_named_volume() -> None:
    """HELPLINE_AUDIO_DIR, as compose sets it, is a named volume that outlives the container."""
    assert compose_environment(APP)["HELPLINE_AUDIO_DIR"] in named_volumes(APP)


def test_app_healthcheck_asks_healthz() -> None:
    """The app's health check is deploy/healthcheck.py, which asks GET /healthz."""
    assert ["CMD", "python", "/app/deploy/healthcheck.py"] == APP["healthcheck"]["test"]
    assert "/healthz" in (ROOT / "deploy" / "healthcheck.py").read_text()


def test_compose_sets_only_variables_the_app_reads() -> None:
    """A misspelt variable in docker-compose.yml would be silently ignored: there is none."""
    assert set(compose_environment(APP)) <= variables_read()


def test_example_env_file_lists_every_variable_the_app_reads_and_no_other() -> None:
    """deploy/helpline.env.example names each setting once, and only real ones."""
    names = env_file_names(EXAMPLE_ENV)
    assert sorted(set(names)) == sorted(names), "a variable is listed twice"
    assert sorted(variables_read()) == sorted(names)


def test_compose_reads_the_env_file_the_example_is_for() -> None:
    """The operator copies the example to the file compose reads."""
    assert EXAMPLE_ENV.with_suffix("") == ROOT / APP["env_file"]


def run_start_script(tmp_path: Path, flask_script: str,
                     gunicorn: str = "") -> tuple[int, list[str]]:
    """Run deploy/start.sh with stand-ins for flask and gunicorn; return its exit and their calls."""
    calls, bin_dir = tmp_path / "calls", tmp_path / "bin"
    bin_dir.mkdir()
    for name, body in (("flask", flask_script), ("gunicorn", gunicorn)):
        stub = bin_dir / name
        stub.write_text(f'#!/bin/sh\necho "{name} $*" >> "{calls}"\n{body}\n')
        stub.chmod(0o755)
    result = subprocess.run([str(ROOT / "deploy" / "start.sh")], capture_output=True,
                            env={**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"},
                            timeout=30, check=False)
    return result.returncode, calls.read_text().splitlines() if calls.exists() else []


CHECK = "flask --app app helpline check"
HAS_AUDIO = "flask --app app helpline build-audio --help"
SERVE = "gunicorn --config gunicorn.conf.py app:app"


def test_start_serves_without_waiting_for_the_audio_build(tmp_path: Path) -> None:
    """Check first; then gunicorn serves while the audio build runs beside it (never before it)."""
    served = tmp_path / "served"
    # The build stand-in finishes only once gunicorn has started: were the build run before the
    # server, it would give up after 10 s and record that instead.
    build = (f'case "$*" in *build-audio) i=0; while [ ! -f "{served}" ] && [ $i -lt 200 ]; '
             f'do sleep 0.05; i=$((i+1)); done; [ -f "{served}" ] && echo "build finished after serving" '
             f'>> "{tmp_path / "calls"}";; esac')
    code, calls = run_start_script(tmp_path, build, gunicorn=f'touch "{served}"')
    for _ in range(200):  # the build ends in the background, after the script
        if "build finished after serving" in calls:
            break
        time.sleep(0.05)
        calls = (tmp_path / "calls").read_text().splitlines()
    assert 0 == code
    assert [CHECK, HAS_AUDIO] == calls[:2]
    assert {"flask --app app helpline build-audio", SERVE} <= set(calls)
    assert "build finished after serving" == calls[-1]


def test_start_serves_without_audio_build_until_there_is_one(tmp_path: Path) -> None:
    """Without a build-audio command (no audio yet), start goes from the check to gunicorn."""
    code, calls = run_start_script(tmp_path, 'case "$*" in *build-audio*) exit 2;; esac')
    assert (0, [CHECK, HAS_AUDIO, SERVE]) == (code, calls)


def test_the_example_env_file_as_docker_passes_it_lets_the_start_check_pass(tmp_path: Path) -> None:
    """docker passes the example's empty settings (``NAME=``) as empty values: the start's
    check still passes and writes nothing where it runs (the image's /app is read-only to the
    app). An empty PROMETHEUS_MULTIPROC_DIR made prometheus_client keep its files there."""
    example = {}
    for line in EXAMPLE_ENV.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, value = line.split("=", 1)
            example[name.strip()] = value
    assert "" == example["PROMETHEUS_MULTIPROC_DIR"]
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), **example,
           "HELPLINE_AUDIO_DIR": str(tmp_path / "audio")}
    result = subprocess.run([str(Path(sys.executable).parent / "flask"), "--app",
                             str(ROOT / "app.py"), "helpline", "check"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120, check=False)
    assert 0 == result.returncode, result.stderr[-2000:]
    assert [] == sorted(path.name for path in tmp_path.iterdir() if path.suffix == ".db")


def test_start_refuses_content_with_errors(tmp_path: Path) -> None:
    """If check fails, the container stops there: gunicorn never serves broken content."""
    code, calls = run_start_script(tmp_path, 'case "$*" in *check*) exit 1;; esac')
    assert (1, [CHECK]) == (code, calls)


def test_image_runs_as_an_unprivileged_user() -> None:
    """The last USER of the Dockerfile is neither root nor uid 0."""
    users = dockerfile_instructions("USER")
    assert users
    assert users[-1].split(":")[0] not in ("root", "0")


def test_image_starts_with_the_start_script() -> None:
    """The image's command is deploy/start.sh (tested above), which the image can execute."""
    assert ['["/app/deploy/start.sh"]'] == dockerfile_instructions("CMD")
    assert (ROOT / "deploy" / "start.sh").stat().st_mode & 0o111


def test_image_sets_only_variables_the_app_reads() -> None:
    """ENV in the Dockerfile names only settings (or Python's own PYTHON*/PIP* switches)."""
    names = {word.split("=", 1)[0] for line in dockerfile_instructions("ENV") for word in line.split()}
    assert {n for n in names if not n.startswith(("PYTHON", "PIP_"))} <= variables_read()


def test_image_installs_the_dependencies_of_pyproject() -> None:
    """The Dockerfile installs what pyproject.toml lists, not a copy of the list."""
    assert any("pyproject.toml" in line and "pip install" in line
               for line in dockerfile_instructions("RUN"))


@pytest.mark.parametrize(("environ", "expected"), [
    ({}, (2, 4, ["0.0.0.0:8000"])),
    ({"GUNICORN_WORKERS": "3", "GUNICORN_THREADS": "16", "PORT": "9000"}, (3, 16, ["0.0.0.0:9000"])),
    ({"GUNICORN_WORKERS": " ", "GUNICORN_THREADS": ""}, (2, 4, ["0.0.0.0:8000"])),
])
def test_gunicorn_takes_workers_threads_and_port_from_the_environment(
    environ: dict[str, str], expected: tuple[int, int, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Workers, threads and port come from the environment; empty means the default."""
    for name in server_settings():
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert expected == (settings["workers"], settings["threads"], settings["bind"])
    assert "gthread" == settings["worker_class"]


@pytest.mark.parametrize(("name", "value"), [("GUNICORN_WORKERS", "two"), ("PORT", "80a"),
                                           ("GUNICORN_THREADS", "0"), ("GUNICORN_TIMEOUT", "-1")])
def test_a_server_setting_typo_stops_gunicorn_with_its_name(name: str, value: str) -> None:
    """gunicorn stops at a typo in its settings with one line naming the variable, not a
    traceback of the config file ending in "invalid literal for int()"."""
    result = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--config", str(ROOT / "gunicorn.conf.py"),
         "--check-config", "app:app"], cwd=ROOT, env={**os.environ, name: value},
        capture_output=True, text=True, timeout=60, check=False)
    assert 1 == result.returncode
    assert (f"gunicorn.conf.py: {name} must be a whole number of at least 1, not {value!r}"
            == result.stderr.strip())


def test_a_wrong_app_setting_stops_gunicorn_with_one_line_naming_it(tmp_path: Path) -> None:
    """A production server missing a secret stops at once: one JSON line (the app's shape)
    that names what to set, then gunicorn's "App failed to load"; no traceback, and no
    worker after worker failing the same way."""
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "HELPLINE_ENV": "production",
           "PORT": str(free_port()), "GUNICORN_WORKERS": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--config", str(ROOT / "gunicorn.conf.py"), "app:app"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert 4 == result.returncode  # gunicorn's "App failed to load"
    logged = [json.loads(line) for line in result.stderr.splitlines()]
    said = [entry["message"] for entry in logged if entry["logger"] == "helpline"]
    assert ["the helpline cannot start: refusing to start in production without "
            "TWILIO_AUTH_TOKEN and HELPLINE_HASH_KEY and HELPLINE_ENCRYPTION_KEY and "
            "HELPLINE_PUBLIC_URL; set them (see README), or set HELPLINE_ENV=development on a "
            "development machine"] == said
    assert "Reason: App failed to load." == logged[-1]["message"]
    assert "Traceback" not in result.stderr


def test_the_metrics_directory_a_server_made_is_removed_even_after_a_reload(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The directory made for the workers' figures goes when the server stops, also after a
    reload (HUP), which reads gunicorn.conf.py again: nothing piles up in /tmp."""
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", "")  # (and after the test, as it was)
    server = types.SimpleNamespace()
    runpy.run_path(str(ROOT / "gunicorn.conf.py"))["on_starting"](server)
    made = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    assert made.is_dir()
    reloaded = runpy.run_path(str(ROOT / "gunicorn.conf.py"))  # as a HUP does
    reloaded["on_exit"](server)
    assert not made.exists()


def test_gunicorn_opens_no_control_socket() -> None:
    """gunicorn (25.1+) would open a control socket under $HOME, which the container's user
    cannot write: an error at every start, and a way to manage workers nobody needs."""
    from gunicorn.config import Config

    config = Config()
    for name, value in runpy.run_path(str(ROOT / "gunicorn.conf.py")).items():
        if name in config.settings:
            config.set(name, value)
    assert config.control_socket_disable is True



ALERTS: dict[str, Any] = yaml.safe_load((ROOT / "deploy" / "prometheus-alerts.yml").read_text())


def test_alert_rules_use_only_what_metrics_serves() -> None:
    """Every alert has a severity and a summary, and asks only for metrics (and label values)
    /metrics serves: a renamed metric would silence an alert without anyone noticing."""
    from .test_metrics import scrape

    app = make_app()
    Texter(app.test_client(), "+31612345678").send("HULP")
    served = {name for name, _ in scrape(app)}
    labels = {label: {value for _, labels in scrape(app) for key, value in labels if key == label}
              for label in ("channel", "limit", "reason")}
    rules = [rule for group in ALERTS["groups"] for rule in group["rules"]]
    assert {"HelplineDown", "HelplineServerErrors", "HelplineStoreFailing",
            "HelplineReplyCapReached"} <= {rule["alert"] for rule in rules}
    for rule in rules:
        assert rule["labels"]["severity"] in ("critical", "warning"), rule["alert"]
        assert rule["annotations"]["summary"], rule["alert"]
        for name in re.findall(r"\bhelpline_[a-z_]+", rule["expr"]):
            assert name in served, (rule["alert"], name)
        for label, value in re.findall(r'\b(channel|limit|reason)="([^"]+)"', rule["expr"]):
            assert value in labels[label], (rule["alert"], label, value)


@pytest.mark.parametrize("rule", [rule for group in ALERTS["groups"] for rule in group["rules"]],
                         ids=lambda rule: rule["alert"])
def test_every_alert_expression_is_promql(rule: dict[str, Any]) -> None:
    """Prometheus would refuse the whole file for one expression it cannot parse."""
    import promql_parser

    promql_parser.parse(rule["expr"])
    assert set(rule) <= {"alert", "expr", "for", "labels", "annotations"}


def dockerfile_steps() -> list[tuple[str, str]]:
    """Every instruction of the Dockerfile in order, as (name, arguments), continuations joined."""
    joined = re.sub(r"\\\n\s*", " ", DOCKERFILE)
    return [(words[0], words[1].strip()) for line in joined.splitlines()
            if (words := line.split(None, 1))[:1] and not words[0].startswith("#")
            and len(words) == 2]


def build_check() -> str:
    """The shell command of the Dockerfile's RUN that checks the content."""
    found = [args for name, args in dockerfile_steps() if name == "RUN" and CHECK in args]
    assert 1 == len(found), "the image build runs no content check"
    return found[0]


def run_as_the_build_does(command: str, tmp_path: Path,
                          **environ: str) -> subprocess.CompletedProcess[str]:
    """Run ``command`` as the image build would: the Dockerfile's ENV so far and nothing else
    (no secrets, no Redis, no audio: var/ is not in the build context)."""
    env = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "HOME": str(tmp_path),
           "HELPLINE_AUDIO_DIR": str(tmp_path / "var" / "audio")}
    for line in dockerfile_instructions("ENV")[:1]:  # the ENV before COPY: Python's switches
        env.update(word.split("=", 1) for word in line.split())
    env.update(environ)
    return subprocess.run(["sh", "-c", command], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120, check=False)


def test_image_build_checks_the_content_it_copied() -> None:
    """A staff typo fails `docker compose up -d --build` itself, so the running container is
    kept, instead of an image that builds and then stops at start.sh's check in a restart loop."""
    steps = dockerfile_steps()
    copy_all = steps.index(("COPY", ". ."))
    check = steps.index(("RUN", build_check()))
    assert copy_all < check < steps.index(("CMD", '["/app/deploy/start.sh"]'))


def test_the_build_check_passes_on_the_shipped_content(tmp_path: Path) -> None:
    """The build's check needs nothing the build lacks: no secrets, no Redis, no audio."""
    result = run_as_the_build_does(build_check(), tmp_path)
    assert (0, "") == (result.returncode, result.stderr)
    assert not (tmp_path / "var").exists()


def test_the_build_check_stops_the_build_on_a_content_error(content_copy: Path,
                                                            tmp_path: Path) -> None:
    """The build log names the problem and says what is true: no image, the old one serves."""
    menu = content_copy / "content" / "menu.yaml"
    menu.write_text(menu.read_text(encoding="utf-8").replace("main:", "main", 1), encoding="utf-8")
    result = run_as_the_build_does(build_check(), tmp_path,
                                   HELPLINE_CONTENT_DIR=str(content_copy / "content"))
    assert 0 != result.returncode
    assert "error: content/menu.yaml:" in result.stderr
    assert "The image was not built" in result.stderr
    assert "keeps serving the last good version" not in result.stderr


def test_check_claims_nothing_that_is_false_at_start(content_copy: Path) -> None:
    """check runs by hand, in the build and in start.sh (where the container then stops): its
    own message must not promise that the helpline keeps serving."""
    menu = content_copy / "content" / "menu.yaml"
    menu.write_text(menu.read_text(encoding="utf-8").replace("main:", "main", 1), encoding="utf-8")
    result = app_on(content_copy).test_cli_runner().invoke(args=["helpline", "check"])
    assert 1 == result.exit_code
    assert "problem(s) found (above): this content cannot go live until they are fixed" \
        in result.output
    assert "keeps serving" not in result.output


def test_start_says_why_it_stops(tmp_path: Path) -> None:
    """A container that stops on broken (mounted) content says so in its log."""
    calls, bin_dir = tmp_path / "calls", tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "flask").write_text(
        f'#!/bin/sh\necho "flask $*" >> "{calls}"\necho "prompts/en.yaml:4: a problem"\nexit 1\n')
    (bin_dir / "flask").chmod(0o755)
    result = subprocess.run([str(ROOT / "deploy" / "start.sh")], capture_output=True,
                            text=True, env={**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"},
                            timeout=30, check=False)
    assert 1 == result.returncode
    logged = [json.loads(line) for line in result.stderr.splitlines()]  # JSON, like the app's
    assert [("ERROR", "start.sh", "prompts/en.yaml:4: a problem"),  # every problem, in the log
            ("ERROR", "start.sh", "start.sh: the check failed (above: the content, or a "
                                  "setting): the helpline does not start")] == [
        (entry["level"], entry["logger"], entry["message"]) for entry in logged]


def test_the_audio_builds_output_and_its_failure_are_json_lines(tmp_path: Path) -> None:
    """The audio build beside the server logs JSON lines too, its failure at level ERROR, in
    the shape of the app's own lines (helpline.logs.JsonLines)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "flask").write_text(
        '#!/bin/sh\ncase "$*" in *" check") echo "OK: content";; '
        '*"build-audio") echo "speaking with espeak"; echo "failed: nl answer"; exit 1;; esac\n')
    (bin_dir / "gunicorn").write_text("#!/bin/sh\n")
    for tool in ("flask", "gunicorn"):
        (bin_dir / tool).chmod(0o755)
    result = subprocess.run([str(ROOT / "deploy" / "start.sh")], capture_output=True, text=True,
                            env={**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}",
                                 "HELPLINE_ENV": "production"}, timeout=30, check=False)
    logged = [json.loads(line) for line in result.stderr.splitlines()]
    assert [("INFO", "start.sh", "OK: content"),
            ("INFO", "build-audio", "speaking with espeak"),
            ("INFO", "build-audio", "failed: nl answer"),
            ("ERROR", "start.sh", "start.sh: the audio build failed; serving with <Say> where "
                                  "audio is missing")] == [
        (entry["level"], entry["logger"], entry["message"]) for entry in logged]
    record = logging.LogRecord("helpline", logging.INFO, __file__, 1, "x", None, None)
    assert set(json.loads(JsonLines().format(record))) == set(logged[0])


def test_a_good_start_logs_one_line_of_the_check(tmp_path: Path) -> None:
    """On good content the container's log gets check's last line, not its tables, as a JSON
    line like the app's; then the audio build and gunicorn start."""
    calls, bin_dir = tmp_path / "calls", tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "flask").write_text(
        f'#!/bin/sh\necho "flask $*" >> "{calls}"\n'
        'case "$*" in *" check") echo "| nl | table |"; echo "OK: content";; esac\n')
    (bin_dir / "gunicorn").write_text(f'#!/bin/sh\necho "gunicorn $*" >> "{calls}"\n')
    for tool in ("flask", "gunicorn"):
        (bin_dir / tool).chmod(0o755)
    result = subprocess.run([str(ROOT / "deploy" / "start.sh")], capture_output=True,
                            text=True, env={**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"},
                            timeout=30, check=False)
    assert (0, "") == (result.returncode, result.stdout)
    logged = [json.loads(line) for line in result.stderr.splitlines()]
    assert [("INFO", "start.sh", "OK: content")] == [
        (entry["level"], entry["logger"], entry["message"]) for entry in logged]
    assert "gunicorn --config gunicorn.conf.py app:app" in calls.read_text()
