"""Where a run's grants come from (trusting files: :mod:`lifeos_core.values.trust`).

Grants come from ``--allow`` on the command line, from the user's own config
file (``config.toml`` in the user config directory: ``[grants] allow =
["read:~/notes"]``), and from a ``lifeos.toml`` in the working directory, but
that one only once the user trusted it: ``lifeos trust lifeos.toml`` records
the file's SHA-256, and a file that changed since must be trusted again. So a
repository that was cloned grants nothing until its owner says so, as
direnv's ``allow`` works. At a terminal a missing grant may be asked for once
(``--no-prompt`` never asks).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .output import echo, fail_usage, warn

PROJECT_FILE = "lifeos.toml"


def trust(path: Path) -> str:
    """Record that the user trusts ``path`` as it is now; its hash."""
    from ..values.trust import trust as record_trust

    if not path.is_file():
        raise fail_usage(f"{path} is not a file; give the lifeos.toml or plan file to trust")
    try:
        return record_trust(path)
    except OSError as exc:
        raise fail_usage(f"cannot record that you trust {path}: {exc}") from None


def _grants_in(path: Path) -> list[str]:
    from ..values.reading import read_mapping_file

    data = read_mapping_file(path, "config file")
    grants = data.get("grants", {})
    allow = grants.get("allow", []) if isinstance(grants, dict) else None
    if not isinstance(allow, list) or not all(isinstance(item, str) for item in allow):
        raise fail_usage(f"{path}: [grants] allow must be a list of SCOPE:VALUE strings")
    return list(allow)


def configured_grants(folder: Path | None = None) -> list[str]:
    """The grants of the user's config file and of a trusted ``lifeos.toml`` in ``folder``."""
    from ..values.trust import config_dir, is_trusted

    found: list[str] = []
    own = config_dir() / "config.toml"
    if own.is_file():
        found += _grants_in(own)
    project = (folder or Path.cwd()) / PROJECT_FILE
    if project.is_file():
        if is_trusted(project):
            found += _grants_in(project)
        else:
            warn(f"{project} is not trusted, so its grants do not count; read it, then: lifeos trust {project}")
    return found


def run_grants(allow: list[str] | None, known_scopes: set[str]) -> list[str]:
    """The grants of a run as their texts: ``--allow``, then the config files;
    each checked (``SCOPE:VALUE``, a scope some effect kind needs)."""
    from ..engine.grants import Grants
    from ..errors import WorkflowInputError

    texts = [*(allow or []), *configured_grants()]
    for text in texts:
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise fail_usage(f"grant {text!r} is not valid text (a path that is not UTF-8?); name it another way") \
                from None
    try:
        Grants.parse(texts, sorted(known_scopes | {"env"}))
    except WorkflowInputError as exc:
        raise fail_usage(str(exc)) from None
    return texts


class Asker:
    """At a terminal: ask once for each missing grant (``y`` grants it for this
    run); ``granted`` lists what the user said yes to, to record with the run."""

    def __init__(self) -> None:
        self.asked: dict[str, bool] = {}
        self.granted: list[str] = []

    def __call__(self, scope: str, target: str) -> str | None:
        from rich.prompt import Confirm

        from .output import console

        grant = f"{scope}:{target}"
        if grant not in self.asked:
            try:
                self.asked[grant] = Confirm.ask(f"allow {grant} for this run?", default=False,
                                                console=console(stderr=True))
            except (EOFError, KeyboardInterrupt):
                self.asked[grant] = False
            if self.asked[grant]:
                self.granted.append(grant)
        return grant if self.asked[grant] else None


def known_scopes() -> set[str]:
    from ..plugins.active import active_registry

    return {kind.scope for kind in active_registry().effect_kinds()}


def report_applied(outcomes: list[Any], record_id: str) -> bool:
    """Say what applying the writes did; whether every write was applied."""
    ok = True
    for outcome in outcomes:
        if outcome.outcome == "written":
            echo(f"wrote {outcome.path}", err=True)
        elif outcome.outcome == "unchanged":
            echo(f"{outcome.path} already holds what the run wrote", err=True)
        else:
            ok = False
            echo(f"error: not written: {outcome.reason} (record {record_id[:12]})", err=True)
    return ok

