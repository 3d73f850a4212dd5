"""Readers: one per manuscript format, each turning a file's bytes into the same `Source`.

Everything after the reader (markup, assembly, rendering, checks) is the same whatever
format the manuscript came in. A reader is a module with `read(path, data) -> Source`.
"""
from __future__ import annotations

import importlib
from pathlib import Path

# File suffix → reader; anything else is read as Markdown. Readers are named, and each is
# imported when a manuscript needs it: a Markdown build does not load the .docx reader.
# Word's other formats go to the .docx reader, which names them and says what to do.
BY_SUFFIX = {'.txt': 'text', '.text': 'text', '.docx': 'docx', '.docm': 'docx', '.dotx': 'docx',
             '.doc': 'docx', '.wps': 'docx', '.odt': 'docx'}
KINDS = ('markdown', 'text', 'docx')


def reader_for(path: Path, kind: str | None = None):
    if kind is not None and kind not in KINDS:
        raise KeyError(kind)
    name = kind or BY_SUFFIX.get(Path(path).suffix.lower(), 'markdown')
    return importlib.import_module(f'{__name__}.{name}')
