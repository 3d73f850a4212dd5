"""Reading a Word manuscript against reading the same text as plain text (issue 12).

    .venv/bin/python benchmarks/bench_docx.py [--runs 5]

The .docx is made from corpus 02 (the 57 KB Jiangxi report) with python-docx (the test
extra): one paragraph per line, `## ` lines as Heading 1, the first line centred as
the title. It prints the median time of `read_source` for both, and of a whole build,
so the cost of the OOXML reading is seen beside the cost of setting the pages.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import docx
from docx.enum.text import WD_ALIGN_PARAGRAPH

import typeset
from typeset.source import read_source

ROOT = Path(__file__).resolve().parents[1]
REPORT = ROOT.parent / 'shared' / 'corpus' / '02-jiangxi-gov-work-report-2026.md'


def make_docx(text: str, path: Path) -> None:
    d = docx.Document()
    lines = [ln for ln in text.split('\n') if ln.strip()]
    title = d.add_paragraph(lines[0].lstrip('# '))
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for line in lines[1:]:
        if line.startswith('## '):
            d.add_heading(line[3:], level=1)
        else:
            d.add_paragraph(line)
    d.save(path)


def median(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--runs', type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        text = REPORT.read_text(encoding='utf-8')
        txt, word = tmp / 'report.txt', tmp / 'report.docx'
        txt.write_text(text.replace('## ', ''), encoding='utf-8')
        make_docx(text, word)
        print(f'{REPORT.name}: {len(text):,} characters; .docx {word.stat().st_size:,} bytes')
        for path in (txt, word):
            read = median(lambda: read_source(path), args.runs)
            typeset.build(path, tmp / 'warm.pdf')
            build = median(lambda: typeset.build(path, tmp / (path.suffix[1:] + '.pdf')), max(3, args.runs // 2))
            print(f'  {path.suffix:6} read {read * 1000:7.1f} ms   build {build:6.2f} s')
    return 0


if __name__ == '__main__':
    sys.exit(main())
