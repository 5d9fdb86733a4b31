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
}
