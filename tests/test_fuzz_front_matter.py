"""Property: arbitrary front matter yields validation problems, never another exception."""

from __future__ import annotations

import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import yaml
from conftest import Room
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pressroom.load import load_pressroom
from pressroom.schema import FRONT_MATTER_KEYS

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=20),
    st.dates().map(str),
    st.sampled_from(["no", "on", "2021-08-26", "draft", "ready", "de", "anna", "#"]),
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
keys = st.sampled_from([*FRONT_MATTER_KEYS, "contcts", "x"])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(front=st.dictionaries(keys, values, max_size=8), raw=st.text(max_size=60))
def test_arbitrary_front_matter_only_yields_problems(front: dict, raw: str) -> None:
    root = Path(tempfile.mkdtemp())
    try:
        room = Room(root)
        room.release("2021-05-04-fuzz", yaml.safe_dump(front, allow_unicode=True))
        room.release("2021-05-05-roh", raw)
        result = load_pressroom(root, datetime(2030, 1, 1, tzinfo=UTC))
        for problem in result.problems:
            assert problem.line >= 1
            assert problem.path.name.endswith(".md") or problem.path.name == "pressroom.yaml"
    finally:
        shutil.rmtree(root)
