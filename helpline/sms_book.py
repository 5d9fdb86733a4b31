"""Every SMS the helpline can send, written out once when the content loads.

A request only looks its reply up here. Building the book is also where the SMS budgets
are enforced (PRODUCT.md §3): a menu fits in 2 segments (each page of a language menu that
has pages too), an answer page in 3; answers are cut into pages at sentence (or word)
boundaries so that each page fits.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from . import engine, language_menu, segments
from .content import ROOT, Content, Problem
from .content.model import Language
from .language_menu import NEXT_PAGE_KEY
from .transliteration import for_sms

MENU_SEGMENTS = 2
PAGE_SEGMENTS = 3
OTHER_SEGMENTS = 2

WIPED = "@wiped"  # the reply to the wipe keyword
SORRY = "@sorry"  # the reply when something failed on our side
TOO_MANY = "@too-many"  # the first message over the number's limit
WIPE_FAILED = "@wipe-failed"  # the wipe word, when the store could not erase
WIPED_WAIT = "@wiped-wait"  # the wipe word as the first message over the number's limit
HANDOFF_OPENED = "@handoff-opened"  # a person will answer here (PERSON in opening hours)
HANDOFF_CLOSED = "@handoff-closed"  # staff stopped the conversation
HANDOFF_ENDED = "handoff_closed"  # the notice above the main menu when the texter stopped it
# The notice above the main menu for a texter who writes after their hand-off expired.
HANDOFF_EXPIRED = "handoff_expired"
HANDOFF_NO_PHOTO = "@handoff-no-photo"  # a texter in a hand-off sent a photo: write instead
NO_PHOTO = "@no-photo"  # a texter outside a hand-off sent a photo: nobody can see it
# How to reach a person (call the helpline, 112) when no SMS hand-off can be opened or written
# to for a reason other than the hours (no staff, no store, no SMS number to tell staff from).
PERSON_BY_PHONE = "@person-by-phone"
STAFF_TEXTS = ("staff_new", "staff_late", "staff_taken", "staff_not_open", "staff_empty",
               "staff_no_ref", "staff_store_down", "staff_closed", "staff_no_photo",
               "staff_after_close", "staff_too_many")

WIDEST_MINUTES = "1440"  # {minutes} as texts are measured: a window (hand-off, limit) of a day

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class Sms:
    """One prepared message and what it costs."""

    text: str
    measure: segments.Measure

    @property
    def segments(self) -> int:
        return self.measure.segments


ScreenKey = tuple[str | None, str, int, str | None, bool]  # lang, node, page, notice, welcome


@dataclass(frozen=True)
class SmsBook:
    """The prepared messages, and how many pages each answer has per language."""

    messages: Mapping[ScreenKey, Sms]
    page_counts: Mapping[tuple[str, str], int]
    # Texts to staff, in the base language, with {ref} ... still to fill in.
    staff_texts: Mapping[str, str] = field(default_factory=dict)

    def pages(self, lang: str, answer: str) -> int:
        return self.page_counts.get((lang, answer), 0)

    def reply(self, lang: str | None, screen: engine.Screen) -> Sms:
        """Return the message for ``screen`` in ``lang`` (it was prepared at load)."""
        key = (lang, screen.node, screen.page, screen.notice, screen.welcome)
        return self.messages[key]

    def wiped(self, lang: str) -> Sms:
        return self.messages[(lang, WIPED, 0, None, False)]

    def sorry(self, lang: str | None) -> Sms:
        """The apology and how to reach a person; with no language known, in the base
        language's words and English's (see :func:`_neutral_block`)."""
        return self.messages[(lang, SORRY, 0, None, False)]

    def too_many(self, lang: str, minutes: int) -> str:
        """Return the wait before writing again, the ``minutes`` of the limit's window filled
        in, and how to reach a person (112 too)."""
        return self.messages[(lang, TOO_MANY, 0, None, False)].text.format(minutes=minutes)

    def wipe_failed(self, lang: str) -> Sms:
        return self.messages[(lang, WIPE_FAILED, 0, None, False)]

    def wiped_wait(self, lang: str, minutes: int) -> str:
        """Return that everything was erased, and (the first message over the limit) the wait
        with how to reach a person and 112, as :meth:`too_many` says it."""
        return self.messages[(lang, WIPED_WAIT, 0, None, False)].text.format(minutes=minutes)

    def handoff_opened(self, lang: str, minutes: int) -> str:
        """Return the texter's news that a hand-off opened, with the ``minutes`` staff can
        answer in after their last message filled in."""
        return self.messages[(lang, HANDOFF_OPENED, 0, None, False)].text.format(
            minutes=minutes)

    def handoff_closed(self, lang: str) -> Sms:
        return self.messages[(lang, HANDOFF_CLOSED, 0, None, False)]

    def handoff_no_photo(self, lang: str) -> Sms:
        return self.messages[(lang, HANDOFF_NO_PHOTO, 0, None, False)]

    def no_photo(self, lang: str) -> Sms:
        return self.messages[(lang, NO_PHOTO, 0, None, False)]

    def person_by_phone(self, lang: str, notice: str | None = None) -> Sms:
        """How to reach a person (the helpline's number, 112), for when no hand-off is
        possible in opening hours: never the out-of-hours text, which would say we are closed."""
        return self.messages[(lang, PERSON_BY_PHONE, 0, notice, False)]

    def staff(self, key: str, **fields: str) -> str:
        """Return the text to staff ``key`` (one of :data:`STAFF_TEXTS`), filled in."""
        return self.staff_texts[key].format(**fields)


class _Writer:
    """Writes the messages of one language."""

    def __init__(self, content: Content, lang: Language) -> None:
        self.content = content
        self.lang = lang
        self.text = content.prompts[lang.code].text
        self.titles = content.prompts[lang.code].menus
        self.answers = content.answers[lang.code]

    def fit(self, text: str) -> Sms:
        final = for_sms(text, self.lang)
        return Sms(final, segments.measure(final))

    def label(self, node: str) -> str:
        return self.titles[node] if self.content.tree.is_menu(node) else self.answers[node].title

    def menu(self, menu: str, notice: str | None, welcome: bool) -> str:
        lines = []
        if welcome:
            lines.append(self.text["welcome"])
        if notice:
            lines.append(self.text[notice].format(emergency=self.content.contacts.emergency))
        lines.append(self.titles[menu])
        options = self.content.tree.menus[menu]
        lines += [f"{n} {self.label(node)}" for n, node in enumerate(options, start=1)]
        lines.append(f"0 {self.text['person']}")
        lines.append(f"8 {self.text['language']}" if menu == ROOT else f"9 {self.text['main_menu']}")
        if welcome or notice:
            lines.append(self.text["choose"])
        if welcome:
            lines.append(self.text["safety"].format(wipe=self.lang.keywords.wipe[0]))
        return "\n".join(lines)

    def nav(self) -> str:
        return f"* {self.text['back']}, 9 {self.text['main_menu']}, 0 {self.text['person']}"

    def page(self, answer: str, chunk: str, page: int, pages: int, last: bool) -> str:
        title = self.answers[answer].title
        if pages > 1:
            title += " " + self.text["page"].format(page=page + 1, pages=pages)
        lines = [title, chunk]
        if not last:
            lines.append(self.text["more"].format(more=self.lang.keywords.more[0]))
        lines.append(self.nav())
        return "\n".join(lines)

    def answer_notice(self, notice: str, has_more: bool) -> str:
        lines = [self.text[notice]]
        if has_more:
            lines.append(self.text["more"].format(more=self.lang.keywords.more[0]))
        lines.append(self.nav())
        return "\n".join(lines)

    def fits(self, answer: str, chunks: list[str]) -> bool:
        return all(
            self.fit(self.page(answer, chunk, i, len(chunks), i == len(chunks) - 1)).segments
            <= PAGE_SEGMENTS
            for i, chunk in enumerate(chunks)
        )

    def paginate(self, answer: str) -> list[str]:
        """Cut the answer into as few pages as fit the budget, of about equal length."""
        pieces = _pieces(self.answers[answer].text)
        whole = [" ".join(pieces)]
        if self.fits(answer, whole):
            return whole
        greedy = self._greedy(answer, pieces)
        balanced = _balanced(pieces, len(greedy))
        return balanced if self.fits(answer, balanced) else greedy

    def _greedy(self, answer: str, pieces: list[str]) -> list[str]:
        pages: list[str] = []
        current = ""
        for piece in pieces:
            candidate = f"{current} {piece}".strip()
            # Measured with the widest counter ("9/9") and a "more" line, like a middle page.
            if current and self.fit(self.page(answer, candidate, 8, 9, False)).segments > PAGE_SEGMENTS:
                pages.append(current)
                candidate = piece
            current = candidate
        pages.append(current)
        return pages

    def person_sms(self) -> str:
        """How to reach a person: the helpline number, and 112."""
        contacts = self.content.contacts
        return self.text["person_sms"].format(helpline=contacts.helpline,
                                              emergency=contacts.emergency)

    def person(self) -> str:
        return f"{self.person_sms()}\n9 {self.text['main_menu']}"

    def person_closed(self) -> str:
        """Nobody there: when we are open, how to call (a callback request), and 112."""
        return f"{self.text['person_closed']} {self.text['hours']}\n{self.person()}"

    def handoff_opened(self) -> str:
        return self.text["handoff_opened"]

    def handoff_closed(self) -> str:
        """The conversation with staff stopped (with 112: it may have been cut off from help
        still needed), then 0 for a person again and the main menu."""
        stopped = self.text["handoff_closed"].format(emergency=self.content.contacts.emergency)
        return f"{stopped}\n0 {self.text['person']}\n9 {self.text['main_menu']}"

    def wiped(self) -> str:
        return self.text["wiped"].format(start=self.lang.keywords.start[0])

    def wipe_failed(self) -> str:
        """Nothing could be erased (a fault on our side): try again later, and how to reach a
        person and 112, since whoever asked may be in danger now."""
        return (f"{self.text['wipe_failed'].format(wipe=self.lang.keywords.wipe[0])}\n"
                f"{self.person_sms()}")

    def reach_person(self, key: str) -> str:
        """The text ``key`` (an apology, a wait), then how to reach a person: no menu line."""
        return f"{self.text[key]}\n{self.person_sms()}"

    def wiped_wait(self) -> str:
        """The wipe word as the first message over the limit: erased (short, without the start
        word, which would not be answered now), then the wait with how to reach a person and
        112: a text that tells someone to wait always says what to do in danger."""
        return f"{self.text['wiped_wait']}\n{self.reach_person('too_many')}"


def _pieces(text: str) -> list[str]:
    """Split into sentences, and sentences longer than 120 characters into word runs."""
    out: list[str] = []
    for sentence in _SENTENCE_END.split(" ".join(text.split())):
        if len(sentence) <= 120:
            out.append(sentence)
            continue
        words, run = sentence.split(" "), ""
        for word in words:
            if run and len(run) + 1 + len(word) > 120:
                out.append(run)
                run = word
            else:
                run = f"{run} {word}".strip()
        out.append(run)
    return out


def _balanced(pieces: list[str], count: int) -> list[str]:
    """Group ``pieces`` into ``count`` pages of about equal length (whole pieces only)."""
    pages: list[str] = []
    remaining = list(pieces)
    for left in range(count, 0, -1):
        if left == 1:
            pages.append(" ".join(remaining))
            break
        target = len(" ".join(remaining)) / left
        taken: list[str] = []
        while remaining and len(remaining) > left - 1:
            grown = len(" ".join([*taken, remaining[0]]))
            if taken and abs(grown - target) > abs(len(" ".join(taken)) - target):
                break
            taken.append(remaining.pop(0))
        pages.append(" ".join(taken))
    return [p for p in pages if p]


def _language_menu(content: Content, lang: Language | None, notice: str | None,
                   codes: tuple[str, ...] | None = None, paged: bool = False) -> str:
    """Write one page of the language menu (``codes``: its languages; None: all of them)."""
    lines = []
    if lang is not None:
        # The names are in their own scripts, so this message is UCS-2 (67 characters a
        # segment): after a notice the heading is left out to stay within 2 segments.
        prompts = content.prompts[lang.code].text
        lines.append(prompts[notice] if notice else prompts["choose_language"])
    elif not paged:
        # Before a language is chosen (a first text that is no keyword): say what the list
        # is for, in words most can read, rather than send a bare list of names. (A page of
        # a longer menu has no room for it; its last line says "more languages" in them.)
        lines.append(_neutral(content, "choose_language"))
    languages = [content.languages[code] for code in codes or content.languages]
    lines += [f"{n} {language.name}" for n, language in enumerate(languages, 1)]
    if paged:
        lines.append(f"{NEXT_PAGE_KEY} >> {_more_languages(content, lang)}")
    return "\n".join(lines)


def _neutral(content: Content, key: str) -> str:
    """Prompt ``key`` in the words offered before a language is chosen: "Kies je taal /
    Choose your language:" (the base language's, then English)."""
    codes = language_menu.neutral(list(content.languages), content.base)
    texts = [content.prompts[code].text[key].strip() for code in codes]
    colon = texts[-1].endswith(":")
    return " / ".join(text.rstrip(":").rstrip() for text in texts) + (":" if colon else "")


def _more_languages(content: Content, lang: Language | None) -> str:
    """The words of the next-page line: the texter's language, or before one is chosen the
    base language's and English (never folded, like the names)."""
    if lang is not None:
        return content.prompts[lang.code].text["more_languages"]
    return _neutral(content, "more_languages")


def _neutral_block(content: Content, key: str) -> Sms:
    """Text ``key`` and how to reach a person, for someone whose language is not known (the
    store is down, or never held it): in the base language, then in English, each in its
    own SMS alphabet (the message is measured as a whole)."""
    codes = language_menu.neutral(list(content.languages), content.base)
    writers = [_Writer(content, content.languages[code]) for code in codes]
    blocks = [writer.fit(writer.reach_person(key).replace("\n", " ")).text for writer in writers]
    text = "\n".join(blocks)
    return Sms(text, segments.measure(text))


def _template(sms: Sms) -> Sms:
    """Keep ``sms`` with its {minutes} still to fill in (the minutes are configuration, not
    content), measured with the widest minutes it is given: :data:`WIDEST_MINUTES`."""
    return Sms(sms.text, segments.measure(sms.text.format(minutes=WIDEST_MINUTES)))


def _variant(notice: str | None, welcome: bool) -> str:
    if welcome:
        return " with the welcome lines"
    return f" with the {notice!r} line" if notice else ""


def build_sms_book(content: Content) -> tuple[SmsBook, list[Problem]]:
    """Write every message of every language; report each one over its budget."""
    messages: dict[ScreenKey, Sms] = {}
    page_counts: dict[tuple[str, str], int] = {}
    problems: list[Problem] = []

    def put(key: ScreenKey, sms: Sms, budget: int, file: str, path: tuple[str, ...],
            variant: str = "") -> None:
        messages[key] = sms
        if sms.segments > budget:
            problems.append(content.problem(
                file, path, f"the SMS{variant} is {sms.segments} segments ({sms.measure.units} "
                f"{sms.measure.encoding} characters), the budget is {budget}: shorten the texts "
                "it is made of"))

    # The language menu names each language in its own script: it is never folded.
    paged = language_menu.is_paged(list(content.languages))
    if paged:
        problems += _paged_language_menu(content, messages)
    else:
        for notice in (None, engine.NOT_UNDERSTOOD):
            text = _language_menu(content, None, notice)
            messages[(None, engine.LANGUAGES, 0, notice, False)] = Sms(text, segments.measure(text))
    for lang in content.languages.values():
        writer = _Writer(content, lang)
        prompts_file = f"prompts/{lang.code}.yaml"
        answers_file = f"content/answers/{lang.code}.yaml"
        for notice in (None, engine.NOT_UNDERSTOOD) if not paged else ():
            text = _language_menu(content, lang, notice)
            put((lang.code, engine.LANGUAGES, 0, notice, False), Sms(text, segments.measure(text)),
                MENU_SEGMENTS,
                prompts_file, ("text", "choose_language"))
        for menu in content.tree.menus:
            variants = [(None, False), (engine.NOT_UNDERSTOOD, False)]
            if menu == ROOT:
                variants.append((None, True))  # a conversation starts on the main menu
                variants.append((HANDOFF_ENDED, False))  # the texter stopped a hand-off
                variants.append((HANDOFF_EXPIRED, False))  # a text after a hand-off expired
            for notice, welcome in variants:
                put((lang.code, menu, 0, notice, welcome),
                    writer.fit(writer.menu(menu, notice, welcome)), MENU_SEGMENTS, prompts_file,
                    ("menus", menu), _variant(notice, welcome))
        for answer in content.tree.answers:
            chunks = writer.paginate(answer)
            page_counts[(lang.code, answer)] = len(chunks)
            for page, chunk in enumerate(chunks):
                last = page == len(chunks) - 1
                text = writer.page(answer, chunk, page, len(chunks), last)
                put((lang.code, answer, page, None, False), writer.fit(text), PAGE_SEGMENTS,
                    answers_file, ("answers", answer, "text"))
                for notice in (engine.NOT_UNDERSTOOD, engine.NO_MORE):
                    put((lang.code, answer, page, notice, False),
                        writer.fit(writer.answer_notice(notice, not last)), OTHER_SEGMENTS,
                        prompts_file, ("text", notice), _variant(notice, False))
        # The person screen as texters see it when nobody can answer (out of hours, or no
        # staff); in opening hours they get HANDOFF_OPENED instead.
        put((lang.code, engine.PERSON, 0, None, False), writer.fit(writer.person_closed()),
            OTHER_SEGMENTS, prompts_file, ("text", "person_closed"))
        for notice in (engine.NOT_UNDERSTOOD,):
            put((lang.code, engine.PERSON, 0, notice, False),
                writer.fit(f"{writer.text[notice]}\n{writer.person_closed()}"), OTHER_SEGMENTS,
                prompts_file, ("text", "person_closed"))
        # In opening hours when no hand-off can be had (see PERSON_BY_PHONE): no hours in it.
        for notice in (None, engine.NOT_UNDERSTOOD):
            lines = [writer.text[notice]] if notice else []
            put((lang.code, PERSON_BY_PHONE, 0, notice, False),
                writer.fit("\n".join([*lines, writer.person()])), OTHER_SEGMENTS, prompts_file,
                ("text", "person_sms"), _variant(notice, False))
        # Kept with {minutes} to fill in (HELPLINE_HANDOFF_WINDOW is configuration, not
        # content); measured, like staff_late, as if the window were a day.
        put((lang.code, HANDOFF_OPENED, 0, None, False),
            _template(writer.fit(writer.handoff_opened())), OTHER_SEGMENTS, prompts_file,
            ("text", "handoff_opened"))
        put((lang.code, HANDOFF_CLOSED, 0, None, False), writer.fit(writer.handoff_closed()),
            OTHER_SEGMENTS, prompts_file, ("text", "handoff_closed"))
        put((lang.code, HANDOFF_NO_PHOTO, 0, None, False),
            writer.fit(writer.text["handoff_no_photo"]), OTHER_SEGMENTS, prompts_file,
            ("text", "handoff_no_photo"))
        put((lang.code, NO_PHOTO, 0, None, False), writer.fit(writer.text["no_photo"]),
            OTHER_SEGMENTS, prompts_file, ("text", "no_photo"))
        put((lang.code, WIPED, 0, None, False), writer.fit(writer.wiped()), OTHER_SEGMENTS,
            prompts_file, ("text", "wiped"))
        put((lang.code, SORRY, 0, None, False),
            writer.fit(f"{writer.text['sorry']}\n{writer.person()}"), OTHER_SEGMENTS,
            prompts_file, ("text", "sorry"))
        # Kept with {minutes} to fill in (HELPLINE_SMS_PER_NUMBER_WINDOW), measured as a day.
        put((lang.code, TOO_MANY, 0, None, False),
            _template(writer.fit(writer.reach_person("too_many"))), OTHER_SEGMENTS, prompts_file,
            ("text", "too_many"))
        put((lang.code, WIPE_FAILED, 0, None, False), writer.fit(writer.wipe_failed()),
            OTHER_SEGMENTS, prompts_file, ("text", "wipe_failed"))
        put((lang.code, WIPED_WAIT, 0, None, False), _template(writer.fit(writer.wiped_wait())),
            OTHER_SEGMENTS, prompts_file, ("text", "wiped_wait"),
            " with too_many and person_sms after it")
    put((None, SORRY, 0, None, False), _neutral_block(content, "sorry"), OTHER_SEGMENTS,
        f"prompts/{content.base}.yaml", ("text", "sorry"),
        " for a texter whose language is not known (with English)")
    staff_texts = _staff_texts(content, problems)
    book = SmsBook(MappingProxyType(messages), MappingProxyType(page_counts),
                   MappingProxyType(staff_texts))
    return book, problems


def _paged_language_menu(content: Content, messages: dict[ScreenKey, Sms]) -> list[Problem]:
    """Write every page of a language menu that has pages, before and after a language is
    chosen; report each one over the menu budget.

    A page too long before a language is chosen (its names and the next-page line alone) is
    reported once, at the longest name on it; a page too long only with one language's
    heading or notice is reported at that text, once for all the pages it is too long on.
    """
    problems: list[Problem] = []
    pages = language_menu.pages(list(content.languages))
    neutral = language_menu.neutral(list(content.languages), content.base)
    too_long: set[int] = set()  # pages too long before a language is chosen

    def measured(text: str) -> Sms:
        return Sms(text, segments.measure(text))

    def cost(sms: Sms) -> str:
        return (f"is {sms.segments} segments ({sms.measure.units} {sms.measure.encoding} "
                f"characters), the budget is {MENU_SEGMENTS}")

    for page, codes in enumerate(pages):
        bare = measured(_language_menu(content, None, None, codes, paged=True))
        for notice in (None, engine.NOT_UNDERSTOOD):  # before a language: no heading, no notice
            messages[(None, engine.LANGUAGES, page, notice, False)] = bare
        if bare.segments > MENU_SEGMENTS:
            too_long.add(page)
            longest = max(codes, key=lambda code: len(content.languages[code].name))
            more = " and ".join(f"prompts/{code}.yaml" for code in neutral)
            problems.append(content.problem(
                f"content/languages/{longest}.yaml", ("name",),
                f"the SMS language menu, page {page + 1} of {len(pages)} ({', '.join(codes)}), "
                f"{cost(bare)}: shorten the names of the languages on that page (this one is the "
                f"longest), or text.more_languages in {more}"))
    for lang in content.languages.values():
        for notice in (None, engine.NOT_UNDERSTOOD):
            over = []
            for page, codes in enumerate(pages):
                sms = measured(_language_menu(content, lang, notice, codes, paged=True))
                messages[(lang.code, engine.LANGUAGES, page, notice, False)] = sms
                if sms.segments > MENU_SEGMENTS and page not in too_long:
                    over.append((page, sms))
            if over:
                numbers = ", ".join(str(page + 1) for page, _ in over)
                worst = max((sms for _, sms in over), key=lambda sms: sms.segments)
                problems.append(content.problem(
                    f"prompts/{lang.code}.yaml", ("text", notice or "choose_language"),
                    f"the SMS language menu{_variant(notice, False)}, page{'s' if len(over) > 1 else ''} "
                    f"{numbers} of {len(pages)}, {cost(worst)}: shorten this text or "
                    "text.more_languages"))
    return problems


def _staff_texts(content: Content, problems: list[Problem]) -> dict[str, str]:
    """Prepare the texts to staff (base language) and check them with the widest values."""
    base = content.languages[content.base]
    texts = {key: for_sms(content.prompts[base.code].text[key], base) for key in STAFF_TEXTS}
    widest = max((lang.staff_name for lang in content.languages.values()), key=len)
    sample = {"ref": "X" * 5, "language": widest, "minutes": WIDEST_MINUTES,
              "window": WIDEST_MINUTES,
              "close": content.contacts.staff_close_word}
    for key, text in texts.items():
        measured = segments.measure(text.format(**sample))
        if measured.segments > OTHER_SEGMENTS:
            problems.append(content.problem(
                f"prompts/{base.code}.yaml", ("text", key),
                f"the SMS to staff is {measured.segments} segments ({measured.units} "
                f"{measured.encoding} characters), the budget is {OTHER_SEGMENTS}: shorten it"))
    return texts
