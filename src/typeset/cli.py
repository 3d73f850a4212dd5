"""The `typeset` command: parse options, call the library, print, choose the exit code.

Exit codes, for every command: 0 done and clean; 1 the build ran and found errors;
2 the input or the options cannot be used. A traceback is printed only with --debug.
"""
from __future__ import annotations

import functools
import sys
import traceback

import click

from . import pipeline
from .errors import InputError, TypesetError

EXIT_OK, EXIT_FINDINGS, EXIT_INPUT = 0, 1, 2


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
        except InputError as e:
            if debug:
                traceback.print_exc()
            _error(str(e))
            sys.exit(EXIT_INPUT)
        except TypesetError as e:
            if debug:
                traceback.print_exc()
            _error(str(e))
            sys.exit(EXIT_FINDINGS)
        except KeyboardInterrupt:
            _error('interrupted; the previous output is unchanged')
            sys.exit(130)
        except Exception as e:  # the last line of defence: a bug of ours, said in one line
            if debug:
                traceback.print_exc()
            _error(f'internal error: {type(e).__name__}: {e} (run with --debug for the traceback)')
            sys.exit(EXIT_FINDINGS)
    return wrapper


@click.group()
@click.option('--debug', is_flag=True, help='Show tracebacks.')
@click.version_option(package_name='typeset')
def main(debug):
    """Typeset Chinese official documents and proof-read the PDF."""


def print_findings(findings) -> None:
    for f in findings:
        colour = {'error': 'red', 'warning': 'yellow'}.get(f.severity)
        click.echo(click.style(str(f), fg=colour) if colour else str(f), err=True)


@main.command()
@click.argument('source', default='source/report.md', type=click.Path(dir_okay=True))
@click.option('-o', '--output', type=click.Path(dir_okay=False), help='PDF to write (default: output/<name>.pdf).')
@click.option('--style', help='House style: a name in styles/ or a path to a .css file.')
@click.option('--proof', is_flag=True, help='Also write a proof copy (<name>.proof.pdf): line numbers, 校样 watermark, header.')
@click.option('--marks', is_flag=True, help='With --proof: crop marks and 3 mm bleed.')
@guarded
def build(source, output, style, proof, marks):
    """Build SOURCE (.md, .txt or .docx) into a PDF."""
    if marks and not proof:
        raise InputError('--marks goes with --proof: use build --proof --marks')
    result = pipeline.build(source, output, style=style)
    for note in result.notes:
        click.echo(f'note: {note}', err=True)
    for warning in result.warnings:
        click.echo(click.style('warning: ', fg='yellow') + warning, err=True)
    print_findings(result.findings)
    click.echo(f'{result.output}: {result.pages} pages in {result.seconds:.2f} s'
               + (f', {len(result.findings)} findings' if result.findings else ''))
    if proof:
        from . import proof as proof_stage
        copy = proof_stage.make_proof(result.output, source, style=style, marks=marks)
        click.echo(f'{copy.path}: proof copy')
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
    for page in result.pages:
        click.echo(str(page))
    click.echo(f'{result.sheet}: contact sheet of {len(result.pages)} pages')


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
