"""The installed version of lifeos-core, read from the package metadata."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

CORE_DISTRIBUTION = "lifeos-core"

try:
    __version__ = version(CORE_DISTRIBUTION)
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"
