"""pressroom: write a press release once; check, render and distribute it.

The public API a library user needs; the CLI is a thin layer over these.
"""

from __future__ import annotations

from .errors import CheckFailed, PressroomError, Problem, Severity, UserError
from .load import LoadResult, load_pressroom
from .model import Pressroom, Release, Settings

__version__ = "0.1.0"

__all__ = [
    "CheckFailed",
    "LoadResult",
    "PressroomError",
    "Pressroom",
    "Problem",
    "Release",
    "Settings",
    "Severity",
    "UserError",
    "__version__",
    "load_pressroom",
]
