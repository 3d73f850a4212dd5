"""Whole-process build time: `typeset build` against Typst, same document, same page and fonts.

Each build is timed as a separate process, from exec to exit (wall clock), so the numbers
include Python start-up, imports, font loading, layout and writing the PDF — what a user
waits for at the prompt:

    typeset: .venv/bin/typeset build source/report.md -o TMP/typeset.pdf
    Typst:   .venv/bin/python benchmarks/typst/compile.py benchmarks/typst/report.typ TMP/typst.pdf

The `typst` wheel on PyPI has no command-line program, so the Typst side is also a Python
process (start-up + `import typst` + `typst.compile`, with `font_paths=fonts/` and
`ignore_system_fonts=True`). benchmarks/typst/report.typ is regenerated from the same
source/report.md before timing (benchmarks/typst/make_typ.py; not timed).

One warm-up build of each (not counted), then N rounds, interleaved; the order within a
round alternates so neither tool always runs on a warmer machine. Reports median, min and
max, the ratio of the medians, the PDF sizes, and the budget of issue 2:
typeset ≤ 2.0 s whole-process, ≤ 4× Typst, PDF ≤ 400 KB.

    .venv/bin/python benchmarks/bench_build.py [--runs 7] [--json] [--strict]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
VENV_BIN = PROJECT / '.venv' / 'bin'
SOURCE = PROJECT / 'source' / 'report.md'

BUDGET_SECONDS = 2.0
BUDGET_RATIO = 4.0
BUDGET_KB = 400

sys.path.insert(0, str(HERE / 'typst'))
import make_typ  # noqa: E402


def _python() -> str:
    exe = VENV_BIN / 'python'
    return str(exe) if exe.exists() else sys.executable


def _typeset() -> list[str]:
    exe = VENV_BIN / 'typeset'
    return [str(exe)] if exe.exists() else [_python(), '-m', 'typeset.cli']


def time_process(cmd: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=PROJECT, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f'failed (exit {proc.returncode}): {" ".join(cmd)}\n{proc.stdout}{proc.stderr}')
    return seconds, proc.stdout + proc.stderr


def pdf_pages(path: Path) -> int | None:
    try:
        out = subprocess.run(['pdfinfo', str(path)], capture_output=True, text=True).stdout
    except FileNotFoundError:
        return None
    m = re.search(r'^Pages:\s+(\d+)', out, re.M)
    return int(m.group(1)) if m else None


def embedded_fonts(path: Path) -> list[dict]:
    """Each embedded font: name, stored (compressed) size, glyphs in the embedded program.
    Where the PDF budget goes; pypdf is a dependency of typeset already."""
    try:
        import io
        import logging
        import pypdf
        from fontTools.cffLib import CFFFontSet
        from fontTools.ttLib import TTFont
    except ImportError:
        return []
    logging.getLogger('pypdf').setLevel(logging.ERROR)
    out, seen = [], set()
    for page in pypdf.PdfReader(path).pages:
        for ref in (page.get('/Resources') or {}).get('/Font', {}).values():
            font = ref.get_object()
            desc = (font['/DescendantFonts'][0].get_object() if '/DescendantFonts' in font else font)
            fd = desc.get('/FontDescriptor')
            if fd is None:
                continue
            fd = fd.get_object()
            name = str(fd.get('/FontName'))
            key = next((k for k in ('/FontFile3', '/FontFile2', '/FontFile') if k in fd), None)
            if key is None or name in seen:
                continue
            seen.add(name)
            stream = fd[key].get_object()
            data = stream.get_data()
            glyphs = None
            try:
                if data[:4] in (b'OTTO', b'\x00\x01\x00\x00', b'true'):
                    glyphs = TTFont(io.BytesIO(data), lazy=True)['maxp'].numGlyphs
                else:
                    cff = CFFFontSet()
                    cff.decompile(io.BytesIO(data), None)
                    glyphs = len(cff[0].charset)
            except Exception:
                pass
            out.append({'name': name.lstrip('/'), 'stored_bytes': len(stream._data),
                        'program_bytes': len(data), 'glyphs': glyphs,
                        'kind': 'OpenType' if data[:4] == b'OTTO' else 'bare CFF'})
    return out


def summarize(samples: list[float]) -> dict:
    return {'median': statistics.median(samples), 'min': min(samples), 'max': max(samples),
            'samples': samples}


def versions() -> dict:
    code = ('import importlib.metadata as m;'
            'print(m.version("typeset"), m.version("weasyprint"), m.version("typst"))')
    out = subprocess.run([_python(), '-c', code], capture_output=True, text=True).stdout.split()
    keys = ['typeset', 'weasyprint', 'typst']
    return dict(zip(keys, out)) if len(out) == len(keys) else {}


def run(runs: int, source: Path = SOURCE, progress=None) -> dict:
    typ = make_typ.generate(source, HERE / 'typst' / 'report.typ')
    with tempfile.TemporaryDirectory(prefix='bench_build.') as tmp:
        tmp = Path(tmp)
        out_typeset, out_typst = tmp / 'typeset.pdf', tmp / 'typst.pdf'
        commands = {
            'typeset': _typeset() + ['build', str(source), '-o', str(out_typeset)],
            'typst': [_python(), str(HERE / 'typst' / 'compile.py'), str(typ), str(out_typst)],
        }
        for cmd in commands.values():   # warm-up: page cache, .pyc files
            time_process(cmd)
        samples = {name: [] for name in commands}
        last_output = ''
        for i in range(runs):
            order = list(commands) if i % 2 == 0 else list(commands)[::-1]
            for name in order:
                seconds, output = time_process(commands[name])
                samples[name].append(seconds)
                if name == 'typeset':
                    last_output = output
                if progress:
                    progress(f'  round {i + 1}/{runs}: {name:8} {seconds:.3f} s')
        result = {name: summarize(s) for name, s in samples.items()}
        result['typeset']['pdf_bytes'] = out_typeset.stat().st_size
        result['typst']['pdf_bytes'] = out_typst.stat().st_size
        result['typeset']['pages'] = pdf_pages(out_typeset)
        result['typst']['pages'] = pdf_pages(out_typst)
        result['typeset']['fonts'] = embedded_fonts(out_typeset)
        result['typst']['fonts'] = embedded_fonts(out_typst)
        m = re.search(r'in ([\d.]+) s', last_output)
        result['typeset']['in_process_seconds_last_run'] = float(m.group(1)) if m else None
    ratio = result['typeset']['median'] / result['typst']['median']
    size_kb = result['typeset']['pdf_bytes'] / 1024
    budget = {
        f'typeset ≤ {BUDGET_SECONDS} s whole-process': result['typeset']['median'] <= BUDGET_SECONDS,
        f'typeset ≤ {BUDGET_RATIO:g}× Typst': ratio <= BUDGET_RATIO,
        f'PDF ≤ {BUDGET_KB} KB': size_kb <= BUDGET_KB,
    }
    return {
        'runs': runs,
        'source': str(source),
        'machine': {'cpus': os.cpu_count(), 'platform': platform.platform(),
                    'python': platform.python_version(), **versions()},
        'typeset': result['typeset'],
        'typst': result['typst'],
        'ratio': ratio,
        'budget': budget,
    }


def print_table(r: dict) -> None:
    ts, tp = r['typeset'], r['typst']
    print(f"Whole-process build of {Path(r['source']).name}, {r['runs']} interleaved runs each "
          f"({r['machine']['cpus']} CPUs, Python {r['machine']['python']})")
    print()
    print(f"{'':10}{'median s':>10}{'min s':>8}{'max s':>8}{'PDF KB':>9}{'pages':>7}")
    for name, d in (('typeset', ts), ('typst', tp)):
        print(f"{name:10}{d['median']:10.3f}{d['min']:8.3f}{d['max']:8.3f}"
              f"{d['pdf_bytes'] / 1024:9.1f}{d['pages'] or '?':>7}")
    print()
    print(f"ratio typeset / typst (medians): {r['ratio']:.2f}×")
    if ts.get('in_process_seconds_last_run') is not None:
        print(f"typeset's own timer (last run, after start-up and imports of the CLI): "
              f"{ts['in_process_seconds_last_run']:.2f} s")
    if ts.get('fonts') or tp.get('fonts'):
        print()
        print('Embedded fonts (stored KB / glyphs in the embedded program):')
        for name, d in (('typeset', ts), ('typst', tp)):
            parts = [f"{f['name'].split('+')[-1]} {f['stored_bytes'] / 1024:.0f} KB/{f['glyphs']}"
                     for f in d.get('fonts', [])]
            total = sum(f['stored_bytes'] for f in d.get('fonts', [])) / 1024
            print(f"  {name:8} {total:6.0f} KB: " + ', '.join(parts))
    print()
    for what, ok in r['budget'].items():
        print(f"{'PASS' if ok else 'FAIL'}  {what}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--runs', type=int, default=7, help='timed runs of each (default 7, at least 5)')
    ap.add_argument('--json', action='store_true', help='print the results as JSON')
    ap.add_argument('--strict', action='store_true', help='exit 1 when the budget is missed')
    ap.add_argument('--source', type=Path, default=SOURCE, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.runs < 5:
        ap.error('--runs must be at least 5 (the budget is judged on a median of at least 5)')
    progress = None if args.json else (lambda msg: print(msg, file=sys.stderr))
    r = run(args.runs, args.source.resolve(), progress)
    if args.json:
        print(json.dumps(r, indent=2, ensure_ascii=False))
    else:
        print_table(r)
    return 1 if args.strict and not all(r['budget'].values()) else 0


if __name__ == '__main__':
    sys.exit(main())
