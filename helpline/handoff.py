"""The SMS hand-off: a texter who asks for a person texts with on-duty staff through the
helpline number, neither side ever seeing the other's number.

How it goes (PRODUCT.md §3, "Reaching a person")::

    texter: 0                    -> "someone will answer here"       staff: "K7WX4 (Roemeens): ..."
    texter: my boss has my pass  ->                                   staff: "K7WX4 Roemeens: my ..."
    staff:  K7WX4 Go to ...      -> texter: "Go to ..."  (from the helpline number)
    texter: 9  (or staff: K7WX4 KLAAR)  -> closed, both sides are told

Every message goes out as TwiML ``<Message to=... from=...>`` in the reply to the incoming
one: no REST calls. ``from`` is the helpline's own address on the channel of ``to`` (Twilio
refuses a message from an address of another channel, error 30016): to the texter, the address
they opened the hand-off on (a WhatsApp texter's is ``whatsapp:+31...``), kept in the thread;
to staff (plain numbers, SMS), the helpline's SMS number, which is the ``To`` of an SMS and
``HELPLINE_SMS_NUMBER`` for a message over another channel, or without that setting the number
the hand-off was opened on, if it was opened by SMS (:meth:`Desk.staff_line`). Without any, a
WhatsApp texter who asks for a person reads how to call and 112, never a hand-off that staff
would not hear of, and one whose message cannot go to staff reads the same (nothing is sent
that Twilio would refuse). The first staff member to answer takes the conversation; until then the texter's
messages go to every staff number. Only numbers on the staff list (``content/contacts.yaml``)
can use a reference; anyone else who sends one is treated like any other texter. A staff reply
is delivered only within ``HELPLINE_HANDOFF_WINDOW`` seconds of the texter's last message
(no unasked-for texts); a later one is not sent and its sender is told why.

A hand-off opens only in opening hours but stays open after them. Outside opening hours a
texter's message is still passed on to staff (never lost: someone may read it), and the texter
is told what the person screen says out of hours: nobody can answer now, when we are open, how
to call, 112. They are told once per closed stretch (from closing to the next opening, see
:func:`helpline.hours.next_opening`), with their first message in it, not with every message:
someone writing many short texts in the night would otherwise pay for and keep a pile of the
same 2-segment text on their phone, and use up the minute's SMS cap for others. Their first
message after the next closing tells them again. The notice and the messages passed on are
all or nothing under the cap, like everything a texter sends.

What is kept (Redis), with ``HELPLINE_HANDOFF_TTL`` from the texter's last message:

- ``helpline:thread:<REF>``: the texter's number, sealed (:mod:`helpline.sealed`); the
  helpline's address they wrote to (its own number, on their channel); their language; the
  hashed number key of the texter and of the staff member who answers; when the texter last
  wrote; the closed stretch they were last told of. No message text is ever kept.
- ``helpline:handoff:<hmac of the texter's number>``: the reference of their open hand-off.
  It is a personal kind (:data:`helpline.store.PERSONAL_KINDS`) linked to the thread, so the
  wipe keyword, STOP and ``helpline forget`` erase both.
- ``helpline:handoff-closed:<hmac of the texter's number>``: a hand-off staff stopped when the
  texter could not be told (their last message older than the window): its reference, the
  language, who stopped it and the helpline's address it was opened on, kept for what was left
  of the thread's life (the texter may write until then, believing it open), so that their
  next message tells them it stopped and how to reach a person again (:class:`Closed`). A
  personal kind, erased like the others.
- ``helpline:handoff-expiry:<hmac of the texter's number>``: the language of the texter's
  hand-off, and nothing else, kept :data:`EXPIRY_NOTE_TTL` longer than the thread (written with
  it, so from the texter's last message): a texter who writes after their hand-off expired,
  believing someone still reads, is told once that it stopped, that their message was not
  passed on, and 112, above the main menu (whose 0 asks for a person again). Erased when the
  hand-off closes and they are told, when they are told, and like every personal kind.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from .identity import channel, key_of, normalize, number_key
from .sealed import Sealer
from .store import Store, Updated

THREAD, POINTER, CLOSED, EXPIRY = "thread", "handoff", "handoff-closed", "handoff-expiry"
# What a staff reply's :meth:`Desk.claim` found: the hand-off is now (or was) theirs; a
# colleague answers it; it ended.
Claim = Literal["claimed", "taken", "gone"]
_CLAIMS: dict[Updated, Claim] = {"updated": "claimed", "held": "taken", "gone": "gone"}
# How long after a hand-off expired its texter is still told so with their next message: a
# week. Someone in exploitation may be without their phone, credit or a safe moment for days;
# a week covers that (and a long weekend), yet a sign that this number once wrote to staff is
# not kept longer than a callback request is (HELPLINE_CALLBACK_TTL, 7 days).
EXPIRY_NOTE_TTL = 7 * 24 * 3600
# Capitals and digits nobody confuses on a small screen (no 0/O, 1/I/L, 2/Z, 5/S, 8/B, 6/G):
# 23^5, about 6.4 million references, and only staff numbers can use one anyway.
ALPHABET = "ACDEFHJKMNPRTUVWXY34679"
REF_LENGTH = 5


# Characters XML 1.0 cannot carry (control characters, surrogates, U+FFFE/U+FFFF): a text
# passed on between texter and staff goes into TwiML, so these are dropped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def passable(text: str) -> str:
    """Return ``text`` as it can be passed on in TwiML (never empty: "?" for nothing)."""
    return _NOT_XML.sub("", text).strip() or "?"


# Twilio refuses a message body longer than this (characters; counted here in UTF-16 code
# units, which is never fewer): a longer text is passed on in numbered parts.
MAX_MESSAGE = 1600


def for_staff(ref: str, name: str, text: str) -> tuple[str, ...]:
    """Return a texter's ``text`` as staff get it: "K7WX4 Roemeens: ...", or in parts
    "K7WX4 Roemeens (1/2): ..." where one message would be longer than Twilio takes."""
    return _parts(passable(text),
                  lambda i, n: f"{ref} {name}: " if n == 1 else f"{ref} {name} ({i}/{n}): ")


def for_texter(text: str) -> tuple[str, ...]:
    """Return a staff reply (already made passable) as the texter gets it: as written, or in
    parts "(1/2) ..." where one message would be longer than Twilio takes."""
    return _parts(text, lambda i, n: "" if n == 1 else f"({i}/{n}) ")


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _parts(text: str, head: Callable[[int, int], str]) -> tuple[str, ...]:
    """Cut ``text`` into as few parts as fit MAX_MESSAGE each with its ``head(i, n)``."""
    count = 1
    while True:
        chunks = _chunks(text, MAX_MESSAGE - _units(head(count, count)))
        if len(chunks) <= count:  # heads of fewer parts are never longer
            return tuple(f"{head(i, len(chunks))}{chunk}" for i, chunk in enumerate(chunks, 1))
        count = len(chunks)


def _chunks(text: str, width: int) -> list[str]:
    """Cut ``text`` into pieces of at most ``width`` units, at a space where one is near."""
    chunks: list[str] = []
    while _units(text) > width:
        used, end = 0, 0
        while used + _units(text[end]) <= width:
            used += _units(text[end])
            end += 1
        end = max(end, 1)
        space = max(text.rfind(" ", 0, end + 1), text.rfind("\n", 0, end + 1))
        cut = space if space > end // 2 else end
        chunks.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    return [*chunks, text]


# Question marks (Latin, Spanish, full-width, Arabic, Greek) are never padding: "Klaar?"
# asks the texter something ("Ready?", "Done?") and is passed on, it closes nothing.
_QUESTION_MARKS = frozenset("?\u00bf\uff1f\u061f\u037e")


def is_close_word(text: str, close_word: str) -> bool:
    """Say whether staff wrote the close word, whatever its case and the punctuation and
    spaces around it ("klaar.", "KLAAR!", " Klaar "), except a question mark: "Klaar?" is a
    question to the texter, not a close."""
    return _bare(text).casefold() == _bare(close_word).casefold()


def _bare(text: str) -> str:
    start, end = 0, len(text)
    while start < end and _is_padding(text[start]):
        start += 1
    while end > start and _is_padding(text[end - 1]):
        end -= 1
    return text[start:end]


def _is_padding(char: str) -> bool:
    return char.isspace() or (unicodedata.category(char).startswith("P")
                              and char not in _QUESTION_MARKS)


def looks_like_ref(word: str) -> bool:
    """Say whether ``word`` has the shape of a reference (any case)."""
    word = word.upper()
    return len(word) == REF_LENGTH and all(c in ALPHABET for c in word)


# A staff message that answers a hand-off: its reference first, then the text. Staff type
# "RVTH6 text"; phones and habit also give "RVTH6: text", "RVTH6, text", "RVTH6. text" and
# "#RVTH6 text". A mark after the reference is taken for a separator only before a space, a
# letter or a digit: "RVTH6 :) see you" sends the smiley whole.
_STAFF_REPLY = re.compile(
    rf"\s*#?([0-9A-Za-z]{{{REF_LENGTH}}})(?![0-9A-Za-z])\s*(?:[:;,.：，](?=\s|\w|$))?\s*(.*)",
    re.DOTALL)


def staff_reply(body: str) -> tuple[str, str] | None:
    """Split a staff message into the reference it starts with (in capitals) and the text
    after it; None if it does not start with one."""
    found = _STAFF_REPLY.match(body)
    if found is None or not looks_like_ref(found[1]):
        return None
    return found[1].upper(), found[2]


def new_ref() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(REF_LENGTH))


@dataclass(frozen=True)
class Thread:
    """One open hand-off, as kept under its reference."""

    ref: str
    texter: str  # sealed
    lang: str
    texter_key: str
    last_texter_at: float
    staff_key: str | None = None  # who answers, once someone has
    # The closed stretch (:func:`helpline.hours.next_opening`) the texter was last told of.
    told_closed: str | None = None
    # The helpline's address the texter opened it on (the incoming To): messages to them go
    # from it, on their channel. None in a thread kept before it was recorded.
    line: str | None = None

    def record(self) -> dict[str, Any]:
        return {"texter": self.texter, "lang": self.lang, "texter_key": self.texter_key,
                "last": self.last_texter_at, "staff": self.staff_key,
                "told_closed": self.told_closed, "line": self.line}


def _thread(ref: str, raw: Any) -> Thread | None:
    if not isinstance(raw, dict):
        return None
    try:
        return Thread(ref, str(raw["texter"]), str(raw["lang"]), str(raw["texter_key"]),
                      float(raw["last"]), _text_or_none(raw.get("staff")),
                      _text_or_none(raw.get("told_closed")), _text_or_none(raw.get("line")))
    except (KeyError, TypeError, ValueError):
        return None


def _text_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


@dataclass(frozen=True)
class Closed:
    """A hand-off staff stopped without the texter being told, as kept under the texter's
    number key until their next message (see the module's docstring)."""

    ref: str
    lang: str
    staff_key: str  # who stopped it: they get what the texter writes next
    line: str | None = None  # the helpline's address the hand-off was opened on (Thread.line)

    def record(self) -> dict[str, Any]:
        return {"ref": self.ref, "lang": self.lang, "staff": self.staff_key, "line": self.line}


def _closed(raw: Any) -> Closed | None:
    if not isinstance(raw, dict):
        return None
    ref, lang, staff = raw.get("ref"), raw.get("lang"), raw.get("staff")
    if not (isinstance(ref, str) and isinstance(lang, str) and isinstance(staff, str)):
        return None
    return Closed(ref, lang, staff, _text_or_none(raw.get("line")))


@lru_cache(maxsize=8)
def _normalized(numbers: tuple[str, ...]) -> frozenset[str]:
    """Normalise the staff list once, not on every message (it changes only with content)."""
    return frozenset(normalize(number) for number in numbers)


@dataclass(frozen=True)
class Desk:
    """The hand-offs as one request sees them: the store, the keys, the rules, the time."""

    store: Store
    sealer: Sealer
    hash_secret: bytes
    staff: tuple[str, ...]  # the staff numbers, as in content/contacts.yaml
    window: int  # seconds after the texter's last message that staff may answer
    ttl: int  # seconds a thread is kept after the texter's last message
    now: dt.datetime
    # A rehearsal (staff trying the helpline in a simulator): a hand-off is shown as it would
    # open, but none is kept (no staff member can answer a texter who does not exist), and
    # real hand-offs are out of its reach (a simulated number is never in one).
    rehearsal: bool = False
    # The helpline's SMS number, which messages to staff go from (see the module's docstring);
    # None: not known for this message (a WhatsApp message without HELPLINE_SMS_NUMBER).
    sms_line: str | None = None
    # The helpline's address this message came to (Twilio's To): a hand-off opened now keeps it.
    line: str = ""

    def staff_key(self, normal: str) -> str | None:
        """Return the number key of a sender (its number normalised) if it is staff, else None."""
        if normal and normal in _normalized(self.staff):
            return key_of(normal, self.hash_secret)
        return None

    def staff_number(self, key: str) -> str | None:
        """Return the staff number with number key ``key`` (None if no longer on the list)."""
        return next((n for n in self.staff if number_key(n, self.hash_secret) == key), None)

    def can_open(self) -> bool:
        """Say whether a hand-off can be opened from this message: staff must be told of it,
        and they can be only by SMS from the helpline's SMS number."""
        return bool(self.staff) and self.sms_line is not None

    def staff_line(self, thread: Thread | Closed) -> str | None:
        """Return the helpline's SMS number a message to staff about ``thread`` goes from: this
        message's (:attr:`sms_line`), else the address the hand-off was opened on if that is an
        SMS number (a texter who opened it by SMS writes from WhatsApp now). None: no SMS
        number is known, and a message to staff would be refused (error 30016)."""
        if self.sms_line is not None:
            return self.sms_line
        line = thread.line
        return line if line and channel(line) == "" else None

    def open(self, texter_key: str, texter: str, lang: str) -> Thread:
        """Open a hand-off for this texter under a fresh reference (kept unless a rehearsal),
        replies to go from the address they wrote to."""
        line = self.line or None
        if self.rehearsal:
            return Thread(new_ref(), "", lang, texter_key, self.now.timestamp(), line=line)
        for _ in range(20):
            thread = Thread(new_ref(), self.sealer.seal(texter), lang, texter_key,
                            self.now.timestamp(), line=line)
            if self.store.create_json(THREAD, thread.ref, thread.record(), self.ttl):
                self._point(thread)
                return thread
        raise RuntimeError("no free hand-off reference")  # 20 collisions: never in practice

    def of_texter(self, texter_key: str) -> Thread | None:
        return self.of_pointer(self.store.get_json(POINTER, texter_key))

    def of_pointer(self, ref: Any) -> Thread | None:
        """Return the thread a texter's pointer (already read) names, if it is still open."""
        return self.of_ref(ref) if isinstance(ref, str) else None

    def of_ref(self, ref: str) -> Thread | None:
        """Return the open hand-off under ``ref`` (a rehearsal sees none: it never touches one)."""
        ref = ref.upper()
        if self.rehearsal or not looks_like_ref(ref):
            return None
        return _thread(ref, self.store.get_json(THREAD, ref))

    def _pointers(self, thread: Thread) -> dict[tuple[str, str], tuple[Any, int]]:
        """The texter's pointer to ``thread``, for its life, and the note that tells them when
        it expired, for :data:`EXPIRY_NOTE_TTL` longer."""
        return {(POINTER, thread.texter_key): (thread.ref, self.ttl),
                (EXPIRY, thread.texter_key): (thread.lang, self.ttl + EXPIRY_NOTE_TTL)}

    def _point(self, thread: Thread) -> None:
        self.store.set_jsons(thread.texter_key, {kind: value for (kind, _), value
                                                 in self._pointers(thread).items()})

    def texter_wrote(self, thread: Thread, told_closed: str | None = None) -> bool:
        """Note that the texter just wrote (and which closed stretch they now know of, if
        any): the window and the thread's life start again. False if the hand-off ended since
        it was read (staff stopped it, or it was wiped, at the same moment): it stays ended.

        Only her fields are written: who answers stays as it is now (a staff member who
        answered as she wrote keeps the conversation)."""
        return self.store.update_json(
            THREAD, thread.ref, {"last": self.now.timestamp(), "told_closed": told_closed},
            self.ttl, then=self._pointers(thread)) == "updated"

    def claim(self, thread: Thread, staff_key: str) -> Claim:
        """Note that the staff member with ``staff_key`` answers ``thread``, if nobody else
        does yet: ``claimed`` (or already theirs); ``taken`` if a colleague answered first
        (at the same moment: both read it unanswered); ``gone`` if it ended since it was read
        (the texter stopped or wiped it at the same moment): it stays ended. Only who answers
        is written: when she last wrote stays as it is now (a text of hers that crossed this
        reply keeps her window).

        Its life stays what the texter's last text gave it, which is also what her pointer to
        it has left: a thread that outlived the pointer (with her encrypted number) could no
        longer be found by the wipe word or ``forget``, which erase it through the pointer."""
        return _CLAIMS[self.store.update_json(THREAD, thread.ref, {"staff": staff_key}, None,
                                              only_if_empty="staff")]

    def close(self, thread: Thread, told: bool = True) -> None:
        """End the hand-off, and the texter's place in the menus with it: their screen was the
        person screen, where any text asks for a person, so a "thank you" would open a new
        hand-off (their next message starts over; 0 still asks for a person). Unless the
        texter was not ``told``, the note of its expiry goes too: they know it ended."""
        keys = [(THREAD, thread.ref), (POINTER, thread.texter_key), ("session", thread.texter_key)]
        self.store.delete_all(*keys, *([(EXPIRY, thread.texter_key)] if told else []))

    def close_unseen(self, thread: Thread, staff_key: str) -> None:
        """Close a hand-off the texter cannot be told of now, keeping a note under their
        number key for what was left of the thread's life: their next message tells them.
        After that, the note of its expiry tells them (it stopped; they were never told).

        All at once, and only if the thread is still there: a hand-off the texter stopped or
        wiped meanwhile leaves no note (nor is her place in the menus since touched)."""
        left = int(thread.last_texter_at + self.ttl - self.now.timestamp())
        note = Closed(thread.ref, thread.lang, staff_key, thread.line).record()
        self.store.delete_then(
            (THREAD, thread.ref), [(POINTER, thread.texter_key), ("session", thread.texter_key)],
            {(CLOSED, thread.texter_key): (note, left)} if left > 0 else {})

    def closed_of(self, raw: Any) -> Closed | None:
        """Return the note of a hand-off closed unseen (already read), if there is one."""
        return None if self.rehearsal else _closed(raw)

    def expired_of(self, raw: Any) -> str | None:
        """Return the language of a hand-off whose expiry the texter was not told of, from its
        note (already read; look only when the texter is in no hand-off), if there is one."""
        return raw if isinstance(raw, str) and not self.rehearsal else None

    def told_closed(self, texter_key: str) -> None:
        """Drop the notes of a hand-off that ended unseen (staff closed it, or it expired):
        the texter now knows."""
        self.store.delete_all((CLOSED, texter_key), (EXPIRY, texter_key))

    @property
    def window_minutes(self) -> int:
        """The window in whole minutes, rounded up: what texters and staff are told (a window
        of 90 seconds is "2 min", never "1 min" nor, under a minute, "0 min")."""
        return -(-self.window // 60)

    def in_window(self, thread: Thread) -> bool:
        return self.now.timestamp() - thread.last_texter_at <= self.window

    def texter(self, thread: Thread) -> str | None:
        """Return the texter's number, opened only to address a message to it."""
        return self.sealer.open(thread.texter)

    def line_to(self, thread: Thread, texter: str) -> str | None:
        """Return the helpline's address a message to the texter (at ``texter``) goes from:
        the one they opened the hand-off on (for a thread kept before that was recorded, the
        SMS number if they text by SMS; else None, which Twilio would refuse anyway)."""
        if thread.line is not None:
            return thread.line
        return self.sms_line if channel(texter) == "" else None

    def recipients(self, thread: Thread | Closed) -> tuple[str, ...]:
        """Return who gets the texter's messages: the staff member who answers (or who closed
        it), else all (also when that number is no longer on the list)."""
        if thread.staff_key is not None:
            number = self.staff_number(thread.staff_key)
            if number is not None:
                return (number,)
        return self.staff
