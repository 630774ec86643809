"""The hostile-provider run of bench/fuzz_answers.py, small: every spec, plain and streamed, fixed seed.

`make fuzz` runs 12,500 of them; here a few hundred keep CI quick and still cover every mutation kind.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench" / "fuzz_answers.py"


def test_mutated_answers_end_as_the_original_calls_or_a_typed_error() -> None:
    run = subprocess.run(
        [sys.executable, "-W", "ignore", str(BENCH), "--count", "400", "--seed", "7"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    summary = run.stdout.splitlines()
    total = next(line for line in summary if line.startswith("all"))
    assert "400 mutated answers" in total
    assert not {"UNTYPED", "SHORTENED", "REORDERED", "HARMLESS"} & set(total.split())
    # The run really exercises both sides: answers that survive and answers that are refused.
    assert "same calls" in total and "harness error" in total
