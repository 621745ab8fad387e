"""Safe YAML loading with YAML 1.2 scalars and the line of every key.

PyYAML speaks YAML 1.1, where ``no`` and ``on`` are booleans and ``2021-08-26``
is a date. In a press release those are place names, answers and numbers, so
this loader resolves plain scalars by the YAML 1.2 core schema instead: only
``true``/``false`` are booleans, only ``null``/``~``/empty are null, and
everything that is not a number stays a string for the schema to judge.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import Problem
from .messages import Language, say

Key = tuple[str | int, ...]

_STR = "tag:yaml.org,2002:str"
_SCALAR_TAGS = {
    _STR,
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
}


# libyaml's parser is about 10x faster than PyYAML's pure-Python one: it decides
# how long a rebuild of a large archive takes. Both report the same marks.
_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _CoreSchemaLoader(_SafeLoader):  # type: ignore[valid-type,misc]
    """SafeLoader whose implicit resolvers follow the YAML 1.2 core schema."""

    yaml_implicit_resolvers: dict[str | None, list[tuple[str, re.Pattern[str]]]] = {}


def _add_resolver(tag: str, pattern: str, first: str) -> None:
    _CoreSchemaLoader.add_implicit_resolver(
        f"tag:yaml.org,2002:{tag}", re.compile(pattern, re.X), list(first)
    )


_add_resolver("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF")
_add_resolver("null", r"^(?:~|null|Null|NULL|)$", "~nN\0")
_CoreSchemaLoader.add_implicit_resolver("tag:yaml.org,2002:null", re.compile(r"^$"), None)
_add_resolver("int", r"^[-+]?[0-9]+$", "-+0123456789")


def _construct_decimal(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    # YAML 1.2: "010" is ten and "08" eight; PyYAML's 1.1 constructor reads a leading
    # zero as octal (and fails on "08").
    return int(loader.construct_scalar(node), 10)


_CoreSchemaLoader.add_constructor("tag:yaml.org,2002:int", _construct_decimal)
_add_resolver(
    "float",
    r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
    "-+0123456789.",
)


@dataclass
class YamlDocument:
    """Plain Python data of one YAML document, with the line of each key and item."""

    data: Any
    lines: dict[Key, int] = field(default_factory=dict)

    def line_of(self, key: Key, default: int) -> int:
        """Return the line of *key*, or of its nearest ancestor that has one."""
        for end in range(len(key), 0, -1):
            line = self.lines.get(tuple(key[:end]))
            if line is not None:
                return line
        return default


class YamlError(Exception):
    """YAML that cannot be read; carries the problems found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


def load_yaml(text: str, path: Path, first_line: int = 1, language: Language = "en") -> YamlDocument:
    """Parse *text* (which starts at *first_line* of *path*) into a YamlDocument.

    Raises YamlError for syntax errors, duplicate keys, aliases and explicit tags
    that are not plain scalars: none of them belong in a settings or release file.
    Syntax errors say what to do, in *language* (see ``messages``).
    """
    try:
        loader = _CoreSchemaLoader(text)
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        offset = mark.line if mark else 0
        reason = exc.problem or exc.context or "invalid YAML"
        message = syntax_message(reason, text.split("\n"), offset, language)
        raise YamlError([Problem(path, first_line + offset, message)]) from None
    except yaml.reader.ReaderError as exc:
        line = first_line + text.count("\n", 0, max(exc.position, 0))
        reason = (
            say(language, "yaml.character", code=exc.character)
            if isinstance(exc.character, int)
            else str(exc)
        )
        raise YamlError([Problem(path, line, reason)]) from None
    except yaml.YAMLError as exc:
        raise YamlError([Problem(path, first_line, f"YAML error: {exc}")]) from None
    loader.dispose()
    doc = YamlDocument(data=None)
    if node is None:
        return doc
    builder = _Builder(loader, path, first_line, doc, language)
    doc.data = builder.build(node, ())
    if builder.problems:
        raise YamlError(builder.problems)
    return doc


# "key: value: more" -- the value of a plain key holds a colon followed by a space
_COLON_IN_VALUE = re.compile(r"^(\s*(?:- )?[\w-]+):[ ]+(.*?:(?: .*|))\s*$")


def syntax_message(reason: str, lines: list[str], offset: int, language: Language) -> str:
    """Say what to do about PyYAML's *reason* for the error on *lines*[*offset*].

    The errors PR staff make are named: a colon inside an unquoted value (the
    corrected line is shown) and a tab used for indenting; any other keeps PyYAML's words.
    """
    # PyYAML names the tab ("found character '\\t'"), libyaml does not: the line shows it
    if "\\t" in reason or (0 <= offset < len(lines) and "\t" in lines[offset]):
        return say(language, "yaml.tab")
    if "mapping values are not allowed" in reason:
        # PyYAML marks the colon it tripped over; the line is the one it names, or
        # (for "key: a: b" on a continued value) the one before.
        for index in (offset, offset - 1):
            if 0 <= index < len(lines) and (match := _COLON_IN_VALUE.match(lines[index])):
                key, value = match.groups()
                quoted = value.replace("\\", "\\\\").replace('"', '\\"')
                return say(language, "yaml.colon", fixed=f'{key.strip()}: "{quoted}"')
    return say(language, "yaml.syntax", reason=reason)


class _Builder:
    """Turn a composed node tree into dicts, lists and scalars, noting lines."""

    def __init__(self, loader: yaml.SafeLoader, path: Path, first_line: int, doc: YamlDocument,
                 language: Language = "en"):
        self.language = language
        self.loader = loader
        self.path = path
        self.first_line = first_line
        self.doc = doc
        self.seen: set[int] = set()
        self.problems: list[Problem] = []

    def _line(self, node: yaml.Node) -> int:
        return self.first_line + node.start_mark.line

    def _problem(self, node: yaml.Node, message: str) -> None:
        self.problems.append(Problem(self.path, self._line(node), message))

    def build(self, node: yaml.Node, key: Key) -> Any:
        # An alias reuses a node; refusing them also rules out "billion laughs" blow-ups.
        if id(node) in self.seen:
            self._problem(node, "YAML aliases (*name) are not supported here")
            return None
        self.seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, key)
        if isinstance(node, yaml.SequenceNode):
            return self._sequence(node, key)
        return self._scalar(node)

    def _mapping(self, node: yaml.MappingNode, key: Key) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            name = self.build(key_node, key)
            if isinstance(name, (list, dict)) or name is None:
                self._problem(key_node, "a key must be a plain name")
                continue
            name = str(name)
            if name in result:
                self._problem(key_node, say(self.language, "key.duplicate", key=name))
                continue
            self.doc.lines[(*key, name)] = self._line(key_node)
            result[name] = self.build(value_node, (*key, name))
        return result

    def _sequence(self, node: yaml.SequenceNode, key: Key) -> list[Any]:
        items = []
        for index, item in enumerate(node.value):
            self.doc.lines[(*key, index)] = self._line(item)
            items.append(self.build(item, (*key, index)))
        return items

    def _scalar(self, node: yaml.Node) -> Any:
        if node.tag not in _SCALAR_TAGS:
            self._problem(node, f"unsupported YAML tag {node.tag}")
            return None
        if node.tag == _STR:
            return node.value
        return self.loader.construct_object(node, deep=True)
