"""The plain-text reader: every line a paragraph, the first line the title, headings by
their official numbering (一、 （一） 1. （1）) or by standing alone, short and without the
closing punctuation of a sentence. Markdown characters are taken literally.
"""
from __future__ import annotations

import re

from ..numbering import heading_level
from ..source import Source, decode_text, with_front_matter

# Characters that Python-Markdown would read as markup anywhere in a line; all are in its
# backslash-escapable set. `<` and `&` become entities so raw HTML cannot sneak in.
MARKDOWN_INLINE = re.compile(r'([\\`*_\[\]!])')


def read(path, data: bytes) -> Source:
    text, encoding, notes = decode_text(path, data)
    source = with_front_matter(path, text, encoding, notes, kind='text')
    lines = text.split('\n')[source.body_start:]
    source.body, source.line_map = text_to_markdown(lines, source.body_start + 1, source.meta)
    source.paragraphs = 'lines'
    notes.append(f'{path}: plain text: one paragraph per line, headings by numbering')
    return source


def escape_markdown(text: str) -> str:
    """Plain text → Markdown that renders as exactly that text."""
    text = text.replace('&', '&amp;').replace('<', '&lt;')
    text = MARKDOWN_INLINE.sub(r'\\\1', text)
    m = re.match(r'^(\d+)\.', text)
    if m:
        return m.group(1) + '\\.' + text[m.end():]
    return re.sub(r'^([#>+\-])', r'\\\1', text)


def text_to_markdown(lines: list[str], first_line: int, meta: dict) -> tuple[str, list[int]]:
    """A plain-text manuscript: each line a paragraph, the first line the title."""
    out, line_map = [], []
    title_done = bool(meta.get('title'))
    for i, raw in enumerate(lines):
        line = raw.strip(' \t\u3000')
        if not line:
            continue
        n = first_line + i
        text = escape_markdown(line)
        if not title_done:
            out.append('# ' + text)
            title_done = True
        else:
            level = heading_level(line)
            out.append(('#' * level + ' ' + text) if level else text)
        line_map.append(n)
        out.append('')
        line_map.append(n)
    return '\n'.join(out), line_map
