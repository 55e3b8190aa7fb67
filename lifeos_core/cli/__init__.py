"""The ``lifeos`` command line (see :mod:`lifeos_core.cli.app`)."""

from .app import app, main

__all__ = ["app", "main"]
