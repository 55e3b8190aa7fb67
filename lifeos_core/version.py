"""The installed version of lifeos-core, read from the package metadata."""

from __future__ import annotations

from .plugins.discovery import distribution_version

CORE_DISTRIBUTION = "lifeos-core"

# "0+unknown" when running from a source tree that was never installed.
__version__ = distribution_version(CORE_DISTRIBUTION) or "0+unknown"
