"""The durable outbox: one storage interface, SQLite now, other backends later."""

from __future__ import annotations

import os
from pathlib import Path

from .base import (
    OPEN_STATES,
    RETRYABLE_STATES,
    STATES,
    UNSENT_STATES,
    CancelResult,
    ChannelState,
    Edition,
    File,
    Job,
    NewJob,
    Queue,
    State,
    Suppression,
    job_key,
)
from .sqlite import DEFAULT_WAIT, SqliteQueue

DEFAULT_QUEUE = Path("var") / "queue.sqlite3"
QUEUE_ENV = "PRESSROOM_QUEUE"


def queue_path(root: Path, given: Path | None = None) -> Path:
    """Return where the queue lives: *given*, else $PRESSROOM_QUEUE, else root/var/queue.sqlite3."""
    if given is not None:
        return given
    if os.environ.get(QUEUE_ENV):
        return Path(os.environ[QUEUE_ENV])
    return root / DEFAULT_QUEUE


def open_queue(path: Path, create: bool = True, wait: float = DEFAULT_WAIT) -> Queue:
    """Open the queue at *path* (SQLite), waiting up to *wait* seconds for another writer.

    Without *create*, a missing file is a QueueError, not a new empty ledger: a
    ledger that vanished must not look like one where nothing was ever sent.
    """
    return SqliteQueue(path, create=create, wait=wait)


__all__ = [
    "DEFAULT_QUEUE", "DEFAULT_WAIT", "OPEN_STATES", "QUEUE_ENV", "RETRYABLE_STATES", "STATES",
    "UNSENT_STATES", "CancelResult", "ChannelState", "Edition", "File", "Job", "NewJob", "Queue",
    "SqliteQueue", "State", "Suppression", "job_key", "open_queue", "queue_path",
]
