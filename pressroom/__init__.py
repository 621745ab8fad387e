"""pressroom: write a press release once; check, render and distribute it.

The public API a library user needs; the CLI is a thin layer over these. Names are
imported on first use, so that `pressroom --help` does not pay for pydantic and
markdown-it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "CheckFailed": "errors",
    "PressroomError": "errors",
    "Problem": "errors",
    "Severity": "errors",
    "UserError": "errors",
    "LoadResult": "load",
    "load_pressroom": "load",
    "Pressroom": "model",
    "Release": "model",
    "Settings": "model",
    "BuildResult": "build",
    "build_pressroom": "build",
    "RenderContext": "render",
    "Renderer": "render.registry",
}

__all__ = [
    "BuildResult",
    "CheckFailed",
    "LoadResult",
    "Pressroom",
    "PressroomError",
    "Problem",
    "Release",
    "RenderContext",
    "Renderer",
    "Settings",
    "Severity",
    "UserError",
    "__version__",
    "build_pressroom",
    "load_pressroom",
]

if TYPE_CHECKING:
    from .build import BuildResult, build_pressroom
    from .errors import CheckFailed, PressroomError, Problem, Severity, UserError
    from .load import LoadResult, load_pressroom
    from .model import Pressroom, Release, Settings
    from .render import RenderContext
    from .render.registry import Renderer


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'pressroom' has no attribute {name!r}")
    return getattr(importlib.import_module(f".{module}", __name__), name)
