"""The build manifest: for each release and format, what its last render used.

An output is current while its *key* (a hash of the resolved inputs that are not
files: the release as loaded, the settings parts it shows, its visibility and
embargo state, pressroom's version) is unchanged and every file it read (release
file, attachments, images, logos, templates, stylesheets) still has the bytes it
had. Anything else (a comment in ``pressroom.yaml``, a new recipient, a template
no output loaded) renders nothing again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .atomic import write_atomic

MANIFEST = ".pressroom-manifest.json"
# Older manifests (one hash per release, no version) are ignored: everything renders once.
VERSION = 2
MISSING = "-"


def digest(*parts: str) -> str:
    """Return a SHA-256 over *parts*, each one delimited."""
    return hashlib.sha256("\0".join(parts).encode("utf-8") + b"\0").hexdigest()


class FileHashes:
    """SHA-256 of files by path, each file read once per build (templates are shared by all)."""

    def __init__(self) -> None:
        self._known: dict[str, str] = {}

    def __call__(self, path: str) -> str:
        known = self._known.get(path)
        if known is None:
            try:
                known = hashlib.sha256(Path(path).read_bytes()).hexdigest()
            except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
                known = MISSING
            self._known[path] = known
        return known

    def combined(self, key: str, files: Sequence[str]) -> str:
        """Return one hash over *key* and the current bytes of *files*."""
        return digest(key, *files, *map(self, files))


@dataclass(frozen=True)
class Output:
    """What one format of one release was rendered from: the combined hash and the files read."""

    hash: str
    files: tuple[str, ...]


@dataclass
class Manifest:
    """What the last build rendered: per slug its visibility and, per format, an Output."""

    path: Path
    visibility: dict[str, str] = field(default_factory=dict)
    outputs: dict[str, dict[str, Output]] = field(default_factory=dict)

    @classmethod
    def read(cls, out: Path) -> Manifest:
        """Read the manifest in *out*; a missing, damaged or older one reads as empty."""
        manifest = cls(out / MANIFEST)
        try:
            data = json.loads(manifest.path.read_text(encoding="utf-8"))
            if data.get("version") != VERSION:
                return manifest
            for slug, entry in data["releases"].items():
                manifest.visibility[slug] = str(entry["visibility"])
                manifest.outputs[slug] = {
                    fmt: Output(str(o["hash"]), tuple(str(f) for f in o["files"]))
                    for fmt, o in entry["formats"].items()
                }
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            return cls(out / MANIFEST)  # start over rather than trust half of it
        return manifest

    def is_current(self, slug: str, fmt: str, key: str, visibility: str, hashes: FileHashes) -> bool:
        """True when *fmt* of *slug* was rendered for *visibility* from *key* and unchanged files."""
        output = self.outputs.get(slug, {}).get(fmt)
        if output is None or self.visibility.get(slug) != visibility:
            return False
        return hashes.combined(key, output.files) == output.hash

    def record(self, slug: str, visibility: str, fmt: str, output: Output) -> None:
        """Record that *fmt* of *slug* was rendered into *visibility* from *output*."""
        if self.visibility.get(slug) != visibility:
            self.outputs[slug] = {}  # what was rendered for the other folder is gone
        self.visibility[slug] = visibility
        self.outputs.setdefault(slug, {})[fmt] = output

    def forget(self, slug: str) -> None:
        self.visibility.pop(slug, None)
        self.outputs.pop(slug, None)

    def save(self) -> None:
        """Write the manifest atomically (a file that is unchanged is left alone)."""
        releases = {
            slug: {
                "visibility": self.visibility[slug],
                "formats": {fmt: {"hash": o.hash, "files": list(o.files)} for fmt, o in formats.items()},
            }
            for slug, formats in self.outputs.items()
            if slug in self.visibility
        }
        data = {"version": VERSION, "releases": releases}
        write_atomic(self.path, json.dumps(data, sort_keys=True, separators=(",", ":")).encode("utf-8"))
