"""``pressroom serve``: the preview (:mod:`pressroom.preview`) on a local HTTP server,
reloaded in the open browser when a file of the press room is saved.

The server is the standard library's ThreadingHTTPServer: the preview answers a few
GETs and one long-lived event stream per open page, which a thread each serves well;
an ASGI stack (starlette, uvicorn, sse-starlette) would add three dependencies and an
event loop around renderers that block anyway. The files are watched with watchfiles
(inotify through Rust's notify, with polling as its fallback), and each open page hears
of a save over server-sent events and reloads itself.

The press room is loaded again after each change, once, by the watcher (so the
browser's reload finds it ready); every answer (page, PDF, DOCX) is then rendered on
request and kept until the next change. A request also compares the files' sizes and
times with those of the last load: a page or PDF asked for right after a save, before
the watcher has noticed it, is made from the file as saved.
"""

from __future__ import annotations

import errno
import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from stat import S_ISDIR
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from .errors import UserError
from .load import ReleaseCache
from .messages import say
from .preview import EVENTS_PATH, Page, Preview, load_preview, respond
from .settings import room_language

log = logging.getLogger(__name__)

# Saves closer together than this are one change (an editor writes a file in steps).
DEBOUNCE_MS = 40
# An idle event stream sends a comment this often: a closed page's thread then ends.
KEEPALIVE_S = 10.0
Clock = Callable[[], datetime]
Stamps = dict[Path, tuple[int, int]]


def system_clock() -> datetime:
    return datetime.now(UTC)


class LivePreview:
    """The preview of one press room, loaded again after each change.

    *generation* counts the changes seen; answers are kept until the next one. One lock
    lets one load or render run at a time (WeasyPrint is not made for threads).
    """

    def __init__(self, root: Path, clock: Clock = system_clock) -> None:
        self.root = root.resolve()
        self.clock = clock
        self.generation = 0
        self._changed = threading.Condition()
        self._lock = threading.Lock()
        self._loaded: tuple[int, Preview] | None = None
        self._answers: dict[str, Page] = {}
        self._cache = ReleaseCache()  # each release file's load: a save reads one file again
        self._stamps: Stamps = {}  # the files' (time, size) at the last load
        self.warmed = threading.Event()  # set once the PDF printer is loaded

    def changed(self, paths: Iterable[Path] = ()) -> None:
        """Note that files changed (*paths*, if known): open pages are told to reload."""
        with self._lock:
            self._cache.forget(paths)
        with self._changed:
            self.generation += 1
            self._changed.notify_all()

    def wake(self) -> None:
        """Wake every waiting event stream without a change (the server is stopping)."""
        with self._changed:
            self._changed.notify_all()

    def wait(self, since: int, timeout: float) -> int:
        """Wait up to *timeout* seconds for a change after generation *since*; return the current one."""
        with self._changed:
            self._changed.wait_for(lambda: self.generation > since, timeout)
            return self.generation

    def answer(self, path: str) -> Page:
        """Answer a GET of *path*, loading the press room again first if it changed."""
        with self._lock:
            self._notice_unwatched_changes()
            generation, preview = self._current()
            page = self._answers.get(path)
            if page is None:
                page = respond(preview, path, generation)
                self._answers[path] = page
            return page

    def load(self) -> None:
        """Load the press room now if it changed since the last load (the watcher does it
        right after a save, so the page's reload does not wait for it)."""
        with self._lock:
            self._current()

    def warm_up(self) -> None:
        """Load the PDF printer now, once, so the first PDF asked for is made in a warm process
        (importing WeasyPrint and its first page take about a second)."""
        import weasyprint

        with self._lock:  # one render at a time (WeasyPrint is not made for threads)
            weasyprint.HTML(string="<p>pressroom</p>").write_pdf()
        self.warmed.set()

    def _notice_unwatched_changes(self) -> None:
        """Count a change the watcher has not reported yet (a save a moment ago) as one."""
        stamps = file_stamps(self.root)
        changed = [path for path in stamps.keys() | self._stamps.keys()
                   if stamps.get(path) != self._stamps.get(path)]
        if changed:
            self._cache.forget(changed)
            with self._changed:
                self.generation += 1
                self._changed.notify_all()

    def _current(self) -> tuple[int, Preview]:
        generation = self.generation
        if self._loaded is None or self._loaded[0] != generation:
            self._stamps = file_stamps(self.root)
            self._loaded = (generation, load_preview(self.root, self.clock(), self._cache))
            self._answers.clear()
        return self._loaded


def file_stamps(root: Path) -> Stamps:
    """Each file a preview reads (releases, settings, templates) with its modification time and size."""
    stamps: Stamps = {}
    for folder in (root / "releases", root / "templates"):
        for path in folder.rglob("*"):
            try:
                stat = path.stat()
            except OSError:  # deleted while listed
                continue
            if not S_ISDIR(stat.st_mode):
                stamps[path] = (stat.st_mtime_ns, stat.st_size)
    return stamps


# Folders of a press room that hold no input of its pages: outputs and the ledger
# (watchfiles' default filter adds .git, .venv, node_modules, caches and editors' swap files).
IGNORED_FOLDERS = frozenset({"build", "var"})


def input_filter(root: Path) -> Callable[[Any, str], bool]:
    """A watchfiles filter passing changes that may change a preview page: anything below
    *root* (releases, settings, templates even when the folder is made while serving,
    logos and other files the pages use), except outputs, the ledger and tools' folders."""
    import watchfiles

    default = watchfiles.DefaultFilter()

    def is_input(change: Any, path: str) -> bool:
        parts = Path(path).relative_to(root).parts
        if not parts or parts[0] in IGNORED_FOLDERS:
            return False
        return not set(parts[:-1]) & set(default.ignore_dirs) and default(change, path)

    return is_input


def watch(live: LivePreview, stop: threading.Event, ready: threading.Event) -> None:
    """Tell *live* of every change of its press room's inputs until *stop* is set."""
    import watchfiles

    # The first yield on timeout says the watcher is set up: a save after it is seen.
    for changes in watchfiles.watch(live.root, watch_filter=input_filter(live.root),
                                    debounce=DEBOUNCE_MS, step=10, stop_event=stop,
                                    rust_timeout=200, yield_on_timeout=True, raise_interrupt=False):
        ready.set()
        if changes:
            log.debug("changed: %s", sorted(path for _, path in changes))
            live.changed(Path(path) for _, path in changes)
            live.load()


class PreviewHandler(BaseHTTPRequestHandler):
    """Answers GET from the server's LivePreview; the event stream tells a page to reload."""

    server: PreviewServer
    server_version = "pressroom-preview"

    def do_GET(self) -> None:  # noqa: N802 - the base class dispatches on this name
        url = urlsplit(self.path)
        path = unquote(url.path)
        if path == EVENTS_PATH:
            since = parse_qs(url.query).get("since", ["0"])[0]
            self.events(int(since) if since.isdigit() else 0)
            return
        page = self.server.live.answer(path)
        self.send_response(page.status)
        self.send_header("Content-Type", page.content_type)
        self.send_header("Content-Length", str(len(page.body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(page.body)

    def events(self, since: int) -> None:
        """Server-sent events: "reload" once the press room changed after generation *since*."""
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        live, stopping = self.server.live, self.server.stopping
        try:
            while not stopping.is_set():
                if live.wait(since, KEEPALIVE_S) > since:
                    self.wfile.write(b"data: reload\n\n")
                    self.wfile.flush()
                    return
                self.wfile.write(b": still here\n\n")
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):  # the page was closed
            return

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class names it so
        log.debug("%s " + format, self.address_string(), *args)


class PreviewServer(ThreadingHTTPServer):
    """The HTTP server of one LivePreview; request threads do not keep the process alive."""

    daemon_threads = True

    def __init__(self, live: LivePreview, host: str, port: int) -> None:
        self.live = live
        self.stopping = threading.Event()
        try:
            super().__init__((host, port), PreviewHandler)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                message = say(room_language(live.root), "serve.port", port=port, host=host)
                raise UserError(message) from None
            raise UserError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}/"


@contextmanager
def preview_server(root: Path, host: str = "127.0.0.1", port: int = 8000,
                   clock: Clock = system_clock) -> Iterator[PreviewServer]:
    """Bind the preview of *root* to *host*:*port* and watch its files; yield the server
    (not yet serving: call ``serve_forever``); stop watching and close it on leaving."""
    live = LivePreview(root, clock)
    server = PreviewServer(live, host, port)
    stop, ready = threading.Event(), threading.Event()
    watcher = threading.Thread(target=watch, args=(live, stop, ready), name="pressroom-watch", daemon=True)
    watcher.start()
    try:
        ready.wait(timeout=10)
        live.load()
        threading.Thread(target=live.warm_up, name="pressroom-warm-up", daemon=True).start()
        yield server
    finally:
        stop.set()
        server.stopping.set()
        live.wake()  # the event streams see server.stopping and end
        server.server_close()
        watcher.join(timeout=5)


@contextmanager
def serving(root: Path, host: str = "127.0.0.1", port: int = 0,
            clock: Clock = system_clock) -> Iterator[PreviewServer]:
    """Run the preview of *root* in a background thread (tests, benchmarks); yield the server."""
    with preview_server(root, host, port, clock) as server:
        thread = threading.Thread(target=server.serve_forever, name="pressroom-serve", daemon=True)
        thread.start()
        try:
            yield server
        finally:
            server.shutdown()
            thread.join(timeout=5)
