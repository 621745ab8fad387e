"""The download package of a release: one ZIP with its PDF, its DOCX and its images.

The ZIP is made from the files the build has just placed, so it is a build step,
not a Renderer: a renderer makes one format from the release alone, while the ZIP
needs the other formats' bytes, and the precise rebuild may have left those on disk
without rendering them again. Its bytes are reproducible: members in a fixed order,
every timestamp the release's date, fixed permissions, no comment.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path, PurePosixPath

from .model import Release
from .paths import contained_file

# Images are compressed already: storing them keeps the build fast and the ZIP as small.
STORED_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".gif", ".webp", ".docx", ".zip"})
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)  # the earliest moment a ZIP can record


ZIP_FORMATS = ("pdf", "docx")  # the formats a release's ZIP holds, in this order


def zip_members(release: Release, folder: Path, releases_dir: Path) -> list[tuple[str, bytes]]:
    """Return (name in the ZIP, bytes) for *release*: its PDF and DOCX as placed in *folder*,
    then its images (see image_members)."""
    members = [(f"{release.slug}.{fmt}", folder / f"{release.slug}.{fmt}") for fmt in ZIP_FORMATS]
    found = [(name, path.read_bytes()) for name, path in members if path.is_file()]
    return found + image_members(release, releases_dir)


def image_members(release: Release, releases_dir: Path) -> list[tuple[str, bytes]]:
    """Return (path below releases/, bytes) of each image of *release*. An image is read
    only if it is, still, a file inside releases/ (the room), so nothing from outside
    ever goes in."""
    members = []
    for image in release.images:
        path = contained_file(image.path, releases_dir)
        if path is not None:
            members.append((image.file, path.read_bytes()))
    return members


def zip_time(moment: datetime) -> tuple[int, int, int, int, int, int]:
    """Return the ZIP timestamp of *moment* (its local wall time), not before 1980."""
    stamp = (moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second)
    return max(stamp, ZIP_EPOCH)


def release_zip(members: Sequence[tuple[str, bytes]], moment: datetime) -> bytes:
    """Pack *members* in their order into ZIP bytes, every entry dated *moment*."""
    buffer = io.BytesIO()
    when = zip_time(moment)
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=when)
            info.create_system = 3  # Unix, whatever machine builds: the permissions below apply
            info.external_attr = 0o644 << 16
            stored = PurePosixPath(name).suffix.lower() in STORED_SUFFIXES
            info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buffer.getvalue()
