#!/usr/bin/env python3
"""Set up a development environment and run the demo or the tests.

    python3 dev.py demo      # set up .venv if needed, plan a day from examples/tasks.md, run a pytest suite
    python3 dev.py test      # set up .venv if needed, then run the whole test suite
    python3 dev.py wheels    # build wheels of lifeos-core and the standard packs into dist/

Needs only Python >= 3.10 and pip access to the package index. The virtual
environment lives in .venv; it is (re)installed when a pyproject.toml changes.
Extra arguments after `test` go to pytest, e.g. `python3 dev.py test -k engine`.
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".lifeos-setup-stamp"
PACKS = sorted(path for path in (ROOT / "plugins").iterdir() if (path / "pyproject.toml").exists())


def fingerprint() -> str:
    """What the installed environment depends on: every pyproject.toml."""
    digest = hashlib.sha256()
    for path in [ROOT / "pyproject.toml", *(pack / "pyproject.toml" for pack in PACKS)]:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def run(*command: str | Path, allow: tuple[int, ...] = (0,), **options: object) -> subprocess.CompletedProcess:
    completed = subprocess.run([str(part) for part in command], cwd=ROOT, **options)  # type: ignore[call-overload]
    if completed.returncode not in allow:
        sys.exit(completed.returncode)
    return completed


def setup() -> None:
    if sys.version_info < (3, 10):
        sys.exit(f"lifeos needs Python >= 3.10; this is {sys.version.split()[0]}")
    if not PYTHON.exists():
        print(f"creating {VENV.relative_to(ROOT)} with {sys.executable}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    wanted = fingerprint()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    print("installing lifeos-core and the standard mission packs (editable)", flush=True)
    editable = ["-e", ".[dev]"]
    for pack in PACKS:
        editable += ["-e", str(pack.relative_to(ROOT))]
    run(PYTHON, "-m", "pip", "install", "--disable-pip-version-check", "--quiet", *editable)
    STAMP.write_text(wanted)


def demo() -> None:
    import tempfile

    def lifeos(*arguments: str, allow: tuple[int, ...] = (0,), **options: object) -> subprocess.CompletedProcess:
        print(f"\n$ lifeos {shlex.join(arguments)}", flush=True)
        return run(BIN / "lifeos", *arguments, allow=allow, **options)

    def newest_run() -> str:
        newest = subprocess.run([str(BIN / "lifeos"), "runs", "list", "--limit", "1", "--json"], cwd=ROOT,
                                capture_output=True, text=True, check=True)
        return json.loads(newest.stdout)[0]["id"][:12]

    lifeos("missions", "list")
    # Plan a day from a Markdown task list into a journal in a folder of the demo's own.
    # The plan waits for a person at its human step (exit 4); stdin is not a terminal
    # here, so it is not asked now but recorded, to be decided below. The journal is
    # written only then, once the plan is confirmed.
    folder = Path(tempfile.mkdtemp(prefix="lifeos-demo-"))
    journal = folder / "journal.md"
    lifeos("run", "daily_loop", "-p", "tasks=examples/tasks.md", "-p", f"journal={journal}",
           "--allow", "read:examples/tasks.md", "--allow", f"read:{folder}", "--allow", f"write:{journal}",
           allow=(4,), stdin=subprocess.DEVNULL)
    lifeos("runs", "pending")
    lifeos("runs", "approve", newest_run(), "confirm-plan", "--note", "demo: the plan looks right")
    print(f"\n$ cat {journal}\n{journal.read_text()}", end="", flush=True)
    # Run a real pytest suite: one test passes, one fails, so the mission fails (exit 1)
    # and names the failing test; the replay gives the same verdict from the record alone.
    python = str(PYTHON)
    lifeos("run", "run_tests", "-p", "target=examples/pytest-project", "-p", f"python={python}",
           "--allow", f"run:{python}", allow=(1,), stdin=subprocess.DEVNULL)
    lifeos("runs", "replay", newest_run())
    lifeos("test", "examples/daily-plan.lifeos.yaml")
    lifeos("runs", "list", "--limit", "3")
    lifeos("runs", "verify")


def test(pytest_args: list[str]) -> None:
    run(PYTHON, "-m", "pytest", *pytest_args)


def wheels() -> None:
    """Wheels of lifeos-core and the standard packs, for installing lifeos (or a pack
    you write) in another environment: pip install --find-links dist lifeos-core."""
    dist = ROOT / "dist"
    run(PYTHON, "-m", "pip", "wheel", "--disable-pip-version-check", "--quiet", "--no-deps",
        "--wheel-dir", dist, ".", *(pack.relative_to(ROOT) for pack in PACKS))
    for wheel in sorted(dist.glob("*.whl")):
        print(wheel.relative_to(ROOT))
    print(f"install in any environment with: pip install --find-links {dist} lifeos-core")


def main(argv: list[str]) -> None:
    if not argv or argv[0] not in {"demo", "test", "setup", "wheels"}:
        sys.exit(__doc__)
    setup()
    if argv[0] == "demo":
        demo()
    elif argv[0] == "test":
        test(argv[1:])
    elif argv[0] == "wheels":
        wheels()


if __name__ == "__main__":
    main(sys.argv[1:])
