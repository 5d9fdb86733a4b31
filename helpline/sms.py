"""The SMS channel: ``POST /sms`` from Twilio Messaging (SMS and WhatsApp alike).

The cap on SMS sent per minute (``HELPLINE_SMS_REPLIES_PER_MINUTE``) counts every message an
answer sends: the reply to the sender and each hand-off message (``<Message to=...>``). What
happens at the cap:

- A texter's message whose messages do not all fit in what is left of the minute gets nothing
  at all (``<Response/>``, figure ``sms.reply_capped``), never a part: no hand-off is opened
  (staff are never told of one the texter was not told of, nor the other way round) and no
  text is passed on, so a texter in a hand-off cannot make the helpline text staff without
  limit. What a texter ends (STOP, the wipe word, 9 in a hand-off) ends all the same; only
  its messages are dropped.
- A staff member's message with a reference is counted but never refused: staff are a short
  list of people typing, who cannot pump; their messages go to staff phones or to a texter
  who wrote within the window; and a reply that silently vanished would leave staff believing
  a texter in trouble had their answer.
- The last words, where no answer could be made (the apology after an internal error, the
  "line down, call 112" text when content never loaded), are replies like any other: within
  the number's limit and the cap, and counted (see :func:`_last_word`).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, replace

from flask import Blueprint, current_app, request
from flask.typing import ResponseReturnValue

from . import catalog as catalog_module
from . import clock, engine, hours, identity, metrics, sms_input, stats, words
from .catalog import Catalog
from .content import ROOT
from .handoff import (
    REF_LENGTH,
    Closed,
    Desk,
    Thread,
    for_staff,
    for_texter,
    is_close_word,
    passable,
    staff_reply,
)
from .identity import Sender
from .limits import Limits
from .sealed import sealer_for
from .sessions import Sessions
from .signature import twilio_signed
from .simulate import is_simulated
from .sms_book import HANDOFF_ENDED, HANDOFF_EXPIRED
from .store import Store, StoreUnavailable, get_store
from .transliteration import as_written_for_sms
from .twiml import Send, sms_reply
from .visit import Visit

log = logging.getLogger(__name__)

bp = Blueprint("sms", __name__)

# Said when the content could not be loaded at all (never after a good load).
UNAVAILABLE = ("Hulplijn tijdelijk niet bereikbaar. In gevaar? Bel 112. / "
               "Helpline temporarily unavailable. In danger? Call 112.")


# Outcomes that are an abuse limit at work, and the ``limit`` label /metrics counts them under.
# A person asked for while over the hand-off's limit is answered (wait, how to call, 112), but
# the hand-off is refused by the number's limit: counted there, and in the figures as asking
# for a person (``person_over_limit``), not as a message over the limit.
_LIMITS = {"rate_limited": "number", "reply_capped": "replies", "person_over_limit": "number"}


@dataclass(frozen=True)
class Outcome:
    """The reply to one message (None: send nothing) and what to count about it."""

    text: str | None
    event: str
    lang: str | None = None
    node: str | None = None
    sends: tuple[Send, ...] = ()  # hand-off messages to others

    @property
    def messages(self) -> int:
        """How many SMS this outcome sends: one ``<Message>`` each (as :func:`sms_reply` writes)."""
        return (1 if self.text else 0) + sum(1 for send in self.sends if send.text)


def answer(catalog: Catalog, sessions: Sessions, limits: Limits, number_key: str,
           body: str, desk: Desk | None, sender: Sender, media: int = 0,
           line: str = "") -> Outcome:
    """Work out the reply to one incoming message (from ``sender``, whose key is ``number_key``,
    to the helpline's address ``line``, with ``media`` photos or other files).

    With a ``desk`` (the SMS hand-off), staff numbers can answer hand-offs, a texter in a
    hand-off writes to staff, and asking for a person in opening hours opens one. A texter's
    answer is all or nothing under the minute's cap (see the module's docstring).
    """
    state, known_lang = sessions.load()
    current_lang = state.lang if state else known_lang
    choices = engine.choices(catalog.rules, state)
    request_ = sms_input.parse(body, catalog.keywords, current_lang, choices,
                               engine.paged(catalog.rules, state))
    if not sessions.visit.reachable:
        written = staff_reply(body) if desk is not None and desk.staff_key(sender.normal) else None
        if written is not None:
            # Staff answering while the store is down: nothing can go (the texter's number is
            # kept there). They are told so, not given the texters' apology.
            return Outcome(catalog.sms.staff("staff_store_down", ref=written[0]),
                           "handoff.store_down")
        desk = None  # no hand-offs without the store: the menus go on, a person is "call us"
    try:
        thread = desk.of_pointer(sessions.visit.pointer) if desk is not None else None
    except StoreUnavailable:
        desk, thread = None, None
    # A hand-off staff stopped when this texter could not be told (see handoff.Closed).
    closed = desk.closed_of(sessions.visit.closed) if desk is not None and thread is None else None
    # A hand-off that expired (no text from them for HELPLINE_HANDOFF_TTL): its language.
    expired = (desk.expired_of(sessions.visit.expiry)
               if desk is not None and thread is None and closed is None else None)
    in_handoff = desk is not None and thread is not None  # counted and limited as a hand-off's
    if isinstance(request_, sms_input.OptOut | sms_input.Wipe):
        # Erasing the number erases its hand-off too (store.LINKED_KINDS); staff are told.
        # Always erased, even over the limit; the number's counts are kept (see limits).
        told = _closed_for_staff(catalog, desk, thread)
        # A rehearsal (signed: staff, or the smoke test) erases its counts too: it abuses nothing.
        erased = sessions.forget(keep_counts=not is_simulated())  # False: nothing was erased
        if not erased:
            told = ()
        if isinstance(request_, sms_input.OptOut):
            return _capped(limits, Outcome(None, "opt_out", sends=told))
        if not erased:
            text, event = catalog.sms.wipe_failed(request_.lang).text, "wipe_failed"
        else:
            text, event = catalog.sms.wiped(request_.lang).text, "wipe"
        if not limits.allow_message(in_handoff):
            # The reply is within the number's limit like any other; staff still hear it
            # ended. The first over it is told what happened and, as any first over, to wait.
            if not limits.just_over(in_handoff):
                return _capped(limits, Outcome(None, "rate_limited", request_.lang, sends=told))
            if erased:
                text = catalog.sms.wiped_wait(request_.lang, limits.minutes)
        return _capped(limits, Outcome(text, event, request_.lang, sends=told))
    if (isinstance(request_, sms_input.TwilioHandled) and thread is None and closed is None
            and expired is None):
        # In a hand-off (or just after staff stopped it unseen) a "yes" is an answer to staff:
        # it is passed on (Twilio still handles its opt-in; we send the texter nothing either way).
        # After one expired, it is an answer nobody reads: the texter is told so (below).
        if not limits.allow_message():
            return _over_limit(catalog, limits, current_lang)  # the first over is told to wait
        return Outcome(None, "twilio_keyword")
    staff_key = desk.staff_key(sender.normal) if desk is not None else None
    if desk is not None and staff_key is not None:
        reply = staff_reply(body)
        if reply is not None:
            return _from_staff(catalog, desk, staff_key, *reply)
    if desk is not None and thread is not None:
        # Within a hand-off the number's limit is the hand-off's own, higher one, counted
        # apart from the menus' (see limits); over it nothing is passed on, but 9 always stops.
        if not _stops(body) and not limits.allow_message(handoff=True):
            return _over_limit(catalog, limits, thread.lang, desk, thread)
        return _to_staff(catalog, sessions, limits, desk, thread, body, media)
    if desk is not None and closed is not None:
        if request_ is not engine.Nav.PERSON:
            return _after_close(catalog, sessions, limits, desk, closed, number_key, body, media)
        # 0 asks for a person: a new hand-off opens as for anyone (or, out of hours, the person
        # screen says when we are there), which tells them what they need to know.
        desk.told_closed(number_key)
    if (staff_key is not None and isinstance(request_, engine.Unknown)
            and (state is None or state.node != engine.PERSON)):
        # Staff answering a hand-off without its code first ("Ref RVTH6 ...", "hello"): sent
        # to nobody, and they are told so, not shown the texters' menus. (Menu commands
        # still work, and a question at the person screen asks for a person: staff try the
        # menus and the hand-off from their own phones.)
        return Outcome(catalog.sms.staff("staff_no_ref"), "handoff.no_ref")
    if not limits.allow_message():
        return _over_limit(catalog, limits, current_lang)
    if desk is not None and expired is not None:
        if request_ is not engine.Nav.PERSON:
            lang = request_.lang if isinstance(request_, engine.Start) else expired
            return _after_expiry(catalog, sessions, limits, desk, number_key,
                                 lang if lang in catalog.content.languages else current_lang)
        desk.told_closed(number_key)  # 0: as after a stop unseen, what they get tells them
    if not sessions.visit.reachable and not isinstance(request_, engine.Start):
        # Without the store a digit cannot be followed (the menu it answers is unknown), and
        # the language menu would only loop: say sorry, how to call, and 112, in the base
        # language and English (a keyword still opens the main menu in its language).
        return _capped(limits, Outcome(catalog.sms.sorry(None).text, "store_down"))
    if isinstance(request_, sms_input.TwilioHandled):  # (handled above: narrows the type)
        return Outcome(None, "twilio_keyword")
    new_state, screen = engine.step(catalog.rules, state, request_, known_lang)
    sessions.save(new_state)
    if screen.node == engine.PERSON and new_state.lang is not None:
        outcome = _person(catalog, limits, desk, number_key, sender, new_state.lang, screen,
                          body if isinstance(request_, engine.Unknown) else "", media)
        if outcome.event in ("person_closed", "person_by_phone"):  # no hand-off took the photo
            outcome = _with_photo_notice(catalog, limits, outcome, sender, line, media)
        return _capped(limits, outcome)
    text = catalog.sms.reply(new_state.lang, screen).text
    return _capped(limits, _with_photo_notice(
        catalog, limits, Outcome(text, _event(catalog, screen), new_state.lang, screen.node),
        sender, line, media))


def _with_photo_notice(catalog: Catalog, limits: Limits, outcome: Outcome, sender: Sender,
                       line: str, media: int) -> Outcome:
    """Add to a menu's reply, for a texter who sent a photo (``media``) outside a hand-off,
    a second SMS: we cannot see photos here; a number from the menu, or 0 for a person.
    Else the photo (perhaps of a document, a question they cannot put in words) would be
    ignored without a word. Not before a language is chosen (the language menu is the
    answer to anything then), nor without the helpline's address they wrote to (Twilio
    always gives it: the second SMS must go from it, on their channel)."""
    if not media or outcome.text is None or outcome.lang is None or not line:
        return outcome
    if not limits.fits(outcome.messages + 1):
        return outcome  # near the minute's cap the reply itself goes first, without the note
    notice = Send(sender.address, catalog.sms.no_photo(outcome.lang).text, line)
    return replace(outcome, sends=(*outcome.sends, notice))


def _stops(body: str) -> bool:
    """Say whether a texter's message in a hand-off is 9, which stops it ("9.", "９" too, as
    the menus read them)."""
    return words.fold(body) == "9"


def _over_limit(catalog: Catalog, limits: Limits, lang: str | None, desk: Desk | None = None,
                thread: Thread | None = None) -> Outcome:
    """Over the number's limit (in a hand-off, ``thread``, its limit there): the first message
    over it is told to wait (and how to reach a person, and 112), the rest get nothing until
    the limit's window ends. In a hand-off, its staff are told of that first one too, with
    the texter's notice, all or nothing: else they would wait for texts that never come."""
    if not limits.just_over(thread is not None):
        return Outcome(None, "rate_limited", lang)
    lang = lang or catalog.content.base
    told = _flood_for_staff(catalog, limits, desk, thread) if desk and thread else ()
    return _capped(limits, Outcome(catalog.sms.too_many(lang, limits.minutes), "rate_limited",
                                   lang, sends=told))


def _flood_for_staff(catalog: Catalog, limits: Limits, desk: Desk,
                     thread: Thread) -> tuple[Send, ...]:
    """Tell a hand-off's staff that its texter went over the hand-off's limit: what they
    write is not passed on for at most the limit's window (its end is not known here, only
    its length); staff replies still reach them within the hand-off's window from their
    last text passed on (texts over the limit do not move it: see :meth:`Desk.in_window`)."""
    line = desk.staff_line(thread)
    if line is None:
        _no_staff_line("the news that a texter went over the hand-off's limit")
        return ()
    text = catalog.sms.staff("staff_too_many", ref=thread.ref, minutes=str(limits.minutes),
                             window=str(desk.window_minutes))
    return tuple(Send(number, text, line) for number in desk.recipients(thread))


def _person(catalog: Catalog, limits: Limits, desk: Desk | None, number_key: str,
            sender: Sender, lang: str, screen: engine.Screen, question: str,
            media: int = 0) -> Outcome:
    """A texter asks for a person: hand them to staff in opening hours, else say when.

    A photo that comes with it (``media``) is not passed on, as in a hand-off: staff read
    that one came (after the question, if any), the texter that photos cannot be passed on.

    In opening hours with no hand-off to be had (no staff on the list, no store, no SMS
    number to tell staff from), they read how to call the helpline, and 112: never that we
    are closed. While the number is over its hand-off limit, no hand-off opens: they read
    that they should wait, how to call, and 112 (each time: the menus' limit bounds it).
    """
    content = catalog.content
    now = desk.now if desk is not None else clock.now()
    if not hours.is_open(content.hours, now):
        return Outcome(catalog.sms.reply(lang, screen).text, "person_closed", lang, screen.node)
    if desk is None or not desk.can_open():
        if desk is not None and desk.staff and desk.sms_line is None:
            # Staff could not be told (see handoff's docstring): how to call, and 112, instead.
            log.warning("sms: a person asked for over a channel other than SMS, and "
                        "HELPLINE_SMS_NUMBER is not set: no hand-off")
        return Outcome(catalog.sms.person_by_phone(lang, screen.notice).text, "person_by_phone",
                       lang, screen.node)
    if limits.handoff_over():
        # Over the hand-off's limit (a flood, then 9): a new hand-off would pass on nothing
        # they write until the window ends. Told to wait, how to call, and 112, instead.
        return Outcome(catalog.sms.too_many(lang, limits.minutes), "person_over_limit", lang,
                       screen.node)
    # The texter's reply, and to every staff number the news (and the question, if any, in
    # as many parts as it takes: a reference of the same length cuts it the same way).
    name = content.language(lang).staff_name
    question = _with_photo_note(catalog, question, media)
    parts = len(for_staff("?" * REF_LENGTH, name, question)) if question.strip() else 0
    messages = 1 + len(desk.staff) * (1 + parts) + (1 if media else 0)
    if not limits.fits(messages):
        return _refused(messages, lang, screen.node)  # checked first: nothing is opened
    thread = desk.open(number_key, sender.address, lang)
    new = catalog.sms.staff("staff_new", ref=thread.ref, language=name,
                            close=content.contacts.staff_close_word)
    sends = [Send(number, new, desk.sms_line) for number in desk.staff]
    if question.strip():
        asked = for_staff(thread.ref, name, question)
        sends += [Send(number, part, desk.sms_line) for number in desk.staff for part in asked]
    if media:  # after the reply that the hand-off opened
        no_photo = catalog.sms.handoff_no_photo(lang).text
        sends.append(Send(sender.address, no_photo, desk.line_to(thread, sender.address)))
    opened = catalog.sms.handoff_opened(lang, desk.window_minutes)
    return Outcome(opened, "handoff.opened", lang, screen.node, tuple(sends))


def _to_staff(catalog: Catalog, sessions: Sessions, limits: Limits, desk: Desk, thread: Thread,
              body: str, media: int = 0) -> Outcome:
    """A texter in a hand-off writes: to the staff member who answers (9 stops it).

    Photos (``media``: how many came with the text) are not passed on: staff read that one
    came, the texter that they cannot be passed on and to write instead. With no SMS number
    to send to staff from (:meth:`Desk.staff_line`), nothing goes to staff: the texter reads
    how to call the helpline, and 112 (out of hours, with the hours).
    """
    recipients = desk.recipients(thread)
    line = desk.staff_line(thread)
    if _stops(body):
        desk.close(thread)
        sessions.save(engine.State(thread.lang, ROOT))
        text = catalog.sms.reply(thread.lang, engine.Screen(ROOT, notice=HANDOFF_ENDED)).text
        told = _closed_for_staff(catalog, desk, thread)
        return _capped(limits, Outcome(text, "handoff.closed", thread.lang, sends=told))
    if line is None:
        # Not passed on, and the window stays as it was: nobody could answer this message.
        _no_staff_line("a texter's message in a hand-off")
        if hours.is_open(catalog.content.hours, desk.now):
            reach = catalog.sms.person_by_phone(thread.lang).text
        else:
            reach = catalog.sms.reply(thread.lang, engine.Screen(engine.PERSON)).text
        return _capped(limits, Outcome(reach, "handoff.unreachable", thread.lang))
    stretch, notice = _after_hours(catalog, desk, thread)
    name = catalog.content.language(thread.lang).staff_name
    body = _with_photo_note(catalog, body, media)
    sends = [Send(n, part, line) for n in recipients for part in for_staff(thread.ref, name, body)]
    if media:
        no_photo = catalog.sms.handoff_no_photo(thread.lang).text
        texter = desk.texter(thread) if notice else None
        if notice is None:
            notice = no_photo
        elif texter is not None:  # the closed notice (and 112) is the reply; this comes too
            sends.append(Send(texter, no_photo, desk.line_to(thread, texter)))
    outcome = Outcome(notice, "handoff.message", thread.lang, sends=tuple(sends))
    if not limits.fits(outcome.messages):
        # Not passed on, no notice: the window (and what the texter was told) stay as they were.
        return _refused(outcome.messages, thread.lang)
    # Passed on even if staff stopped the hand-off at this very moment (their stop and this
    # text crossed): a text to a person is never dropped unread, and it stays stopped.
    desk.texter_wrote(thread, told_closed=stretch)
    return outcome


def _after_close(catalog: Catalog, sessions: Sessions, limits: Limits, desk: Desk,
                 closed: Closed, number_key: str, body: str, media: int = 0) -> Outcome:
    """The texter writes after staff stopped their conversation when they could not be told.

    They believe it open (a message to a person, perhaps an answer to staff's last question),
    so they are told it stopped, with 0 for a person and 9 for the main menu. What they wrote
    still goes to the staff member who stopped it, after a note saying it came too late to
    answer under that reference and what the texter was told: a message to a person is never
    dropped unread (someone may need to act on it), and staff cannot reply to it, so nothing
    reaches the texter that they did not ask for. All or nothing under the minute's cap, like
    any texter's message: refused, the note stays and their next message is told. With no SMS
    number to send to staff from (:meth:`Desk.staff_line`) the texter is still told, and
    nothing goes to staff.
    """
    sms = catalog.sms
    line = desk.staff_line(closed)
    if line is None:
        _no_staff_line("a text after a hand-off stopped")
    body = _with_photo_note(catalog, body, media)
    name = catalog.content.language(closed.lang).staff_name
    parts = (sms.staff("staff_after_close", ref=closed.ref), *for_staff(closed.ref, name, body))
    sends = (tuple(Send(n, part, line) for n in desk.recipients(closed) for part in parts)
             if line is not None else ())
    outcome = Outcome(sms.handoff_closed(closed.lang).text, "handoff.after_close", closed.lang,
                      sends=sends)
    if not limits.fits(outcome.messages):
        return _refused(outcome.messages, closed.lang)
    desk.told_closed(number_key)
    sessions.save(engine.State(closed.lang, ROOT))  # 0 and 9, as the text says, work next
    return outcome


def _after_expiry(catalog: Catalog, sessions: Sessions, limits: Limits, desk: Desk,
                  number_key: str, lang: str | None) -> Outcome:
    """The texter writes after their hand-off expired: nobody wrote in it for
    ``HELPLINE_HANDOFF_TTL``, so nobody reads there any more, but they may be waiting for an
    answer. Once, they are told that the conversation stopped, that this message was not
    passed on, and 112, above the main menu (their language's, or a keyword's), whose 0 asks
    for a person again: what a first message gets anyway (their menu session expired long
    before), with the notice on top. Whatever they wrote is not followed as a menu choice:
    it was most likely words for staff, and a digit would answer a menu they no longer see.
    (0 does not come here: it asks for a person at once.) All or nothing under the minute's
    cap: refused, the note stays and their next message is told."""
    lang = lang or catalog.content.base
    screen = engine.Screen(ROOT, notice=HANDOFF_EXPIRED)
    outcome = Outcome(catalog.sms.reply(lang, screen).text, "handoff.expired", lang, ROOT)
    if not limits.fits(outcome.messages):
        return _refused(outcome.messages, lang, ROOT)
    desk.told_closed(number_key)
    sessions.save(engine.State(lang, ROOT))  # 0 and the menu's digits work next
    return outcome


def _after_hours(catalog: Catalog, desk: Desk, thread: Thread) -> tuple[str | None, str | None]:
    """Outside opening hours, return the closed stretch it is (see :func:`hours.next_opening`)
    and the text telling the texter so (nobody there now, the hours, 112), or None for the
    text when they were told already in this stretch. In opening hours: (None, None)."""
    content = catalog.content
    if hours.is_open(content.hours, desk.now):
        return None, None
    stretch = hours.next_opening(content.hours, desk.now)
    if thread.told_closed == stretch:
        return stretch, None
    return stretch, catalog.sms.reply(thread.lang, engine.Screen(engine.PERSON)).text


def _from_staff(catalog: Catalog, desk: Desk, staff_key: str, ref: str, text: str) -> Outcome:
    """A staff number writes with a reference: answer, or stop, that hand-off."""
    ref = ref.upper()
    sms = catalog.sms
    thread = desk.of_ref(ref)
    if thread is None:
        return Outcome(sms.staff("staff_not_open", ref=ref), "handoff.not_open")
    if thread.staff_key not in (None, staff_key):
        return Outcome(sms.staff("staff_taken", ref=ref), "handoff.taken", thread.lang)
    texter = desk.texter(thread)
    if is_close_word(text, catalog.content.contacts.staff_close_word):
        # Told only within the window: never a text the texter did not (recently) ask for.
        # Else they are told with their next message (see _after_close).
        told = ((Send(texter, sms.handoff_closed(thread.lang).text, desk.line_to(thread, texter)),)
                if texter and desk.in_window(thread) else ())
        if told:
            desk.close(thread)
        else:
            desk.close_unseen(thread, staff_key)
        return Outcome(sms.staff("staff_closed", ref=ref), "handoff.closed", thread.lang,
                       sends=told)
    if not text.strip():
        return Outcome(sms.staff("staff_empty", ref=ref), "handoff.empty", thread.lang)
    if texter is None or not desk.in_window(thread):
        minutes = str(desk.window_minutes)
        return Outcome(sms.staff("staff_late", ref=ref, minutes=minutes), "handoff.late",
                       thread.lang)
    claimed = desk.claim(thread, staff_key)
    if claimed == "taken":  # a colleague answered first, at the same moment: not sent
        return Outcome(sms.staff("staff_taken", ref=ref), "handoff.taken", thread.lang)
    if claimed == "gone":  # the texter stopped it as staff wrote: not sent
        return Outcome(sms.staff("staff_not_open", ref=ref), "handoff.not_open")
    # In the texter's SMS alphabet, as the prepared texts are, where that keeps what was written.
    reply = as_written_for_sms(passable(text), catalog.content.language(thread.lang))
    line = desk.line_to(thread, texter)
    return Outcome(None, "handoff.reply", thread.lang,
                   sends=tuple(Send(texter, part, line) for part in for_texter(reply)))


def _with_photo_note(catalog: Catalog, text: str, media: int) -> str:
    """Return a texter's ``text`` as staff read it: with a note that a photo came (``media``:
    how many), which is not passed on."""
    if not media:
        return text
    return f"{text.strip()} {catalog.sms.staff('staff_no_photo')}".strip()


def _closed_for_staff(catalog: Catalog, desk: Desk | None,
                      thread: Thread | None) -> tuple[Send, ...]:
    if desk is None or thread is None:
        return ()
    line = desk.staff_line(thread)
    if line is None:
        _no_staff_line("the end of a hand-off")
        return ()
    closed = catalog.sms.staff("staff_closed", ref=thread.ref)
    return tuple(Send(number, closed, line) for number in desk.recipients(thread))


def _no_staff_line(what: str) -> None:
    """Log that ``what`` was not sent to staff: Twilio would refuse it (what, never who)."""
    log.warning("sms: %s not sent to staff: no SMS number of the helpline to send it from (the "
                "texter writes over another channel and HELPLINE_SMS_NUMBER is not set)", what)


def _event(catalog: Catalog, screen: engine.Screen) -> str:
    """Name what was shown, for the figures: a menu, an answer (first page), a notice ..."""
    tree = catalog.content.tree
    if screen.notice:
        return screen.notice
    if tree.is_answer(screen.node):
        return "answer" if screen.page == 0 else "answer_page"
    if tree.is_menu(screen.node):
        return "menu"
    return {engine.LANGUAGES: "language_menu", engine.PERSON: "person"}.get(screen.node, "other")


def _capped(limits: Limits, outcome: Outcome) -> Outcome:
    """Return ``outcome`` if all its messages fit under the minute's cap, else nothing at all."""
    if limits.fits(outcome.messages):
        return outcome
    return _refused(outcome.messages, outcome.lang, outcome.node)


def _refused(messages: int, lang: str | None, node: str | None = None) -> Outcome:
    log.warning("outgoing SMS cap reached: %d message(s) not sent", messages)
    return Outcome(None, "reply_capped", lang, node)


@dataclass(frozen=True)
class _Arrival:
    """Who wrote, and what the store holds and counts for them, read once per message."""

    sender: Sender
    number_key: str
    visit: Visit
    sessions: Sessions
    limits: Limits


def _arrive(store: Store, now: dt.datetime) -> _Arrival:
    """Read the sender of this request, and their visit (one round trip): see :mod:`.visit`."""
    config = current_app.config
    sender = Sender.of(request.form.get("From", ""))
    number_key = identity.key_of(sender.normal, config["HELPLINE_HASH_KEY"].encode())
    visit = Visit.begin(store, number_key, int(config["HELPLINE_SMS_PER_NUMBER_WINDOW"]),
                        now.timestamp())
    return _Arrival(sender, number_key, visit,
                    Sessions(visit, config["HELPLINE_SESSION_TTL"], config["HELPLINE_LANGUAGE_TTL"]),
                    Limits(visit, config["HELPLINE_SMS_PER_NUMBER"],
                           config["HELPLINE_SMS_REPLIES_PER_MINUTE"]))


def _last_word(store: Store, arrival: _Arrival | None, text: str, event: str) -> ResponseReturnValue:
    """Send ``text`` where no answer could be made (content never loaded, or a bug): like any
    reply, within the number's limit and the minute's cap, and counted against the cap.

    Nothing the failed answer was about to keep is written (what it wrote at once, such as a
    hand-off it opened, stays). Without a visit (the failure came before the store was read)
    the text goes out: a texter must learn how to reach 112.
    """
    reply: str | None = text
    try:
        metrics.webhook_failed("sms", "no-content" if event == "unavailable" else "error")
        if arrival is None:
            stats.count(store, f"sms.{event}")
            return sms_reply(text)
        visit, limits = arrival.visit, arrival.limits
        visit.abandon()
        try:
            if not limits.allow_message(visit.handoff_count):
                event, reply = "rate_limited", None
            elif not limits.fits(1):
                event, reply = _refused(1, None).event, None
            elif not is_simulated():
                visit.sent(1)
            visit.count(f"sms.{event}")
        finally:
            visit.finish()  # (and the number's next message may be answered)
        if event in _LIMITS:
            metrics.count("rate_limited", channel="sms", limit=_LIMITS[event])
    except Exception:
        # The last word must go out: counting it is worth less than the texter hearing of 112.
        log.exception("counting the SMS webhook's last word failed")
    return sms_reply(reply)


def _language(catalog: Catalog, arrival: _Arrival | None) -> str | None:
    """The texter's language as the store held it (None: not known, or no longer served)."""
    if arrival is None:
        return None
    try:
        state, known = arrival.sessions.load()
    except Exception:
        return None
    lang = state.lang if state is not None and state.lang else known
    return lang if lang in catalog.content.languages else None


def _sms_line(line: str) -> str | None:
    """Return the helpline's SMS number for this message: the address it came to if that is
    one (an SMS), else ``HELPLINE_SMS_NUMBER`` (None if not set, or not a plain number)."""
    if line and identity.channel(line) == "":
        return line
    configured = str(current_app.config.get("HELPLINE_SMS_NUMBER") or "").strip()
    return configured if configured and identity.channel(configured) == "" else None


@bp.post("/sms")
@twilio_signed
def incoming_sms() -> ResponseReturnValue:
    store = get_store()
    catalog = catalog_module.current()
    if catalog is None:
        try:
            arrival: _Arrival | None = _arrive(store, clock.now())
        except Exception:
            log.exception("the SMS webhook failed without content")
            arrival = None
        return _last_word(store, arrival, UNAVAILABLE, "unavailable")
    config = current_app.config
    simulated = is_simulated()  # staff trying the helpline: nothing is sent, nothing kept open
    arrival = None
    try:
        now = clock.now()
        arrival = _arrive(store, now)
        line = request.form.get("To", "").strip()
        desk = Desk(store, sealer_for(config["HELPLINE_ENCRYPTION_KEY"]),
                    config["HELPLINE_HASH_KEY"].encode(), catalog.content.contacts.staff,
                    int(config["HELPLINE_HANDOFF_WINDOW"]), int(config["HELPLINE_HANDOFF_TTL"]),
                    now, rehearsal=simulated, sms_line=_sms_line(line), line=line)
        outcome = answer(catalog, arrival.sessions, arrival.limits, arrival.number_key,
                         request.form.get("Body", ""), desk, arrival.sender,
                         sms_input.media_count(request.form.get("NumMedia", "")), line)
    except Exception:
        # Never Twilio's generic error: the texter hears how to reach a person, and 112.
        log.exception("the SMS webhook failed; the texter got the apology")
        return _last_word(store, arrival, catalog.sms.sorry(_language(catalog, arrival)).text,
                          "error")
    visit = arrival.visit
    node = outcome.node if outcome.event in ("answer", "menu") else None
    try:
        if not simulated:  # a simulator's answers are shown to staff, never sent
            visit.sent(outcome.messages)  # every <Message> below counts against the minute's cap
        visit.count(f"sms.{outcome.event}", lang=outcome.lang, node=node)
    finally:
        visit.finish()  # (and the number's next message may be answered)
    if outcome.event in _LIMITS:
        metrics.count("rate_limited", channel="sms", limit=_LIMITS[outcome.event])
    if outcome.event == "handoff.opened":
        metrics.count("handoffs", channel="sms")
    if outcome.event.startswith("handoff."):
        # What happened, never to whom or what was written.
        log.info("sms: %s (%s), %d message(s) passed on", outcome.event, outcome.lang,
                 len(outcome.sends))
    if any(send.via is None for send in outcome.sends):
        log.warning("sms: %d hand-off message(s) with no helpline address on their channel to "
                    "go from (HELPLINE_SMS_NUMBER not set?): Twilio will refuse them",
                    sum(1 for send in outcome.sends if send.via is None))
    return sms_reply(outcome.text, outcome.sends)
