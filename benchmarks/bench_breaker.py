"""What the paragraph breaker and page fill cost against the greedy splitter (issue 9).

Three ways to lay out the same manuscript, in one process (fonts loaded once, so the
numbers are layout and PDF writing, which is what the breaker changes):

    greedy    each line decided when it is reached (cjk.breaker.ENABLED = False)
    breaker   all breaks of a paragraph chosen together (Knuth–Plass, cjk/breaker.py)
    fill      breaker + page fill (a short page laid out again, cjk/pagefill.py)

on source/report.md (7 pages) and on a manuscript of about 100 pages made like
benchmarks/scale.py makes its own (the seed's paragraphs under numbered headings).
One warm-up build of each, then N rounds, interleaved; medians and ratios to greedy.
The aim of issue 9: breaker ≤ 1.3 × greedy.

    .venv/bin/python benchmarks/bench_breaker.py [--runs 5] [--pages 100] [--json]
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import scale  # noqa: E402
import typeset  # noqa: E402
from typeset.cjk import breaker, pagefill  # noqa: E402

MODES = {'greedy': (False, False), 'breaker': (True, False), 'fill': (True, True)}
BYTES_PER_PAGE = 1500   # of manuscript (a page of the seed's paragraphs and headings)


def build(src: Path, out: Path, mode: str) -> tuple[float, int, object]:
    breaker.ENABLED, pagefill.ENABLED = MODES[mode]
    try:
        start = time.perf_counter()
        result = typeset.build(src, out)
        return time.perf_counter() - start, result.pages, result.composition
    finally:
        breaker.ENABLED = pagefill.ENABLED = True


def bench(src: Path, runs: int, tmp: Path) -> dict:
    times = {m: [] for m in MODES}
    info = {}
    for mode in MODES:       # warm-up
        _, pages, comp = build(src, tmp / f'{mode}.pdf', mode)
        info[mode] = {'pages': pages, 'greedy_lines': comp.greedy,
                      'unavoidable': len(comp.unavoidable), 'pages_filled': comp.filled}
    for k in range(runs):
        order = list(MODES) if k % 2 == 0 else list(reversed(MODES))
        for mode in order:
            times[mode].append(build(src, tmp / f'{mode}.pdf', mode)[0])
    med = {m: statistics.median(t) for m, t in times.items()}
    return {'document': src.name, 'runs': runs,
            'median_s': {m: round(v, 3) for m, v in med.items()},
            'ratio_to_greedy': {m: round(v / med['greedy'], 3) for m, v in med.items()},
            'info': info}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--runs', type=int, default=5)
    ap.add_argument('--pages', type=int, default=100)
    ap.add_argument('--json', action='store_true')
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        big = tmp / 'hundred.md'
        big.write_text(scale.manuscript(args.pages * BYTES_PER_PAGE), encoding='utf-8')
        results = [bench(ROOT / 'source' / 'report.md', args.runs, tmp),
                   bench(big, max(1, args.runs // 2), tmp)]
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=1))
        return
    for r in results:
        pages = r['info']['greedy']['pages']
        print(f"{r['document']} ({pages} pages, {r['runs']} runs): "
              + ', '.join(f"{m} {r['median_s'][m]:.2f} s ({r['ratio_to_greedy'][m]:.2f}×)"
                          for m in MODES))
        print(f"  breaker: {r['info']['breaker']['greedy_lines']} greedy fallback line(s), "
              f"{r['info']['breaker']['unavoidable']} unavoidable; fill: "
              f"{r['info']['fill']['pages_filled']} page(s) filled")


if __name__ == '__main__':
    main()
