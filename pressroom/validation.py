"""Turn pydantic validation errors into ``path:line: message`` problems."""

from __future__ import annotations

import difflib
import types
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from .errors import Problem
from .messages import Language, Unsaid, iso_of_german_date, say
from .yamlload import Key, YamlDocument


def validate(
    model: type[BaseModel], doc: YamlDocument, path: Path, default_line: int, at: Key = (),
    language: Language = "en",
) -> tuple[Any, list[Problem]]:
    """Validate *doc* (or its part at the key path *at*) against *model*; return
    (instance or None, problems), each problem named and located in the whole document.
    The problems (unknown or missing key, wrong type, a date written 31.12.2021, every value
    a validator refuses with ``messages.Unsaid``) are said in *language*; pydantic's own text
    (English) only for the rare kinds no author's file reaches."""
    data = _part(doc.data, at)
    if not isinstance(data, dict):
        line = doc.line_of(at, default_line)
        return None, [Problem(path, line, say(language, "front.not_mapping"))]
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        problems = [_problem(model, error, doc, path, default_line, at, language) for error in exc.errors()]
        bad_keys = {error["loc"][0] for error in exc.errors() if error["loc"]}
    # Validate again without the offending keys, so that the checks which need a
    # valid model (ids, periods, embargoes) still report in this same run.
    rest = {k: v for k, v in data.items() if k not in bad_keys}
    try:
        salvaged = model.model_validate(rest)
    except ValidationError:
        salvaged = None
    return salvaged, sorted(set(problems))


def _part(data: Any, at: Key) -> Any:
    """Return the value at the key path *at* of *data* (an empty mapping for no document)."""
    for element in at:
        data = data[element] if _contains(data, element) else None
    return data if data is not None else {}


def _problem(model: type[BaseModel], error: Any, doc: YamlDocument, path: Path, default_line: int,
             at: Key = (), language: Language = "en") -> Problem:
    key = _real_key(tuple(error["loc"]), _part(doc.data, at))
    line = doc.line_of(at + key, default_line)
    name = format_key(at + key)
    kind = error["type"]
    value = error.get("input")
    if kind == "extra_forbidden":
        known = _fields_at(model, key[:-1])
        guess = difflib.get_close_matches(str(key[-1]), known, n=1, cutoff=0.6)
        hint = (say(language, "key.did_you_mean", guess=guess[0]) if guess
                else say(language, "key.known", known=", ".join(known)))
        return Problem(path, line, say(language, "key.unknown", key=name, hint=hint))
    if kind == "missing":
        return Problem(path, line, say(language, "key.missing", key=name))
    if kind in ("string_type", "bool_type", "int_type", "list_type", "dict_type", "model_type"):
        return Problem(path, line, _type_message(name, kind, value, language))
    iso = iso_of_german_date(value) if isinstance(value, str) and kind == "value_error" else None
    if iso is not None:
        return Problem(path, line, say(language, "date.german", key=name, iso=iso, given=value.strip()))
    cause = error.get("ctx", {}).get("error")
    if kind == "value_error" and isinstance(cause, Unsaid):
        return Problem(path, line, f"{name}: {cause.said(language)}")
    if kind == "string_too_short":
        return Problem(path, line, f"{name}: {say(language, 'value.empty')}")
    if kind == "literal_error" and key and key[-1] != "language":
        # pydantic lists them as "'draft' or 'ready'"
        written = str(error.get("ctx", {}).get("expected", "")).replace("'", "")
        choices = written.replace(" or ", f" {say(language, 'word.or')} ")
        return Problem(path, line, say(language, "value.choice", key=name, given=value, choices=choices))
    if kind == "literal_error" and key and key[-1] == "language":
        return Problem(path, line, f"{name}: {say(language, 'value.language', given=value)}")
    message = str(error["msg"]).removeprefix("Value error, ")
    return Problem(path, line, f"{name}: {message}")


_EXPECTED = {
    "string_type": "expected.text",
    "bool_type": "expected.bool",
    "int_type": "expected.int",
    "list_type": "expected.list",
    "dict_type": "expected.mapping",
    "model_type": "expected.mapping",
}


def _type_message(name: str, kind: str, value: Any, language: Language) -> str:
    expected = say(language, _EXPECTED[kind])
    if isinstance(value, bool):
        got = say(language, "got.bool", value=str(value).lower())
    elif isinstance(value, (int, float)):
        got = say(language, "got.number", value=value)
    elif value is None:
        got = say(language, "got.nothing")
    elif isinstance(value, list):
        got = say(language, "got.list")
    elif isinstance(value, dict):
        got = say(language, "got.mapping")
    else:
        got = f"{value!r}"
    quote = kind == "string_type" and not isinstance(value, (list, dict))
    hint = say(language, "type.quote_hint") if quote else ""
    return say(language, "type.wrong", key=name, expected=expected, got=got, hint=hint)


def _real_key(loc: Key, data: Any) -> Key:
    """Drop the union-member tags pydantic puts into error locations."""
    key: list[str | int] = []
    current = data
    for index, element in enumerate(loc):
        if _contains(current, element):
            current = current[element]
            key.append(element)
        elif index == len(loc) - 1:
            key.append(element)
    return tuple(key)


def _contains(container: Any, element: str | int) -> bool:
    if isinstance(container, dict):
        return element in container
    return isinstance(container, list) and isinstance(element, int) and element < len(container)


def format_key(key: Key) -> str:
    """Write a key path the way a user reads it: links[0].url."""
    out = ""
    for element in key:
        if isinstance(element, int):
            out += f"[{element}]"
        else:
            out += f".{element}" if out else str(element)
    return out or "(top level)"


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found: list[type[BaseModel]] = []
    for arg in typing.get_args(annotation):
        found.extend(_models_in(arg))
    origin = typing.get_origin(annotation)
    if origin is not None and not isinstance(origin, types.UnionType):
        found.extend(m for m in _models_in(origin) if m not in found)
    return found


def _fields_at(model: type[BaseModel], key: Key) -> list[str]:
    """Names of the keys allowed at *key* inside *model* (for suggestions)."""
    models = [model]
    for element in key:
        if isinstance(element, str):
            nested = [
                m
                for current in models
                if element in current.model_fields
                for m in _models_in(current.model_fields[element].annotation)
            ]
            models = nested or models
    names: list[str] = []
    for current in models:
        names.extend(n for n in current.model_fields if n not in names)
    return names
