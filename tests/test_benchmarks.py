"""The benchmark script keeps working (its figures are machine-dependent, so only its report is checked)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "run.py"


def test_the_benchmark_reports_each_target_with_its_ratio_and_verdict():
    completed = subprocess.run([sys.executable, str(SCRIPT), "--quick", "--only", "hashing"],
                               capture_output=True, text=True, timeout=300)
    lines = completed.stdout.splitlines()
    assert re.fullmatch(r"(PASS|FAIL)  3\. stable_hash throughput / \(orjson \+ SHA-256\) +\d+\.\d\d   target >= 0\.5",
                        lines[0])
    verdict = lines[0].split()[0]
    assert lines[-1] == ("1 of 1 targets met" if verdict == "PASS" else "0 of 1 targets met; missed: 1")
    assert completed.returncode == (0 if verdict == "PASS" else 1)


def test_the_benchmark_refuses_an_unknown_target():
    completed = subprocess.run([sys.executable, str(SCRIPT), "--only", "everything"], capture_output=True, text=True)
    assert completed.returncode == 2
    assert "invalid choice: 'everything'" in completed.stderr
