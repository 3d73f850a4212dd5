"""`typeset check` on the raw seed against a plain `typeset build` of it: must stay < 2×.

Both run as the user runs them (the CLI in a fresh process, best of N runs), writing to
a temporary folder. Prints one JSON line; exits 1 when the ratio is 2 or more.

    .venv/bin/python benchmarks/bench_check.py [--runs 5] [SOURCE]
"""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / 'tests' / 'fixtures' / 'check' / 'seed.txt'
TYPESET = [sys.executable, '-c', 'from typeset.cli import main; main()']


def best(args, runs):
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        done = subprocess.run(TYPESET + args, capture_output=True, text=True, cwd=ROOT)
        times.append(time.perf_counter() - t)
        if done.returncode not in (0, 1):
            sys.exit(f'{args[0]} failed: {done.stderr.strip()}')
    return min(times)


def main():
    args = sys.argv[1:]
    runs = 5
    if '--runs' in args:
        i = args.index('--runs')
        runs = int(args[i + 1])
        del args[i:i + 2]
    source = Path(args[0]) if args else SEED
    with tempfile.TemporaryDirectory() as tmp:
        build = best(['build', str(source), '-o', f'{tmp}/build.pdf'], runs)
        check = best(['check', str(source), '-o', f'{tmp}/check.pdf', '--format', 'json'], runs)
    ratio = check / build
    print(json.dumps({'source': str(source), 'runs': runs, 'build_s': round(build, 3),
                      'check_s': round(check, 3), 'ratio': round(ratio, 2), 'limit': 2.0}))
    sys.exit(0 if ratio < 2 else 1)


if __name__ == '__main__':
    main()
