"""``python -m lifeos_core`` runs the ``lifeos`` command."""

from .cli import main

main()
