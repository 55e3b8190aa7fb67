"""Plugins: finding, loading and describing what installed packs provide.

The hookspecs (``hookspecs``), entry-point discovery (``discovery``), missions
as authors write them (``mission``), loading with per-plugin isolation
(``loading``), the frozen :class:`Registry` (``registry``), lifeos-core's own
plugin (``builtins``) and the registry in use (``active``).

May import: ``engine``, ``values``, ``errors``, ``version``.
"""
