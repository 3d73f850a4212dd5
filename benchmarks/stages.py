"""Where a `typeset build` spends its time: each stage of the pipeline, timed on its own.

Two kinds of numbers:

* Start-up, in fresh processes (median of N): a bare Python, `import typeset.cli` (what
  the CLI loads before it does anything), `import weasyprint` (imported lazily by the
  render stage) and `import typeset.cjk` (the WeasyPrint patches). An import happens once
  per process, so it can only be timed this way.
* The stages, in one process, calling the same functions `pipeline.build` calls, in the
  same order (read source, style, font manifest + coverage, Markdown, assemble,
  WeasyPrint parse, @font-face loading, layout with `document.render`, `write_pdf`, split
  into font subsetting/embedding and the rest).
  The first pass is what a CLI build pays (cold caches: fontconfig, font files, Pango,
  cmap cache); the median is over N further passes in the same process.

    .venv/bin/python benchmarks/stages.py [--runs 7] [--json] [SOURCE]

Nothing in src/typeset is changed; render.render_pdf is split here into its steps,
copied from src/typeset/render.py (keep them in step if it changes).
"""
from __future__ import annotations

import argparse
import hashlib
import io
import json
import logging
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
VENV_PYTHON = PROJECT / '.venv' / 'bin' / 'python'
SOURCE = PROJECT / 'source' / 'report.md'

STARTUP = {
    'python start-up (bare)': 'pass',
    'import typeset.cli (CLI start-up)': 'import typeset.cli',
    'import weasyprint': 'import weasyprint',
    'import typeset.cjk (imports weasyprint)': 'import typeset.cjk',
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


def one_pass(source_path: Path) -> tuple[dict[str, float], dict]:
    """One build, stage by stage, as pipeline.build + render.render_pdf do it."""
    from typeset import assemble as assemble_stage
    from typeset import fonts as font_stage
    from typeset import markup as markup_stage
    from typeset import pipeline, render
    from typeset.source import read_source

    t = {}
    clock = time.perf_counter

    s = clock()
    source = read_source(source_path)
    t['read source (front matter, decode)'] = clock() - s

    s = clock()
    style = pipeline.resolve_style(source.meta.get('style'), source.path)
    specs = font_stage.load_manifest(pipeline.FONTS_DIR)
    t['style + font manifest'] = clock() - s

    s = clock()
    meta = dict(source.meta)
    missing = font_stage.uncovered(
        source.body + ''.join(map(str, pipeline._flatten(meta.get('title')))), specs)
    t['glyph coverage (font cmaps)'] = clock() - s

    s = clock()
    fragment = markup_stage.to_html(source.body)
    t['markdown → HTML'] = clock() - s

    s = clock()
    title_html = None
    if not meta.get('title'):
        title_html, fragment = markup_stage.split_title(fragment)
    html = assemble_stage.assemble(fragment, meta, title_html=title_html, style_name=style.name,
                                   template_dirs=style.template_dirs, template=style.template)
    t['assemble (Jinja)'] = clock() - s

    # render.render_pdf, step by step.
    s = clock()
    render.isolate_fonts()
    with warnings.catch_warnings():
        warnings.filterwarnings('ignore', message='No fonts configured')
        import weasyprint
    from weasyprint.text.fonts import FontConfiguration
    from typeset import cjk
    if hasattr(cjk, 'install'):
        cjk.install()
    t['import weasyprint + cjk.install'] = clock() - s

    s = clock()
    sandbox = render.Sandbox(roots=[source_path.resolve().parent, pipeline.STYLES_DIR.resolve(),
                                    pipeline.FONTS_DIR.resolve(), pipeline.TEMPLATES_DIR.resolve(),
                                    style.css_path.parent])
    sheets = [(font_stage.font_face_css(specs), pipeline.FONTS_DIR), (style.css, style.css_path)]
    fetcher = sandbox.fetcher()
    font_config = FontConfiguration()
    logger = logging.getLogger('weasyprint')
    logger.setLevel(logging.ERROR)
    document = weasyprint.HTML(string=html, base_url=source_path.resolve().parent.as_uri() + '/',
                               url_fetcher=fetcher)
    t['parse HTML'] = clock() - s

    # sheets[0] is the @font-face sheet of fonts/manifest.toml: WeasyPrint reads each font
    # file, copies it into a temporary folder and has fontconfig scan it.
    s = clock()
    css = [weasyprint.CSS(string=sheets[0][0], base_url=sheets[0][1].as_uri(), url_fetcher=fetcher,
                          font_config=font_config)]
    t['@font-face: load 7 fonts (copy + fc scan)'] = clock() - s
    s = clock()
    css += [weasyprint.CSS(string=text, base_url=path.as_uri(), url_fetcher=fetcher,
                           font_config=font_config) for text, path in sheets[1:]]
    t['parse style sheet'] = clock() - s

    s = clock()
    rendered = document.render(stylesheets=css, font_config=font_config)
    t['layout (document.render)'] = clock() - s

    # Measurement only: time build_fonts_dictionary (HarfBuzz subsetting and embedding of
    # the fonts) inside write_pdf by wrapping it for this call.
    import weasyprint.pdf as wpdf
    fonts_seconds = []
    original = wpdf.build_fonts_dictionary

    def timed(*args, **kwargs):
        start = clock()
        try:
            return original(*args, **kwargs)
        finally:
            fonts_seconds.append(clock() - start)

    wpdf.build_fonts_dictionary = timed
    try:
        s = clock()
        identifier = hashlib.sha256(html.encode()).hexdigest()[:32].encode()
        buffer = io.BytesIO()
        rendered.write_pdf(buffer, pdf_identifier=identifier)
        total = clock() - s
    finally:
        wpdf.build_fonts_dictionary = original
    t['write_pdf: subset + embed fonts'] = sum(fonts_seconds)
    t['write_pdf: rest (pages, tags, serialise)'] = total - sum(fonts_seconds)

    info = {'pages': len(rendered.pages), 'pdf_bytes': buffer.tell(), 'missing_glyphs': len(missing),
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
    print(f"{'':44}{'median s':>10}{'min s':>8}{'max s':>8}")
    for name, d in startup.items():
        print(f"{name:44}{d['median']:10.3f}{d['min']:8.3f}{d['max']:8.3f}")
    print()
    info = result['info']
    print(f"Stages, one process: first pass (as a CLI build) and median of {args.runs} more "
          f"({info['pages']} pages, {info['pdf_bytes'] / 1024:.1f} KB, "
          f"HarfBuzz subsetting {'on' if info['harfbuzz_subset'] else 'OFF'})")
    print(f"{'':44}{'first s':>10}{'median s':>10}{'min s':>8}{'max s':>8}")
    total_first = total_median = 0.0
    for name, d in result['stages'].items():
        print(f"{name:44}{d['first']:10.3f}{d['median']:10.3f}{d['min']:8.3f}{d['max']:8.3f}")
        total_first += d['first']
        total_median += d['median']
    print(f"{'total':44}{total_first:10.3f}{total_median:10.3f}")
    return 0


if __name__ == '__main__':
    sys.exit(main())
