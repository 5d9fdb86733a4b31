"""Read a YAML file into plain Python data, remembering the line of every key."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import DuplicateKeyError
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from ._problems import KeyPath, Problem


@dataclass(frozen=True)
class YamlDoc:
    """A parsed file: its data as plain dicts and lists, and where each key stands."""

    name: str
    data: Any
    lines: dict[KeyPath, int] = field(default_factory=dict)

    def line(self, path: KeyPath) -> int | None:
        """Return the 1-based line of ``path``, or of its nearest parent that has one."""
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return None

    def problem(self, path: KeyPath, message: str, *, warning: bool = False) -> Problem:
        """Build a problem located at ``path`` in this file."""
        return Problem(self.name, message, path, self.line(path), warning)


def _plain(node: Any, path: KeyPath, lines: dict[KeyPath, int]) -> Any:
    if isinstance(node, CommentedMap):
        out = {}
        for key, value in node.items():
            child = (*path, str(key))
            line_col = node.lc.key(key)
            if line_col is not None:
                lines[child] = line_col[0] + 1
            out[str(key)] = _plain(value, child, lines)
        return out
    if isinstance(node, CommentedSeq):
        items = []
        for index, value in enumerate(node):
            child = (*path, index)
            line_col = node.lc.item(index)
            if line_col is not None:
                lines[child] = line_col[0] + 1
            items.append(_plain(value, child, lines))
        return items
    if isinstance(node, str):
        return str(node)  # drop ruamel's scalar-string subclasses
    return node


def read_yaml(path: Path, name: str) -> YamlDoc | Problem:
    """Parse ``path``; a syntax error becomes a Problem with the parser's line."""
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        return Problem(name, f"the file is not UTF-8 text ({exc.reason}); save it as UTF-8")
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        what = exc.problem or exc.context or "invalid YAML"
        if isinstance(exc, DuplicateKeyError):
            key = what.split('"')[1] if what.count('"') >= 2 else "?"
            return Problem(name, f"the key {key!r} appears twice: each key must be unique here",
                           (), line)
        return Problem(name, f"not valid YAML: {what}: check the indentation, quotes and "
                       "brackets on this line and the line before", (), line)
    except YAMLError as exc:
        return Problem(name, f"not valid YAML: {exc}: check the indentation, quotes and "
                       "brackets")
    lines: dict[KeyPath, int] = {}
    return YamlDoc(name, _plain(raw, (), lines), lines)
