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
@guarded
def build(source, output, style):
    """Build SOURCE (.md or .txt) into a PDF."""
    result = pipeline.build(source, output, style=style)
    for note in result.notes:
        click.echo(f'note: {note}', err=True)
    for warning in result.warnings:
        click.echo(click.style('warning: ', fg='yellow') + warning, err=True)
    print_findings(result.findings)
    click.echo(f'{result.output}: {result.pages} pages in {result.seconds:.2f} s'
               + (f', {len(result.findings)} findings' if result.findings else ''))
    sys.exit(EXIT_FINDINGS if result.errors else EXIT_OK)


@main.command()
def styles():
    """List the house styles."""
    for style in pipeline.list_styles():
        click.echo(f'{style.name:<12} {style.description}')
