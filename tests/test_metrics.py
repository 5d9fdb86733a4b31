"""What GET /metrics tells an operator: requests, latency, limits, and never anything personal."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask
from prometheus_client.parser import text_string_to_metric_families

from helpline import metrics

from .conftest import ROOT, app_on, make_app
from .twilio_client import HELPLINE_NUMBER, Caller, Texter, post_signed, sms_params, voice_params

NUMBER = "+31612345678"

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def samples_of(text: str) -> Samples:
    """Every sample of a Prometheus text, by name and labels."""
    samples: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def scrape(app: Flask) -> Samples:
    """Every sample of /metrics, by name and labels."""
    response = app.test_client().get("/metrics")
    assert 200 == response.status_code
    assert response.content_type.startswith("text/plain; version=")
    return samples_of(response.get_data(as_text=True))


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_sms_requests_are_counted_by_channel_and_status(embedded_app: Flask) -> None:
    """Two answered SMS and one refused (unsigned) show up under channel sms, 200 and 403."""
    before = scrape(embedded_app)
    texter = Texter(embedded_app.test_client(), NUMBER)
    texter.send("HULP")
    texter.send("1")
    embedded_app.test_client().post("/sms", data=sms_params(NUMBER, "1"))
    after = scrape(embedded_app)
    for status, added in (("200", 2), ("403", 1)):
        key = {"channel": "sms", "status": status}
        assert added == value(after, "helpline_requests_total", **key) - value(
            before, "helpline_requests_total", **key)


def test_latency_is_observed_per_channel(embedded_app: Flask) -> None:
    """Each answered SMS adds one observation to the sms latency histogram."""
    name = "helpline_request_duration_seconds_count"
    before = value(scrape(embedded_app), name, channel="sms")
    Texter(embedded_app.test_client(), NUMBER).send("HULP")
    assert 1 == value(scrape(embedded_app), name, channel="sms") - before


def test_handoffs_and_rate_limits_are_listed_before_they_happen(embedded_app: Flask) -> None:
    """The hand-off and rate-limit counters are there from the start, so dashboards see zero."""
    samples = scrape(embedded_app)
    for channel in ("sms", "voice"):
        assert ("helpline_handoffs_total", frozenset({("channel", channel)})) in samples
    for limit in ("number", "replies"):
        labels = frozenset({("channel", "sms"), ("limit", limit)})
        assert ("helpline_rate_limited_total", labels) in samples


def test_a_number_over_its_limit_is_counted() -> None:
    """A message refused by the per-number limit adds one to rate_limited{limit=number}."""
    app = make_app(HELPLINE_SMS_PER_NUMBER=1)
    name, labels = "helpline_rate_limited_total", {"channel": "sms", "limit": "number"}
    before = value(scrape(app), name, **labels)
    texter = Texter(app.test_client(), NUMBER)
    texter.send("HULP")
    assert texter.send("1").text is not None  # told to wait, once
    assert texter.send("1").text is None
    assert 2 == value(scrape(app), name, **labels) - before


def test_count_adds_one_with_the_given_labels() -> None:
    """metrics.count is how the hand-off feature will count a caller put through."""
    before = metrics.HANDOFFS.labels("voice")._value.get()
    metrics.count("handoffs", channel="voice")
    assert 1 == metrics.HANDOFFS.labels("voice")._value.get() - before


def test_no_number_body_or_query_reaches_a_label(embedded_app: Flask) -> None:
    """Labels are only channel, status, limit, a store failure's reason, a webhook error's
    cause and a refusal's signature kind: no number, message text or query string."""
    client = embedded_app.test_client()
    Texter(client, NUMBER).send("HULP")
    client.post("/sms?From=%2B31612345678&Body=secret", data=sms_params(NUMBER, "secret"))
    client.get("/healthz?number=0612345678")
    text = client.get("/metrics").get_data(as_text=True)
    for fragment in ("612345678", "secret", "HULP", "healthz"):
        assert fragment not in text
    label_names = {label for (name, labels) in scrape(embedded_app) for label, _ in labels
                   if name.startswith("helpline_")}
    assert label_names <= {"channel", "status", "limit", "reason", "cause", "signature", "le"}


@pytest.mark.parametrize(("path", "channel"), [
    ("/sms", "sms"), ("/voice", "voice"), ("/voice/nl/main/key", "voice"), ("/healthz", "other"),
    ("/metrics", "other"), ("/smsx", "other"), ("/", "other"),
])
def test_channel_is_named_by_the_first_path_segment(path: str, channel: str) -> None:
    """/sms is sms, /voice and everything under it is voice, anything else is other."""
    assert channel == metrics.channel(path)


def test_a_store_failure_is_counted_once_by_its_cause() -> None:
    """Redis unreachable: the first text counts one failure (cause ``unreachable``); the texts
    of the 2 seconds after it skip Redis and count none. Every cause is there from the start."""
    app = make_app(REDIS_URL="redis://127.0.0.1:1/0")
    before = scrape(app)
    assert {"unreachable", "read-only", "full", "refused"} <= {
        dict(labels)["reason"] for name, labels in before if name == "helpline_store_failures_total"}
    texter = Texter(app.test_client(), NUMBER)
    assert all(texter.send(body).text for body in ("HULP", "1"))
    after = scrape(app)
    name = "helpline_store_failures_total"
    assert 1 == value(after, name, reason="unreachable") - value(before, name, reason="unreachable")


def test_the_answers_an_alert_watches_start_at_zero() -> None:
    """A webhook's 200, 403 and 500 series exist before the first such answer: a series born at
    its first 5xx would show no increase, and the alert on any 5xx would miss it."""
    samples = scrape(make_app())
    for channel in ("sms", "voice"):
        for status in ("200", "403", "500"):
            assert ("helpline_requests_total",
                    frozenset({("channel", channel), ("status", status)})) in samples


def test_a_wrong_signature_and_none_are_counted_apart_from_the_start() -> None:
    """A request signed wrongly (Twilio's own, when the public URL or token is wrong) is counted
    as "wrong", one without a signature as "missing"; both series start at zero, so that the
    alert on the first wrong one sees it."""
    app = make_app()
    name = "helpline_signature_refusals_total"
    before = scrape(app)
    for channel in ("sms", "voice"):
        for kind in ("wrong", "missing"):
            assert (name, frozenset({("channel", channel), ("signature", kind)})) in before
    client = app.test_client()
    params = sms_params(NUMBER, "HULP")
    assert 403 == client.post("/sms", data=params,
                              headers={"X-Twilio-Signature": "d3JvbmcK"}).status_code
    assert 403 == client.post("/voice", data=params).status_code
    after = scrape(app)
    for channel, kind, added in (("sms", "wrong", 1), ("sms", "missing", 0),
                                 ("voice", "missing", 1), ("voice", "wrong", 0)):
        assert added == (value(after, name, channel=channel, signature=kind)
                         - value(before, name, channel=channel, signature=kind))


ERRORS = "helpline_webhook_errors_total"


def _broken(*args: object, **kwargs: object) -> None:
    raise RuntimeError("boom")


def test_an_apology_instead_of_an_answer_is_counted(monkeypatch: pytest.MonkeyPatch,
                                                    embedded_app: Flask) -> None:
    """A caller or texter who got the apology after an unexpected error got a 200 all the same:
    helpline_webhook_errors_total{cause="error"} is what an alert sees (it starts at zero)."""
    from helpline import engine, voice

    before = scrape(embedded_app)
    assert (ERRORS, frozenset({("channel", "voice"), ("cause", "error")})) in before
    monkeypatch.setattr(engine, "step", _broken)
    monkeypatch.setattr(voice, "figure", _broken)
    assert Texter(embedded_app.test_client(), NUMBER).send("HULP").text is not None
    assert Caller(embedded_app.test_client()).call().heard
    after = scrape(embedded_app)
    for channel in ("sms", "voice"):
        assert 1 == value(after, ERRORS, channel=channel, cause="error") - value(
            before, ERRORS, channel=channel, cause="error")


def test_an_apology_says_so_in_a_header_twilio_ignores(monkeypatch: pytest.MonkeyPatch,
                                                      embedded_app: Flask) -> None:
    """An answer that is the apology carries ``X-Helpline-Failed: error`` (what `helpline
    smoke` reads: the apology is a 200 with TwiML); a real answer carries none."""
    from helpline import engine, voice

    client = embedded_app.test_client()
    answered = [post_signed(client, "/sms", sms_params(NUMBER, "HULP")),
                post_signed(client, "/voice", voice_params(NUMBER, HELPLINE_NUMBER, "CA1"))]
    assert [None, None] == [r.headers.get(metrics.FAILED_HEADER) for r in answered]
    monkeypatch.setattr(engine, "step", _broken)
    monkeypatch.setattr(voice, "figure", _broken)
    failed = [post_signed(client, "/sms", sms_params(NUMBER, "1")),
              post_signed(client, "/voice", voice_params(NUMBER, HELPLINE_NUMBER, "CA2"))]
    assert [(200, "error"), (200, "error")] == [
        (r.status_code, r.headers.get(metrics.FAILED_HEADER)) for r in failed]


def test_line_down_without_content_is_counted_and_a_refused_edit_too(content_copy: Path) -> None:
    """Content that never loaded: every call and text gets "line down, call 112", counted as
    cause="no-content". A staff edit the checks refuse is counted too, while the last good
    version keeps serving."""
    answers = content_copy / "content" / "answers" / "en.yaml"
    good = answers.read_text()
    answers.write_text(good.replace("answers:", "answers:\n  - [broken", 1))
    app = app_on(content_copy)
    before = scrape(app)
    assert "112" in (Texter(app.test_client(), NUMBER).send("HULP").text or "")
    assert Caller(app.test_client()).call().heard
    after = scrape(app)
    for channel in ("sms", "voice"):
        assert 1 == value(after, ERRORS, channel=channel, cause="no-content") - value(
            before, ERRORS, channel=channel, cause="no-content")
    answers.write_text(good)
    holder = app.extensions["helpline.catalog"]
    assert holder.load()
    failures = value(scrape(app), "helpline_content_load_failures_total")
    answers.write_text(good.replace("answers:", "answers:\n  - [broken", 1))
    assert not holder.load() and holder.current is not None
    assert 1 == value(scrape(app), "helpline_content_load_failures_total") - failures
    down = post_signed(app_on(content_copy).test_client(), "/voice",
                       voice_params(NUMBER, HELPLINE_NUMBER, "CA1"))
    assert "no-content" == down.headers.get(metrics.FAILED_HEADER)


def test_a_metrics_directory_not_made_yet_does_not_stop_the_container(tmp_path: Path) -> None:
    """PROMETHEUS_MULTIPROC_DIR may name a directory that does not exist yet: start.sh's check
    makes it instead of failing (FileNotFoundError), and leaves no figures of its own in it."""
    directory = tmp_path / "not" / "made"
    flask = Path(sys.executable).parent / "flask"
    result = subprocess.run([str(flask), "--app", "app", "helpline", "check"], cwd=ROOT,
                            env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path),
                                 "PROMETHEUS_MULTIPROC_DIR": str(directory),
                                 "HELPLINE_AUDIO_DIR": str(tmp_path / "audio")},
                            capture_output=True, text=True, timeout=60, check=False)
    assert 0 == result.returncode, result.stderr
    assert directory.is_dir()
    assert [] == list(directory.iterdir())
