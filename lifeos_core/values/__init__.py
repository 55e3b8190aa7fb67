"""Values: what every layer passes around, and the two I/O edges.

Canonical JSON and the one hash (``canonical``), checked and frozen JSON values
(``jsonvalue``), encoded state snapshots (``snapshot``), the one base of
immutable values (``frozen``), time as an input (``clock``), and reading and
writing data files (``reading``, ``yamlfiles``, ``writing``).

May import: ``lifeos_core.errors`` only. Everything else imports it.
"""
