"""CLI start-up against the floor every Typer CLI pays.

Times, in one run and with the same interpreter, `lifeos --help` and
`lifeos missions list` (with whatever mission packs are installed) against a
minimal Typer app of one sub-app, one command and one option. Runs alternate
so that the machine's drift affects both sides alike; the median of each is
reported with the ratio.

    .venv/bin/python benchmarks/cli_startup.py [--runs 30]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MINIMAL_APP = '''
import typer

app = typer.Typer()
things = typer.Typer()
app.add_typer(things, name="things")


@things.command("list")
def list_things(json_output: bool = typer.Option(False, "--json")) -> None:
    print("one thing")


app()
'''


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    runs = parser.parse_args().runs
    lifeos = [sys.executable, "-c", "from lifeos_core.cli import main; main()"]
    with tempfile.TemporaryDirectory() as folder:
        minimal = Path(folder) / "minimal_app.py"
        minimal.write_text(MINIMAL_APP)
        cases = {
            "minimal Typer app: things list": [sys.executable, str(minimal), "things", "list"],
            "minimal Typer app: --help": [sys.executable, str(minimal), "--help"],
            "lifeos missions list": [*lifeos, "missions", "list"],
            "lifeos --help": [*lifeos, "--help"],
        }
        os.environ.setdefault("COLUMNS", "100")
        for command in cases.values():  # warm the file cache
            timed(command)
        samples: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(runs):
            for name, command in cases.items():
                samples[name].append(timed(command))
    medians = {name: statistics.median(values) for name, values in samples.items()}
    for name, value in medians.items():
        print(f"{name:<34} {value * 1000:7.1f} ms")
    list_ratio = medians["lifeos missions list"] / medians["minimal Typer app: things list"]
    help_ratio = medians["lifeos --help"] / medians["minimal Typer app: --help"]
    print(f"ratio missions list / minimal command: {list_ratio:.2f}x (target <= 1.5x)")
    print(f"ratio --help / minimal --help:        {help_ratio:.2f}x")


if __name__ == "__main__":
    main()
