"""Run the CLI as ``python -m pressroom``."""

from .cli import main

main()
