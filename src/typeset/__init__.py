"""typeset: print-ready Chinese official documents from Markdown, and proof of the PDF.

    >>> import typeset
    >>> result = typeset.build('source/report.md')          # → output/report.pdf
    >>> result.pages, result.output, result.findings
    >>> report = typeset.check('source/report.md')            # lint + build + verify
    >>> [str(f) for f in report.findings]

The CLI (`typeset build`, `typeset check`, …) is a thin layer over these functions.
"""
from __future__ import annotations

__version__ = '0.1.0'

from .errors import Finding, InputError, TypesetError  # noqa: E402
from .pipeline import BuildResult, build, prepare, STYLES_DIR, list_styles  # noqa: E402



def check(source='source/report.md', output=None, *, style=None, source_only=False):
    """Lint the manuscript, build it and verify the PDF against it (`typeset check`)."""
    from .checks import check as run_check  # pdfplumber is loaded only when checking
    return run_check(source, output, style=style, source_only=source_only)


def build_many(sources, *, style=None, jobs=None, done=None):
    """Build many manuscripts, each to its default output, on `jobs` worker processes
    (default: one per core); returns a `batch.Outcome` per source, in order."""
    from . import batch
    return batch.run(batch.manuscripts(sources), style=style, jobs=jobs,
                     done=done or (lambda outcome: None))


def watch(source='source/report.md', output=None, *, style=None, preview=False, report=None,
          stop=None):
    """Build, then rebuild on every save until Ctrl-C or `stop` (a threading.Event) is
    set; `report(rebuild)` is called after each build (`typeset watch`)."""
    from . import watcher as watch_stage
    return watch_stage.watch(source, output, style=style, preview=preview,
                             report=report or (lambda rebuild: None), stop=stop)


__all__ = ['build', 'build_many', 'check', 'watch', 'prepare', 'BuildResult', 'Finding',
           'InputError', 'TypesetError', 'STYLES_DIR', 'list_styles', '__version__']
