"""What a texter's phone receives from POST /sms, message by message."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from flask import Flask

from helpline.catalog import build_catalog
from helpline.engine import Screen
from helpline.sms_book import MENU_SEGMENTS, PAGE_SEGMENTS

from .conftest import ROOT, kept_but_counts, make_app
from .twilio_client import HELPLINE_NUMBER, Reply, Texter

GOLDEN = Path(__file__).parent / "golden"

CATALOG = build_catalog(ROOT / "content", ROOT / "prompts")
SHIPPED = CATALOG.content


def conversation(lang: str) -> list[str]:
    """Keyword, topic, answer, next page, main menu, language menu, another language."""
    keywords = SHIPPED.languages[lang].keywords
    other = 2 if list(SHIPPED.languages).index(lang) == 0 else 1
    return [keywords.start[0], "1", "1", keywords.more[0], "9", "8", str(other)]


def transcript(texter: Texter, bodies: list[str]) -> str:
    lines = []
    for body in bodies:
        reply = texter.send(body)
        assert reply.text is not None
        m = reply.measure
        lines += [f"> {body}", f"< {m.segments} segment(s), {m.encoding}, {m.units} characters",
                  reply.text, ""]
    return "\n".join(lines)


@pytest.mark.parametrize("lang", list(SHIPPED.languages))
def test_golden_conversation(lang: str, texter: Texter) -> None:
    """Keyword, topic, answer, next page, main menu and language change read exactly as agreed.

    Rewrite the golden files after an intended wording change with UPDATE_GOLDEN=1.
    """
    actual = transcript(texter, conversation(lang))
    path = GOLDEN / f"sms-{lang}.txt"
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(actual, encoding="utf-8")
    assert path.exists(), f"{path} is missing: run the tests once with UPDATE_GOLDEN=1"
    assert path.read_text(encoding="utf-8") == actual


@pytest.mark.parametrize("lang", list(SHIPPED.languages))
def test_conversation_stays_within_segment_budgets(lang: str, texter: Texter) -> None:
    """Menus arrive in at most 2 segments and answer pages in at most 3."""
    keyword, topic, answer, more, main, _, _ = conversation(lang)
    assert texter.send(keyword).measure.segments <= MENU_SEGMENTS
    assert texter.send(topic).measure.segments <= MENU_SEGMENTS
    assert texter.send(answer).measure.segments <= PAGE_SEGMENTS
    assert texter.send(more).measure.segments <= PAGE_SEGMENTS
    assert texter.send(main).measure.segments <= MENU_SEGMENTS


@pytest.mark.parametrize("keyword", ["HULP", " hulp ", "Hulp!", "HÚLP", "h u l p", "nederlands"])
def test_keywords_ignore_case_accents_and_spaces(keyword: str, texter: Texter) -> None:
    """However the keyword is typed, the Dutch welcome menu comes back."""
    reply = texter.send(keyword)
    assert reply.text is not None
    assert reply.text.startswith("Hulplijn mensenhandel.")


def test_first_message_without_keyword_gets_the_language_menu(texter: Texter) -> None:
    """Someone who texts 'hello' is asked, in Dutch and English, to pick a language, each
    named in itself; in two SMS at most, though the names need the UCS-2 alphabet."""
    reply = texter.send("hello")
    assert reply.text is not None
    assert reply.text.startswith("Kies je taal / Choose your language:\n1 Nederlands\n2 English")
    assert (2, "UCS-2") == (reply.measure.segments, reply.measure.encoding)


def test_language_is_remembered_after_the_session_expires(app: Flask, texter: Texter) -> None:
    """When the menu position has expired, the next message is answered in the known language."""
    texter.send("HELPLINE")
    store = app.extensions["helpline.store"]
    store.client.delete(*store.client.keys("helpline:session:*"))
    reply = texter.send("hello")
    assert reply.text is not None
    assert reply.text.startswith("Human trafficking helpline.")


@pytest.mark.parametrize("word", ["STOP", "stop", "Stop ", "UNSUBSCRIBE", "cancel", "END", "QUIT"])
def test_stop_forgets_the_number_and_sends_nothing(word: str, app: Flask, texter: Texter) -> None:
    """STOP and its kin: an empty <Response/>, and nothing kept about the number."""
    texter.send("HULP")
    reply = texter.send(word)
    assert reply.text is None
    assert "<Message" not in reply.xml
    assert [] == kept_but_counts(app.extensions["helpline.store"].client, texter.number)


@pytest.mark.parametrize("word", ["START", "YES", "unstop"])
def test_twilio_opt_in_words_get_no_reply_from_us(word: str, texter: Texter) -> None:
    """Twilio answers START/YES/UNSTOP itself; we add nothing."""
    assert texter.send(word).text is None


@pytest.mark.parametrize("word", ["HELP", "help", "INFO"])
def test_help_is_never_a_keyword_but_shows_the_main_menu(word: str, texter: Texter) -> None:
    """HELP is Twilio's: not our keyword, yet someone asking for help mid-conversation is
    shown the main menu in their language, never told they were not understood."""
    texter.send("HULP")
    texter.send("1")
    reply = texter.send(word)
    assert reply.text is not None
    assert reply.text.startswith("Hoofdmenu\n1 Je rechten")


def test_wipe_erases_everything_and_confirms_in_the_texters_language(
    app: Flask, texter: Texter
) -> None:
    """The wipe word (in any language) erases all we keep and says so in the texter's language."""
    texter.send("HULP")
    texter.send("1")
    reply = texter.send("wipe")
    assert reply.text is not None
    assert reply.text.startswith("Alles wat wij over jouw nummer bewaarden, is gewist.")
    assert "Stuur HULP om opnieuw te beginnen." in reply.text
    assert [] == kept_but_counts(app.extensions["helpline.store"].client, texter.number)


LONG_BODY = "x" * 1600


@pytest.mark.parametrize(
    ("number", "body", "extra"),
    [
        ("+31612345678", "", {}),
        ("+31612345678", LONG_BODY, {}),
        ("+31612345678", "😀🙏", {}),
        ("+31612345678", "", {"NumMedia": "1", "MediaUrl0": "https://api.twilio.com/media/1",
                              "MediaContentType0": "image/jpeg"}),
        ("12345", "hallo", {}),
        ("anonymous", "1", {}),
        ("", "1", {}),
        ("whatsapp:+31612345678", "hallo", {}),
        ("+31612345678", "\x00\x07 1", {}),
        ("+31612345678", "99999999999999999999", {}),
    ],
    ids=["empty", "1600 chars", "emoji", "media only", "short code", "anonymous", "no From",
         "whatsapp", "control chars", "huge number"],
)
def test_odd_messages_get_a_helpful_reply(
    number: str, body: str, extra: dict[str, str], app: Flask
) -> None:
    """Odd input never crashes the webhook: the texter is shown the language menu."""
    reply = Texter(app.test_client(), number).send(body, **extra)
    assert reply.text is not None
    assert "1 Nederlands\n2 English\n3 Română" in reply.text


def test_whatsapp_and_sms_from_one_number_share_one_conversation(app: Flask) -> None:
    """The same menus work over WhatsApp, and it is one person whichever way they write."""
    sms = Texter(app.test_client(), "+31612345678")
    whatsapp = Texter(app.test_client(), "whatsapp:+31612345678")
    sms.send("HULP")
    reply = whatsapp.send("1")
    assert reply.text is not None
    assert reply.text.startswith("Je rechten")


def test_two_texters_keep_their_own_place(app: Flask) -> None:
    """Conversations of different numbers never mix."""
    anna, ben = Texter(app.test_client(), "+31611111111"), Texter(app.test_client(), "+31622222222")
    anna.send("HULP")
    ben.send("HELPLINE")
    anna_reply: Reply = anna.send("1")
    ben_reply: Reply = ben.send("2")
    assert anna_reply.text is not None and anna_reply.text.startswith("Je rechten")
    assert ben_reply.text is not None and ben_reply.text.startswith("Getting help")


@pytest.mark.parametrize(("digit", "heading"), [("8", "Menu principal"), ("7", "Menu chinh")])
def test_every_language_has_a_digit_in_the_language_menu(
    digit: str, heading: str, texter: Texter
) -> None:
    """In the language menu 8 picks Français (not 'language menu'), 7 Tiếng Việt."""
    texter.send("hello")
    reply = texter.send(digit)
    assert reply.text is not None
    assert heading == reply.text.splitlines()[1]


@pytest.mark.parametrize(("back", "repeat"), [("*", "#"), ("＊", "＃"), ("*\ufe0f\u20e3", "#\ufe0f\u20e3"),
                                              (" *\u20e3 ", "#\u20e3")])
def test_star_and_hash_work_as_any_keyboard_types_them(back: str, repeat: str,
                                                       texter: Texter) -> None:
    """* (back) and # (repeat) also typed full-width (＊ ＃) or as keycap emoji (*️⃣ #️⃣), as
    digits already are: never "not understood"."""
    texter.send("HULP")
    topic = texter.send("1").text
    assert topic is not None and topic.startswith("Je rechten")
    assert topic == texter.send(repeat).text
    main = texter.send(back).text
    assert main is not None and main.startswith("Hoofdmenu\n1 Je rechten")


def test_8_still_opens_the_language_menu_from_a_topic(texter: Texter) -> None:
    """Outside the language menu, 8 keeps meaning 'change language'."""
    texter.send("HULP")
    texter.send("1")
    reply = texter.send("8")
    assert reply.text is not None
    assert reply.text.startswith("Kies je taal:")


# --- a photo outside a conversation with staff --------------------------------------------------

PHOTO = {"NumMedia": "1", "MediaUrl0": "https://api.twilio.com/2010-04-01/Accounts/x/Media/y",
         "MediaContentType0": "image/jpeg"}


@pytest.mark.parametrize("lang", list(SHIPPED.languages))
def test_a_photo_with_a_menu_choice_gets_the_answer_and_a_note_that_we_cannot_see_it(
        lang: str, embedded_app: Flask) -> None:
    """A photo sent with a digit: the texter gets what the digit asks for and, in a second
    SMS from the helpline's number, in their language, that we cannot see photos here (a
    number from the menu, or 0 for a person); never the photo ignored without a word."""
    texter = Texter(embedded_app.test_client(), "+31612345678")
    texter.send(SHIPPED.languages[lang].keywords.start[0])
    reply = texter.send("1", **PHOTO)
    assert CATALOG.sms.reply(lang, Screen("rights")).text == reply.text
    assert (("+31612345678", CATALOG.sms.no_photo(lang).text),) == reply.sends
    assert (HELPLINE_NUMBER,) == reply.sent_from
    assert 1 == CATALOG.sms.no_photo(lang).segments


def test_near_the_minutes_cap_a_photo_still_gets_the_answer_without_the_note() -> None:
    """With room for one more SMS this minute, a digit sent with a photo gets what the digit
    asks for: the note about photos is left out, never the answer with it."""
    app = make_app(HELPLINE_ENV="development", HELPLINE_SMS_REPLIES_PER_MINUTE=2)
    texter = Texter(app.test_client(), "+31612345678")
    texter.send("HELPLINE")
    reply = texter.send("1", **PHOTO)
    assert CATALOG.sms.reply("en", Screen("rights")).text == reply.text
    assert () == reply.sends


def test_a_photo_alone_gets_not_understood_and_the_note(texter: Texter) -> None:
    """A photo with no words, in the menus: "not understood" with the menu, and the note."""
    texter.send("HELPLINE")
    reply = texter.send("", **PHOTO)
    assert reply.text is not None and reply.text.startswith("Sorry, I did not understand that.")
    assert (("+31612345678", "We cannot see photos here. Send a number from the menu, or 0 to "
             "talk to a person."),) == reply.sends


def test_a_first_photo_gets_the_language_menu_only(texter: Texter) -> None:
    """Before a language is chosen the language menu is the answer to anything: no note in a
    language the texter may not read."""
    reply = texter.send("", **PHOTO)
    assert reply.text is not None and "1 Nederlands\n2 English" in reply.text
    assert () == reply.sends


def test_a_photo_on_whatsapp_gets_the_note_on_whatsapp(embedded_app: Flask) -> None:
    """The note goes from the helpline's WhatsApp address, as the reply does (Twilio sends a
    message only from an address on the channel of the one it goes to)."""
    texter = Texter(embedded_app.test_client(), "whatsapp:+31612345678")
    texter.send("HULP")
    reply = texter.send("2", **PHOTO)
    assert reply.sends and ("whatsapp:+31612345678",) == tuple(to for to, _ in reply.sends)
    assert (f"whatsapp:{HELPLINE_NUMBER}",) == reply.sent_from
