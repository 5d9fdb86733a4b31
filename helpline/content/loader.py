"""Load and validate the content files into one immutable :class:`Content`.

Layout (relative to the project root):

- ``content/languages/<code>.yaml``  one file per language: name, keywords, SMS and voice settings
- ``content/menu.yaml``              the menu tree: each menu and the options it offers
- ``content/answers/<code>.yaml``    the short answers, per language
- ``content/contacts.yaml``          phone numbers (never in code): the helpline, staff on duty
- ``content/hours.yaml``             opening hours (optional: without it, always open, and warned)
- ``content/regions.yaml``           care coordination regions, postcodes, coordinators (optional)
- ``prompts/<code>.yaml``            the interface texts, per language

Every problem names its file, line and key; all problems are collected, not just the first.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import string
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from .. import transliteration, words
from . import _schema as schema
from ._problems import ContentError, Problem, errors_only
from ._yaml import YamlDoc, read_yaml
from .model import (
    ALWAYS_OPEN,
    ROOT,
    AnswerText,
    Contacts,
    Content,
    Coordinator,
    Keywords,
    Language,
    MenuTree,
    OpeningHours,
    Prompts,
    Region,
    Voice,
    text_version,
)
from .prompt_keys import PROMPT_KEYS, REQUIRED

_RESERVED_DIGIT_WORDS = re.compile(r"^[0-9*#]+$")
MAX_REGIONS = 9  # keys 1 to 9 of the region list


# Files whose every value is a text (a note after one on the same line cuts it short).
TEXT_FILES: tuple[type[schema._Strict], ...] = (
    schema.PromptsFile, schema.BaseAnswersFile, schema.TranslatedAnswersFile)


@dataclass
class _Reader:
    """Reads files relative to the project root and collects every problem."""

    root: Path
    problems: list[Problem] = field(default_factory=list)
    digest: Any = field(default_factory=hashlib.sha256)
    lines: dict[str, Any] = field(default_factory=dict)

    def name(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.root))
        except ValueError:
            return str(path)

    def read(self, path: Path, model: type[schema._Strict]) -> tuple[YamlDoc | None, Any]:
        """Read ``path`` as ``model``; a problem (with its line) for anything that is wrong."""
        name = self.name(path)
        if not path.is_file():
            fix = ("copy the file of another language and translate it"
                   if path.parent.name in ("answers", "prompts") else
                   "restore it (your version control, or the last copy that worked)")
            self.problems.append(Problem(name, f"missing: this file is required: {fix}"))
            return None, None
        self.digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
        doc = read_yaml(path, name, all_texts=model in TEXT_FILES)
        if isinstance(doc, list):
            self.problems.extend(doc)
            return None, None
        self.lines[name] = MappingProxyType(doc.lines)
        parsed, problems = schema.validate(doc, model)
        self.problems.extend(problems)
        return doc, parsed


def load_content(content_dir: Path, prompts_dir: Path) -> Content:
    """Load every content file; raise :class:`ContentError` listing all problems."""
    root = content_dir.resolve().parent
    reader = _Reader(root)
    languages = _load_languages(reader, content_dir / "languages")
    tree, menu_doc = _load_tree(reader, content_dir / "menu.yaml")
    contacts = _load_contacts(reader, content_dir / "contacts.yaml")
    if not languages or tree is None or menu_doc is None or contacts is None:
        raise ContentError(errors_only(reader.problems))
    base = next(lang.code for lang in languages.values() if lang.base)
    answers = _load_answers(reader, content_dir / "answers", languages, base, tree, menu_doc)
    prompts = _load_prompts(reader, prompts_dir, languages, tree)
    hours = _load_hours(reader, content_dir / "hours.yaml")
    regions = _load_regions(reader, content_dir / "regions.yaml", languages)
    if errors_only(reader.problems):
        raise ContentError(errors_only(reader.problems))
    if contacts.helpline_is_example:
        reader.problems.append(
            Problem(
                "content/contacts.yaml",
                f"helpline.number {contacts.helpline} is an EXAMPLE number: replace it with the "
                "real helpline number and remove 'example: true' before going live",
                warning=True,
            )
        )
    return Content(
        base=base,
        languages=MappingProxyType(languages),
        tree=tree,
        answers=MappingProxyType(answers),
        prompts=MappingProxyType(prompts),
        contacts=contacts,
        version=reader.digest.hexdigest()[:12],
        warnings=tuple(p for p in reader.problems if p.warning),
        lines=MappingProxyType(reader.lines),
        hours=hours,
        regions=regions,
    )


def _load_languages(reader: _Reader, folder: Path) -> dict[str, Language]:
    files = sorted(folder.glob("*.yaml")) if folder.is_dir() else []
    if not files:
        reader.problems.append(Problem(reader.name(folder), "missing: no language files found: "
                                       "add one file per language, e.g. nl.yaml"))
        return {}
    loaded: list[tuple[YamlDoc, schema.LanguageFile]] = []
    for path in files:
        doc, parsed = reader.read(path, schema.LanguageFile)
        if doc is None or parsed is None:
            continue
        if parsed.code != path.stem:
            reader.problems.append(
                doc.problem(("code",), f"is {parsed.code!r} but the file is named {path.name}: make them "
                                           "the same")
            )
            continue
        loaded.append((doc, parsed))
    bases = [parsed.code for _, parsed in loaded if parsed.base]
    if len(loaded) == len(files) and len(bases) != 1:
        reader.problems.append(
            Problem(reader.name(folder), f"exactly one language must have 'base: true' "
                    f"(found {len(bases)}: {', '.join(bases) or 'none'}): keep it only in the "
                    "file of the language the others are translated from")
        )
    # Checked in the order languages came: a duplicate is reported in the one that came later.
    loaded.sort(key=_came_later)
    _check_unique(reader, loaded, "order", lambda f: [f.order],
                  "give each language its own place in the menu")
    _check_unique(reader, loaded, "numbers", lambda f: f.numbers,
                  "a dialled number can start one language only; remove it from one file")
    _check_keywords(reader, loaded)
    if errors_only(reader.problems):
        return {}
    loaded.sort(key=lambda item: item[1].order)
    return {parsed.code: _language(parsed) for _, parsed in loaded}


def _came_later(item: tuple[YamlDoc, schema.LanguageFile]) -> tuple[bool, int, bool, str]:
    """Sort key: the base language first, then by ``order``, then by code.

    Staff add a language by copying a file (``cp en.yaml de.yaml``) and changing ``code``:
    the copy keeps the other's ``order`` and keywords, and a duplicate must be reported in
    the copy, never in the file it was copied from (staff would change English). With the
    same ``order``, a file whose voice is for another language (``locale: en-GB`` in
    ``de.yaml``) is the copy not yet finished, and comes later.
    """
    parsed = item[1]
    copied = parsed.voice.locale.split("-")[0].lower() != parsed.code.split("-")[0]
    return (not parsed.base, parsed.order, copied, parsed.code)


def _language(parsed: schema.LanguageFile) -> Language:
    kw, voice = parsed.keywords, parsed.voice
    return Language(
        code=parsed.code,
        name=parsed.name,
        order=parsed.order,
        base=parsed.base,
        alphabet=parsed.sms.alphabet,
        script=parsed.sms.script,
        keywords=Keywords(tuple(kw.start), tuple(kw.more), tuple(kw.wipe)),
        voice=Voice(voice.locale, voice.say_voice, voice.gtts, voice.espeak, voice.speech_input),
        numbers=tuple(parsed.numbers),
        staff_name=parsed.staff_name,
    )


def _check_unique(
    reader: _Reader,
    loaded: list[tuple[YamlDoc, schema.LanguageFile]],
    key: str,
    values: Any,
    fix: str,
) -> None:
    seen: dict[Any, str] = {}
    for doc, parsed in loaded:
        for value in values(parsed):
            if value in seen:
                reader.problems.append(
                    doc.problem((key,), f"{value!r} is already used by {seen[value]}: {fix}")
                )
            seen[value] = doc.name


def _check_keywords(reader: _Reader, loaded: list[tuple[YamlDoc, schema.LanguageFile]]) -> None:
    seen: dict[str, str] = {}
    for doc, parsed in loaded:
        for kind in ("start", "more", "wipe"):
            for index, word in enumerate(getattr(parsed.keywords, kind)):
                path = ("keywords", kind, index)
                folded = words.fold(word)
                if not folded or _RESERVED_DIGIT_WORDS.match(folded):
                    reader.problems.append(
                        doc.problem(path, f"{word!r} cannot be a keyword: use letters")
                    )
                elif folded in words.TWILIO_RESERVED:
                    reader.problems.append(
                        doc.problem(path, f"{word!r} is reserved by Twilio (STOP, HELP, START "
                                    "...) and never reaches the menu: choose another word")
                    )
                elif folded in seen and not (kind == "more" and seen[folded].endswith("keywords.more")):
                    reader.problems.append(
                        doc.problem(path, f"{word!r} is already a keyword in {seen[folded]}: choose "
                                    "another word")
                    )
                seen.setdefault(folded, f"{doc.name} keywords.{kind}")


def _load_tree(reader: _Reader, path: Path) -> tuple[MenuTree | None, YamlDoc | None]:
    doc, parsed = reader.read(path, schema.MenuFile)
    if doc is None or parsed is None:
        return None, None
    menus: dict[str, tuple[str, ...]] = {k: tuple(v) for k, v in parsed.menus.items()}
    if ROOT not in menus:
        reader.problems.append(doc.problem(("menus",), f"missing: the menu {ROOT!r} (the main "
                                           "menu): add it, with the first options people hear"))
        return None, None
    parents: dict[str, str] = {}
    for menu, options in menus.items():
        for index, option in enumerate(options):
            where = ("menus", menu, index)
            if option == ROOT:
                reader.problems.append(doc.problem(where, f"{ROOT!r} cannot be an option: remove it (a key "
                                                   "leads back to the main menu everywhere)"))
            elif option in parents:
                reader.problems.append(
                    doc.problem(where, f"{option!r} is already an option of {parents[option]!r}: "
                                "each menu or answer has one place in the tree; remove it from one "
                                "of the two menus")
                )
            else:
                parents[option] = menu
    reachable = _reachable(menus)
    for menu in menus:
        if menu not in reachable:
            reader.problems.append(
                doc.problem(("menus", menu), "is not reachable from the main menu: add it as an "
                            "option of a menu, or remove it")
            )
    answers = tuple(n for n in parents if n not in menus)
    return MenuTree(MappingProxyType(menus), answers, MappingProxyType(parents)), doc


def _reachable(menus: dict[str, tuple[str, ...]]) -> set[str]:
    seen, todo = {ROOT}, [ROOT]
    while todo:
        for option in menus.get(todo.pop(), ()):
            if option not in seen:
                seen.add(option)
                todo.append(option)
    return seen


# Twilio rings at most 10 numbers in one <Dial> (its limit on <Number> nouns); a call to a
# person rings every staff number in one <Dial>.
MAX_STAFF = 10
# The emergency number of the Netherlands and the EU; another is allowed, and warned about.
EMERGENCY = "112"


def _load_contacts(reader: _Reader, path: Path) -> Contacts | None:
    doc, parsed = reader.read(path, schema.ContactsFile)
    if doc is None or parsed is None:
        return None
    if len(parsed.staff) > MAX_STAFF:
        reader.problems.append(
            doc.problem(("staff", MAX_STAFF),
                        f"{len(parsed.staff)} staff numbers, but a call can ring at most "
                        f"{MAX_STAFF} (Twilio's limit): remove {len(parsed.staff) - MAX_STAFF}, "
                        f"from this one on")
        )
        return None
    for index, staff in enumerate(parsed.staff):
        if staff.example:
            reader.problems.append(
                doc.problem(("staff", index, "number"),
                            f"{staff.number} is an EXAMPLE number: a caller or texter who asks for a "
                            "person reaches nobody; replace it with a real staff number and remove "
                            "'example: true' before going live", warning=True)
            )
    if not parsed.staff:
        reader.problems.append(
            doc.problem(("staff",), "no staff numbers: nobody can be reached in opening hours "
                        "(callers who ask for a person are told that nobody can take their call, "
                        "texters how to call the helpline); add the numbers of the staff on duty "
                        "before going live", warning=True)
        )
    if parsed.emergency != EMERGENCY:
        reader.problems.append(
            doc.problem(("emergency",), f"{parsed.emergency!r}: callers and texters in danger are "
                        f"told to call {parsed.emergency}, but {EMERGENCY} is the emergency number "
                        f"in the Netherlands (and all of the EU): write '{EMERGENCY}' unless this "
                        f"helpline serves a country where {parsed.emergency} is the emergency "
                        "number", warning=True)
        )
    return Contacts(parsed.helpline.number, parsed.helpline.example, parsed.emergency,
                    tuple(staff.number for staff in parsed.staff), parsed.ring == "in-turn",
                    parsed.staff_close_word.upper(),
                    frozenset(staff.number for staff in parsed.staff if staff.example))


_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


def _load_hours(reader: _Reader, path: Path) -> OpeningHours:
    if not path.is_file():
        others = sorted(p for p in path.parent.glob("*")
                        if p.name.lower().startswith("hours.") and p.name != path.name)
        unread = "".join(f"; {reader.name(p)} is not read: only {path.name} is (rename it)"
                         for p in others)
        reader.problems.append(Problem(
            reader.name(path), "missing: without this file the helpline is always open: at any "
            "hour, day and night, a texter who asks for a person is handed to staff and a caller "
            f"is put through to the staff phones{unread}; restore it (your version control, or "
            "the last copy that worked), or create it with your team's real hours",
            warning=True))
        return ALWAYS_OPEN
    doc, parsed = reader.read(path, schema.HoursFile)
    if doc is None or parsed is None:
        return ALWAYS_OPEN
    week: dict[int, tuple[tuple[int, int], ...]] = {}
    for day, periods in parsed.week.items():
        spans = []
        for index, period in enumerate(periods):
            start, end = (_minutes(part) for part in period.split("-"))
            if start >= end:
                reader.problems.append(doc.problem(
                    ("week", day, index), f"{period!r} ends before it starts: write the earlier "
                    "time first (a period past midnight is two periods, one on each day)"))
            spans.append((start, end))
        week[_DAYS.index(day)] = tuple(sorted(spans))
    dates: dict[str, frozenset[dt.date]] = {}
    for key in ("closed_dates", "open_dates"):
        found = set()
        for index, text in enumerate(getattr(parsed, key)):
            try:
                found.add(dt.date.fromisoformat(text))
            except ValueError:
                reader.problems.append(doc.problem((key, index), f"{text!r} is not a date "
                                                   "(write it as YYYY-MM-DD)"))
        dates[key] = frozenset(found)
    if parsed.example:
        reader.problems.append(doc.problem(
            ("example",), "the opening hours are an EXAMPLE: set the hours your staff really "
            "answer, then remove 'example: true'", warning=True))
    return OpeningHours(MappingProxyType(week), parsed.public_holidays == "closed",
                        dates["closed_dates"], dates["open_dates"])


def _postcode_range(text: str) -> tuple[int, int]:
    low, _, high = text.partition("-")
    return int(low), int(high or low)


def _load_regions(reader: _Reader, path: Path, languages: dict[str, Language]) -> tuple[Region, ...]:
    if not path.is_file():
        return ()
    doc, parsed = reader.read(path, schema.RegionsFile)
    if doc is None or parsed is None:
        return ()
    if len(parsed.regions) > MAX_REGIONS:
        reader.problems.append(doc.problem(
            ("regions",), f"has {len(parsed.regions)} regions, but a caller picks one with keys 1 "
            f"to {MAX_REGIONS}: merge regions"))
    regions: list[Region] = []
    owners: list[tuple[int, int, str]] = []
    seen: set[str] = set()
    for index, region in enumerate(parsed.regions):
        where: tuple[str | int, ...] = ("regions", index)
        if region.id in seen:
            reader.problems.append(doc.problem((*where, "id"), f"{region.id!r} is already the id "
                                               "of another region: ids must be unique; rename one"))
        seen.add(region.id)
        ranges = []
        for number, text in enumerate(region.postcodes):
            low, high = _postcode_range(text)
            if low > high:
                reader.problems.append(doc.problem(
                    (*where, "postcodes", number), f"{text!r} ends before it starts: write the "
                    "lower postcode first"))
                continue
            for other_low, other_high, other in owners:
                if low <= other_high and other_low <= high:
                    reader.problems.append(doc.problem(
                        (*where, "postcodes", number), f"{text!r} overlaps postcodes of region "
                        f"{other!r}: each postcode belongs to one region; take them out of one"))
            owners.append((low, high, region.id))
            ranges.append((low, high))
        coordinator = None
        if region.coordinator is not None:
            for number, code in enumerate(region.coordinator.languages):
                if code not in languages:
                    reader.problems.append(doc.problem(
                        (*where, "coordinator", "languages", number),
                        f"{code!r} is not a language of the helpline (content/languages/): "
                        "correct the code, or remove it"))
            if region.coordinator.example:
                reader.problems.append(doc.problem(
                    (*where, "coordinator", "number"), f"{region.coordinator.number} is an "
                    "EXAMPLE number: callers for this region ring nobody; replace it with the "
                    "coordinator's real number and remove 'example: true' before going live",
                    warning=True))
            coordinator = Coordinator(region.coordinator.number,
                                      tuple(region.coordinator.languages))
        regions.append(Region(region.id, region.name, tuple(sorted(ranges)), coordinator))
    if parsed.example:
        reader.problems.append(doc.problem(
            ("example",), "the regions and their postcodes are an EXAMPLE, not the real care "
            "coordination regions: replace them, then remove 'example: true'", warning=True))
    return tuple(regions)


def _load_answers(
    reader: _Reader,
    folder: Path,
    languages: dict[str, Language],
    base: str,
    tree: MenuTree,
    menu_doc: YamlDoc,
) -> dict[str, Any]:
    doc, parsed = reader.read(folder / f"{base}.yaml", schema.BaseAnswersFile)
    if doc is None or parsed is None:
        return {}
    _check_language_field(reader, doc, parsed.language, base)
    for answer_id in tree.answers:
        if answer_id not in parsed.answers:
            menu = tree.parent(answer_id)
            where = ("menus", menu, tree.menus[menu].index(answer_id))
            reader.problems.append(
                menu_doc.problem(where, f"{answer_id!r} is neither a menu here nor an answer in "
                                 f"{doc.name}: check the spelling")
            )
    faqs: dict[int, str] = {}
    base_texts: dict[str, AnswerText] = {}
    for answer_id, answer in parsed.answers.items():
        _check_answer_alphabet(reader, doc, languages[base], answer_id, answer)
        if answer_id not in tree.parents:
            reader.problems.append(
                doc.problem(("answers", answer_id), "is not reachable: no menu offers it; add it "
                            "to a menu in content/menu.yaml")
            )
        if answer_id in tree.menus:
            reader.problems.append(
                doc.problem(("answers", answer_id), "has the same id as a menu: rename one")
            )
        if answer.faq in faqs:
            reader.problems.append(
                doc.problem(("answers", answer_id, "faq"),
                            f"question {answer.faq} is already answered by {faqs[answer.faq]!r}: "
                            "correct the number (each question has one answer)")
            )
        faqs[answer.faq] = answer_id
        base_texts[answer_id] = AnswerText(
            answer_id, base, answer.faq, answer.title, answer.text, answer.say, True,
            text_version(answer.title, answer.text),
        )
    result: dict[str, Any] = {base: MappingProxyType(base_texts)}
    for code in languages:
        if code != base:
            result[code] = _load_translation(reader, folder / f"{code}.yaml", languages[code],
                                             base_texts)
    return result


def _load_translation(
    reader: _Reader, path: Path, lang: Language, base_texts: dict[str, AnswerText]
) -> Any:
    code = lang.code
    doc, parsed = reader.read(path, schema.TranslatedAnswersFile)
    if doc is None or parsed is None:
        return MappingProxyType({})
    _check_language_field(reader, doc, parsed.language, code)
    texts: dict[str, AnswerText] = {}
    base = next(iter(base_texts.values())).lang if base_texts else "the base language"
    source_file = reader.name(path.parent / f"{base}.yaml")
    for answer_id in base_texts:
        if answer_id not in parsed.answers:
            reader.problems.append(
                doc.problem(("answers",), f"missing: the answer {answer_id!r} (every language "
                            f"needs every answer): add it, translated from {source_file}")
            )
    for answer_id, answer in parsed.answers.items():
        source = base_texts.get(answer_id)
        if source is None:
            reader.problems.append(
                doc.problem(("answers", answer_id), "is not an answer of the base language: "
                            "check the id, or remove it")
            )
            continue
        _check_answer_alphabet(reader, doc, lang, answer_id, answer)
        if answer.source != source.source_version:
            reader.problems.append(
                doc.problem(("answers", answer_id, "source"),
                            f"out of date: made from version {answer.source} of the Dutch text, "
                            f"which is now {source.source_version}; update the translation, then "
                            f"run `flask --app app helpline review {code} {answer_id}`",
                            warning=True)
            )
        texts[answer_id] = AnswerText(
            answer_id, code, source.faq, answer.title, answer.text, answer.say, answer.reviewed,
            answer.source,
        )
    return MappingProxyType(texts)


def _check_answer_alphabet(reader: _Reader, doc: YamlDoc, lang: Language, answer_id: str,
                           answer: Any) -> None:
    """An answer's title and text are sent by SMS (``say`` is only spoken)."""
    for key in ("title", "text"):
        _check_sms_alphabet(reader, doc, ("answers", answer_id, key), getattr(answer, key), lang)


# Prompts never folded for the SMS alphabet: the language menu is sent as written (its
# names are in their own scripts).
_SENT_AS_WRITTEN = frozenset({"choose_language", "more_languages"})


def _folded_for_sms(key: str, lang: Language) -> bool:
    """Tell whether prompt ``key`` of ``lang`` is sent by SMS folded to its alphabet: not the
    spoken ``voice_`` texts, and the texts to staff only in the base language (the one they
    are sent in)."""
    if key.startswith("voice_") or key in _SENT_AS_WRITTEN:
        return False
    return lang.base or not key.startswith("staff_")


def _check_sms_alphabet(reader: _Reader, doc: YamlDoc, path: tuple[str | int, ...], text: str,
                        lang: Language) -> None:
    """Refuse a text of a ``gsm7`` language that the SMS alphabet would garble: an emoji, a
    symbol or another script folds into ":thumbsup:" or "?" (accented letters fold as meant)."""
    found = transliteration.unfaithful(text, lang)
    if not found:
        return
    who = "staff" if path[-1:] and str(path[-1]).startswith("staff_") else "texters"
    what = f"{found[0].written!r} ({found[0].name}) reaches {who} as {found[0].sent!r}"
    what += "".join(f", {item.written!r} ({item.name}) as {item.sent!r}" for item in found[1:])
    them = "it" if len(found) == 1 else "them"
    reader.problems.append(doc.problem(
        path, f"{what}: remove {them} or write {them} in words (this language's texts are sent "
        f"in the SMS alphabet: alphabet: gsm7 in content/languages/{lang.code}.yaml)"))


def _check_language_field(reader: _Reader, doc: YamlDoc, found: str, expected: str) -> None:
    if found != expected:
        reader.problems.append(
            doc.problem(("language",), f"is {found!r} but this file is for {expected!r}: write "
                    f"'language: {expected}'")
        )


def _placeholders(text: str) -> Iterable[str]:
    try:
        return [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]
    except ValueError:
        return ["{"]


def _load_prompts(
    reader: _Reader, folder: Path, languages: dict[str, Language], tree: MenuTree
) -> dict[str, Prompts]:
    result: dict[str, Prompts] = {}
    for code in languages:
        doc, parsed = reader.read(folder / f"{code}.yaml", schema.PromptsFile)
        if doc is None or parsed is None:
            continue
        _check_language_field(reader, doc, parsed.language, code)
        for menu in tree.menus:
            if menu not in parsed.menus:
                reader.problems.append(doc.problem(("menus",), f"missing: the title of menu {menu!r}: "
                                                    "add it under menus:"))
        for menu, title in parsed.menus.items():
            _check_sms_alphabet(reader, doc, ("menus", menu), title, languages[code])
            if menu not in tree.menus:
                reader.problems.append(
                    doc.problem(("menus", menu), "is not a menu in content/menu.yaml: check "
                                "the spelling, or remove it")
                )
        for key, spec in PROMPT_KEYS.items():
            if key not in parsed.text:
                reader.problems.append(
                    doc.problem(("text",), f"missing: {key!r} ({spec.purpose}): add it under "
                                "text:")
                )
        for key, value in parsed.text.items():
            known = PROMPT_KEYS.get(key)
            if known is None:
                reader.problems.append(
                    doc.problem(("text", key), "unknown text: check its spelling, or remove it")
                )
                continue
            if _folded_for_sms(key, languages[code]):
                _check_sms_alphabet(reader, doc, ("text", key), value, languages[code])
            used = _placeholders(value)
            for name in used:
                if name not in known.placeholders:
                    allowed = ", ".join(f"{{{p}}}" for p in sorted(known.placeholders))
                    fix = (f"(allowed here: {allowed}): use only these" if allowed else
                           "(none is allowed here): remove the braces")
                    reader.problems.append(
                        doc.problem(("text", key), f"unknown placeholder {{{name}}} {fix}")
                    )
            for name in sorted(known.required - set(used)):
                reader.problems.append(doc.problem(
                    ("text", key), f"missing placeholder {{{name}}}: the helpline writes "
                    f"{REQUIRED[name]} there, which must be said here: put {{{name}}} back "
                    "in the text"))
        result[code] = Prompts(code, MappingProxyType(dict(parsed.menus)),
                               MappingProxyType(dict(parsed.text)))
    return result
