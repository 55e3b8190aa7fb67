"""The engine: one pure run of one workflow, inside the limits and the envelope.

Workflows, steps and the Anti-Failure limits (``workflow``), the inputs of a
run and what a step may know (``context``), the step loop (``steps``), the
envelope guard (``guard``), the built-in operations (``operations``), the
frozen result (``result``) and the front door, ``Orchestrator``
(``orchestrator``), which is given its operations and knows no plugins.

May import: ``values``, ``errors``.
"""
