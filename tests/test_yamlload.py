"""YAML 1.2 scalars, key lines, and refusal of what does not belong in a settings file."""

from __future__ import annotations

from pathlib import Path

import pytest

from pressroom.yamlload import YamlError, load_yaml

P = Path("x.yaml")


def test_yaml_11_booleans_and_dates_stay_strings() -> None:
    doc = load_yaml("a: no\nb: on\nc: 2021-08-26\nd: true\ne: 3\nf: ~\n", P)
    assert doc.data == {"a": "no", "b": "on", "c": "2021-08-26", "d": True, "e": 3, "f": None}


def test_integers_with_leading_zeros_are_decimal_as_in_yaml_12() -> None:
    # PyYAML's 1.1 reading made "010" eight and failed on "08" with a ValueError.
    doc = load_yaml("a: 010\nb: 08\nc: -007\n", P)
    assert doc.data == {"a": 10, "b": 8, "c": -7}


def test_lines_of_nested_keys_and_items(tmp_path: Path) -> None:
    doc = load_yaml("top:\n  inner: 1\nlist:\n  - a\n  - b\n", P, first_line=2)
    assert doc.lines[("top", "inner")] == 3
    assert doc.lines[("list", 1)] == 6
    assert doc.line_of(("top", "inner", "deeper"), 0) == 3


def test_duplicate_keys_are_errors() -> None:
    with pytest.raises(YamlError) as info:
        load_yaml("a: 1\nb: 2\na: 3\n", P)
    assert [str(p) for p in info.value.problems] == ["x.yaml:3: a: duplicate key (this key is given twice: keep one)"]


def test_aliases_are_refused_so_no_billion_laughs() -> None:
    bomb = "a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n"
    with pytest.raises(YamlError) as info:
        load_yaml(bomb, P)
    assert "aliases" in str(info.value)


def test_syntax_error_has_a_line() -> None:
    with pytest.raises(YamlError) as info:
        load_yaml("a: 1\nb: [\n", P, first_line=10)
    (problem,) = info.value.problems
    assert problem.line >= 11
    assert problem.message.startswith("YAML syntax error")
