"""`typeset check` on the raw seed against a plain `typeset build` of it: must stay < 2×.

Both run as the user runs them (the CLI in a fresh process, best of N runs), writing to
a temporary folder. Prints one JSON line; exits 1 when the ratio is 2 or more.

    .venv/bin/python benchmarks/bench_check.py [--runs 5] [SOURCE]
"""
from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from cli_timing import ROOT, best, take_runs

SEED = ROOT / 'tests' / 'fixtures' / 'check' / 'seed.txt'


def main():
    args = sys.argv[1:]
    runs = take_runs(args, 5)
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
