"""Where each translation stands: reviewed by a person or not, and up to date with the Dutch.

Read by ``check`` and by the staff page; pure (content in, status out).
"""

from __future__ import annotations

from dataclasses import dataclass

from .content import Content


@dataclass(frozen=True)
class AnswerStatus:
    """One answer in one translated language."""

    id: str
    title: str  # in the translation's language
    reviewed: bool
    out_of_date: bool  # made from an older version of the base text


@dataclass(frozen=True)
class LanguageStatus:
    """Every answer of one translated language, in menu order."""

    code: str
    name: str
    answers: tuple[AnswerStatus, ...]

    @property
    def reviewed(self) -> int:
        return sum(1 for a in self.answers if a.reviewed)

    @property
    def not_reviewed(self) -> list[str]:
        return [a.id for a in self.answers if not a.reviewed]

    @property
    def out_of_date(self) -> list[str]:
        return [a.id for a in self.answers if a.out_of_date]


def review_status(content: Content) -> list[LanguageStatus]:
    """Return the status of every translated language (the base language is the source)."""
    base = content.answers[content.base]
    found = []
    for code, language in content.languages.items():
        if code == content.base:
            continue
        texts = content.answers[code]
        found.append(LanguageStatus(code, language.name, tuple(
            AnswerStatus(answer_id, texts[answer_id].title, texts[answer_id].reviewed,
                         texts[answer_id].source_version != base[answer_id].source_version)
            for answer_id in content.tree.answers if answer_id in texts)))
    return found


def summary_lines(content: Content) -> list[str]:
    """Say, per language, how many answers a person reviewed and which are out of date."""
    lines = []
    for status in review_status(content):
        total = len(status.answers)
        line = f"{status.code} {status.name}: {status.reviewed} of {total} reviewed"
        waiting = status.not_reviewed
        if waiting and len(waiting) == total:
            line += "; none reviewed yet"
        elif waiting:
            line += f"; not yet: {', '.join(waiting)}"
        late = status.out_of_date
        line += f"; out of date: {', '.join(late)}" if late else "; all up to date"
        lines.append(line)
    return lines
