"""Talking to `pressroom serve` as a browser does: pages over HTTP, and the event
stream that says when to reload (shared by the serve tests and bench/bench_preview.py)."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from dataclasses import dataclass

from pressroom.preview import EVENTS_PATH

GENERATION = re.compile(r"since=(\d+)")
TIMEOUT_S = 8


@dataclass(frozen=True)
class Answer:
    status: int
    content_type: str
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


def get(base: str, path: str) -> Answer:
    """GET *path* below *base* (an error status is an Answer too)."""
    try:
        with urllib.request.urlopen(base.rstrip("/") + path, timeout=TIMEOUT_S) as response:
            return Answer(response.status, response.headers["Content-Type"], response.read())
    except urllib.error.HTTPError as error:
        with error:
            return Answer(error.code, error.headers["Content-Type"], error.read())


def generation_of(page: Answer) -> int:
    """The change a preview page was made at (its event stream's ``since``)."""
    found = GENERATION.search(page.text)
    assert found, "the page has no live-reload event stream"
    return int(found.group(1))


def wait_for_reload(base: str, since: int) -> None:
    """Listen on the event stream as an open page does until it says "reload" (bounded)."""
    url = f"{base.rstrip('/')}{EVENTS_PATH}?since={since}"
    with urllib.request.urlopen(url, timeout=TIMEOUT_S) as stream:
        assert stream.headers["Content-Type"] == "text/event-stream"
        for line in stream:
            if line.strip() == b"data: reload":
                return
    raise AssertionError("the event stream ended without a reload")


def page_once(base: str, path: str, since: int, shows: str, reloads: int = 5) -> Answer:
    """The page at *path* once it *shows* the text, reloading as an open page does after
    each change announced after generation *since* (an earlier save may be announced
    first: a few reloads, each bounded)."""
    for _ in range(reloads):
        wait_for_reload(base, since)
        page = get(base, path)
        if shows in page.text:
            return page
        since = generation_of(page)
    raise AssertionError(f"{path} never showed {shows!r}")
