"""typeset: print-ready Chinese official documents from Markdown, and proof of the PDF.

    >>> import typeset
    >>> result = typeset.build('source/report.md')          # → output/report.pdf
    >>> result.pages, result.output, result.findings

The CLI (`typeset build`, `typeset check`, …) is a thin layer over these functions.
"""
from __future__ import annotations

__version__ = '0.1.0'

from .errors import Finding, InputError, TypesetError  # noqa: E402
from .pipeline import BuildResult, build, prepare, STYLES_DIR, list_styles  # noqa: E402

__all__ = ['build', 'prepare', 'BuildResult', 'Finding', 'InputError', 'TypesetError',
           'STYLES_DIR', 'list_styles', '__version__']
