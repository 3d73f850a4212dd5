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

__version__ = '0.1.0'

from .errors import Finding, InputError, TypesetError  # noqa: E402
from .pipeline import BuildResult, build, prepare, STYLES_DIR, list_styles  # noqa: E402



def check(source='source/report.md', output=None, *, style=None, source_only=False):
    """Lint the manuscript, build it and verify the PDF against it (`typeset check`)."""
    from .checks import check as run_check  # pdfplumber is loaded only when checking
    return run_check(source, output, style=style, source_only=source_only)


def diff(old, new, output=None, *, style=None, pdf=None):
    """Compare two drafts (`typeset diff`): build `new`, list what changed since `old` (a
    manuscript, or a PDF typeset built) by page and line, and write the marked copy."""
    from .proofround import diff as run_diff
    return run_diff(old, new, output, style=style, pdf=pdf)


__all__ = ['build', 'check', 'diff', 'prepare', 'BuildResult', 'Finding', 'InputError', 'TypesetError',
           'STYLES_DIR', 'list_styles', '__version__']
