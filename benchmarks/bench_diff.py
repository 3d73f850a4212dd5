"""`typeset diff` of a second draft against a plain `typeset build` of it: must stay ≤ 2×.

For each corpus report a second draft is made (a sentence deleted, a clause inserted, a
number changed); both commands run as the user runs them (the CLI in a fresh process,
best of N runs) writing to a temporary folder. Prints one JSON line per report; exits 1
when a ratio is above 2.

    .venv/bin/python benchmarks/bench_diff.py [--runs 3] [SOURCE ...]
"""
from __future__ import annotations

import json
import re
import sys
import tempfile
from pathlib import Path

from cli_timing import ROOT, best, take_runs

CORPUS = ROOT.parent / 'shared' / 'corpus'
REPORTS = [CORPUS / '02-jiangxi-gov-work-report-2026.md', CORPUS / '03-rural-revitalization-opinions-2018.md']


def second_draft(text: str) -> str:
    """A proof round's worth of edits, placed by pattern so any report will do."""
    sentences = list(re.finditer(r'[^。\n]{12,60}。', text))
    deleted = sentences[len(sentences) // 3]
    text = text[:deleted.start()] + text[deleted.end():]
    comma = text.find('，', len(text) // 2)
    text = text[:comma + 1] + '坚持问题导向，' + text[comma + 1:]
    number = re.search(r'\d{4}年', text[len(text) * 2 // 3:])
    if number:
        at = len(text) * 2 // 3 + number.start()
        text = text[:at] + str(int(text[at:at + 4]) + 1) + text[at + 4:]
    return text


def main():
    args = sys.argv[1:]
    runs = take_runs(args, 3)
    sources = [Path(a) for a in args] or REPORTS
    worst = 0.0
    for source in sources:
        with tempfile.TemporaryDirectory() as tmp:
            old, new = Path(tmp) / 'round1.md', Path(tmp) / 'round2.md'
            text = source.read_text(encoding='utf-8')
            old.write_text(text, encoding='utf-8')
            new.write_text(second_draft(text), encoding='utf-8')
            build = best(['build', str(new), '-o', f'{tmp}/build.pdf'], runs)
            diff = best(['diff', str(old), str(new), '-o', f'{tmp}/marked.pdf', '--format', 'json'], runs)
        ratio = diff / build
        worst = max(worst, ratio)
        print(json.dumps({'source': source.name, 'kb': round(source.stat().st_size / 1024), 'runs': runs,
                          'build_s': round(build, 3), 'diff_s': round(diff, 3), 'ratio': round(ratio, 2),
                          'limit': 2.0}))
    sys.exit(0 if worst <= 2 else 1)


if __name__ == '__main__':
    main()
