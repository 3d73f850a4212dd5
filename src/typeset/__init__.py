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


def convert(source, output=None):
    """Write a manuscript (.docx, .txt, .md) as the Markdown typeset sets (`typeset convert`)."""
    from .writers.markdown import convert as convert_to_markdown
    return convert_to_markdown(source, output)


__all__ = ['build', 'check', 'convert', 'prepare', 'BuildResult', 'Finding', 'InputError', 'TypesetError',
           'STYLES_DIR', 'list_styles', '__version__']
