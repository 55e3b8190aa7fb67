"""Which files the user trusted to grant effects (``lifeos trust FILE``).

A file that carries grants (a ``lifeos.toml``, a test plan) counts only once
the user trusted it as it is: its SHA-256 is recorded in the user's config
directory, and a file whose bytes changed since is not trusted any more. So
a repository that was cloned grants nothing until its owner says so.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path


def config_dir() -> Path:
    """The user's lifeos config directory (XDG on Linux: ``$XDG_CONFIG_HOME/lifeos``)."""
    from platformdirs import user_config_path

    return user_config_path("lifeos", appauthor=False)


def _trusted_file() -> Path:
    return config_dir() / "trusted.json"


def _trusted() -> dict[str, str]:
    try:
        data = json.loads(_trusted_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def is_trusted(path: str | Path) -> bool:
    """Whether ``path`` holds exactly the bytes the user trusted."""
    path = Path(path)
    try:
        return _trusted().get(str(path.resolve())) == file_hash(path)
    except OSError:
        return False


def trust(path: Path) -> str:
    """Record that the user trusts ``path`` as it is now; its SHA-256."""
    from .writing import write_text_atomically

    digest = file_hash(path)
    trusted = {**_trusted(), str(path.resolve()): digest}
    config_dir().mkdir(parents=True, exist_ok=True)
    write_text_atomically(_trusted_file(), json.dumps(trusted, indent=2, sort_keys=True) + "\n")
    return digest
