"""The ledger: every run recorded in a hash-chained SQLite store, and replayed.

The store (``store``), what a record holds (``records``), what goes into one
(``recording``), replays (``replay``), in-toto export (``attestation``) and the
check that the recording code was not changed by a step (``integrity``).

May import: ``harness``, ``lifeos_core.missions``, ``plugins``, ``engine``, ``values``, ``errors``, ``version``.
"""
