"""The Markdown reader: front matter, then Python-Markdown's own syntax.

Two things are settled here, before the markup stage: quotes and lists nested beyond
reason are refused with their line, and a manuscript pasted from Word or a web page
(one paragraph per line, no blank lines) is recognised and every line made a paragraph.
"""
from __future__ import annotations

import re

from ..errors import InputError
from ..source import Source, decode_text, with_front_matter

# Deeper than this, lists and quotes are a mistake (official documents use four levels),
# and far deeper the renderer would run out of stack.
MAX_NESTING = 30
NESTING_MARKERS = re.compile(r'[ \t]*(?:>[ \t]?)+')
LIST_ITEM = re.compile(r'([ \t]*)(?:[-*+]|\d+[.)])[ \t]')


def read(path, data: bytes) -> Source:
    text, encoding, notes = decode_text(path, data)
    source = with_front_matter(path, text, encoding, notes, kind='markdown')
    lines = text.split('\n')[source.body_start:]
    first_line = source.body_start + 1
    check_nesting(lines, first_line, path)
    paragraphs = source.meta.get('paragraphs')
    if paragraphs == 'lines' or (paragraphs is None and looks_line_per_paragraph(lines)):
        source.body, source.line_map = lines_to_paragraphs(lines, first_line)
        source.paragraphs = 'lines'
        if paragraphs is None:
            notes.append(f'{path}: no blank lines between paragraphs: every line taken as a paragraph '
                         '(set `paragraphs: blank` in front matter to turn this off)')
    else:
        source.body = '\n'.join(lines)
        source.line_map = list(range(first_line, first_line + len(lines)))
    return source


def check_nesting(lines: list[str], first_line: int, path) -> None:
    """Refuse quotes and lists nested deeper than MAX_NESTING, naming the line: deeper
    nesting is always a mistake, and much deeper would exhaust the renderer's stack."""
    for i, line in enumerate(lines):
        m = NESTING_MARKERS.match(line)
        quotes = m.group(0).count('>') if m else 0
        rest = line[m.end():] if m else line
        item = LIST_ITEM.match(rest)
        indent = len(item.group(1).expandtabs(4)) // 4 if item else 0
        if quotes + indent > MAX_NESTING:
            raise InputError(f'quotes and lists are nested {quotes + indent} deep here; at most '
                             f'{MAX_NESTING} levels can be set', path, first_line + i)


def looks_line_per_paragraph(lines: list[str]) -> bool:
    """Text pasted from Word or a web page: long lines, hardly any blank line between them.

    Hand-written Markdown separates paragraphs with blank lines; a manuscript whose lines
    average dozens of characters with almost no blank lines is one paragraph per line.
    """
    body = [ln for ln in lines if ln.strip()]
    if len(body) < 3:
        return False
    blank = sum(1 for ln in lines if not ln.strip())
    avg = sum(len(ln) for ln in body) / len(body)
    return blank < 0.1 * len(body) and avg > 40


def lines_to_paragraphs(lines: list[str], first_line: int) -> tuple[str, list[int]]:
    """Markdown whose every line is a paragraph: separate them with blank lines."""
    out, line_map = [], []
    fenced = False
    for i, line in enumerate(lines):
        if line.lstrip().startswith(('```', '~~~')):
            fenced = not fenced
        out.append(line)
        line_map.append(first_line + i)
        if not fenced and line.strip():
            out.append('')
            line_map.append(first_line + i)
    return '\n'.join(out), line_map
