"""The prepared voice documents: every decision lands on one, recordings replace Say."""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET
from pathlib import Path
from types import MappingProxyType
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from helpline.catalog import Catalog, build_catalog
from helpline.content import ROOT, Content
from helpline.voice_book import (
    GOODBYE_AFTER,
    LANGUAGES,
    PERSON,
    WHISPER,
    WHISPER_INTERPRETER,
    Kind,
    Moment,
    Turn,
    all_turns,
    build_voice_book,
    url,
)
from helpline.voice_script import spoken_units

from .twilio_client import PUBLIC_URL
from .twiml_checker import check_twiml

PROJECT = Path(__file__).resolve().parent.parent
CATALOG = build_catalog(PROJECT / "content", PROJECT / "prompts")
BOOK = CATALOG.voice
LANGS = list(CATALOG.content.languages)

# URL parts a caller (or someone tampering) may send: ours, and anything at all.
segments = st.one_of(st.sampled_from(["_", "_languages", "_person", ROOT, "b8-3", "rights",
                                      *LANGS]), st.text(max_size=30))
keys = st.one_of(st.sampled_from(list("0123456789*#")), st.text(max_size=30))


def test_every_turn_is_prepared_once() -> None:
    """The book holds a document for each turn a call can reach, and only those (and, for a
    caller who cannot be called back, a variant of some that offer a callback)."""
    turns = list(all_turns(CATALOG.content))
    assert len(turns) == len(set(turns))
    withheld = {turn for turn in BOOK.documents if turn.withheld}
    assert set(turns) == set(BOOK.documents) - withheld
    assert {turn._replace(withheld=False) for turn in withheld} <= set(turns)
    assert withheld, "no document differs for a caller who cannot be called back"


@given(lang=segments, node=segments, digits=keys, speech=st.text(max_size=10))
def test_any_key_anywhere_lands_on_a_prepared_document(lang: str, node: str, digits: str,
                                                      speech: str) -> None:
    """Whatever the URL and the key, the next turn was prepared: a request never rebuilds."""
    assert BOOK.after_key(lang, node, digits, speech) in BOOK.documents


@given(lang=segments, node=segments, count=st.text(max_size=25))
def test_any_silence_anywhere_lands_on_a_prepared_document(lang: str, node: str,
                                                           count: str) -> None:
    """Whatever the URL and the silence counter, the next turn was prepared."""
    assert BOOK.after_silence(lang, node, count) in BOOK.documents
    assert BOOK.play(lang, node) in BOOK.documents


@given(lang=segments, status=st.text(max_size=12), count=st.text(max_size=25))
def test_any_end_of_a_dial_lands_on_a_prepared_document(lang: str, status: str,
                                                        count: str) -> None:
    """Whatever Twilio (or anyone) posts after a Dial, the next turn was prepared."""
    assert BOOK.after_dial(lang, status, count) in BOOK.documents
    assert BOOK.home(lang) in BOOK.documents


def test_silence_counter_we_never_wrote_counts_as_one() -> None:
    """A counter out of range, negative or not a number is the first silence."""
    for count in ("", "0", "-1", "abc", "7", "99999999999999999999", "1e3", "３"):
        assert Turn("nl", "main", Kind.SILENCE, 1) == BOOK.after_silence("nl", "main", count)
    assert Turn("nl", "main", Kind.SILENCE, GOODBYE_AFTER) == BOOK.after_silence(
        "nl", "main", str(GOODBYE_AFTER))


def test_urls_carry_the_position() -> None:
    """The URL scheme: /voice/<lang or _>/<node>[/<action>][?n=<silences>]."""
    assert url(None, LANGUAGES, "key") == "/voice/_/_languages/key"
    assert url("nl", "b8-3", "silence", 2) == "/voice/nl/b8-3/silence?n=2"
    assert url("en", PERSON, "done", 3) == "/voice/en/_person/done?n=3"


class FakeAudio:
    """A recording for every unit, at an absolute URL under the public URL."""

    def url(self, unit_id: str, lang: str, slow: bool) -> str | None:
        name = unit_id.replace(":", "-")
        return f"{PUBLIC_URL}/audio/{lang}/{name}{'-slow' if slow else ''}.mp3"


def _with_audio() -> Catalog:
    return build_catalog(PROJECT / "content", PROJECT / "prompts", audio=FakeAudio())


def test_recordings_are_played_instead_of_said() -> None:
    """With a recording for every unit, documents Play them and Say nothing."""
    book = _with_audio().voice
    for turn, xml in book.documents.items():
        root = check_twiml(xml)
        assert not list(root.iter("Say")), turn
    slow = ET.fromstring(book.documents[Turn("en", "b8-3", Kind.SLOW)])
    assert [f"{PUBLIC_URL}/audio/en/answer-b8-3-slow.mp3",
            f"{PUBLIC_URL}/audio/en/prompt-voice_after_answer.mp3"] == [
        p.text for p in slow.iter("Play")]


def test_without_recordings_everything_is_said_in_its_language() -> None:
    """With no recordings, every unit is a Say with its language's locale and voice."""
    languages = CATALOG.content.languages
    texts = {text: lang for (_, lang), text in spoken_units(CATALOG.content).items()}
    for xml in BOOK.documents.values():
        root = check_twiml(xml)
        assert not list(root.iter("Play"))
        for say in root.iter("Say"):
            voice = languages[texts["".join(say.itertext())]].voice
            assert voice.locale == say.get("language")
            assert voice.say_voice == say.get("voice")


def _english_voice(**changes: Any) -> Content:
    """Return the shipped content with English's voice settings changed."""
    content = CATALOG.content
    en = content.languages["en"]
    changed = dataclasses.replace(en, voice=dataclasses.replace(en.voice, **changes))
    return dataclasses.replace(content,
                               languages=MappingProxyType({**content.languages, "en": changed}))


def test_a_basic_voice_reads_slowly_with_pauses() -> None:
    """Without a neural voice (no SSML), "slower" pauses after each sentence instead."""
    book, problems = build_voice_book(_english_voice(say_voice=None), CATALOG.rules)
    assert problems == []
    root = check_twiml(book.documents[Turn("en", "b8-3", Kind.SLOW)])
    gather = root.find("Gather")
    assert gather is not None
    assert not list(gather.iter("prosody"))
    assert len(list(gather.iter("Pause"))) >= 3
    assert all(say.get("voice") is None for say in gather.iter("Say"))


def test_speech_input_listens_in_the_language() -> None:
    """A language with speech_input accepts spoken digits, recognised in its locale."""
    book, _ = build_voice_book(_english_voice(speech_input=True), CATALOG.rules)
    gather = ET.fromstring(book.documents[Turn("en", ROOT, Kind.PLAY)]).find("Gather")
    assert gather is not None
    assert (gather.get("input"), gather.get("language")) == ("dtmf speech", "en-GB")
    nl = ET.fromstring(book.documents[Turn("nl", ROOT, Kind.PLAY)]).find("Gather")
    assert nl is not None
    assert (nl.get("input"), nl.get("language")) == ("dtmf", None)
    assert Turn("en", "rights", Kind.PLAY) == book.after_key("en", ROOT, "", "1.")


moments = st.builds(Moment, open=st.booleans(), line=st.integers(min_value=0, max_value=3))


@given(lang=segments, node=st.one_of(segments, st.sampled_from(
    ["_callback", "_postcode", "_regions", "_region-west", "_region-noord", "_whisper",
     "_whisper-interpreter"])),
    digits=st.one_of(keys, st.sampled_from(["1000", "9999", "0999", "", "12*4"])), at=moments,
    bridged=st.one_of(st.sampled_from(["true", "false", ""]), st.text(max_size=10)))
def test_reaching_a_person_lands_on_a_prepared_document_open_or_closed(
        lang: str, node: str, digits: str, at: Moment, bridged: str) -> None:
    """In hours or out, whatever number was dialled, every key, silence, end of a Dial and
    node of the person routes lands on a prepared document."""
    assert BOOK.after_key(lang, node, digits, "", at) in BOOK.documents
    assert BOOK.after_silence(lang, node, digits, at) in BOOK.documents
    assert BOOK.play(lang, node, at) in BOOK.documents
    assert BOOK.screen(lang, node) in BOOK.documents
    assert BOOK.after_screen(digits) in BOOK.documents
    for status in ("completed", "no-answer", digits):
        assert BOOK.after_dial(lang, status, digits, node, at, bridged) in BOOK.documents


@given(lang=segments, node=st.sampled_from(["_whisper", "_whisper-interpreter"]), digits=keys)
def test_a_whisper_is_only_ever_a_screen_or_its_answer(lang: str, node: str, digits: str) -> None:
    """Whatever the URL and the key, a staff phone gets the screen, or (after a key) the call
    taken for 1 and refused for anything else: never a caller's menu."""
    assert BOOK.play(lang, node).kind is Kind.PLAY
    assert BOOK.play(lang, node).node in (WHISPER, WHISPER_INTERPRETER)
    kind = BOOK.after_key(lang, node, digits, "").kind
    assert kind is (Kind.ACCEPTED if digits.strip() == "1" else Kind.DECLINED)
    assert Kind.DECLINED is BOOK.after_silence(lang, node, "1").kind
