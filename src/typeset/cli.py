"""The `typeset` command: parse options, call the library, print, choose the exit code.

Exit codes, for every command: 0 done and clean; 1 the build ran and found errors;
2 the input or the options cannot be used. A traceback is printed only with --debug.
"""
from __future__ import annotations

import functools
import gc
import os
import signal
import sys
import traceback
from pathlib import Path

from .warm import GC_THRESHOLD

# The command's imports and its first build make hundreds of thousands of objects that
# live as long as the process, and almost no garbage: collected as a warm renderer
# collects (warm.py), not every 700 allocations (0.02 s of collections while click and
# the pipeline load). What is imported is frozen (see _Command.main and _Deferred).
gc.set_threshold(*GC_THRESHOLD)

import click  # noqa: E402

from .errors import EXIT_FINDINGS, EXIT_INPUT, EXIT_OK, InputError, TypesetError  # noqa: E402


class _Deferred:
    """A module imported when first used: `typeset --help` and Ctrl-C right after start
    do not wait for Markdown, Jinja and WeasyPrint to load."""

    def __init__(self, name: str):
        self._name = name

    def __getattr__(self, attr):
        import importlib
        if self._name not in sys.modules:
            importlib.import_module(self._name)
            gc.freeze()  # what the import made: never garbage, never to be scanned again
        return getattr(sys.modules[self._name], attr)


pipeline = _Deferred('typeset.pipeline')



def _error(message: str) -> None:
    click.echo(click.style('error: ', fg='red', bold=True) + message, err=True)


def guarded(command):
    """One policy for errors: a one-line message naming file and line, never a traceback
    unless --debug was given."""
    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        ctx = click.get_current_context()
        debug = (ctx.find_root().params or {}).get('debug')
        try:
            return command(*args, **kwargs)
        except TypesetError as e:
            if debug:
                traceback.print_exc()
            _error(str(e))
            sys.exit(e.exit_code)
        except KeyboardInterrupt:
            _error('interrupted; the previous output is unchanged')
            sys.exit(130)
        except OSError as e:
            # A name the user gave that the system refuses (too long, not a folder …).
            if debug:
                traceback.print_exc()
            where = f'{str(e.filename)[:120]}: ' if e.filename else ''
            _error(f'{where}{e.strerror or e}')
            sys.exit(EXIT_INPUT)
        except Exception as e:  # the last line of defence: a bug of ours, said in one line
            if debug:
                traceback.print_exc()
            _error(f'internal error: {type(e).__name__}: {e} (run with --debug for the traceback)')
            sys.exit(EXIT_FINDINGS)
    return wrapper


def _interrupt(signum, frame):
    # SIGTERM is handled like Ctrl-C: unwinding removes the .part file and the renderer's
    # temporary folder, which dying at once would leave behind.
    raise KeyboardInterrupt


# Set by a command whose process has nothing left to do once it has said its result: it
# ends without tearing the interpreter down (see _Command.main).
_leave_at_once = False


class _Command(click.Group):
    def main(self, args=None, *rest, **kwargs):
        if args is None:  # the real command line (tests pass their arguments)
            for signum, handler in ((signal.SIGINT, signal.default_int_handler), (signal.SIGTERM, _interrupt)):
                if signal.getsignal(signum) is not signal.SIG_IGN:
                    signal.signal(signum, handler)
            gc.freeze()
        try:
            return super().main(args, *rest, **kwargs)
        except KeyboardInterrupt:  # before or after a command runs: no traceback either
            _error('interrupted')
            sys.exit(130)
        except SystemExit as done:
            if args is None and _leave_at_once:
                _leave(done.code)
            raise
        finally:
            if args is None:  # the command is done: a Ctrl-C while Python exits changes nothing
                signal.signal(signal.SIGINT, signal.SIG_IGN)


def _leave(code) -> None:
    """End the process now, its output flushed. Python's own exit frees every object of
    the build one by one (the box tree, fonts, the imported modules: 0.05 s on the seed,
    more on a long document), which nobody waits for; the PDF is already written and
    synced, and the build's temporary files already removed."""
    code = 0 if code is None else code
    if not isinstance(code, int):
        return  # a message to print: Python's exit says it
    if sys.getprofile() is not None or sys.gettrace() is not None:
        return  # a profiler or coverage writes its report at exit
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            code = code or 1  # a closed pipe: as Python's exit would report it
    os._exit(code)


@click.group(cls=_Command)
@click.option('--debug', is_flag=True, help='Show tracebacks.')
@click.version_option(package_name='typeset')
def main(debug):
    """Typeset Chinese official documents and proof-read the PDF."""


def print_findings(findings) -> None:
    for f in findings:
        colour = {'error': 'red', 'warning': 'yellow'}.get(f.severity)
        click.echo(click.style(str(f), fg=colour) if colour else str(f), err=True)


def print_build(result) -> None:
    """What one build says: notes, warnings and findings on stderr, one line on stdout."""
    _report(result)
    click.echo(f'{result.output}: {result.pages} pages in {result.seconds:.2f} s'
               + (f', {len(result.findings)} findings' if result.findings else ''))


def _report(result) -> None:
    """Notes, warnings and findings of a build, on stderr."""
    for note in result.notes:
        click.echo(f'note: {note}', err=True)
    for warning in result.warnings:
        click.echo(click.style('warning: ', fg='yellow') + warning, err=True)
    print_findings(result.findings)


@main.command()
@click.argument('sources', nargs=-1, type=click.Path(dir_okay=True))
@click.option('-o', '--output', type=click.Path(dir_okay=False, allow_dash=True),
              help='PDF to write (default: output/<name>.pdf; - for standard output).')
@click.option('--style', help='House style: a name in styles/ or a path to a .css file.')
@click.option('--proof', is_flag=True, help='Also write a proof copy (<name>.proof.pdf): line numbers, 校样 watermark, header.')
@click.option('--marks', is_flag=True, help='With --proof: crop marks and 3 mm bleed.')
@click.option('-j', '--jobs', type=click.IntRange(1, 256), help='Batch builds: worker processes (default: one per core).')
@guarded
def build(sources, output, style, proof, marks, jobs):
    """Build SOURCE (.md, .txt or .docx) into a PDF; several SOURCEs, or a folder, in a
    batch on every core (each to its default output; exit code: the worst)."""
    if marks and not proof:
        raise InputError('--marks goes with --proof: use build --proof --marks')
    sources = sources or ('source/report.md',)
    if len(sources) > 1 or Path(sources[0]).is_dir():
        from . import batch
        if output:
            raise InputError('-o names one PDF; a batch writes each manuscript to its default output')
        sys.exit(_batch(batch, batch.manuscripts(sources), style, proof, marks, jobs))
    source = sources[0]
    if output == '-':
        if proof:
            raise InputError('-o - writes the PDF to standard output; a proof copy needs a file (-o NAME.pdf)')
        return _build_to_stdout(source, style)
    if proof:
        from . import proof as proof_stage
        from .render import refuse_overwriting
        refuse_overwriting(proof_stage.proof_path(Path(output) if output else pipeline.default_output(Path(source))),
                           [(Path(source), 'the manuscript')])
    result = pipeline.build(source, output, style=style)
    print_build(result)
    if proof:
        from . import proof as proof_stage
        copy = proof_stage.make_proof(result.output, source, style=style, marks=marks)
        click.echo(f'{copy.path}: proof copy')
    global _leave_at_once
    _leave_at_once = True
    sys.exit(EXIT_FINDINGS if result.errors else EXIT_OK)


def _batch(batch, sources, style, proof, marks, jobs) -> int:
    bar = _Progress(len(sources)) if sys.stderr.isatty() and len(sources) > 2 else None

    def done(outcome):
        if bar:
            bar.clear()
        if outcome.error:
            _error(outcome.error)
        else:
            print_build(outcome.result)
            if outcome.proof:
                click.echo(f'{outcome.proof}: proof copy')
        if bar:
            bar.advance()

    outcomes = batch.run(sources, style=style, proof=proof, marks=marks, jobs=jobs, done=done)
    if bar:
        bar.clear()
    failed = sum(1 for o in outcomes if o.exit_code)
    click.echo(f'{len(outcomes)} manuscripts, {len(outcomes) - failed} clean'
               + (f', {failed} with errors' if failed else ''), err=True)
    return batch.worst(outcomes)


class _Progress:
    """A one-line progress bar on stderr, redrawn under the results as they come."""
    WIDTH = 30

    def __init__(self, total: int):
        self.total, self.done = total, 0
        self.draw()

    def draw(self):
        filled = self.WIDTH * self.done // self.total
        sys.stderr.write(f'\r[{"#" * filled}{"." * (self.WIDTH - filled)}] {self.done}/{self.total}')
        sys.stderr.flush()

    def advance(self):
        self.done += 1
        self.draw()

    def clear(self):
        sys.stderr.write('\r\x1b[K')
        sys.stderr.flush()


@main.command()
@click.argument('source', default='source/report.md', type=click.Path(dir_okay=False))
@click.option('-o', '--output', type=click.Path(dir_okay=False), help='PDF to write (default: output/<name>.pdf).')
@click.option('--style', help='House style: a name in styles/ or a path to a .css file.')
@click.option('--preview', is_flag=True, help='Refresh the page images (output/preview/) after each build.')
@guarded
def watch(source, output, style, preview):
    """Build SOURCE, then again on every save of it, its style, template or images,
    until Ctrl-C. A failed rebuild keeps the last good PDF."""
    from . import watcher as watch_stage

    def report(rebuild):
        changed = ', '.join(p.name for p in rebuild.changed[:3]) + ('…' if len(rebuild.changed) > 3 else '')
        prefix = f'[{changed}] ' if changed else ''
        if rebuild.error:
            _error(f'{prefix}{rebuild.error}; the last good PDF is unchanged')
        else:
            click.echo(prefix, nl=False)
            print_build(rebuild.result)
            if rebuild.preview:
                click.echo(f'{rebuild.preview}: page images refreshed')
        sys.stdout.flush()

    click.echo(f'watching {source} (Ctrl-C to stop)', err=True)
    watch_stage.watch(source, output, style=style, preview=preview, report=report)
    click.echo('stopped', err=True)


def _build_to_stdout(source, style) -> None:
    """`-o -`: the PDF on standard output, everything else on stderr."""
    import shutil
    import tempfile
    tmp = Path(tempfile.mkdtemp(prefix='typeset-stdout-'))
    try:
        result = pipeline.build(source, tmp / 'out.pdf', style=style)
        _report(result)
        data = (tmp / 'out.pdf').read_bytes()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    out = sys.stdout.buffer
    out.write(data)
    out.flush()
    click.echo(f'-: {result.pages} pages in {result.seconds:.2f} s'
               + (f', {len(result.findings)} findings' if result.findings else ''), err=True)
    sys.exit(EXIT_FINDINGS if result.errors else EXIT_OK)


@main.command()
@click.argument('source', default='source/report.md', type=click.Path(dir_okay=True))
@click.option('-o', '--output', type=click.Path(dir_okay=False), help='PDF to write (default: output/<name>.pdf).')
@click.option('--style', help='House style: a name in styles/ or a path to a .css file.')
@click.option('--format', 'fmt', type=click.Choice(['human', 'json']), default='human', show_default=True,
              help='Findings for people or for machines.')
@click.option('--source-only', is_flag=True, help='Lint the manuscript only; build nothing.')
@click.option('--color/--no-color', default=None, help='Colour (default: when the terminal has it).')
@guarded
def check(source, output, style, fmt, source_only, color):
    """Lint SOURCE, build the PDF and verify the PDF against the source.

    Exit code 0 when there is no error (warnings allowed), 1 when there are errors,
    2 when the input or the options cannot be used. Rules are switched off per document
    with the front matter key `checks:` (e.g. `checks: {paragraph-end: off}`).
    """
    from .checks import check as run_check, report
    result = run_check(source, output, style=style, source_only=source_only)
    if fmt == 'json':
        click.echo(report.as_json(result))
    else:
        colour = sys.stdout.isatty() if color is None else color
        click.echo(report.human(result, colour))
    sys.exit(EXIT_FINDINGS if result.errors else EXIT_OK)


@main.command()
@click.argument('old', type=click.Path(dir_okay=True))
@click.argument('new', type=click.Path(dir_okay=True))
@click.option('-o', '--output', type=click.Path(dir_okay=False),
              help='Marked copy to write (default: output/<new>.diff.pdf).')
@click.option('--style', help='House style: a name in styles/ or a path to a .css file.')
@click.option('--format', 'fmt', type=click.Choice(['human', 'json']), default='human', show_default=True,
              help='The change list for people or for machines.')
@guarded
def diff(old, new, output, style, fmt):
    """List what changed from draft OLD (a manuscript, or a PDF typeset built) to NEW, by
    page and line of the new PDF, and mark it on a copy of the new proof.

    Exit code 0 when the texts are equal (re-flow alone is no change), 1 when they differ,
    2 when the input or the options cannot be used.
    """
    from . import proofround
    result = proofround.diff(old, new, output, style=style)
    for note in result.notes:
        click.echo(f'note: {note}', err=True)
    click.echo(result.as_json() if fmt == 'json' else result.human())
    sys.exit(EXIT_FINDINGS if result.changes else EXIT_OK)


@main.command()
@click.argument('source', default='source/report.md', type=click.Path(dir_okay=True))
@click.option('-o', '--outdir', type=click.Path(file_okay=False), help='Folder for the images (default: output/preview/).')
@click.option('--dpi', type=click.IntRange(10, 1200), default=100, show_default=True, help='Resolution of the page images.')
@click.option('--style', help='House style: a name in styles/ or a path to a .css file.')
@click.option('--pdf', 'pdf_path', type=click.Path(dir_okay=False, exists=True),
              help='Images of this PDF instead of building SOURCE.')
@guarded
def preview(source, outdir, dpi, style, pdf_path):
    """PNG images of the pages of SOURCE, and a contact sheet of all pages."""
    from . import preview as preview_stage
    result = preview_stage.preview(source, outdir, dpi=dpi, style=style, pdf=pdf_path)
    if result.build is not None:
        _report(result.build)
    for page in result.pages:
        click.echo(str(page))
    click.echo(f'{result.sheet}: contact sheet of {len(result.pages)} pages')
    sys.exit(EXIT_FINDINGS if result.build is not None and result.build.errors else EXIT_OK)


@main.command()
@click.argument('source', type=click.Path(dir_okay=False))
@click.option('-o', '--output', type=click.Path(dir_okay=False), help='Markdown to write (default: <name>.md beside SOURCE).')
@guarded
def convert(source, output):
    """Write SOURCE (.docx, .txt, .md) as the Markdown manuscript typeset sets for it."""
    from . import convert as convert_to_markdown
    result = convert_to_markdown(source, output)
    for note in result.notes:
        click.echo(f'note: {note}', err=True)
    click.echo(f'{result.output}: Markdown')


@main.command()
@guarded
def styles():
    """List the house styles."""
    for style in pipeline.list_styles():
        click.echo(f'{style.name:<12} {style.description}')
