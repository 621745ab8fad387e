"""Where pressroom's log goes when the command line runs: stderr, at the level -v/-q chose.

Library modules log through ``logging.getLogger(__name__)`` and configure nothing;
only the CLI decides what a user sees. Imported when a command runs, not for --help.
"""

from __future__ import annotations

import logging

import click


class _EchoHandler(logging.Handler):
    """Writes log records to the current stderr (click's, so a test runner sees them)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            click.echo(self.format(record), err=True)
        except Exception:  # logging must never end a command
            self.handleError(record)


class _Formatter(logging.Formatter):
    """Info as plain lines, the other levels prefixed like a problem's "warning: "."""

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 (logging's name)
        prefix = "" if record.levelno == logging.INFO else f"{record.levelname.lower()}: "
        return prefix + record.getMessage()


def configure_logging(verbose: bool, quiet: bool) -> None:
    """Show pressroom's log on stderr: debug messages and tracebacks with *verbose*,
    only errors when *quiet*, otherwise info and up (warnings included)."""
    logger = logging.getLogger("pressroom")
    logger.setLevel(logging.DEBUG if verbose else logging.ERROR if quiet else logging.INFO)
    if not any(isinstance(handler, _EchoHandler) for handler in logger.handlers):
        handler = _EchoHandler()
        handler.setFormatter(_Formatter())
        logger.addHandler(handler)
