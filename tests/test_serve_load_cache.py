"""The release cache of `pressroom serve`: a load through it finds exactly what a full
load finds, after edits, after a settings change, and after the clock passes an embargo."""

from __future__ import annotations

import os
from datetime import UTC, datetime

from conftest import NOW, Room

from pressroom.load import ReleaseCache, load_pressroom

EMBARGOED = "2029-12-03-gesperrt"


def same_as_full_load(room: Room, cache: ReleaseCache, now: datetime = NOW) -> None:
    cached, full = load_pressroom(room.root, now, cache=cache), load_pressroom(room.root, now)
    assert cached.problems == full.problems
    assert cached.pressroom == full.pressroom


def test_a_load_through_the_cache_finds_what_a_full_load_finds_after_each_edit(room: Room) -> None:
    first = room.ready("2029-12-01-eins", title="Eins")
    room.ready("2029-12-02-zwei", title="Zwei")
    cache = ReleaseCache()
    same_as_full_load(room, cache)
    first.write_text(first.read_text(encoding="utf-8").replace("Eins", "Eins, neu"), encoding="utf-8")
    same_as_full_load(room, cache)
    room.release("2029-12-04-kaputt", "title: [kaputt\n")
    same_as_full_load(room, cache)
    room.add_settings("# a comment changes nothing\n")
    same_as_full_load(room, cache)
    room.write_settings((room.releases / "pressroom.yaml").read_text(encoding="utf-8")
                        .replace("Anna Muster", "Anna Neu"))
    same_as_full_load(room, cache)


def test_a_save_with_the_same_size_and_time_is_read_again_once_forgotten(room: Room) -> None:
    path = room.ready("2029-12-01-eins", title="Titel A")
    cache = ReleaseCache()
    load_pressroom(room.root, NOW, cache=cache)
    stat = path.stat()
    path.write_text(path.read_text(encoding="utf-8").replace("Titel A", "Titel B"), encoding="utf-8")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # a file system with coarse times
    cache.forget([path])
    result = load_pressroom(room.root, NOW, cache=cache)
    assert result.pressroom is not None and result.pressroom.releases[0].title == "Titel B"


def test_the_warnings_follow_the_clock_past_an_embargo(room: Room) -> None:
    room.ready(EMBARGOED, extra="embargo: 2030-01-02T10:00\n")
    cache = ReleaseCache()
    same_as_full_load(room, cache, NOW)
    later = datetime(2030, 1, 3, tzinfo=UTC)
    same_as_full_load(room, cache, later)
    assert load_pressroom(room.root, later, cache=cache).problems != load_pressroom(room.root, NOW).problems
