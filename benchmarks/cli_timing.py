"""What the command-line benchmarks share: `typeset` run as the user runs it (the CLI in a
fresh process), best of N runs, and the `--runs N` option."""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TYPESET = [sys.executable, '-c', 'from typeset.cli import main; main()']


def best(args: list[str], runs: int) -> float:
    """The fastest of `runs` runs of `typeset ARGS`; exits when one fails (rc 2 or worse)."""
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        done = subprocess.run(TYPESET + args, capture_output=True, text=True, cwd=ROOT)
        times.append(time.perf_counter() - t)
        if done.returncode not in (0, 1):
            sys.exit(f'{args[0]} failed: {done.stderr.strip()}')
    return min(times)


def take_runs(args: list[str], default: int) -> int:
    """Removes `--runs N` from `args` and returns N (or `default`)."""
    if '--runs' not in args:
        return default
    i = args.index('--runs')
    runs = int(args[i + 1])
    del args[i:i + 2]
    return runs
