"""The build manifest: content hashes of each release's inputs, for incremental builds."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .atomic import write_atomic

MANIFEST = ".pressroom-manifest.json"


def hash_files(paths: Iterable[Path], *extra: str) -> str:
    """Return a SHA-256 over *extra* strings and the names and bytes of *paths*."""
    digest = hashlib.sha256()
    for text in extra:
        digest.update(text.encode("utf-8") + b"\0")
    for path in paths:
        digest.update(str(path).encode("utf-8") + b"\0")
        try:
            digest.update(path.read_bytes())
        except FileNotFoundError:
            digest.update(b"<missing>")
        digest.update(b"\0")
    return digest.hexdigest()


def tree_files(*folders: Path) -> list[Path]:
    """Every file below *folders*, sorted, skipping caches."""
    files: list[Path] = []
    for folder in folders:
        if folder.is_dir():
            files += sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    return files


@dataclass
class Manifest:
    """What the last build rendered: per slug, the input hash and where it went."""

    path: Path
    entries: dict[str, dict[str, str]] = field(default_factory=dict)

    @classmethod
    def read(cls, out: Path) -> Manifest:
        path = out / MANIFEST
        try:
            entries = json.loads(path.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            entries = {}
        return cls(path, entries if isinstance(entries, dict) else {})

    def is_current(self, slug: str, input_hash: str, visibility: str) -> bool:
        entry = self.entries.get(slug)
        return entry == {"hash": input_hash, "visibility": visibility}

    def record(self, slug: str, input_hash: str, visibility: str) -> None:
        self.entries[slug] = {"hash": input_hash, "visibility": visibility}

    def forget(self, slug: str) -> None:
        self.entries.pop(slug, None)

    def save(self) -> None:
        data = json.dumps(self.entries, indent=1, sort_keys=True).encode("utf-8")
        write_atomic(self.path, data)
