"""`pressroom init`: a new room holds only its overrides; the defaults come from pressroom."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import pressroom
from pressroom.cli import cli
from pressroom.defaults import default_templates

NOW = "2030-06-01T12:00"


@pytest.fixture
def new_room(tmp_path: Path) -> Path:
    """A press room made by `pressroom init`, its example release made ready to publish."""
    target = tmp_path / "neu"
    done = CliRunner().invoke(cli, ["init", str(target)])
    assert done.exit_code == 0, done.output
    release = next((target / "releases").glob("*.md"))
    release.write_text(release.read_text(encoding="utf-8").replace("status: draft", "status: ready"),
                       encoding="utf-8")
    return target


def build(root: Path, *env_path: Path) -> subprocess.CompletedProcess[str]:
    """Build *root* with the pressroom found first on *env_path* (default: the installed one)."""
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": ":".join(map(str, env_path))} if env_path else None
    return subprocess.run([sys.executable, "-m", "pressroom", "build", "--root", str(root), "--now",
                           NOW, "--jobs", "1"], capture_output=True, text=True, check=False,
                          timeout=120, env=env, cwd=root)  # not this checkout: -m imports from cwd


def release_page(root: Path) -> str:
    page = next((root / "build" / "public").glob("*/*.html"))
    return page.read_text(encoding="utf-8")


def test_init_copies_no_default_template_only_a_readme_and_one_example(new_room: Path) -> None:
    assert sorted(p.name for p in (new_room / "templates").iterdir()) == ["README.md", "index.html"]
    readme = (new_room / "templates" / "README.md").read_text(encoding="utf-8")
    assert "replaces pressroom's default of the same name" in readme and "default/<name>" in readme
    example = (new_room / "templates" / "index.html").read_text(encoding="utf-8")
    assert '{% extends "default/index.html" %}' in example


def test_a_new_room_builds_with_the_packaged_defaults(new_room: Path) -> None:
    done = build(new_room)
    assert done.returncode == 0, done.stderr
    page = release_page(new_room)
    # Parts of the packaged base.html and release.html, which the room does not have.
    assert '<meta name="generator" content="pressroom">' in page
    assert '<meta name="dcterms.created"' in page
    assert "Unsere erste Pressemitteilung" in page
    assert any((new_room / "build" / "public").glob("*/*.pdf"))


def test_the_example_override_takes_effect_and_keeps_the_default_around_it(new_room: Path) -> None:
    assert build(new_room).returncode == 0
    index = (new_room / "build" / "public" / "index.html").read_text(encoding="utf-8")
    assert ".index-title { color: var(--accent); }" in index  # the override's block
    assert ".entry-downloads a" in index  # index.css, which the override keeps with super()
    assert "Unsere erste Pressemitteilung" in index  # the default's body, not overridden
    (new_room / "templates" / "index.html").unlink()
    assert build(new_room).returncode == 0
    index = (new_room / "build" / "public" / "index.html").read_text(encoding="utf-8")
    assert ".index-title { color: var(--accent); }" not in index


def test_an_improved_default_reaches_an_existing_room(new_room: Path, tmp_path: Path) -> None:
    """The room built with today's pressroom, then with a newer one whose default page changed."""
    assert build(new_room).returncode == 0
    assert "IMPROVED-DEFAULT" not in release_page(new_room)
    # A newer pressroom, installed as a wheel installs it: the package with its templates inside.
    newer = tmp_path / "site-packages"
    package = Path(pressroom.__file__).parent
    shutil.copytree(package, newer / "pressroom", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(default_templates(), newer / "pressroom" / "templates", dirs_exist_ok=True)
    base = newer / "pressroom" / "templates" / "base.html"
    base.write_text(base.read_text(encoding="utf-8").replace(
        '<meta name="generator" content="pressroom">',
        '<meta name="generator" content="pressroom IMPROVED-DEFAULT">'), encoding="utf-8")
    done = build(new_room, newer, *map(Path, sys.path[1:]))
    assert done.returncode == 0, done.stderr
    assert "IMPROVED-DEFAULT" in release_page(new_room)
