"""The durable outbox: one storage interface, SQLite now, other backends later."""

from __future__ import annotations

import os
from pathlib import Path

from .base import (
    OPEN_STATES,
    STATES,
    CancelResult,
    ChannelState,
    Edition,
    File,
    Job,
    NewJob,
    Queue,
    State,
    job_key,
)
from .sqlite import SqliteQueue

DEFAULT_QUEUE = Path("var") / "queue.sqlite3"
QUEUE_ENV = "PRESSROOM_QUEUE"


def queue_path(root: Path, given: Path | None = None) -> Path:
    """Return where the queue lives: *given*, else $PRESSROOM_QUEUE, else root/var/queue.sqlite3."""
    if given is not None:
        return given
    if os.environ.get(QUEUE_ENV):
        return Path(os.environ[QUEUE_ENV])
    return root / DEFAULT_QUEUE


def open_queue(path: Path) -> Queue:
    """Open the queue at *path* (SQLite; created on first use)."""
    return SqliteQueue(path)


__all__ = [
    "DEFAULT_QUEUE", "OPEN_STATES", "QUEUE_ENV", "STATES", "CancelResult", "ChannelState", "Edition", "File",
    "Job", "NewJob", "Queue", "SqliteQueue", "State", "job_key", "open_queue", "queue_path",
]
