"""The one containment rule: which files a press room may read.

Release files and settings are untrusted input: a path they name (an image, an
attachment, a logo) and a URL WeasyPrint asks for are read only when, after ``..``
and every symbolic link are resolved, they lie inside the press room. Every reader
of such a path asks this module; nothing else compares paths with the room.
"""

from __future__ import annotations

from pathlib import Path


def resolved(path: Path) -> Path | None:
    """Return *path* with ``..`` and every symbolic link resolved; None when it does not
    exist or a link loops."""
    try:
        return path.resolve(strict=True)
    except (OSError, RuntimeError):  # missing, unreadable, or a symlink loop
        return None


def contained(path: Path, root: Path) -> bool:
    """True when *path*, resolved, lies inside *root*, resolved (a symlinked room is
    compared by its real location, so its own files still count as inside)."""
    try:
        return path.resolve().is_relative_to(root.resolve())
    except (OSError, RuntimeError):
        return False


def contained_file(path: Path, root: Path) -> Path | None:
    """Return the resolved *path* when it is an existing regular file inside *root*, else None."""
    target = resolved(path)
    if target is None or not contained(target, root) or not target.is_file():
        return None
    return target


def file_named(directory: Path, name: str) -> Path | None:
    """Return the regular file inside *directory* that *name* (an image or attachment as a
    release writes it) names, resolved; None for a URL, a missing file or one outside."""
    from .urls import local_reference

    relative = local_reference(name)
    return None if relative is None else contained_file(directory / relative, directory)
