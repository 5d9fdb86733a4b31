"""Read a YAML file into plain Python data, remembering the line of every key."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import DuplicateKeyError
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ._problems import KeyPath, Problem


@dataclass(frozen=True)
class YamlDoc:
    """A parsed file: its data as plain dicts and lists, and where each key stands."""

    name: str
    data: Any
    lines: dict[KeyPath, int] = field(default_factory=dict)
    # A value YAML did not read as text, as it stands in the file (``+31612345678``, read as
    # the number 31612345678): advice to quote it quotes what staff wrote.
    written: dict[KeyPath, str] = field(default_factory=dict)

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


QUOTES = "put the whole text in quotes"


def _cut_texts(node: Node, lines: list[str], name: str, all_texts: bool) -> list[Problem]:
    """Find texts YAML did not read as written: cut at a ``#``, or taken for ``&``/``*``/``{}``.

    Staff write "press #" or "{more} for the rest"; unquoted, YAML reads ``" #..."`` as a
    comment, ``&word``/``*word`` as an anchor or alias, and ``{word}`` as a mapping, and the
    text served would silently be another one.

    With ``all_texts`` (prompts, answers) every value is a text. Elsewhere (languages,
    contacts, hours, regions) a note may follow a one-word setting (``alphabet: gsm7  # or
    unicode``); a value of several words before a note is a text cut short.
    """
    problems: list[Problem] = []
    seen: set[int] = set()

    def visit(node: Node, path: KeyPath, line: int) -> None:
        """Check ``node``, the value at ``path`` whose key stands on ``line``."""
        if node.anchor is not None:
            sign = "*" if id(node) in seen else "&"
            problems.append(Problem(name, f"starts with '{sign}{node.anchor}', which YAML does not "
                                    f"read as text ({'a copy of' if sign == '*' else 'a name for'} "
                                    f"another value): {QUOTES}", path, line))
            if id(node) in seen:
                return
        seen.add(id(node))
        if isinstance(node, MappingNode):
            if node.flow_style and node.value and all(_empty(value) for _, value in node.value):
                start = node.start_mark
                problems.append(Problem(name, "a text starting with { must be in quotes, e.g. "
                                        f"\"{lines[start.line][start.column:].strip()}\"",
                                        path, start.line + 1))
                return
            for key, value in node.value:
                visit(value, (*path, str(key.value)), key.start_mark.line + 1)
        elif isinstance(node, SequenceNode):
            for index, item in enumerate(node.value):
                visit(item, (*path, index), item.start_mark.line + 1)
        elif isinstance(node, ScalarNode) and not node.style and str(node.tag).endswith(":str"):
            end = node.end_mark
            rest = lines[end.line][end.column:] if end.line < len(lines) else ""
            noted = rest[:1] in (" ", "\t") and rest.lstrip().startswith("#")
            if noted and (all_texts or len(str(node.value).split()) > 1):
                problems.append(Problem(
                    name, f"the text stops before '#': YAML reads ' #' and what follows as a "
                    f"note, so this text is only {node.value!r}: {QUOTES} (a note of your own "
                    "goes on a line of its own)", path, end.line + 1))

    visit(node, (), 1)
    return problems


def _written(node: Node, path: KeyPath, found: dict[KeyPath, str]) -> None:
    """Collect, by key path, the text as written of each value YAML did not read as text."""
    if isinstance(node, MappingNode):
        for key, value in node.value:
            _written(value, (*path, str(key.value)), found)
    elif isinstance(node, SequenceNode):
        for index, item in enumerate(node.value):
            _written(item, (*path, index), found)
    elif isinstance(node, ScalarNode) and not str(node.tag).endswith(":str"):
        found[path] = str(node.value)


def _empty(node: Node) -> bool:
    return isinstance(node, ScalarNode) and str(node.tag).endswith(":null")


def read_yaml(path: Path, name: str, all_texts: bool = False) -> YamlDoc | list[Problem]:
    """Parse ``path``; a syntax error, or a text YAML would not read as written, becomes a
    Problem with its line (``all_texts``: every value of the file is a text)."""
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    try:
        text = path.read_text(encoding="utf-8")
        node = yaml.compose(text)  # composed, then constructed: one parse, positions kept
        raw = None if node is None else yaml.constructor.construct_document(node)
    except UnicodeDecodeError as exc:
        return [Problem(name, f"the file is not UTF-8 text ({exc.reason}); save it as UTF-8")]
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        what = exc.problem or exc.context or "invalid YAML"
        if isinstance(exc, DuplicateKeyError):
            key = what.split('"')[1] if what.count('"') >= 2 else "?"
            return [Problem(name, f"the key {key!r} appears twice: each key must be unique here",
                            (), line)]
        source = text.splitlines()[line - 1] if line and line <= len(text.splitlines()) else ""
        value = source.split(": ", 1)[1].lstrip() if ": " in source else source.lstrip("- ")
        if value.startswith(("{", "*", "&")):
            return [Problem(name, f"not valid YAML: a text starting with {value[0]} must be in "
                            f"quotes, e.g. \"{value}\"", (), line)]
        if what.startswith("mapping values are not allowed"):
            return [Problem(name, "not valid YAML: a colon and a space (': ') inside a text "
                            "that is not in quotes: put the whole text in quotes, e.g. "
                            "hours: \"Open: Monday to Friday\"", (), line)]
        if "'\\t'" in what:
            return [Problem(name, "not valid YAML: a tab: indent with spaces only, never "
                            "with tabs", (), line)]
        return [Problem(name, f"not valid YAML: {what}: check the indentation, quotes and "
                        "brackets on this line and the line before (a quote left open on an "
                        "earlier line shows up here too)", (), line)]
    except YAMLError as exc:
        return [Problem(name, f"not valid YAML: {exc}: check the indentation, quotes and "
                        "brackets")]
    if node is not None:
        problems = _cut_texts(node, text.splitlines(), name, all_texts)
        if problems:
            return problems
    lines: dict[KeyPath, int] = {}
    written: dict[KeyPath, str] = {}
    if node is not None:
        _written(node, (), written)
    return YamlDoc(name, _plain(raw, (), lines), lines, written)
