"""The harness: scenarios, suites, expectations, test runs and plan files.

Definitions and runners (``scenarios``, ``suites``, ``expectations``,
``testrun`` with :func:`run_plan`, the one door to run a plan), plan files and
their checks (``plans``, ``checks``, ``schema`` and ``schemas/``), where
scenarios run (``executors``, ``dask``) and the pytest plugin
(``pytest_plugin``).

May import: ``lifeos_core.missions``, ``plugins``, ``engine``, ``values``, ``errors``, ``version``.
"""
