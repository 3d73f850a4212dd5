"""Where a `typeset build` spends its time: each stage of the pipeline, timed on its own.

Two kinds of numbers:

* Start-up, in fresh processes (median of N): a bare Python, `import typeset.cli` (what
  the CLI loads before it does anything), `import typeset.pipeline` (the stages before
  rendering) and `import typeset.cjk` (WeasyPrint, imported by the render stage the way
  typeset imports it, and the CJK layer). An import happens once per process, so it can
  only be timed this way.
* The stages, in one process, running what `pipeline.build` runs: `pipeline.prepare`
  with the time of its steps (glyph coverage, Markdown, assembly) taken by wrapping the
  functions it calls, then `render.render_pdf` split into its steps the way the warm
  renderer (`warm.Renderer`) takes them: style sheets (the @font-face sheet registers the
  fonts of fonts/manifest.toml), HTML, layout, and `write_pdf`, itself split into font
  subsetting/embedding (`build_fonts_dictionary`, timed by wrapping it) and the rest.
  The first pass is what a CLI build pays (cold caches: fontconfig, font files, Pango,
  cmaps, templates); the median is over N further passes in the same process, with the
  process's warm renderer, as `typeset watch` rebuilds (style sheets and fonts kept).

    .venv/bin/python benchmarks/stages.py [--runs 7] [--json] [SOURCE]

Nothing in src/typeset is changed; only `write_pdf`'s steps are copied from
src/typeset/render.py (keep them in step if it changes).
"""
from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import json
import logging
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
VENV_PYTHON = PROJECT / '.venv' / 'bin' / 'python'
SOURCE = PROJECT / 'source' / 'report.md'

STARTUP = {
    'python start-up (bare)': 'pass',
    'import typeset.cli (CLI start-up)': 'import typeset.cli',
    'import typeset.pipeline (stages before rendering)': 'import typeset.pipeline',
    'import typeset.cjk (WeasyPrint + CJK layer)': 'import typeset.cjk',
}


def startup_costs(runs: int) -> dict[str, dict]:
    python = str(VENV_PYTHON if VENV_PYTHON.exists() else sys.executable)
    out = {}
    for name, stmt in STARTUP.items():
        code = ('import time, warnings; warnings.simplefilter("ignore"); t = time.perf_counter(); '
                f'{stmt}; print(time.perf_counter() - t)')
        samples = []
        for _ in range(runs):
            start = time.perf_counter()
            proc = subprocess.run([python, '-c', code], capture_output=True, text=True,
                                  cwd=PROJECT)
            wall = time.perf_counter() - start
            if proc.returncode:
                sys.exit(f'{stmt} failed:\n{proc.stderr}')
            samples.append(float(proc.stdout.split()[-1]) if stmt != 'pass' else wall)
        out[name] = {'median': statistics.median(samples), 'min': min(samples),
                     'max': max(samples)}
    return out


@contextlib.contextmanager
def timed(owner, name: str, seconds: list):
    """`owner.name` timed while the block runs: each call's seconds appended to `seconds`."""
    original = getattr(owner, name)

    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            seconds.append(time.perf_counter() - start)

    setattr(owner, name, wrapper)
    try:
        yield
    finally:
        setattr(owner, name, original)


def one_pass(source_path: Path) -> tuple[dict[str, float], dict]:
    """One build, stage by stage, as pipeline.build + render.render_pdf run it."""
    from typeset import fonts as font_stage
    from typeset import markup as markup_stage
    from typeset import pipeline, render

    t = {}
    clock = time.perf_counter
    coverage, markdown, assembly = [], [], []
    s = clock()
    with timed(pipeline.font_stage, 'uncovered', coverage), \
            timed(pipeline.markup_stage, 'to_html', markdown), \
            timed(pipeline.assemble_stage, 'assemble', assembly):
        prepared = pipeline.prepare(source_path)
    total = clock() - s
    t['read source, style, font manifest, elements'] = total - sum(coverage + markdown + assembly)
    t['glyph coverage (font cmaps)'] = sum(coverage)
    t['markdown → HTML (with title segmentation)'] = sum(markdown)
    t['assemble (Jinja)'] = sum(assembly)

    # render.render_pdf, step by step, with the process's warm renderer (warm.py).
    s = clock()
    from typeset import cjk
    from typeset.warm import Renderer
    renderer = Renderer.shared()
    t['import WeasyPrint + cjk.install (first pass only)'] = clock() - s

    sandbox = pipeline.sandbox_for(prepared)
    sheets = [(font_stage.font_face_css(prepared.fonts), pipeline.FONTS_DIR),
              (markup_stage.CSS, pipeline.TEMPLATES_DIR),
              (prepared.style.css, prepared.style.css_path)]
    logging.getLogger('weasyprint').setLevel(logging.ERROR)
    render.isolate_fonts()
    if renderer.font_config is None:
        renderer.font_config = cjk.weasyprint.text.fonts.FontConfiguration()
    fetcher = sandbox.fetcher()
    s = clock()
    css = [renderer._sheet(*sheets[0], fetcher, sandbox)]
    t['@font-face sheet: fonts registered (kept when warm)'] = clock() - s
    s = clock()
    css += [renderer._sheet(text, path, fetcher, sandbox) for text, path in sheets[1:]]
    t['style sheets parsed (kept when warm)'] = clock() - s

    s = clock()
    base_url = source_path.resolve().parent
    document = cjk.weasyprint.HTML(string=prepared.html, base_url=base_url.as_uri() + '/',
                                   url_fetcher=fetcher)
    t['parse HTML'] = clock() - s

    s = clock()
    rendered = document.render(stylesheets=css, font_config=renderer.font_config)
    t['layout (document.render)'] = clock() - s

    import weasyprint.pdf as wpdf
    fonts_seconds = []
    with timed(wpdf, 'build_fonts_dictionary', fonts_seconds):
        s = clock()
        identifier = hashlib.sha256(prepared.html.encode()).hexdigest()[:32].encode()
        buffer = io.BytesIO()
        rendered.write_pdf(buffer, pdf_identifier=identifier)
        total = clock() - s
    t['write_pdf: subset + embed fonts'] = sum(fonts_seconds)
    t['write_pdf: rest (pages, tags, serialise)'] = total - sum(fonts_seconds)

    info = {'pages': len(rendered.pages), 'pdf_bytes': buffer.tell(),
            'missing_glyphs': sum(f.rule == 'glyph-missing' for f in prepared.findings),
            'harfbuzz_subset': render.harfbuzz_subset_available()}
    return t, info


def stage_costs(runs: int, source_path: Path) -> dict:
    first, info = one_pass(source_path)
    samples: dict[str, list[float]] = {k: [] for k in first}
    for _ in range(runs):
        t, _ = one_pass(source_path)
        for k, v in t.items():
            samples[k].append(v)
    stages = {k: {'first': first[k], 'median': statistics.median(v), 'min': min(v), 'max': max(v)}
              for k, v in samples.items()}
    return {'stages': stages, 'info': info}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('source', nargs='?', type=Path, default=SOURCE)
    ap.add_argument('--runs', type=int, default=7)
    ap.add_argument('--json', action='store_true')
    args = ap.parse_args(argv)

    startup = startup_costs(args.runs)
    result = stage_costs(args.runs, args.source.resolve())
    result['startup'] = startup
    result['runs'] = args.runs
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
        return 0

    print(f'Start-up, fresh processes (median of {args.runs}; imports are not additive: '
          'typeset.cjk includes weasyprint)')
    print(f"{'':52}{'median s':>10}{'min s':>8}{'max s':>8}")
    for name, d in startup.items():
        print(f"{name:52}{d['median']:10.3f}{d['min']:8.3f}{d['max']:8.3f}")
    print()
    info = result['info']
    print(f"Stages, one process: first pass (as a CLI build) and median of {args.runs} more "
          f"({info['pages']} pages, {info['pdf_bytes'] / 1024:.1f} KB, "
          f"HarfBuzz subsetting {'on' if info['harfbuzz_subset'] else 'OFF'})")
    print(f"{'':52}{'first s':>10}{'median s':>10}{'min s':>8}{'max s':>8}")
    total_first = total_median = 0.0
    for name, d in result['stages'].items():
        print(f"{name:52}{d['first']:10.3f}{d['median']:10.3f}{d['min']:8.3f}{d['max']:8.3f}")
        total_first += d['first']
        total_median += d['median']
    print(f"{'total':52}{total_first:10.3f}{total_median:10.3f}")
    return 0


if __name__ == '__main__':
    sys.exit(main())
