"""typeset: print-ready Chinese official documents from Markdown, and proof of the PDF.

    >>> import typeset
    >>> result = typeset.build('source/report.md')          # → output/report.pdf
    >>> result.pages, result.output, result.findings
    >>> report = typeset.check('source/report.md')            # lint + build + verify
    >>> [str(f) for f in report.findings]
    >>> changes = typeset.diff('round1/report.md', 'source/report.md')   # + output/report.diff.pdf

The CLI (`typeset build`, `typeset check`, …) is a thin layer over these functions.
"""
from __future__ import annotations

import os as _os
import signal as _signal
import sys as _sys

if _os.path.basename(_sys.argv[0] if _sys.argv else '') == 'typeset':
    # The `typeset` command: Ctrl-C or SIGTERM while it is still loading has nothing to
    # clean up, and a traceback of the import machinery would help nobody. The command
    # itself sets its own handlers once it runs (cli._Command.main).
    def _quit_while_loading(signum, frame):
        _os.write(2, b'error: interrupted\n')
        _os._exit(128 + signum)

    for _signum in (_signal.SIGINT, _signal.SIGTERM):
        if _signal.getsignal(_signum) is not _signal.SIG_IGN:  # nohup, a background job: still ignored
            _signal.signal(_signum, _quit_while_loading)

__version__ = '0.1.0'

from .errors import Finding, InputError, TypesetError  # noqa: E402

# The pipeline (Markdown, Jinja, WeasyPrint) is imported when first used, so the command
# starts at once and a Ctrl-C while it starts is handled by the command, not the import.
_FROM_PIPELINE = {'BuildResult', 'build', 'prepare', 'STYLES_DIR', 'list_styles'}


def __getattr__(name):
    if name in _FROM_PIPELINE:
        from . import pipeline
        return getattr(pipeline, name)
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')



def check(source='source/report.md', output=None, *, style=None, source_only=False):
    """Lint the manuscript, build it and verify the PDF against it (`typeset check`)."""
    from .checks import check as run_check  # pdfplumber is loaded only when checking
    return run_check(source, output, style=style, source_only=source_only)


def diff(old, new, output=None, *, style=None, pdf=None):
    """Compare two drafts (`typeset diff`): build `new`, list what changed since `old` (a
    manuscript, or a PDF typeset built) by page and line, and write the marked copy."""
    from .proofround import diff as run_diff
    return run_diff(old, new, output, style=style, pdf=pdf)


def convert(source, output=None):
    """Write a manuscript (.docx, .txt, .md) as the Markdown typeset sets (`typeset convert`)."""
    from .writers.markdown import convert as convert_to_markdown
    return convert_to_markdown(source, output)


__all__ = ['build', 'check', 'convert', 'diff', 'prepare', 'BuildResult', 'Finding', 'InputError', 'TypesetError',
           'STYLES_DIR', 'list_styles', '__version__']
