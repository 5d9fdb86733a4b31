"""A content tree of up to 11 languages (11: a language menu of two pages), from the fixtures.

Dutch, English and German are the ``minimal`` and ``ninth-language`` fixtures as they are
(with a staff number, so that 0 puts a caller through).
The others are English stand-ins, not translations: each has its own code, its name in its
own script, a start keyword and a locale, and its texts are the English fixture's with
``[<code>]`` in front, so that a test can tell which language it got (its language menu line
names the language itself). Their not-understood notice is shorter than the English one: it
heads a page of names in their own scripts (UCS-2), which must stay within 2 segments.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

FIXTURES = Path(__file__).parent / "fixtures"

# code, name (in itself), its name in Dutch (what staff hear), start keyword, locale
STAND_INS = [
    ("uk", "Українська", "Oekraïens", "ДОПОМОГА", "uk-UA"),
    ("zh", "中文", "Chinees", "帮助", "zh-CN"),
    ("ar", "العربية", "Arabisch", "مساعدة", "ar-XA"),
    ("tr", "Türkçe", "Turks", "YARDIM", "tr-TR"),
    ("es", "Español", "Spaans", "AYUDA", "es-ES"),
    ("pt", "Português", "Portugees", "AJUDA", "pt-PT"),
    ("ru", "Русский", "Russisch", "ПОМОЩЬ", "ru-RU"),
    ("ti", "ትግርኛ", "Tigrinya", "ሓገዝ", "ti-ER"),
]
# In menu order (11 languages: page 1 holds the first 8, page 2 the last 3).
CODES = ["nl", "en", "de", *(code for code, *_ in STAND_INS)]


def _read(path: Path) -> Any:
    return YAML(typ="safe").load(path.read_text(encoding="utf-8"))


def _write(path: Path, data: Any) -> None:
    yaml = YAML()
    yaml.allow_unicode = True
    yaml.width = 4096
    with path.open("w", encoding="utf-8") as out:
        yaml.dump(data, out)


def build(dest: Path, languages: int = len(CODES)) -> Path:
    """Write the tree of the first ``languages`` of :data:`CODES` under ``dest`` (``content/``
    and ``prompts/``); return ``dest``."""
    shutil.copytree(FIXTURES / "minimal", dest, dirs_exist_ok=True)
    shutil.copytree(FIXTURES / "ninth-language", dest, dirs_exist_ok=True)
    content, prompts = dest / "content", dest / "prompts"
    with (content / "contacts.yaml").open("a", encoding="utf-8") as contacts:
        contacts.write('staff:\n  - number: "+31000000001"\n    example: true\n')
    english = _read(content / "languages" / "en.yaml")
    answers = _read(content / "answers" / "en.yaml")
    texts = _read(prompts / "en.yaml")
    for order, (code, name, staff_name, keyword, locale) in enumerate(
            STAND_INS[:languages - 3], start=4):
        tag = f"[{code}] "
        language = {**english, "code": code, "name": name, "order": order,
                    "staff_name": staff_name,
                    "keywords": {"start": [keyword], "more": ["MORE"], "wipe": [f"WIPE{code}"]},
                    "voice": {"locale": locale, "gtts": code, "espeak": code}}
        _write(content / "languages" / f"{code}.yaml", language)
        _write(content / "answers" / f"{code}.yaml", {"language": code, "answers": {
            answer_id: {**answer, "title": tag + answer["title"], "text": tag + answer["text"]}
            for answer_id, answer in answers["answers"].items()}})
        _write(prompts / f"{code}.yaml", {
            "language": code,
            "menus": {menu: tag + title for menu, title in texts["menus"].items()},
            "text": {**{key: tag + text for key, text in texts["text"].items()},
                     "voice_choose_language": f"{tag}For {name}, press {{key}}.",
                     "not_understood": tag + "Not understood."}})
    return dest
