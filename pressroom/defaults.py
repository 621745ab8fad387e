"""What pressroom ships besides code: the folder of the default templates.

A press room's ``templates/`` holds only its overrides; every other template comes
from here, so a room receives improved defaults with each pressroom release.
"""

from __future__ import annotations

from pathlib import Path

from .errors import UserError


def default_templates() -> Path:
    """Return the folder of the shipped templates.

    Installed from a wheel they are the package data ``pressroom/templates``; in a
    source checkout (and an editable install) they are the top-level ``templates/``.
    """
    here = Path(__file__).resolve().parent
    for candidate in (here / "templates", here.parent / "templates"):
        if candidate.is_dir():
            return candidate
    raise UserError("pressroom's default templates are missing from this installation")
