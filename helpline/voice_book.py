"""Every TwiML document a call can receive, written once when the content loads.

A call keeps no state on our side: where the caller is travels in the URLs Twilio
requests next (the Gather action, the Redirect after it, the Dial action)::

    POST /voice                                  an incoming call
    POST /voice/<lang>/<node>                    the node itself
    POST /voice/<lang>/<node>/key                what was pressed there (Digits, SpeechResult)
    POST /voice/<lang>/<node>/silence?n=<n>      the n-th silence in a row there
    POST /voice/<lang>/_person/done?n=<n>        a Dial to staff ended (DialCallStatus)

``<lang>`` is a language code, or ``_`` before a language is chosen; ``<node>`` is a menu or
answer id, ``_languages`` (the language menu) or ``_person``. Answering a request is
deciding which prepared :class:`Turn` comes next (pure, below) and looking its document up.

What a caller hears is made of the units of :mod:`helpline.voice_script`: played from a
recording when the :class:`AudioIndex` has one, else said by Twilio in the language's locale.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterator, Mapping
from dataclasses import dataclass
from enum import Enum
from types import MappingProxyType
from typing import Any, NamedTuple, Protocol

from twilio.twiml.voice_response import VoiceResponse

from . import engine, identity, voice_input
from .content import ROOT, Content, Problem
from .voice_script import (
    UnitKey,
    answer_unit,
    has_slow_variant,
    lang_unit,
    menu_unit,
    prompt_unit,
    spoken_units,
)

GATHER_TIMEOUT = 8  # seconds; ISO/IEC 13714 asks 5 to 10, and callers are under stress
DIAL_TIMEOUT = 20  # seconds staff phones ring before the caller hears nobody can come
PERSON_AFTER = 3  # silences in a row, then the caller is put through to a person
# Silences in a row after which the call ends with a goodbye. Only reached when the call
# to a person (at PERSON_AFTER) was not answered either: an open line nobody is on would
# otherwise loop through the menus and ring staff phones for hours.
GOODBYE_AFTER = 6
MAX_LANGUAGES = 9  # keys 1 to 9 in the language menu; 0 is always a person

NO_LANG = "_"
_SEGMENTS = {engine.LANGUAGES: "_languages", engine.PERSON: "_person"}
_NODES = {segment: node for node, segment in _SEGMENTS.items()}
_SENTENCES = re.compile(r"(?<=[.!?])\s+")

LANGUAGES, PERSON = engine.LANGUAGES, engine.PERSON


class AudioIndex(Hashable, Protocol):
    """Where a recording of a unit is served, if there is one.

    Hashable, and unequal to the index of another set of recordings: a catalog is cached
    by what it was built from.
    """

    def url(self, unit_id: str, lang: str, slow: bool) -> str | None:
        """Return the absolute URL (from ``HELPLINE_PUBLIC_URL``) of the file, or None."""


class NoAudio:
    """No recordings at all: every unit is said by Twilio."""

    def url(self, unit_id: str, lang: str, slow: bool) -> str | None:
        return None


NO_AUDIO: AudioIndex = NoAudio()


class Kind(Enum):
    """What a prepared document does at its node."""

    INCOMING = "incoming"  # the first words of a call, then the first menu
    PLAY = "play"  # the node as reached by a key
    WELCOME = "welcome"  # a language was just chosen: the keys, once, then the main menu
    SLOW = "slow"  # an answer, read slowly (key 2 after an answer)
    NOT_OPTION = "not-option"  # "that is not an option", and the node's menu again
    SILENCE = "silence"  # the n-th silence in a row at the node
    TALKED = "talked"  # the call with a person ended
    NOBODY = "nobody"  # nobody could take the call


class Turn(NamedTuple):
    """One prepared document: where (language, node), what, and silences so far."""

    lang: str | None
    node: str
    kind: Kind
    silences: int = 0


def url(lang: str | None, node: str, action: str = "", silences: int | None = None) -> str:
    """Return the (root-relative) URL of ``node`` in ``lang``, with an action and counter."""
    path = f"/voice/{lang or NO_LANG}/{_SEGMENTS.get(node, node)}"
    if action:
        path += f"/{action}"
    return path if silences is None else f"{path}?n={silences}"


@dataclass(frozen=True)
class VoiceBook:
    """The prepared documents, and the small pure decisions of which one comes next."""

    documents: Mapping[Turn, str]
    numbers: Mapping[str, str]  # dialled number (normalised) -> language
    rules: engine.Rules

    def document(self, turn: Turn) -> str:
        """Return the TwiML of ``turn`` (the caller's home menu if it was never prepared)."""
        found = self.documents.get(turn)
        return found if found is not None else self.documents[self.home(turn.lang)]

    def home(self, lang: str | None) -> Turn:
        """Return where a lost caller lands: the main menu, or the language menu."""
        if lang in self.rules.languages:
            return Turn(lang, ROOT, Kind.PLAY)
        return Turn(None, LANGUAGES, Kind.PLAY)

    def incoming(self, dialled: str) -> Turn:
        """Start a call: in the language of the number dialled, else with the language menu."""
        lang = self.numbers.get(identity.normalize(dialled))
        return Turn(lang, ROOT if lang else LANGUAGES, Kind.INCOMING)

    def position(self, lang_segment: str, node_segment: str,
                 person: bool = False) -> tuple[str | None, str] | None:
        """Decode a URL position; None for one we never hand out (tampered, or old content)."""
        lang = None if lang_segment == NO_LANG else lang_segment
        if lang is not None and lang not in self.rules.languages:
            return None
        node = _NODES.get(node_segment, node_segment)
        tree = self.rules.tree
        if node == LANGUAGES or (person and node == PERSON):
            return lang, node
        if lang is not None and (tree.is_menu(node) or tree.is_answer(node)):
            return lang, node
        return None

    def play(self, lang_segment: str, node_segment: str) -> Turn:
        """Decide what a request for a node itself gets: that node, or the caller's home."""
        where = self.position(lang_segment, node_segment, person=True)
        return Turn(*where, Kind.PLAY) if where else self.home(lang_segment)

    def after_key(self, lang_segment: str, node_segment: str, digits: str, speech: str) -> Turn:
        """Decide what a key (or a spoken digit) at a node leads to."""
        where = self.position(lang_segment, node_segment)
        if where is None:
            return self.home(lang_segment)
        lang, node = where
        tree = self.rules.tree
        if node == LANGUAGES:
            choices = len(self.rules.languages)
        elif tree.is_answer(node):
            choices = 2  # 1 again, 2 slower
        else:
            choices = len(tree.menus[node])
        command = voice_input.parse(digits, speech, choices=choices)
        if command is engine.Nav.PERSON:
            # 0 reaches a person everywhere, the language menu included.
            return Turn(lang, PERSON, Kind.PLAY)
        if tree.is_answer(node) and command in (engine.Choose(1), engine.Choose(2)):
            return Turn(lang, node, Kind.PLAY if command == engine.Choose(1) else Kind.SLOW)
        state, screen = engine.step(self.rules, engine.State(lang, node), command)
        if screen.node == PERSON:
            return Turn(state.lang, PERSON, Kind.PLAY)
        if screen.welcome:
            return Turn(state.lang, ROOT, Kind.WELCOME)
        return Turn(state.lang, screen.node, Kind.NOT_OPTION if screen.notice else Kind.PLAY)

    def after_silence(self, lang_segment: str, node_segment: str, count: str) -> Turn:
        """Decide what the n-th silence at a node leads to (a counter we never wrote: 1)."""
        where = self.position(lang_segment, node_segment)
        if where is None:
            return self.home(lang_segment)
        # ASCII digits only: int() would also read "３" (fullwidth) as 3.
        silences = int(count) if count.isascii() and count.isdigit() and len(count) <= 2 else 0
        if not 1 <= silences <= GOODBYE_AFTER:
            silences = 1
        return Turn(*where, Kind.SILENCE, silences)

    def after_dial(self, lang_segment: str, status: str, count: str) -> Turn:
        """Decide what follows a call to staff: goodbye after a talk, else the menu."""
        lang = lang_segment if lang_segment in self.rules.languages else None
        if status == "completed":
            return Turn(lang, PERSON, Kind.TALKED)
        # The silences go on counting only if silence is what put the caller through.
        silences = PERSON_AFTER if count == str(PERSON_AFTER) else 0
        return Turn(lang, PERSON, Kind.NOBODY, silences)


class _Writer:
    """Writes the documents: speaks units, gathers keys, puts callers through."""

    def __init__(self, content: Content, audio: AudioIndex) -> None:
        self.content = content
        self.audio = audio
        self.units = spoken_units(content)
        self.tree = content.tree

    def speaking(self, lang: str | None) -> str:
        # Before a language is chosen, notices are said in the base language.
        return lang or self.content.base

    def speak(self, parent: Any, unit: UnitKey, slow: bool = False) -> None:
        """Add ``unit`` to ``parent``: its recording if there is one, else Twilio's voice."""
        unit_id, lang = unit
        found = self.audio.url(unit_id, lang, slow)
        if found:
            parent.play(found)
            return
        voice = self.content.languages[lang].voice
        text = self.units[unit]
        if not slow:
            parent.say(text, language=voice.locale, voice=voice.say_voice)
        elif voice.say_voice:
            # Neural and standard voices (Google., Polly.) take SSML inside <Say>; Twilio
            # documents <prosody rate="slow"> (also x-slow or a percentage) for them.
            say = parent.say(language=voice.locale, voice=voice.say_voice)
            say.prosody(text, rate="slow")
        else:
            # Twilio's basic voices ignore SSML: slow down with a pause after each sentence.
            for sentence in _SENTENCES.split(text):
                parent.say(sentence, language=voice.locale)
                parent.pause(length=1)

    def prompt(self, lang: str | None, key: str) -> UnitKey:
        return prompt_unit(key), self.speaking(lang)

    def menu(self, lang: str | None, node: str) -> list[UnitKey]:
        """Return what the menu at ``node`` says (an answer's menu: the after-answer keys)."""
        if node == LANGUAGES:
            return [(lang_unit(code), code) for code in self.content.languages]
        if self.tree.is_answer(node):
            return [self.prompt(lang, "voice_after_answer")]
        return [(menu_unit(node), self.speaking(lang))]

    def gather(self, lang: str | None, node: str, silences: int, before: list[UnitKey],
               inside: list[UnitKey], slow: bool = False) -> VoiceResponse:
        """Say ``before``, then wait for one key while saying ``inside``; silence: redirect."""
        doc = VoiceResponse()
        for unit in before:
            self.speak(doc, unit)
        language = self.content.languages.get(lang or "")
        speech = language is not None and language.voice.speech_input
        gather = doc.gather(
            input="dtmf speech" if speech else "dtmf",
            language=language.voice.locale if speech and language else None,
            action=url(lang, node, "key"), method="POST", num_digits=1,
            timeout=GATHER_TIMEOUT,
            finish_on_key="",  # so that # is a key (repeat), not the end of an entry
            action_on_empty_result=False,
        )
        for unit in inside:
            self.speak(gather, unit, slow=slow and has_slow_variant(unit[0]))
        # Twilio falls through a Gather that heard nothing: count that silence.
        doc.redirect(url(lang, node, "silence", silences + 1), method="POST")
        return doc

    def home_node(self, lang: str | None) -> str:
        return ROOT if lang else LANGUAGES

    def person(self, lang: str | None, silences: int, before: list[UnitKey]) -> VoiceResponse:
        """Put the caller through to a person; with nobody to ring, say so and go home.

        The one place that decides how a caller reaches a person (opening hours, the
        caller's language announced to staff and regions will grow here).
        """
        staff = self.content.contacts.staff
        if not staff:
            return self.nobody(lang, silences, before)
        doc = VoiceResponse()
        for unit in [*before, self.prompt(lang, "voice_connecting")]:
            self.speak(doc, unit)
        dial = doc.dial(action=url(lang, PERSON, "done", silences), method="POST",
                        timeout=DIAL_TIMEOUT)
        for number in staff:
            dial.number(number)
        return doc

    def nobody(self, lang: str | None, silences: int, before: list[UnitKey]) -> VoiceResponse:
        home = self.home_node(lang)
        return self.gather(lang, home, silences, [*before, self.prompt(lang, "voice_no_person")],
                           self.menu(lang, home))

    def goodbye(self, lang: str | None, before: list[UnitKey]) -> VoiceResponse:
        # The document ends here, so Twilio ends the call: no <Hangup/> needed.
        doc = VoiceResponse()
        for unit in [*before, self.prompt(lang, "voice_goodbye")]:
            self.speak(doc, unit)
        return doc

    def write(self, turn: Turn) -> VoiceResponse:
        """Write the document of ``turn``."""
        lang, node, kind, silences = turn
        if kind is Kind.INCOMING:
            welcome = [self.prompt(lang, "voice_welcome")]
            keys = [self.prompt(lang, "voice_keys")] if lang else []
            return self.gather(lang, node, 0, welcome, [*keys, *self.menu(lang, node)])
        if kind is Kind.TALKED:
            return self.goodbye(lang, [])
        if kind is Kind.NOBODY:
            return self.nobody(lang, silences, [])
        if node == PERSON:
            return self.person(lang, 0, [])
        if kind is Kind.WELCOME:
            return self.gather(lang, node, 0, [],
                               [self.prompt(lang, "voice_keys"), *self.menu(lang, node)])
        if kind is Kind.NOT_OPTION:
            return self.gather(lang, node, 0, [],
                               [self.prompt(lang, "voice_not_option"), *self.menu(lang, node)])
        if kind is Kind.SILENCE:
            no_input = [self.prompt(lang, "voice_no_input")]
            if silences >= GOODBYE_AFTER:
                return self.goodbye(lang, no_input)
            if silences == PERSON_AFTER:
                return self.person(lang, silences, no_input)
            return self.gather(lang, node, silences, [], [*no_input, *self.menu(lang, node)])
        if self.tree.is_answer(node):
            assert lang is not None
            return self.gather(lang, node, 0, [],
                               [(answer_unit(node), lang), *self.menu(lang, node)],
                               slow=kind is Kind.SLOW)
        return self.gather(lang, node, 0, [], self.menu(lang, node))


def all_turns(content: Content) -> Iterator[Turn]:
    """Yield every turn a call can reach, in every language (and before one is chosen)."""
    tree = content.tree
    for lang in (None, *content.languages):
        nodes = [LANGUAGES, *tree.menus, *tree.answers] if lang else [LANGUAGES]
        yield Turn(lang, ROOT if lang else LANGUAGES, Kind.INCOMING)
        if lang:
            yield Turn(lang, ROOT, Kind.WELCOME)
        for node in nodes:
            yield Turn(lang, node, Kind.PLAY)
            yield Turn(lang, node, Kind.NOT_OPTION)
            if tree.is_answer(node):
                yield Turn(lang, node, Kind.SLOW)
            for silences in range(1, GOODBYE_AFTER + 1):
                yield Turn(lang, node, Kind.SILENCE, silences)
        yield Turn(lang, PERSON, Kind.PLAY)
        yield Turn(lang, PERSON, Kind.TALKED)
        yield Turn(lang, PERSON, Kind.NOBODY, 0)
        yield Turn(lang, PERSON, Kind.NOBODY, PERSON_AFTER)


def build_voice_book(content: Content, rules: engine.Rules,
                     audio: AudioIndex = NO_AUDIO) -> tuple[VoiceBook, list[Problem]]:
    """Write every document of every language; report what a keypad cannot offer."""
    problems: list[Problem] = []
    if len(content.languages) > MAX_LANGUAGES:
        problems.append(Problem(
            "content/languages", f"{len(content.languages)} languages, but the phone's language "
            f"menu has keys 1 to {MAX_LANGUAGES} only: remove a language"))
        return VoiceBook(MappingProxyType({}), MappingProxyType({}), rules), problems
    writer = _Writer(content, audio)
    documents = {turn: str(writer.write(turn)) for turn in all_turns(content)}
    numbers = {identity.normalize(number): code
               for code, language in content.languages.items() for number in language.numbers}
    return VoiceBook(MappingProxyType(documents), MappingProxyType(numbers), rules), problems
