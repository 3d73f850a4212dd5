"""Compile a .typ file with the PyPI `typst` package, with the fonts of fonts/ only.

The `typst` wheel ships no command-line program, so this is the whole-process Typst build
the benchmark times: Python start-up, `import typst`, compile, write the PDF.

    .venv/bin/python benchmarks/typst/compile.py INPUT.typ OUTPUT.pdf
"""
import sys
from pathlib import Path

import typst

FONTS = Path(__file__).resolve().parents[2] / 'fonts'

if __name__ == '__main__':
    source, output = sys.argv[1], sys.argv[2]
    typst.compile(source, output=output, font_paths=[str(FONTS)], ignore_system_fonts=True)
