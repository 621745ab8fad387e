"""Channels from other packages: a real distribution on sys.path registers a channel type
through the entry point group ``pressroom.channels``; check, publish and dispatch use it
like the built-in ones, and an unknown type is a located problem naming the known ones."""

from __future__ import annotations

import importlib
import json
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from pressroom.channels import channel_types
from pressroom.cli import cli

# A complete third-party channel: typed settings, the targets it makes, the delivery.
PLUGIN = '''
"""A file drop: each release lands as one JSON file in a folder another program watches."""

import json
from typing import Literal

from pressroom.channels import ChannelDown, ChannelSettings, Transport


class FileDropSettings(ChannelSettings):
    type: Literal["filedrop"] = "filedrop"
    folder: str
    indent: int = 2

    def destination(self, name):
        return self.folder


class FileDropChannel(Transport[FileDropSettings]):
    type_name = "filedrop"
    settings_model = FileDropSettings
    per_recipient = False      # one file per list, like a webhook
    reaches_outside = False    # a folder on this machine

    def compose(self, edition, job):
        record = edition.record
        return json.dumps({"slug": edition.slug, "title": record.title, "number": record.number,
                           "urls": dict(record.urls), "delivery": job.key},
                          indent=self.settings.indent).encode("utf-8")

    def deliver(self, content, edition, job):
        folder = self.root / self.settings.folder
        try:
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{edition.slug}-r{edition.revision}.json").write_bytes(content)
        except OSError as exc:
            raise ChannelDown(f"file drop {folder}: {exc}") from exc
'''

DISTRIBUTION = """\
distribution:
  channels:
    drop: {type: filedrop, folder: build/drop, indent: 1}
  lists:
    website: {channel: drop}
  default_lists: [website]
"""


@pytest.fixture
def plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Install the plug-in the way pip lays it out: the module and its dist-info with an
    entry_points.txt, in a folder on sys.path."""
    site = tmp_path / "site-packages"
    site.mkdir()
    (site / "pressroom_filedrop.py").write_text(textwrap.dedent(PLUGIN), encoding="utf-8")
    info = site / "pressroom_filedrop-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: pressroom-filedrop\nVersion: 1.0\n",
                                   encoding="utf-8")
    (info / "entry_points.txt").write_text(
        "[pressroom.channels]\nfiledrop = pressroom_filedrop:FileDropChannel\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(site))
    importlib.invalidate_caches()
    yield site
    sys.modules.pop("pressroom_filedrop", None)


def test_an_installed_channel_type_joins_the_registry(plugin: Path) -> None:
    types = channel_types()
    assert set(types) == {"maildir", "smtp", "webhook", "filedrop"}
    assert types["filedrop"].__module__ == "pressroom_filedrop"


def test_a_plugin_channel_delivers_end_to_end_through_publish_and_dispatch(room, plugin: Path) -> None:
    room.add_settings(DISTRIBUTION)
    room.ready("2030-01-01-drop", title="Über den Zaun")
    ledger = room.root / "var" / "q.sqlite3"
    common = ["--root", str(room.root), "--queue", str(ledger), "--now", "2030-01-01T12:00"]
    runner = CliRunner()

    checked = runner.invoke(cli, ["check", "--root", str(room.root)])
    assert checked.exit_code == 0, checked.output
    published = runner.invoke(cli, ["publish", *common])
    assert published.exit_code == 0, published.output
    assert "queued 2030-01-01-drop: 1 job(s)" in published.output
    dispatched = runner.invoke(cli, ["dispatch", "--once", *common])
    assert dispatched.exit_code == 0, dispatched.output
    assert "dispatch: 1 sent" in dispatched.output

    dropped = json.loads((room.root / "build" / "drop" / "2030-01-01-drop-r1.json").read_text("utf-8"))
    assert dropped["title"] == "Über den Zaun"
    assert dropped["urls"]["pdf"] == "https://presse.beispiel.example/2030-01-01-drop/2030-01-01-drop.pdf"
    assert len(dropped["delivery"]) == 64  # the job's idempotency key


def test_a_plugin_channel_gets_its_own_keys_checked_at_their_lines(room, plugin: Path) -> None:
    room.add_settings(DISTRIBUTION.replace("indent: 1", "indent: eins"))
    result = CliRunner().invoke(cli, ["check", "--root", str(room.root)])
    assert result.exit_code == 1
    assert ("releases/pressroom.yaml:29: distribution.channels.drop.indent: erwartet wird eine ganze Zahl, "
            "hier steht 'eins'") in result.output


def test_an_unknown_channel_type_is_located_and_names_the_known_types(room, plugin: Path) -> None:
    room.add_settings(DISTRIBUTION.replace("type: filedrop", "type: mastodon"))
    result = CliRunner().invoke(cli, ["check", "--root", str(room.root)])
    assert result.exit_code == 1
    assert ("releases/pressroom.yaml:29: channel 'drop': unknown channel type 'mastodon' "
            "(known: filedrop, maildir, smtp, webhook)") in result.output
    assert "unknown channel 'drop'" not in result.output  # its list is not blamed as well


def test_without_the_plugin_its_type_is_unknown(room) -> None:
    room.add_settings(DISTRIBUTION)
    result = CliRunner().invoke(cli, ["check", "--root", str(room.root)])
    assert result.exit_code == 1
    assert ("channel 'drop': unknown channel type 'filedrop' (known: maildir, smtp, webhook)"
            in result.output)


def test_a_plugin_that_cannot_be_loaded_is_a_problem_not_a_traceback(room, plugin: Path) -> None:
    (plugin / "pressroom_filedrop.py").write_text("import not_installed_anywhere\n", encoding="utf-8")
    room.add_settings(DISTRIBUTION)
    result = CliRunner().invoke(cli, ["check", "--root", str(room.root)])
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert ("releases/pressroom.yaml:27: channel plug-in filedrop = pressroom_filedrop:FileDropChannel "
            "(pressroom.channels) cannot be loaded: ModuleNotFoundError: No module named "
            "'not_installed_anywhere'") in result.output


def test_settings_with_built_in_channels_only_never_load_plugins(room, plugin: Path) -> None:
    # Built-in types are found without scanning every installed package's entry points,
    # so even a broken plug-in does not concern a room that does not use it.
    (plugin / "pressroom_filedrop.py").write_text("import not_installed_anywhere\n", encoding="utf-8")
    room.add_settings(DISTRIBUTION.replace("{type: filedrop, folder: build/drop, indent: 1}",
                                           "{type: webhook, url: 'https://web.example/hook', "
                                           "secret_env: HOOK}"))
    result = CliRunner().invoke(cli, ["check", "--root", str(room.root)])
    assert result.exit_code == 0, result.output
    assert "pressroom_filedrop" not in sys.modules


def test_a_simulated_dispatch_names_the_plugin_channel_that_stays_on_this_machine(
    room, plugin: Path, tmp_path: Path
) -> None:
    # 2030 is ahead of the real clock: a rehearsal. The file drop declares reaches_outside =
    # False, so it delivers; the webhook waits, and the notice names the channels that deliver.
    room.add_settings(DISTRIBUTION.replace(
        "  lists:\n",
        "    site: {type: webhook, url: 'https://web.example/hook', secret_env: HOOK}\n  lists:\n",
    ).replace("  default_lists: [website]", "    portal: {channel: site}\n  default_lists: [website, portal]"))
    room.ready("2030-01-01-drop", title="Über den Zaun")
    # The ledger outside the room: under CI=true one inside it is refused (a webhook reaches out).
    common = ["--root", str(room.root), "--queue", str(tmp_path / "ledger.sqlite3"),
              "--now", "2030-01-01T12:00"]
    runner = CliRunner(env={"HOOK": "geheim"})
    published = runner.invoke(cli, ["publish", *common])
    assert "queued 2030-01-01-drop: 2 job(s)" in published.output, published.output
    dispatched = runner.invoke(cli, ["dispatch", "--once", *common])
    assert dispatched.exit_code == 0, dispatched.output
    assert ("--now is in the future: simulation; channel 'site' not used (it would post to "
            "https://web.example/hook before its time); only the channels that stay on this "
            "machine deliver: drop") in dispatched.output.splitlines()
    assert "dispatch: 1 sent" in dispatched.output
    assert (room.root / "build" / "drop" / "2030-01-01-drop-r1.json").is_file()
