"""Generate a large content tree that passes validation: many languages, many menus and answers.

The shipped files are the templates (the base language's settings, prompts and answers), so
a generated tree keeps passing ``check`` as the content format grows. The shape is what the
validation allows, not what a real helpline would offer:

- answers: at most 99 (an answer carries its FAQ number, 1 to 99); the rest of the nodes are
  menus, chained: each menu offers the answers placed on it and then the next menu;
- languages: at most 99 (a language's place in the menu, ``order``, is 1 to 99); named
  "Taal 1", "Taal 2" ...: with more than 9 the language menu has pages of 8, and each SMS
  page must fit two segments. Every language has the base language's texts.
"""

from __future__ import annotations

import itertools
import json
import string
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from helpline.config import DEFAULTS
from helpline.content import text_version

MAX_ANSWERS = 99  # BaseAnswer.faq is 1..99
MAX_LANGUAGES = 99  # LanguageFile.order is 1..99


def _read(path: Path) -> Any:
    return YAML(typ="safe").load(path.read_text(encoding="utf-8"))


def _write(path: Path, data: Any) -> None:
    # JSON is YAML: quick to write, and the loader reads it like any content file.
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")


def language_codes(count: int) -> list[str]:
    """Return ``count`` distinct two-letter codes: aa, ab, ... (none of them is a real one)."""
    pairs = ("".join(p) for p in itertools.product(string.ascii_lowercase, repeat=2))
    return list(itertools.islice(pairs, count))


def shape(nodes: int) -> tuple[list[str], dict[str, list[str]]]:
    """Return the answer ids and the menus (id -> options) of a tree of ``nodes`` nodes."""
    answers = [f"a{n:02d}" for n in range(1, min(MAX_ANSWERS, max(1, nodes // 5)) + 1)]
    menu_count = nodes - len(answers)
    if menu_count < 1 or len(answers) > 6 * menu_count + 1:
        raise ValueError(f"cannot shape a tree of {nodes} nodes")
    menus = ["main", *(f"m{n:03d}" for n in range(1, menu_count))]
    options: dict[str, list[str]] = {menu: [] for menu in menus}
    for index, answer in enumerate(answers):
        # Spread evenly; the last answer lands on the last menu, which has no next menu.
        options[menus[(index + 1) * menu_count // len(answers) - 1]].append(answer)
    for menu, following in itertools.pairwise(menus):
        options[menu].append(following)
    return answers, options


def generate_tree(dest: Path, languages: int = 50, nodes: int = 500) -> tuple[Path, Path]:
    """Write a valid tree of ``languages`` x ``nodes`` under ``dest``; return its two folders."""
    if not 1 <= languages <= MAX_LANGUAGES:
        raise ValueError(f"between 1 and {MAX_LANGUAGES} languages")
    shipped_content = Path(DEFAULTS["HELPLINE_CONTENT_DIR"])
    shipped_prompts = Path(DEFAULTS["HELPLINE_PROMPTS_DIR"])
    template = next(data for path in sorted((shipped_content / "languages").glob("*.yaml"))
                    if (data := _read(path)).get("base"))
    base_code = template["code"]
    base_answers = list(_read(shipped_content / "answers" / f"{base_code}.yaml")["answers"].values())
    base_prompts = _read(shipped_prompts / f"{base_code}.yaml")
    content, prompts = dest / "content", dest / "prompts"

    answer_ids, menus = shape(nodes)
    _write(content / "menu.yaml", {"menus": menus})
    (content / "contacts.yaml").parent.mkdir(parents=True, exist_ok=True)
    (content / "contacts.yaml").write_bytes((shipped_content / "contacts.yaml").read_bytes())
    answers = {}
    for faq, (answer_id, source) in enumerate(
            zip(answer_ids, itertools.cycle(base_answers), strict=False), start=1):
        answers[answer_id] = {**source, "faq": faq}
    titles = {menu: f"Menu {n}" for n, menu in enumerate(menus)}
    text = base_prompts["text"]

    for order, code in enumerate(language_codes(languages), start=1):
        language = {key: value for key, value in template.items() if key != "numbers"}
        language.update(code=code, name=f"Taal {order}", order=order, base=order == 1, keywords={
            "start": [f"GO{code.upper()}"], "more": ["MORE"], "wipe": [f"WIPE{code.upper()}"]})
        _write(content / "languages" / f"{code}.yaml", language)
        _write(prompts / f"{code}.yaml", {"language": code, "menus": titles, "text": text})
        if order == 1:
            _write(content / "answers" / f"{code}.yaml", {"language": code, "answers": answers})
        else:
            _write(content / "answers" / f"{code}.yaml", {"language": code, "answers": {
                answer_id: {"title": a["title"], "text": a["text"], "reviewed": False,
                            "source": text_version(a["title"], a["text"])}
                for answer_id, a in answers.items()}})
    return content, prompts
