"""The interface texts every language must have, what each is for, and its placeholders.

Staff see the purpose in ``check`` when a text is missing. A placeholder such as
``{more}`` is filled in by the helpline; any other ``{...}`` in a text is an error.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class PromptKey:
    purpose: str
    placeholders: frozenset[str] = frozenset()

    @property
    def required(self) -> frozenset[str]:
        """The placeholders this text must have: each is something people must be told here."""
        return self.placeholders & frozenset(REQUIRED)


# The placeholders a text that has one must keep, and what the helpline fills in: what a
# caller, texter or staff member must be told there (a text without {emergency} would leave
# someone in danger without 112). {page}, {pages}, {minutes} and {window} may be left out.
REQUIRED = {
    "emergency": "the emergency number (112)",
    "helpline": "the helpline's phone number",
    "wipe": "the wipe word",
    "more": "the word for the next page",
    "start": "the word to start again",
    "key": "the key to press",
    "label": "what the option is",
    "language": "the caller's or texter's language",
    "ref": "the conversation's code",
    "close": "the word that stops a conversation",
}


def _key(purpose: str, *placeholders: str) -> PromptKey:
    return PromptKey(purpose, frozenset(placeholders))


# {minutes} and {window} come from settings, so they can be any number from 1 up: the word
# after them must be right after every number (English "1 minute" but "2 minutes", Polish
# "2 minuty" but "5 minut", Romanian "5 minute" but "20 de minute"). Most languages have a
# short form that never changes ("min"); Hungarian and Vietnamese nouns do not change after a
# number anyway.
_ANY_NUMBER = ("; write the minutes in a form that is right after any number from 1 up, "
               "such as 'min'")

PROMPT_KEYS: Mapping[str, PromptKey] = {
    "welcome": _key("first line when a conversation starts: who we are, free and confidential"),
    "safety": _key("reminder to delete messages if the phone is not safe, naming the wipe word",
                   "wipe"),
    "choose": _key("asks the texter to reply with a number"),
    "person": _key("menu label of key 0: talk to a person"),
    "language": _key("menu label of key 8: change language"),
    "main_menu": _key("menu label of key 9: back to the main menu"),
    "back": _key("menu label of key *: back one step"),
    "more": _key("end of an answer page that has a next page", "more"),
    "page": _key("page counter on an answer", "page", "pages"),
    "not_understood": _key("reply to something that is not an option"),
    "no_more": _key("reply to the paging word when there is no next page"),
    "choose_language": _key("heading of the language menu"),
    "more_languages": _key("the language menu's key 9 with more than 9 languages: the next page "
                           "of languages (a few words; also said on the phone)"),
    "person_sms": _key("how to reach a person, by text", "helpline", "emergency"),
    "wiped": _key("confirms that everything about the number was erased", "start"),
    "sorry": _key("apology when something went wrong on our side (followed by how to reach a person)"),
    "too_many": _key("a number sent more messages than allowed in a short time: wait {minutes} "
                     "minutes (the limit's window, HELPLINE_SMS_PER_NUMBER_WINDOW) before writing "
                     f"again{_ANY_NUMBER} (how to reach a person follows)", "minutes"),
    "wipe_failed": _key("the wipe word could not erase anything now (a fault on our side): send "
                        "the wipe word again in a few minutes; delete these messages if the "
                        "phone is not safe (how to reach a person follows)", "wipe"),
    "wiped_wait": _key("the wipe word as the first message over the number's limit: everything "
                       "about the number was erased; delete these messages if the phone is not "
                       "safe (short: the wait text too_many and how to reach a person follow)"),
    # Reaching a person by SMS (PRODUCT.md §3): the texter's side.
    "hours": _key("when the helpline is open, short, by SMS (keep it in step with content/hours.yaml)"),
    "person_closed": _key("a texter asked for a person and nobody is there now (the opening "
                          "hours, how to call and the emergency number follow)"),
    "handoff_opened": _key("a texter asked for a person in opening hours: someone will answer "
                           "here by SMS; write your question; no answer within {minutes} "
                           "minutes (the time staff can answer in)? write again; send 9 to stop"
                           f"{_ANY_NUMBER}", "minutes"),
    "handoff_closed": _key("the SMS conversation with a staff member has stopped; in danger "
                           "right now? call the emergency number", "emergency"),
    "handoff_expired": _key("a texter writes after their SMS conversation with staff stopped "
                            "because nobody wrote in it for a long time: the conversation with "
                            "the helpline has stopped; their message was not passed on; in "
                            "danger right now? call the emergency number (the main menu "
                            "follows, with 0 to talk to a person)", "emergency"),
    "handoff_no_photo": _key("a texter in an SMS conversation with staff sent a photo: photos "
                             "cannot be passed on; write it in a message instead"),
    "no_photo": _key("a texter outside an SMS conversation with staff sent a photo (or another "
                     "file), sent after the reply to their text: we cannot see photos here; send "
                     "a number from the menu, or 0 to talk to a person"),
    # Texts to staff about an SMS hand-off (sent in the base language).
    "staff_new": _key("to staff: someone asks for a person; the reference, their language, how "
                      "to answer and to stop", "ref", "language", "close"),
    "staff_late": _key("to staff: a reply was not sent because the texter's last message is "
                       f"older than the window{_ANY_NUMBER}", "ref", "minutes"),
    "staff_taken": _key("to staff: a colleague already answers this conversation", "ref"),
    "staff_not_open": _key("to staff: no open conversation has this reference", "ref"),
    "staff_empty": _key("to staff: a reference with no text after it: nothing was sent; write "
                        "the text after the reference", "ref"),
    "staff_no_ref": _key("to staff: their message did not start with a conversation's code "
                         "(and is no menu command), so it went to nobody; start a reply with "
                         "the code (5 characters), then the text"),
    "staff_store_down": _key("to staff: their reply was not sent because of a fault on our "
                             "side (the helpline cannot reach what it keeps); send it again in "
                             "a few minutes", "ref"),
    "staff_closed": _key("to staff: the conversation with this reference has stopped", "ref"),
    "staff_no_photo": _key("to staff, after the texter's words (if any): they sent a photo, which "
                           "was not passed on (short, in brackets)"),
    "staff_after_close": _key("to staff who stopped a conversation the texter was not told of: "
                              "the texter wrote after it stopped (their message follows); "
                              "answering with the reference no longer works; the texter read "
                              "that the conversation stopped and can ask for a person again "
                              "with 0", "ref"),
    "staff_too_many": _key("to staff: the texter sent too many messages; what they write now is "
                           "not passed on for at most {minutes} minutes (the limit's window); "
                           "staff replies still reach them, up to {window} minutes after their "
                           f"last message passed on{_ANY_NUMBER}", "ref", "minutes", "window"),
    # Voice: spoken, so numbers and keys are written as words where a voice would stumble.
    "voice_welcome": _key("first words of a call: who we are, and the emergency number",
                          "emergency"),
    "voice_choose_language": _key("one line of the language menu, spoken in this language",
                                  "key"),
    "voice_keys": _key("said once: the keys that work everywhere (0 person, 9 main menu, "
                       "8 another language, star back, hash repeat)"),
    "voice_option": _key("one option of a menu", "label", "key"),
    "voice_after_answer": _key("after an answer: 1 again, 2 slower, 9 main menu, 0 person"),
    "voice_person_key": _key("after the main menu, and after a menu said again (a wrong key, "
                             "silence): 0 reaches a person"),
    "voice_not_option": _key("a key that is not an option was pressed"),
    "voice_no_input": _key("nothing was pressed"),
    "voice_connecting": _key("just before the call is put through to a person"),
    "voice_no_person": _key("nobody can take the call now; call back later; emergency number",
                            "emergency"),
    "voice_goodbye": _key("the last words before the helpline ends a call"),
    "voice_emergency": _key("in danger right now? call the emergency number (said before the "
                            "goodbye to a caller who pressed nothing for a long time: the "
                            "welcome's own sentence fits)", "emergency"),
    "voice_talk_ended": _key("the call with a person has ended and the caller is still on the "
                             "line (the person hung up, or the line dropped): they can hang up, "
                             "press 9 for the main menu or 0 for a person again; the emergency "
                             "number. Silence then ends the call with the goodbye", "emergency"),
    "voice_sorry": _key("said on the phone when something went wrong on our side (the welcome "
                        "with the emergency number and the menu follow)"),
    # Reaching a person by phone.
    "voice_person_menu": _key("in opening hours, after 0: 1 someone at the helpline, 2 the care "
                              "coordinator of your region"),
    "voice_person_menu_closed": _key("outside opening hours, after 0: 1 ask to be called back, 2 "
                                     "the care coordinator of your region"),
    "voice_coordinator_option": _key("outside opening hours, after 0, to a caller who cannot be "
                                     "called back (number withheld), the only option: 1 the care "
                                     "coordinator of your region"),
    "voice_hours": _key("when the helpline is open, spoken (numbers as words; keep it in step "
                        "with content/hours.yaml)"),
    "voice_callback_offer": _key("asks consent to call back the number the caller calls from: "
                                 "1 yes, 2 no"),
    "voice_callback_saved": _key("the callback request is kept; we call back as soon as we can"),
    "voice_callback_failed": _key("the callback request could not be kept: call again later"),
    "voice_postcode": _key("asks for the four digits of the postcode, then hash; only hash for "
                           "the list of regions"),
    "voice_postcode_unknown": _key("the postcode keyed in is in no region (the region list "
                                   "follows)"),
    "voice_regions": _key("heading of the list of regions (each region and its key follow)"),
    "voice_coordinator_connecting": _key("just before the call is put through to the care "
                                         "coordinator of the caller's region"),
    "voice_coordinator_unavailable": _key("the region's care coordinator cannot be reached now "
                                          "(the helpline staff are tried next)"),
    "voice_whisper": _key("heard by staff before a call is put through (in the base language): "
                          "the caller's language", "language"),
    "voice_whisper_interpreter": _key("heard by a care coordinator after the caller's language "
                                      "when they do not speak it"),
    "voice_whisper_accept": _key("heard by staff (and care coordinators) before a call is put "
                                 "through, after the caller's language (in the base language): "
                                 "press 1 to take the call"),
}
