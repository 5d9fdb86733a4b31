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


def _key(purpose: str, *placeholders: str) -> PromptKey:
    return PromptKey(purpose, frozenset(placeholders))


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
    "person_sms": _key("how to reach a person, by text", "helpline", "emergency"),
    "wiped": _key("confirms that everything about the number was erased", "start"),
    "sorry": _key("apology when something went wrong on our side (followed by how to reach a person)"),
    # Voice: spoken, so numbers and keys are written as words where a voice would stumble.
    "voice_welcome": _key("first words of a call: who we are, and the emergency number",
                          "emergency"),
    "voice_choose_language": _key("one line of the language menu, spoken in this language",
                                  "key"),
    "voice_keys": _key("said once: the keys that work everywhere (0 person, 9 main menu, "
                       "8 another language, star back, hash repeat)"),
    "voice_option": _key("one option of a menu", "label", "key"),
    "voice_after_answer": _key("after an answer: 1 again, 2 slower, 9 main menu, 0 person"),
    "voice_not_option": _key("a key that is not an option was pressed"),
    "voice_no_input": _key("nothing was pressed"),
    "voice_connecting": _key("just before the call is put through to a person"),
    "voice_no_person": _key("nobody can take the call now; call back later; emergency number",
                            "emergency"),
    "voice_goodbye": _key("the last words before the helpline ends a call"),
}
