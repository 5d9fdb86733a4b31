"""Everything the phone line says, cut into units: one text per (unit id, language).

Pure: content in, texts out. The voice TwiML says or plays these units and nothing else,
and the audio build makes one file per unit from exactly :func:`spoken_units`, so a
recording and its ``<Say>`` fallback can never drift apart.

Unit ids (stable: audio file names and the golden transcripts depend on them):

``prompt:<key>``
    a fixed phrase, in every language, placeholders filled in: ``prompt:voice_welcome``,
    ``prompt:voice_keys``, ``prompt:voice_after_answer``, ``prompt:voice_not_option``,
    ``prompt:voice_no_input``, ``prompt:voice_connecting``, ``prompt:voice_no_person``,
    ``prompt:voice_goodbye``, ``prompt:voice_emergency``, ``prompt:voice_talk_ended``,
    ``prompt:voice_sorry`` (see :data:`PROMPT_UNITS`).
``lang:<code>``
    the language menu line of language ``<code>`` ("For English, press 2"), only in that
    language: the language menu plays every ``lang:`` unit, each in its own language. The key
    is the language's key on its page of the language menu (:mod:`helpline.language_menu`).
``more-languages``
    only with more than 9 languages, when the language menu has pages: "For More languages,
    press 9", the next page, in every language (``more_languages`` in ``voice_option``).
    Before a language is chosen it is said in the base language and in English.
``menu:<menu id>``
    a whole menu: its title, then "For <label>, press <key>" for each option in order.
``answer:<answer id>``
    an answer as it is heard (its ``say`` text where staff wrote one). Answers are the only
    units with a slow variant (:func:`has_slow_variant`): key 2 after an answer.
``regions``
    the list of care coordination regions (only when ``content/regions.yaml`` has some): its
    heading, then "For <region>, press <key>" for each region in order.
``whisper:<code>``, ``whisper-interpreter:<code>``
    what staff (or a care coordinator) hear before a call in language ``<code>`` is put
    through, in the base language only: "Caller speaks Romanian." (and, for a coordinator who
    does not speak it, that an interpreter may be needed).
``whisper-accept``
    what staff hear next, in the base language only: press 1 to take the call (any other key,
    or none, and the call is not put through: a voicemail never takes it).

Phone numbers in units (``{emergency}``) are written digit by digit (:func:`spoken_number`),
and references such as "B8/3" as their parts ("B 8 3", :func:`spoken_text`): SMS keep both
as written.

``voice_option``, ``voice_choose_language``, ``voice_regions`` and ``voice_whisper*`` are
building blocks of ``menu:``, ``lang:``, ``regions``, ``more-languages`` and ``whisper`` units,
not units of their own.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType

from . import language_menu
from .content import Content

UnitKey = tuple[str, str]  # (unit id, language code)

# The fixed phrases that are units, in the order a call may meet them.
PROMPT_UNITS: tuple[str, ...] = (
    "voice_welcome",
    "voice_keys",
    "voice_after_answer",
    "voice_not_option",
    "voice_no_input",
    "voice_connecting",
    "voice_no_person",
    "voice_goodbye",
    "voice_emergency",
    "voice_talk_ended",
    "voice_person_menu",
    "voice_person_menu_closed",
    "voice_hours",
    "voice_callback_offer",
    "voice_callback_saved",
    "voice_callback_failed",
    "voice_postcode",
    "voice_postcode_unknown",
    "voice_coordinator_connecting",
    "voice_coordinator_unavailable",
    "voice_sorry",
    "voice_coordinator_option",
    "voice_person_key",
)
# Prompt keys spoken only as part of a ``lang:``, ``menu:``, ``regions`` or ``whisper*`` unit.
BUILDING_BLOCKS: tuple[str, ...] = ("voice_choose_language", "voice_option", "voice_regions",
                                    "voice_whisper", "voice_whisper_interpreter",
                                    "voice_whisper_accept")
REGIONS_UNIT = "regions"
WHISPER_ACCEPT_UNIT = "whisper-accept"
MORE_LANGUAGES_UNIT = "more-languages"


def prompt_unit(key: str) -> str:
    return f"prompt:{key}"


def lang_unit(code: str) -> str:
    return f"lang:{code}"


def menu_unit(menu: str) -> str:
    return f"menu:{menu}"


def answer_unit(answer: str) -> str:
    return f"answer:{answer}"


def whisper_unit(code: str, interpreter: bool = False) -> str:
    return f"whisper{'-interpreter' if interpreter else ''}:{code}"


def has_slow_variant(unit_id: str) -> bool:
    """Say whether ``unit_id`` is also heard slowly (so needs a slow recording)."""
    return unit_id.startswith("answer:")


def spoken_number(number: str) -> str:
    """Return a phone number as it is written for a voice: digit by digit ("112" -> "1 1 2").

    Written whole, espeak-ng, gTTS and Twilio's ``<Say>`` all read "112" as a quantity ("one
    hundred and twelve", "honderdtwaalf"): a number to dial must be heard as its digits. SMS
    keeps the number as it is written (:mod:`helpline.sms_book`).
    """
    return " ".join(number.replace(" ", ""))


# A reference made of a letter code, digits, a slash and digits: "B8/3" (the residence scheme
# for victims of trafficking, chapter B8, section 3 of the Aliens Circular).
_REFERENCE = re.compile(r"\b([A-Z]{1,3})([0-9]+)/([0-9]+)\b")


def spoken_text(text: str) -> str:
    """Return ``text`` as it is written for a voice: a reference such as "B8/3" as its parts,
    "B 8 3", the way people say it ("bee acht drie").

    Written whole, espeak-ng reads the slash aloud ("B acht schuine streep drie", "B eight
    slash three", in Hungarian "B nyolc per három": eight divided by three), and a voice that
    reads "8/3" as a date or a fraction says "8 March" or "eight thirds". Only the sound
    changes: SMS show the reference as written.
    """
    return _REFERENCE.sub(lambda found: " ".join(found.groups()), text)


def _label(text: str) -> str:
    # A title such as "What is coercion?" sits inside "For ..., press 2": a question mark
    # there would make a voice rise in the middle of the sentence.
    return text.rstrip(" ?!.:;")


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "?", "!")) else f"{text}."


def spoken_units(content: Content) -> Mapping[UnitKey, str]:
    """Return the text of every unit in every language, keyed by (unit id, language)."""
    units: dict[UnitKey, str] = {}
    emergency = spoken_number(content.contacts.emergency)
    tree = content.tree
    codes = list(content.languages)
    paged = language_menu.is_paged(codes)
    for code in codes:
        text = content.prompts[code].text
        titles = content.prompts[code].menus
        answers = content.answers[code]
        for key in PROMPT_UNITS:
            units[(prompt_unit(key), code)] = text[key].format(emergency=emergency)
        on_page = language_menu.key_of(codes, code)  # its key on its page of the language menu
        units[(lang_unit(code), code)] = text["voice_choose_language"].format(key=on_page)
        if paged:
            units[(MORE_LANGUAGES_UNIT, code)] = text["voice_option"].format(
                label=_label(text["more_languages"]), key=language_menu.NEXT_PAGE_KEY)
        for menu, options in tree.menus.items():
            lines = [_sentence(titles[menu])]
            for digit, option in enumerate(options, start=1):
                label = titles[option] if tree.is_menu(option) else answers[option].title
                lines.append(text["voice_option"].format(label=_label(label), key=digit))
            units[(menu_unit(menu), code)] = " ".join(lines)
        for answer in tree.answers:
            units[(answer_unit(answer), code)] = answers[answer].spoken
        if content.regions:
            lines = [_sentence(text["voice_regions"])]
            for digit, region in enumerate(content.regions, start=1):
                lines.append(text["voice_option"].format(label=_label(region.name), key=digit))
            units[(REGIONS_UNIT, code)] = " ".join(lines)
    base = content.prompts[content.base].text
    for code, language in content.languages.items():
        said = base["voice_whisper"].format(language=language.staff_name)
        units[(whisper_unit(code), content.base)] = said
        units[(whisper_unit(code, True), content.base)] = f"{said} {base['voice_whisper_interpreter']}"
    units[(WHISPER_ACCEPT_UNIT, content.base)] = base["voice_whisper_accept"]
    return MappingProxyType({key: spoken_text(text) for key, text in units.items()})
