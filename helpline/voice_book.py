"""Every TwiML document a call can receive, written once when the content loads.

A call keeps no state on our side: where the caller is travels in the URLs Twilio
requests next (the Gather action, the Redirect after it, the Dial action)::

    POST /voice                                  an incoming call
    POST /voice/<lang>/<node>                    the node itself
    POST /voice/<lang>/<node>/key                what was pressed there (Digits, SpeechResult)
    POST /voice/<lang>/<node>/silence?n=<n>      the n-th silence in a row there
    POST /voice/<lang>/_person/done?n=<n>        a Dial to staff ended (DialCallStatus)
    POST /voice/<lang>/_region-<id>/done         a Dial to a region's care coordinator ended
    POST /voice/<lang>/_whisper[-interpreter]    staff (or a coordinator) answered: the whisper
    POST /voice/<lang>/_whisper[-interpreter]/key  what they pressed: 1 takes the call

``<lang>`` is a language code, or ``_`` before a language is chosen; ``<node>`` is a menu or
answer id, ``_languages`` (the language menu; with more than 9 languages its first page, and
``_languages-2``, ``_languages-3`` ... the next ones), or one of the nodes of reaching a person:
``_person`` (0: the person menu, or the call to staff), ``_callback`` (consent to be called
back), ``_postcode`` (four digits, then #), ``_regions`` (the region list), ``_region-<id>``
(the call to that region's coordinator). Answering a request is deciding which prepared
:class:`Turn` comes next (pure, below) and looking its document up.

The whisper is a screen on the staff member's own leg of the call (Twilio runs the document
of ``<Number url>`` after they answer, before the two are connected, and allows only
``<Say>``, ``<Play>``, ``<Gather>`` and ``<Hangup>`` in it): the caller's language, then
"press 1 to take the call". 1 ends the screen and Twilio connects the call; any other key,
or none (a voicemail, an auto-answer), hangs up that leg, so the call is not put through and
the caller's ``<Dial>`` ends with its action (``done``): a callback offer, never a voicemail.

Reaching a person depends on the hour and on the number dialled: each document that puts a
caller through (or says nobody is there) is prepared in both variants, open and closed, and
once per helpline number (the ``callerId`` staff see is the number the caller dialled, never
the caller's own). :class:`Moment` says which variant a request gets.

What a caller hears is made of the units of :mod:`helpline.voice_script`: played from a
recording when the :class:`AudioIndex` has one, else said by Twilio in the language's locale.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Hashable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import Enum
from functools import lru_cache
from types import MappingProxyType
from typing import Any, NamedTuple, Protocol

from twilio.twiml.voice_response import VoiceResponse

from . import engine, hours, identity, language_menu, voice_input
from .content import ROOT, Content, Problem
from .content.model import ALWAYS_OPEN, OpeningHours, Region
from .voice_script import (
    MORE_LANGUAGES_UNIT,
    REGIONS_UNIT,
    WHISPER_ACCEPT_UNIT,
    UnitKey,
    answer_unit,
    has_slow_variant,
    lang_unit,
    menu_unit,
    prompt_unit,
    spoken_units,
    whisper_unit,
)

GATHER_TIMEOUT = 8  # seconds; ISO/IEC 13714 asks 5 to 10, and callers are under stress
# Seconds without a key at the postcode, also between its digits: ISO/IEC 13714's shortest wait,
# so that * (back) or 0 (a person), which do not end the four-digit entry, are not followed by
# a long silence; no entry at all gives the region list.
POSTCODE_TIMEOUT = 5
# Seconds a staff phone has to press 1 once the whisper is said (pressing during it works too).
# Long enough to open the keypad of a mobile phone; short, so that a voicemail is hung up on
# soon (often before its beep: then it keeps nothing at all).
WHISPER_TIMEOUT = 6
ACCEPT_KEY = "1"  # what staff press to take a call
# Twilio's DialCallStatus when the caller was put through: "completed" (and "answered", which
# its <Dial> reference lists for a call that was answered and connected too).
TALKED_STATUSES = ("completed", "answered")
# DialCallStatus when the call to staff was given up before anyone answered: the caller hung up.
HUNG_UP_STATUS = "canceled"
DIAL_TIMEOUT = 20  # seconds staff phones ring before the caller hears nobody can come
PERSON_AFTER = 3  # silences in a row, then the caller is put through to a person
# Silences in a row after which the call ends with a goodbye. Only reached when the call
# to a person (at PERSON_AFTER) was not answered either: an open line nobody is on would
# otherwise loop through the menus and ring staff phones for hours.
GOODBYE_AFTER = 6

NO_LANG = "_"
LANGUAGES, PERSON = engine.LANGUAGES, engine.PERSON
CALLBACK = "@callback"  # may we call you back on this number? 1 yes, 2 no
POSTCODE = "@postcode"  # four digits, then #
REGIONS = "@regions"  # the list of regions
WHISPER = "@whisper"  # what staff hear before the call is put through
WHISPER_INTERPRETER = "@whisper-interpreter"
WHISPERS = (WHISPER, WHISPER_INTERPRETER)
REGION = "@region:"  # + region id: the call to that region's care coordinator
LANGUAGE_PAGE = "@languages:"  # + page number from 2: a further page of the language menu

_SEGMENTS = {LANGUAGES: "_languages", PERSON: "_person", CALLBACK: "_callback",
             POSTCODE: "_postcode", REGIONS: "_regions", WHISPER: "_whisper",
             WHISPER_INTERPRETER: "_whisper-interpreter"}
_NODES = {segment: node for node, segment in _SEGMENTS.items()}
_REGION_SEGMENT = "_region-"
_LANGUAGE_PAGE_SEGMENT = "_languages-"
_SENTENCES = re.compile(r"(?<=[.!?])\s+")


def region_node(region_id: str) -> str:
    return f"{REGION}{region_id}"


def languages_node(page: int) -> str:
    """Return the node of page ``page`` of the language menu (0: the first, ``LANGUAGES``)."""
    return LANGUAGES if page == 0 else f"{LANGUAGE_PAGE}{page + 1}"


def language_page(node: str) -> int | None:
    """Return which page of the language menu ``node`` is (0: the first); None for any other
    node (or a page number we never write)."""
    if node == LANGUAGES:
        return 0
    number = node[len(LANGUAGE_PAGE):] if node.startswith(LANGUAGE_PAGE) else ""
    # ASCII digits as we write them: no "02", "３" or a number of a thousand digits.
    if number.isascii() and number.isdigit() and len(number) <= 3 and number == str(int(number)):
        return int(number) - 1 if int(number) >= 2 else None
    return None


def segment(node: str) -> str:
    """Return the URL segment of ``node``."""
    if node.startswith(REGION):
        return _REGION_SEGMENT + node[len(REGION):]
    if node.startswith(LANGUAGE_PAGE):
        return _LANGUAGE_PAGE_SEGMENT + node[len(LANGUAGE_PAGE):]
    return _SEGMENTS.get(node, node)


def node_of(segment_: str) -> str:
    """Return the node a URL segment names (the inverse of :func:`segment`)."""
    if segment_.startswith(_REGION_SEGMENT):
        return REGION + segment_[len(_REGION_SEGMENT):]
    if segment_.startswith(_LANGUAGE_PAGE_SEGMENT):
        return LANGUAGE_PAGE + segment_[len(_LANGUAGE_PAGE_SEGMENT):]
    return _NODES.get(segment_, segment_)



@lru_cache(maxsize=64)
def _our_number(dialled: str) -> str:
    """Normalise the number a caller dialled (``To``: one of the helpline's own numbers, not
    the caller's), once per number rather than on every request."""
    return identity.normalize(dialled)

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
    WELCOME = "welcome"  # a language was just chosen: 112 in it, the keys once, the main menu
    SLOW = "slow"  # an answer, read slowly (key 2 after an answer)
    NOT_OPTION = "not-option"  # "that is not an option", and the node's menu again
    SILENCE = "silence"  # the n-th silence in a row at the node
    TALKED = "talked"  # the call with a person ended, the caller is still there
    HUNG_UP = "hung-up"  # the caller hung up while a person's phone rang: nobody to talk to
    NOBODY = "nobody"  # nobody could take the call
    DIAL = "dial"  # put through to staff now (or, closed, say nobody is there)
    SAVED = "saved"  # the callback request was kept
    NOT_SAVED = "not-saved"  # the callback request could not be kept
    UNKNOWN = "unknown"  # a postcode in no region: the region list
    ACCEPTED = "accepted"  # staff pressed 1 at the whisper: the call is put through
    DECLINED = "declined"  # staff pressed another key: their leg hangs up, the caller's Dial ends
    ERROR = "error"  # something went wrong on our side: sorry, 112, then the caller's home menu


class Turn(NamedTuple):
    """One prepared document: where (language, node), what, and silences so far.

    ``closed`` and ``line`` matter only where a person is reached: outside opening hours,
    and the index of the helpline number dialled (what staff phones show). ``withheld``: the
    caller's number cannot be called back (withheld, or no phone number at all), so nothing
    offers them a callback (:meth:`VoiceBook.for_caller`).
    """

    lang: str | None
    node: str
    kind: Kind
    silences: int = 0
    closed: bool = False
    line: int = 0
    withheld: bool = False


@dataclass(frozen=True)
class Moment:
    """What a request's documents depend on besides the position: the hour, the number."""

    open: bool = True
    line: int = 0


OPEN = Moment()


def url(lang: str | None, node: str, action: str = "", silences: int | None = None) -> str:
    """Return the (root-relative) URL of ``node`` in ``lang``, with an action and counter."""
    path = f"/voice/{lang or NO_LANG}/{segment(node)}"
    if action:
        path += f"/{action}"
    return path if silences is None else f"{path}?n={silences}"


@dataclass(frozen=True)
class VoiceBook:
    """The prepared documents, and the small pure decisions of which one comes next."""

    documents: Mapping[Turn, str]
    numbers: Mapping[str, str]  # dialled number (normalised) -> language
    rules: engine.Rules
    lines: Mapping[str, int] = field(default_factory=dict)  # dialled number (normalised) -> line
    hours: OpeningHours = ALWAYS_OPEN
    regions: tuple[Region, ...] = ()

    def document(self, turn: Turn) -> str:
        """Return the TwiML of ``turn`` (the caller's home menu if it was never prepared)."""
        found = self.documents.get(turn)
        return found if found is not None else self.documents[self.home(turn.lang)]

    def for_caller(self, turn: Turn, withheld: Callable[[], bool]) -> Turn:
        """Return ``turn`` as a caller whose number cannot be called back gets it, where that
        differs: instead of a callback offer, when to call again and 112. ``withheld`` tells
        whether this caller is one; it is asked only where it matters (it parses a number)."""
        variant = turn._replace(withheld=True)
        return variant if variant in self.documents and withheld() else turn

    def moment(self, dialled: str, now: dt.datetime) -> Moment:
        """Say which variant a request gets: open or closed at ``now``, and the line dialled."""
        return Moment(hours.is_open(self.hours, now),
                      self.lines.get(_our_number(dialled), 0))

    def _at(self, turn: Turn, at: Moment) -> Turn:
        """Pick the variant of ``turn`` for ``at``, where its document has variants."""
        variant = turn._replace(closed=not at.open, line=at.line)
        if variant in self.documents:
            return variant
        fallback = variant._replace(line=0)
        return fallback if fallback in self.documents else turn

    def home(self, lang: str | None) -> Turn:
        """Return where a lost caller lands: the main menu, or the language menu."""
        if lang in self.rules.languages:
            return Turn(lang, ROOT, Kind.PLAY)
        return Turn(None, LANGUAGES, Kind.PLAY)

    def apology(self, lang_segment: str) -> Turn:
        """Return what a caller gets after an unexpected error: an apology and 112, in their
        language if the URL names one we serve, then their home menu."""
        lang = lang_segment if lang_segment in self.rules.languages else None
        return Turn(lang, ROOT if lang else LANGUAGES, Kind.ERROR)

    def incoming(self, dialled: str) -> Turn:
        """Start a call: in the language of the number dialled, else with the language menu."""
        lang = self.numbers.get(_our_number(dialled))
        return Turn(lang, ROOT if lang else LANGUAGES, Kind.INCOMING)

    def _voice_nodes(self) -> set[str]:
        nodes = {PERSON, CALLBACK, WHISPER, WHISPER_INTERPRETER}
        if self.regions:
            nodes |= {POSTCODE, REGIONS, *(region_node(r.id) for r in self.regions)}
        return nodes

    def position(self, lang_segment: str, node_segment: str) -> tuple[str | None, str] | None:
        """Decode a URL position; None for one we never hand out (tampered, or old content)."""
        lang = None if lang_segment == NO_LANG else lang_segment
        if lang is not None and lang not in self.rules.languages:
            return None
        node = node_of(node_segment)
        tree = self.rules.tree
        page = language_page(node)
        if page is not None:
            return (lang, node) if page < len(self.rules.language_pages) else None
        if node in self._voice_nodes():
            return lang, node
        if lang is not None and (tree.is_menu(node) or tree.is_answer(node)):
            return lang, node
        return None

    def play(self, lang_segment: str, node_segment: str, at: Moment = OPEN) -> Turn:
        """Decide what a request for a node itself gets: that node, or the caller's home."""
        if node_of(node_segment) in WHISPERS:
            return self.screen(lang_segment, node_of(node_segment))
        where = self.position(lang_segment, node_segment)
        return self._at(Turn(*where, Kind.PLAY), at) if where else self.home(lang_segment)

    def after_key(self, lang_segment: str, node_segment: str, digits: str, speech: str,
                  at: Moment = OPEN) -> Turn:
        """Decide what a key (or a spoken digit, or a postcode) at a node leads to."""
        if node_of(node_segment) in WHISPERS:
            return self.after_screen(digits)
        where = self.position(lang_segment, node_segment)
        if where is None:
            return self.home(lang_segment)
        lang, node = where
        if node == POSTCODE:
            return self._at(self._postcode(lang, digits), at)
        if node.startswith(REGION):
            return self.home(lang)  # no keys are asked for there
        tree = self.rules.tree
        page = language_page(node)
        paged = page is not None and len(self.rules.language_pages) > 1
        if page is not None:
            choices = len(self.rules.language_pages[page])
        elif tree.is_answer(node) or node in (PERSON, CALLBACK):
            choices = 2  # after an answer: 1 again, 2 slower; PERSON, CALLBACK: 1 and 2
        elif node == REGIONS:
            choices = len(self.regions)
        else:
            choices = len(tree.menus[node])
        command = voice_input.parse(digits, speech, choices=choices, paged=paged)
        if node in (PERSON, CALLBACK, REGIONS):
            return self._at(self._reach(lang, node, command, at), at)
        if command is engine.Nav.PERSON:
            # 0 reaches a person everywhere, the language menu included.
            return self._at(Turn(lang, PERSON, Kind.PLAY), at)
        if tree.is_answer(node) and command in (engine.Choose(1), engine.Choose(2)):
            return Turn(lang, node, Kind.PLAY if command == engine.Choose(1) else Kind.SLOW)
        here = engine.State(lang, LANGUAGES, page) if page is not None else engine.State(lang, node)
        state, screen = engine.step(self.rules, here, command)
        if screen.node == PERSON:
            return self._at(Turn(state.lang, PERSON, Kind.PLAY), at)
        if screen.welcome:
            return Turn(state.lang, ROOT, Kind.WELCOME)
        shown = languages_node(screen.page) if screen.node == LANGUAGES else screen.node
        return Turn(state.lang, shown, Kind.NOT_OPTION if screen.notice else Kind.PLAY)

    def _reach(self, lang: str | None, node: str, command: engine.Command, at: Moment) -> Turn:
        """Decide a key in the person menu, the callback question or the region list."""
        if command is engine.Nav.PERSON:
            return Turn(lang, PERSON, Kind.DIAL)
        if command is engine.Nav.REPEAT:
            return Turn(lang, node, Kind.PLAY)
        if command is engine.Nav.LANGUAGE:
            return Turn(lang, LANGUAGES, Kind.PLAY)
        if command is engine.Nav.BACK and node == REGIONS:
            return Turn(lang, POSTCODE, Kind.PLAY)
        if command in (engine.Nav.BACK, engine.Nav.MAIN):
            return self.home(lang)
        if isinstance(command, engine.Choose):
            if node == PERSON and command.digit == 1:
                return Turn(lang, PERSON, Kind.DIAL) if at.open else Turn(lang, CALLBACK, Kind.PLAY)
            if node == PERSON and command.digit == 2 and self.regions:
                return Turn(lang, POSTCODE, Kind.PLAY)
            if node == CALLBACK and command.digit == 1:
                return Turn(lang, CALLBACK, Kind.SAVED)
            if node == CALLBACK and command.digit == 2:
                return self.home(lang)
            if node == REGIONS and 1 <= command.digit <= len(self.regions):
                return Turn(lang, region_node(self.regions[command.digit - 1].id), Kind.PLAY)
        return Turn(lang, node, Kind.NOT_OPTION)

    def _postcode(self, lang: str | None, digits: str) -> Turn:
        """Decide what four digits (or # alone, or *) lead to: a region, or the region list."""
        entered = digits.strip()
        if not entered:
            return Turn(lang, REGIONS, Kind.PLAY)  # # alone: "I do not know my postcode"
        if entered == "*":
            return Turn(lang, PERSON, Kind.PLAY)
        if entered == "0":
            return Turn(lang, PERSON, Kind.DIAL)
        # ASCII digits only (isdigit() would take "３" or "²"); Dutch postcodes are 1000 to 9999.
        if len(entered) == 4 and entered.isascii() and entered.isdigit():
            for region in self.regions:
                if region.covers(int(entered)):
                    return Turn(lang, region_node(region.id), Kind.PLAY)
        return Turn(lang, REGIONS, Kind.UNKNOWN)

    def after_silence(self, lang_segment: str, node_segment: str, count: str,
                      at: Moment = OPEN) -> Turn:
        """Decide what the n-th silence at a node leads to (a counter we never wrote: 1)."""
        if node_of(node_segment) in WHISPERS:
            return self.after_screen("")  # never handed out: the screen hangs up by itself
        where = self.position(lang_segment, node_segment)
        if where is None:
            return self.home(lang_segment)
        lang, node = where
        if node == POSTCODE:
            return Turn(lang, REGIONS, Kind.PLAY)
        if node.startswith(REGION):
            return self.home(lang)
        if node == PERSON and at.open:
            return self._at(Turn(lang, PERSON, Kind.DIAL), at)  # 0, then waiting: a person
        # ASCII digits only: int() would also read "３" (fullwidth) as 3.
        silences = int(count) if count.isascii() and count.isdigit() and len(count) <= 2 else 0
        if not 1 <= silences <= GOODBYE_AFTER:
            silences = 1
        return self._at(Turn(lang, node, Kind.SILENCE, silences), at)

    def screen(self, lang_segment: str, node: str = WHISPER) -> Turn:
        """Return what a staff phone gets when it answers: the caller's language (if one was
        chosen, and is still served), then "press 1 to take the call".

        Never a caller's menu, whatever the URL: this document plays on a staff phone.
        """
        lang = lang_segment if lang_segment in self.rules.languages else None
        return Turn(lang, node if node in WHISPERS else WHISPER, Kind.PLAY)

    @staticmethod
    def after_screen(digits: str) -> Turn:
        """Decide a key pressed at the whisper: 1 takes the call; anything else refuses it.

        The key alone decides, not the language in the URL, so that a call keeps going through
        while a content reload drops its language.
        """
        accepted = digits.strip() == ACCEPT_KEY
        return Turn(None, WHISPER, Kind.ACCEPTED if accepted else Kind.DECLINED)

    def after_dial(self, lang_segment: str, status: str, count: str, node_segment: str = "_person",
                   at: Moment = OPEN, bridged: str = "") -> Turn:
        """Decide what follows a call to staff or to a coordinator: after a talk, that it has
        ended (with the main menu, a person again and 112 on offer); else what to do now that
        nobody answered; nothing when the caller hung up.

        ``status`` is Twilio's ``DialCallStatus``, ``bridged`` its ``DialBridged``. A phone that
        answered but where nobody pressed 1 (a voicemail) was never put through. Twilio
        documents ``completed`` as "answered and connected"; should it still report
        ``completed`` for such a phone, ``DialBridged=false`` says there was no talk, and the
        caller gets the callback offer, not the end of a talk. ``canceled``: the caller hung up
        while the phones rang; what we answer is never heard, so the call is simply ended.
        Any other status (``busy``, ``no-answer``, ``failed``, one Twilio adds, or none at all)
        means nobody took the call.
        """
        lang = lang_segment if lang_segment in self.rules.languages else None
        status = status.strip().lower()
        if status == HUNG_UP_STATUS:
            return Turn(None, PERSON, Kind.HUNG_UP)
        if status in TALKED_STATUSES and bridged.strip().lower() != "false":
            return Turn(lang, PERSON, Kind.TALKED)
        node = node_of(node_segment)
        if node.startswith(REGION) and node in self._voice_nodes():
            return self._at(Turn(lang, node, Kind.NOBODY), at)
        # The silences go on counting only if silence is what put the caller through.
        silences = PERSON_AFTER if count == str(PERSON_AFTER) else 0
        return Turn(lang, PERSON, Kind.NOBODY, silences)


class _Writer:
    """Writes the documents: speaks units, gathers keys, puts callers through."""

    def __init__(self, content: Content, audio: AudioIndex, lines: tuple[str, ...],
                 withheld: bool = False) -> None:
        self.content = content
        self.withheld = withheld  # writing for a caller who cannot be called back
        self.audio = audio
        self.units = spoken_units(content)
        self.tree = content.tree
        self.lines = lines
        self.regions = {region_node(region.id): region for region in content.regions}
        self.language_pages = language_menu.pages(list(content.languages))

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

    def notice(self, lang: str | None, node: str, key: str) -> list[UnitKey]:
        """Return a notice ("that is not an option", "I did not hear a key"): in the caller's
        language; in the language menu before one is chosen, in the base language and English
        (as "more languages" is)."""
        if lang is None and language_page(node) is not None:
            words = language_menu.neutral(list(self.content.languages), self.content.base)
            return [(prompt_unit(key), code) for code in words]
        return [self.prompt(lang, key)]

    def person_key(self, lang: str | None, node: str) -> list[UnitKey]:
        """Return "to talk to a person, press 0" after a topic menu said again (a wrong key,
        silence), once a language is chosen; the main menu says it itself, an answer's keys
        and the person menus say it their own way."""
        wanted = lang and self.tree.is_menu(node) and node != ROOT
        return [self.prompt(lang, "voice_person_key")] if wanted else []

    def menu(self, lang: str | None, node: str, closed: bool = False,
             keys_said: bool = False) -> list[UnitKey]:
        """Return what the menu at ``node`` says (an answer's menu: the after-answer keys)."""
        page = language_page(node)
        if page is not None:
            return self.language_menu(lang, page)
        if self.tree.is_answer(node):
            return [self.prompt(lang, "voice_after_answer")]
        if node == PERSON and closed and self.withheld:
            return [self.prompt(lang, "voice_coordinator_option")]  # no callback to offer
        if node == PERSON:
            return [self.prompt(lang, "voice_person_menu_closed" if closed else "voice_person_menu")]
        if node == CALLBACK:
            return [self.prompt(lang, "voice_callback_offer")]
        if node == REGIONS:
            return [(REGIONS_UNIT, self.speaking(lang))]
        if node == ROOT and lang and not keys_said:
            # After the one-time key list, the main menu is where a caller learns 0 again.
            return [(menu_unit(node), lang), self.prompt(lang, "voice_person_key")]
        return [(menu_unit(node), self.speaking(lang))]

    def language_menu(self, lang: str | None, page: int) -> list[UnitKey]:
        """Say each language on ``page`` in itself; where there are more pages, key 9 for the
        next one: in the caller's language, or before one is chosen in the base language and
        English (:mod:`helpline.language_menu`)."""
        said = [(lang_unit(code), code) for code in self.language_pages[page]]
        if len(self.language_pages) > 1:
            words = (lang,) if lang else language_menu.neutral(list(self.content.languages),
                                                              self.content.base)
            said += [(MORE_LANGUAGES_UNIT, code) for code in words]
        return said

    def gather(self, lang: str | None, node: str, silences: int, before: list[UnitKey],
               inside: list[UnitKey], slow: bool = False, redirect: bool = True) -> VoiceResponse:
        """Say ``before``, then wait for one key while saying ``inside``; silence: redirect
        (without ``redirect``, the document goes on with whatever the caller adds after it)."""
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
        if redirect:
            # Twilio falls through a Gather that heard nothing: count that silence.
            doc.redirect(url(lang, node, "silence", silences + 1), method="POST")
        return doc

    def home_node(self, lang: str | None) -> str:
        return ROOT if lang else LANGUAGES

    def dial(self, doc: VoiceResponse, lang: str | None, node: str, silences: int | None,
             line: int, numbers: tuple[str, ...], interpreter: bool = False) -> None:
        """Put the caller through to ``numbers``; each hears the caller's language first, and
        takes the call by pressing 1 (see :meth:`whisper`).

        The ``callerId`` is the helpline number the caller dialled, so a staff phone never
        shows (or keeps in its call log) the caller's own number.
        """
        dial = doc.dial(action=url(lang, node, "done", silences), method="POST",
                        timeout=DIAL_TIMEOUT, caller_id=self.lines[line],
                        sequential=True if self.content.contacts.ring_in_turn else None)
        # Every phone screens the call (before a language is chosen: with nothing to announce),
        # so that a voicemail or an auto-answer never takes it.
        whisper = url(lang, WHISPER_INTERPRETER if interpreter else WHISPER)
        for number in numbers:
            dial.number(number, url=whisper, method="POST")

    def staff(self, lang: str | None, silences: int, before: list[UnitKey], closed: bool,
              line: int) -> VoiceResponse:
        """Put the caller through to staff; closed, or nobody to ring: say so, offer a callback.

        The one place that decides how a caller reaches the helpline's staff.
        """
        staff = self.content.contacts.staff
        if closed or not staff:
            return self.nobody(lang, silences, before)
        doc = VoiceResponse()
        for unit in [*before, self.prompt(lang, "voice_connecting")]:
            self.speak(doc, unit)
        self.dial(doc, lang, PERSON, silences, line, staff)
        return doc

    def person(self, lang: str | None, before: list[UnitKey], closed: bool,
               line: int) -> VoiceResponse:
        """After 0: the person menu (staff or a callback, or the region's coordinator)."""
        if not self.content.regions:
            return self.staff(lang, 0, before, closed, line)
        if closed:
            before = [*before, self.prompt(lang, "voice_no_person"), self.prompt(lang, "voice_hours")]
        return self.gather(lang, PERSON, 0, before, self.menu(lang, PERSON, closed))

    def nobody(self, lang: str | None, silences: int, before: list[UnitKey]) -> VoiceResponse:
        """Nobody can take the call: when to call back, 112, and may we call you back?

        A caller who cannot be called back goes on to their home menu instead.
        """
        said = [*before, self.prompt(lang, "voice_no_person"), self.prompt(lang, "voice_hours")]
        if self.withheld:
            home = self.home_node(lang)
            return self.gather(lang, home, silences, said, self.menu(lang, home))
        return self.gather(lang, CALLBACK, silences, said, self.menu(lang, CALLBACK))

    def postcode(self, lang: str | None) -> VoiceResponse:
        """Ask for the four digits of a postcode; # ends the entry (ISO/IEC 13714)."""
        doc = VoiceResponse()
        gather = doc.gather(input="dtmf", action=url(lang, POSTCODE, "key"), method="POST",
                            num_digits=4, timeout=POSTCODE_TIMEOUT, finish_on_key="#",
                            action_on_empty_result=True)
        self.speak(gather, self.prompt(lang, "voice_postcode"))
        if lang:
            self.speak(gather, self.prompt(lang, "voice_person_key"))
        # Not reached (an empty entry goes to the action too), but never strand a caller.
        doc.redirect(url(lang, REGIONS), method="POST")
        return doc

    def region(self, lang: str | None, node: str, kind: Kind, closed: bool,
               line: int) -> VoiceResponse:
        """Put the caller through to the region's coordinator; without one (or no answer),
        to the helpline staff."""
        coordinator = self.regions[node].coordinator
        unavailable = [self.prompt(lang, "voice_coordinator_unavailable")]
        if coordinator is None or kind is Kind.NOBODY:
            return self.staff(lang, 0, unavailable, closed, line)
        doc = VoiceResponse()
        self.speak(doc, self.prompt(lang, "voice_coordinator_connecting"))
        interpreter = lang is not None and lang not in coordinator.languages
        self.dial(doc, lang, node, None, line, (coordinator.number,), interpreter)
        return doc

    def whisper(self, lang: str | None, interpreter: bool) -> VoiceResponse:
        """What staff hear when they answer: the caller's language, then "press 1 to take the
        call", in the base language; no key (a voicemail) hangs up their leg, not the caller."""
        base = self.content.base
        node = WHISPER_INTERPRETER if interpreter else WHISPER
        said = [(whisper_unit(lang, interpreter), base)] if lang else []  # none chosen yet
        doc = VoiceResponse()
        gather = doc.gather(input="dtmf", action=url(lang, node, "key"), method="POST",
                            num_digits=1, timeout=WHISPER_TIMEOUT,
                            finish_on_key="",  # so that # is a key (no), not an empty entry
                            action_on_empty_result=False)
        for unit in [*said, (WHISPER_ACCEPT_UNIT, base)]:
            self.speak(gather, unit)
        # Twilio allows no <Redirect> here; hanging up the staff leg ends the caller's <Dial>
        # (its action offers a callback), the caller stays on the line.
        doc.hangup()
        return doc

    def talk_ended(self, lang: str | None) -> VoiceResponse:
        """After a talk with a person, the caller still on the line (the person hung up first,
        or the line dropped): that the conversation has ended, that they can hang up, 9 for
        the main menu, 0 for a person again, 112. The keys act as in the caller's home menu;
        silence: the goodbye, and the call ends (no loop through the menus on an open line)."""
        home = self.home_node(lang)
        doc = self.gather(lang, home, 0, [], [self.prompt(lang, "voice_talk_ended")],
                          redirect=False)
        self.speak(doc, self.prompt(lang, "voice_goodbye"))
        return doc

    def goodbye(self, lang: str | None, node: str, before: list[UnitKey]) -> VoiceResponse:
        """Say ``before``, then goodbye (as a notice: before a language is chosen, in the base
        language and English). The document ends here, so Twilio ends the call: no <Hangup/>."""
        doc = VoiceResponse()
        for unit in [*before, *self.notice(lang, node, "voice_goodbye")]:
            self.speak(doc, unit)
        return doc

    def write(self, turn: Turn) -> VoiceResponse:
        """Write the document of ``turn``."""
        lang, node, kind, silences, closed, line, _ = turn
        home = self.home_node(lang)
        if kind is Kind.INCOMING:
            welcome = [self.prompt(lang, "voice_welcome")]
            keys = [self.prompt(lang, "voice_keys")] if lang else []
            return self.gather(lang, node, 0, welcome,
                               [*keys, *self.menu(lang, node, keys_said=bool(keys))])
        if kind is Kind.TALKED:
            return self.talk_ended(lang)
        if kind is Kind.HUNG_UP:
            doc = VoiceResponse()
            doc.hangup()  # the caller is gone: nothing to say
            return doc
        if self.withheld and node == CALLBACK and kind is Kind.PLAY:
            # 1 in the closed person menu, which offers such a caller only the coordinator,
            # on key 1 (options are numbered from 1): their postcode is asked for.
            return self.postcode(lang) if self.content.regions else self.nobody(lang, 0, [])
        if kind is Kind.ERROR:
            sorry = [self.prompt(lang, "voice_sorry"), self.prompt(lang, "voice_welcome")]
            return self.gather(lang, home, 0, sorry, self.menu(lang, home))
        if kind is Kind.NOBODY and node == PERSON:
            return self.nobody(lang, silences, [])
        if kind is Kind.DIAL:
            return self.staff(lang, 0, [], closed, line)
        if kind in (Kind.SAVED, Kind.NOT_SAVED):
            said = "voice_callback_saved" if kind is Kind.SAVED else "voice_callback_failed"
            return self.gather(lang, home, 0, [self.prompt(lang, said)], self.menu(lang, home))
        if kind is Kind.UNKNOWN:
            return self.gather(lang, REGIONS, 0, [self.prompt(lang, "voice_postcode_unknown")],
                               self.menu(lang, REGIONS))
        if node in self.regions:
            return self.region(lang, node, kind, closed, line)
        if kind is Kind.ACCEPTED:
            return VoiceResponse()  # the screen ends here: Twilio puts the call through
        if kind is Kind.DECLINED:
            doc = VoiceResponse()
            doc.hangup()  # the staff leg only: the caller's <Dial> goes on to its action
            return doc
        if node in WHISPERS:
            return self.whisper(lang, node == WHISPER_INTERPRETER)
        if node == POSTCODE:
            return self.postcode(lang)
        if kind is Kind.WELCOME:
            # The welcome (with 112) was said in the base language, which the caller may not
            # understand: it is said again, whole, in the language just chosen.
            welcome = [] if lang == self.content.base else [self.prompt(lang, "voice_welcome")]
            return self.gather(lang, node, 0, welcome,
                               [self.prompt(lang, "voice_keys"),
                                *self.menu(lang, node, keys_said=True)])
        if kind is Kind.NOT_OPTION:
            return self.gather(lang, node, 0, [], [*self.notice(lang, node, "voice_not_option"),
                                                   *self.menu(lang, node, closed),
                                                   *self.person_key(lang, node)])
        if kind is Kind.SILENCE:
            no_input = self.notice(lang, node, "voice_no_input")
            if silences >= GOODBYE_AFTER:
                # A caller who cannot speak or press may be in danger: 112 before the goodbye.
                return self.goodbye(lang, node, [*no_input,
                                                 *self.notice(lang, node, "voice_emergency")])
            if silences == PERSON_AFTER and node != CALLBACK:
                return self.staff(lang, silences, no_input, closed, line)
            return self.gather(lang, node, silences, [],
                               [*no_input, *self.menu(lang, node, closed),
                                *self.person_key(lang, node)])
        if node == PERSON:
            return self.person(lang, [], closed, line)
        if self.tree.is_answer(node):
            assert lang is not None
            return self.gather(lang, node, 0, [],
                               [(answer_unit(node), lang), *self.menu(lang, node)],
                               slow=kind is Kind.SLOW)
        return self.gather(lang, node, 0, [], self.menu(lang, node))


def _variants(turn: Turn, lines: int) -> Iterator[Turn]:
    """Yield ``turn`` as it is open and closed, once per helpline line."""
    for closed in (False, True):
        for line in range(lines):
            yield turn._replace(closed=closed, line=line)


def all_turns(content: Content, lines: int = 1) -> Iterator[Turn]:
    """Yield every turn a call can reach, in every language (and before one is chosen)."""
    tree = content.tree
    regions = [region_node(region.id) for region in content.regions]
    language_nodes = [languages_node(page)
                      for page in range(len(language_menu.pages(list(content.languages))))]
    for lang in (None, *content.languages):
        nodes = [*language_nodes, *tree.menus, *tree.answers] if lang else [*language_nodes]
        nodes.append(CALLBACK)
        if regions:
            nodes.append(REGIONS)
        yield Turn(lang, ROOT if lang else LANGUAGES, Kind.INCOMING)
        yield Turn(lang, ROOT if lang else LANGUAGES, Kind.ERROR)
        if lang:
            yield Turn(lang, ROOT, Kind.WELCOME)
        for node in nodes:
            yield Turn(lang, node, Kind.PLAY)
            yield Turn(lang, node, Kind.NOT_OPTION)
            if tree.is_answer(node):
                yield Turn(lang, node, Kind.SLOW)
            for silences in range(1, GOODBYE_AFTER + 1):
                if silences == PERSON_AFTER and node != CALLBACK:
                    yield from _variants(Turn(lang, node, Kind.SILENCE, silences), lines)
                else:
                    yield Turn(lang, node, Kind.SILENCE, silences)
        yield from _variants(Turn(lang, PERSON, Kind.PLAY), lines)
        yield from _variants(Turn(lang, PERSON, Kind.DIAL), lines)
        if regions:
            yield from _variants(Turn(lang, PERSON, Kind.NOT_OPTION), lines)
            for silences in range(1, GOODBYE_AFTER + 1):
                yield from _variants(Turn(lang, PERSON, Kind.SILENCE, silences), lines)
            yield Turn(lang, POSTCODE, Kind.PLAY)
            yield Turn(lang, REGIONS, Kind.UNKNOWN)
            for node in regions:
                yield from _variants(Turn(lang, node, Kind.PLAY), lines)
                yield from _variants(Turn(lang, node, Kind.NOBODY), lines)
        yield Turn(lang, PERSON, Kind.TALKED)
        yield Turn(lang, PERSON, Kind.NOBODY, 0)
        yield Turn(lang, PERSON, Kind.NOBODY, PERSON_AFTER)
        yield Turn(lang, CALLBACK, Kind.SAVED)
        yield Turn(lang, CALLBACK, Kind.NOT_SAVED)
        yield Turn(lang, WHISPER, Kind.PLAY)
        yield Turn(lang, WHISPER_INTERPRETER, Kind.PLAY)
    yield Turn(None, WHISPER, Kind.ACCEPTED)
    yield Turn(None, WHISPER, Kind.DECLINED)
    yield Turn(None, PERSON, Kind.HUNG_UP)


def _may_offer_callback(turn: Turn) -> bool:
    """Say whether ``turn``'s document may offer a callback (reaching a person, or silence
    that puts the caller through)."""
    return (turn.node in (PERSON, CALLBACK) or turn.node.startswith(REGION)
            or (turn.kind is Kind.SILENCE and turn.silences == PERSON_AFTER))


def helpline_lines(content: Content) -> tuple[str, ...]:
    """Return the helpline's own numbers: the central one first, then those of languages."""
    lines = [content.contacts.helpline]
    for language in content.languages.values():
        lines += [number for number in language.numbers if number not in lines]
    return tuple(lines)


def build_voice_book(content: Content, rules: engine.Rules,
                     audio: AudioIndex = NO_AUDIO) -> tuple[VoiceBook, list[Problem]]:
    """Write every document of every language (and the language menu's pages, however many
    languages there are); report what cannot be offered (nothing, today)."""
    problems: list[Problem] = []
    lines = helpline_lines(content)
    writer = _Writer(content, audio, lines)
    documents = {turn: str(writer.write(turn)) for turn in all_turns(content, len(lines))}
    # Where a callback may be offered, the variant for a caller who cannot be called back
    # (kept only where it differs).
    withheld = _Writer(content, audio, lines, withheld=True)
    for turn in [turn for turn in documents if _may_offer_callback(turn)]:
        variant = str(withheld.write(turn))
        if variant != documents[turn]:
            documents[turn._replace(withheld=True)] = variant
    numbers = {identity.normalize(number): code
               for code, language in content.languages.items() for number in language.numbers}
    line_of = {identity.normalize(number): index for index, number in enumerate(lines)}
    return VoiceBook(MappingProxyType(documents), MappingProxyType(numbers), rules,
                     MappingProxyType(line_of), content.hours, content.regions), problems
