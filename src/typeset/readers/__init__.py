"""Readers: one per manuscript format, each turning a file's bytes into the same `Source`.

Everything after the reader (markup, assembly, rendering, checks) is the same whatever
format the manuscript came in. A reader is a module with `read(path, data) -> Source`.
"""
from __future__ import annotations

from pathlib import Path

from . import docx, markdown, text

# File suffix → reader; anything else is read as Markdown.
# Word's other formats go to the .docx reader, which names them and says what to do.
BY_SUFFIX = {'.txt': text, '.text': text, '.docx': docx, '.docm': docx, '.dotx': docx,
             '.doc': docx, '.wps': docx, '.odt': docx}
BY_KIND = {'markdown': markdown, 'text': text, 'docx': docx}


def reader_for(path: Path, kind: str | None = None):
    if kind is not None:
        return BY_KIND[kind]
    return BY_SUFFIX.get(Path(path).suffix.lower(), markdown)
