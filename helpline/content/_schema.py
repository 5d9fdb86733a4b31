"""The shape of each content file, checked with pydantic before anything else."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

import phonenumbers
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from ..identity import E164, exists
from ._problems import KeyPath, Problem
from ._yaml import YamlDoc

ANSWER_TEXT_LIMIT = 600
ANSWER_SAY_LIMIT = 900
TITLE_LIMIT = 32
LABEL_LIMIT = 32
PROMPT_LIMIT = 320

Id = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=40)]
LangCode = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[a-z0-9]{2,8})?$")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Keyword = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class SmsSettings(_Strict):
    alphabet: Literal["gsm7", "unicode"]
    script: Literal["bg-latin"] | None = None


class KeywordSettings(_Strict):
    start: Annotated[list[Keyword], Field(min_length=1)]
    more: Annotated[list[Keyword], Field(min_length=1)]
    wipe: Annotated[list[Keyword], Field(min_length=1)]


class VoiceSettings(_Strict):
    locale: Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}-[A-Z]{2}$")]
    say_voice: Text | None = None
    gtts: Text
    espeak: Text
    speech_input: bool = False


def dialable(number: str) -> str:
    """Refuse a number in the right form that no phone has (a digit missing or extra)."""
    if not exists(number):
        raise PydanticCustomError("phone_number", "not a valid phone number",
                                  {"country": phonenumbers.parse(number).country_code})
    return number


# In the right form (+, country code, digits); NumberForm alone only for numbers marked
# ``example: true``, which are deliberately not real (+31000000001).
NumberForm = Annotated[str, StringConstraints(pattern=E164)]
PhoneNumber = Annotated[NumberForm, AfterValidator(dialable)]


class _MaybeExample(_Strict):
    """A ``number`` that must be real unless ``example: true`` (declared first: read first)."""

    example: bool = False
    number: NumberForm

    @field_validator("number")
    @classmethod
    def _real_unless_example(cls, number: str, info: ValidationInfo) -> str:
        return number if info.data.get("example") is True else dialable(number)


class LanguageFile(_Strict):
    code: LangCode
    name: Annotated[Text, StringConstraints(max_length=LABEL_LIMIT)]
    order: Annotated[int, Field(ge=1, le=99)]
    base: bool = False
    sms: SmsSettings
    keywords: KeywordSettings
    voice: VoiceSettings
    numbers: list[PhoneNumber] = []  # helpline numbers whose callers hear this language at once
    # The language's name in the base language (the staff's): staff hear it before a call is
    # put through to them, and read it on a hand-off text.
    staff_name: Annotated[Text, StringConstraints(max_length=LABEL_LIMIT)]


class PromptsFile(_Strict):
    language: LangCode
    menus: dict[Id, Annotated[Text, StringConstraints(max_length=LABEL_LIMIT)]]
    text: dict[str, Annotated[Text, StringConstraints(max_length=PROMPT_LIMIT)]]


class BaseAnswer(_Strict):
    faq: Annotated[int, Field(ge=1, le=99)]
    title: Annotated[Text, StringConstraints(max_length=TITLE_LIMIT)]
    text: Annotated[Text, StringConstraints(max_length=ANSWER_TEXT_LIMIT)]
    say: Annotated[Text, StringConstraints(max_length=ANSWER_SAY_LIMIT)] | None = None


class TranslatedAnswer(_Strict):
    title: Annotated[Text, StringConstraints(max_length=TITLE_LIMIT)]
    text: Annotated[Text, StringConstraints(max_length=ANSWER_TEXT_LIMIT)]
    say: Annotated[Text, StringConstraints(max_length=ANSWER_SAY_LIMIT)] | None = None
    reviewed: bool
    source: Annotated[str, StringConstraints(min_length=1, max_length=64)]


class BaseAnswersFile(_Strict):
    language: LangCode
    answers: Annotated[dict[Id, BaseAnswer], Field(min_length=1)]


class TranslatedAnswersFile(_Strict):
    language: LangCode
    answers: Annotated[dict[Id, TranslatedAnswer], Field(min_length=1)]


class MenuFile(_Strict):
    menus: Annotated[dict[Id, Annotated[list[Id], Field(min_length=1, max_length=7)]], Field()]


class Number(_MaybeExample):
    pass


class ContactsFile(_Strict):
    helpline: Number
    emergency: Annotated[str, StringConstraints(pattern=r"^[0-9]{3}$")]
    staff: list[Number] = []  # on duty: calls for a person ring these; texts are handed to them
    ring: Literal["together", "in-turn"] = "together"
    # What staff send after a hand-off's reference to close it ("K7QX KLAAR").
    staff_close_word: Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2,12}$")] = "KLAAR"


PERIOD = r"^([01][0-9]|2[0-3]):[0-5][0-9]-(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$"
Period = Annotated[str, StringConstraints(pattern=PERIOD)]
Day = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
IsoDate = Annotated[str, StringConstraints(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]


class HoursFile(_Strict):
    example: bool = False
    week: dict[Day, list[Period]]
    public_holidays: Literal["closed", "open"] = "closed"
    closed_dates: list[IsoDate] = []
    open_dates: list[IsoDate] = []


Postcodes = Annotated[str, StringConstraints(pattern=r"^[1-9][0-9]{3}(-[1-9][0-9]{3})?$")]


class Coordinator(_MaybeExample):
    languages: Annotated[list[LangCode], Field(min_length=1)]


class Region(_Strict):
    id: Id
    name: Annotated[Text, StringConstraints(max_length=LABEL_LIMIT)]
    postcodes: Annotated[list[Postcodes], Field(min_length=1)]
    coordinator: Coordinator | None = None


class RegionsFile(_Strict):
    example: bool = False
    regions: list[Region]


# What each pattern asks for, in words staff can act on (the regex itself helps nobody).
_PATTERN_HELP = {
    r"^[a-z0-9]+(-[a-z0-9]+)*$": "write an id in lower-case letters and digits, words joined by "
                                 "single hyphens, e.g. 'b8-3'",
    r"^[a-z]{2,3}(-[a-z0-9]{2,8})?$": "write a language code in lower-case letters, e.g. 'nl'",
    r"^[a-z]{2,3}-[A-Z]{2}$": "write a language and a country code, e.g. 'nl-NL'",
    E164: "write + and the country code, then the number without its first 0 and without spaces "
          "(020 ... becomes +3120...)",
    r"^[0-9]{3}$": "write three digits, e.g. '112'",
    r"^[A-Za-z]{2,12}$": "write one word of 2 to 12 letters, e.g. 'KLAAR'",
    PERIOD: "write a period as HH:MM-HH:MM, e.g. '09:00-17:00'",
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$": "write a date as YYYY-MM-DD, e.g. '2026-12-25'",
    r"^[1-9][0-9]{3}(-[1-9][0-9]{3})?$": "write a postcode's four digits, or a range such as "
                                        "'1000-1099'",
}


def _message(error: dict[str, Any], written: str | None = None) -> str:
    """Say what is wrong with one value, and how to fix it (``written``: the value as it
    stands in the file, when YAML read it as something other than text)."""
    kind, ctx, value = error["type"], error.get("ctx") or {}, error.get("input")
    if kind == "missing":
        return "missing: this key is required: add it (the same file of another language shows how)"
    if kind == "extra_forbidden":
        return "unknown key: check its spelling, or remove it"
    if kind == "string_too_long" and isinstance(value, str):
        return f"text is {len(value)} characters, the limit is {ctx['max_length']}: shorten it"
    if kind == "string_too_short":
        return "is empty: write a text here"
    if kind == "string_pattern_mismatch":
        pattern = str(ctx.get("pattern", ""))
        fix = _PATTERN_HELP.get(pattern, f"write it in the form {pattern}")
        return f"{value!r} is not allowed here: {fix}"
    if kind == "too_long":
        return (f"has {ctx.get('actual_length')} entries, at most {ctx['max_length']} are allowed: "
                "remove some, or put them in a submenu of their own")
    if kind == "too_short":
        return f"has too few entries: at least {ctx['min_length']} needed: add one"
    if kind == "phone_number":
        return (f"{value!r} is not a phone number that exists in country +{ctx['country']}: a "
                "digit is missing or one too many (a Dutch mobile number is +316 and 8 digits, "
                "a Dutch landline +31 and 9 digits): check it against the phone")
    if kind == "string_type":
        # As written: YAML reads +31612345678 as the number 31612345678, dropping the +.
        return f"must be text, found {_shown(value)}: put it in quotes, e.g. '{written or value}'"
    if kind == "bool_type":
        return f"must be true or false, found {_shown(value)}: write true or false, without quotes"
    if kind == "int_type":
        return f"must be a whole number, found {_shown(value)}: write digits only, without quotes"
    if kind in ("greater_than_equal", "less_than_equal"):
        limit = ctx.get("ge", ctx.get("le"))
        least = kind == "greater_than_equal"
        return f"is {value!r}, but must be {'at least' if least else 'at most'} {limit}: change it"
    if kind == "literal_error":
        return f"{value!r} is not one of {ctx['expected']}: write one of these"
    if kind in ("dict_type", "model_type"):
        return (f"must hold keys and values, each on its own indented line below, found {_shown(value)}: "
                "the same file of another language shows how")
    if kind == "list_type":
        example = f"[{value}]" if isinstance(value, str) else "[A, B]"
        none = ", or [] for none" if value is None else ""
        return (f"must be a list, found {_shown(value)}: write it as {example}{none}, or one '- ' "
                "line per entry")
    return (f"{error['msg'].lower()} (found {_shown(value)}): compare with the same file of another "
            "language")


def _shown(value: Any) -> str:
    """``value`` as staff wrote it, not as Python writes it: nothing (an empty value), a date as
    a date, anything else quoted."""
    if value is None:
        return "nothing"
    if isinstance(value, dt.date):
        return f"the date {value.isoformat()}"
    return repr(value)


def validate(doc: YamlDoc, model: type[_Strict]) -> tuple[Any, list[Problem]]:
    """Check ``doc`` against ``model``; return the parsed model or located problems."""
    if not isinstance(doc.data, dict):
        return None, [doc.problem((), "the file must hold keys and values (a YAML mapping)")]
    try:
        return model.model_validate(doc.data), []
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            path: KeyPath = tuple(p for p in error["loc"] if isinstance(p, str | int))
            problems.append(doc.problem(path, _message(dict(error), doc.written.get(path))))
        return None, problems
