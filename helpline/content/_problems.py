"""Problems found in content files, each saying where it is and what to do."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

KeyPath = tuple[str | int, ...]


def format_path(path: KeyPath) -> str:
    """Render a key path the way staff read it: ``answers.b8-3.text`` or ``options[2]``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + part
    return out


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or, as a warning, worth knowing) in one content file."""

    file: str
    message: str
    path: KeyPath = ()
    line: int | None = None
    warning: bool = False

    def __str__(self) -> str:
        where = self.file + (f":{self.line}" if self.line else "")
        key = format_path(self.path)
        return f"{where}: {key + ': ' if key else ''}{self.message}"


class ContentError(Exception):
    """The content cannot be served: one or more problems, in file order."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(sorted(problems, key=lambda p: (p.file, p.line or 0)))
        super().__init__("\n".join(str(p) for p in self.problems))


def errors_only(problems: Iterable[Problem]) -> list[Problem]:
    """Keep the problems that stop content from loading (not the warnings)."""
    return [p for p in problems if not p.warning]
