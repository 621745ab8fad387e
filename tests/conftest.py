"""Fixtures that build small press rooms in temporary folders."""

from __future__ import annotations

import shutil
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest
from postgres_support import ledger_location, postgres_server, postgres_url  # noqa: F401 - fixtures for every module

from pressroom.load import load_pressroom
from pressroom.model import Pressroom

REPO = Path(__file__).resolve().parents[1]
NOW = datetime(2030, 1, 1, tzinfo=UTC)
SLUG_2021 = "2021-08-26-iq-mv-10-jahre"
SLUG_2013 = "2013-01-08-iq-mv-ausbau"
# Each sample release must carry its own period's funder text and not the other's.
PERIOD_TEXTS = [
    (SLUG_2013, "Das Programm wird gefördert durch das Bundesministerium", "Europäischen Sozialfonds"),
    (SLUG_2021, "Europäischen Sozialfonds (ESF)", "Das Programm wird gefördert durch"),
]

SETTINGS = """\
organisation:
  name: Beispiel e.V.
  address: |
    Hauptstraße 1
    18055 Rostock
  website: https://www.beispiel.example
  email: presse@beispiel.example
  phone: "0381 123456"
site:
  base_url: https://presse.beispiel.example
  title: Beispiel Pressemitteilungen
  language: de
  timezone: Europe/Berlin
  default_place: Rostock
  default_contacts: [anna]
contacts:
  anna: {name: Anna Muster, role: Pressesprecherin, email: anna@beispiel.example, phone: "0381 1"}
  ben: {name: Ben Beispiel, role: Geschäftsführer, email: ben@beispiel.example, phone: "0381 2"}
boilerplates:
  alt:
    valid_from: 2013-01-01
    valid_until: 2018-12-31
    text: Gefördert vom Alten Programm.
  neu:
    valid_from: 2019-01-01
    text: Gefördert vom Neuen Programm und dem ESF.
"""


class Room:
    """A press room in a temporary folder, written file by file by a test."""

    def __init__(self, root: Path) -> None:
        self.root = root
        (root / "releases").mkdir(parents=True, exist_ok=True)
        self.write_settings(SETTINGS)

    @property
    def releases(self) -> Path:
        return self.root / "releases"

    def write_settings(self, text: str) -> Path:
        path = self.releases / "pressroom.yaml"
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    def add_settings(self, text: str) -> Path:
        """Append a top-level section (such as distribution:) to the settings."""
        path = self.releases / "pressroom.yaml"
        path.write_text(path.read_text(encoding="utf-8") + textwrap.dedent(text), encoding="utf-8")
        return path

    def release(self, name: str, front: str, body: str = "Der Text der Meldung.\n") -> Path:
        """Write releases/<name>.md from front-matter YAML and a Markdown body."""
        path = self.releases / f"{name}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            f"---\n{textwrap.dedent(front).strip()}\n---\n{textwrap.dedent(body)}", encoding="utf-8"
        )
        return path

    def ready(self, name: str, title: str = "Eine Meldung", extra: str = "", body: str = "Text.\n") -> Path:
        """Write a minimal valid, ready release dated by its file name."""
        day = Path(name).name[:10]
        front = f"title: {title}\ndate: {day}\nlead: Der Vorspann.\nstatus: ready\n{textwrap.dedent(extra)}"
        return self.release(name, front, body)

    def load(self, now: datetime | None = None) -> Pressroom:
        result = load_pressroom(self.root, now or NOW)
        assert not result.errors, [str(p) for p in result.errors]
        assert result.pressroom is not None
        return result.pressroom


def load_sample(root: Path, now: datetime = NOW) -> Pressroom:
    """Load a copy of the sample press room, asserting it has no errors."""
    result = load_pressroom(root, now)
    assert result.pressroom is not None, [str(p) for p in result.errors]
    return result.pressroom


@pytest.fixture
def room(tmp_path: Path) -> Room:
    """An empty press room with valid settings (two contacts, two boilerplate periods)."""
    return Room(tmp_path / "room")


@pytest.fixture
def sample_root(tmp_path: Path) -> Path:
    """A copy of the repository's sample press room (releases/ and templates/)."""
    root = tmp_path / "sample"
    shutil.copytree(REPO / "releases", root / "releases")
    shutil.copytree(REPO / "templates", root / "templates")
    return root
