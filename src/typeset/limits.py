"""Bounds on the input where the libraries have none.

Python-Markdown is quadratic in the number of `[` in a paragraph (20 KB of them took
68 s) and in long runs of emphasis, `<` and `&` characters; WeasyPrint is slow on a
title or a keyword list of absurd length. A manuscript from anyone must not hold the
tool for minutes, so what no document needs is refused before those stages run, with
a one-line error naming the line. The bounds are far above what real documents use (the
corpus's longest line is under 700 characters, its most `[` in a paragraph under 60).
"""
from __future__ import annotations

import re

from .errors import InputError

MAX_LINE_CHARS = 20_000            # a paragraph of about 700 lines of 28 characters
MAX_PARAGRAPH_CHARS = 100_000
MAX_BRACKETS_PER_PARAGRAPH = 400   # `[`: Markdown's link parser is quadratic in them
BRACKET_BUDGET = 2_000_000         # Σ over paragraphs of (their `[`)², about 2 s of Markdown
MARKUP = re.compile(r'[*_`<&!\\]')
MAX_MARKUP_PER_PARAGRAPH = 5_000   # emphasis, code, HTML and entity characters
MARKUP_BUDGET = 100_000_000
MAX_TITLE_CHARS = 200              # a 公文 title is rarely more than 3 lines of 20
MAX_META_CHARS = 2_000             # any other front matter value
MAX_META_ITEMS = 100               # lines of a title, keywords, files to embed


def check(source) -> None:
    """Raise `InputError` (file and line) if the manuscript exceeds a bound."""
    _check_meta(source)
    _check_body(source)


def _check_meta(source) -> None:
    for key, value in source.meta.items():
        if key == 'checks':
            continue
        items = value if isinstance(value, (list, tuple)) else [value]
        line = source.meta_line(key)
        if len(items) > MAX_META_ITEMS:
            raise InputError(f'{key} has {len(items)} entries; at most {MAX_META_ITEMS} can be used',
                             source.path, line)
        total = sum(len(str(v)) for v in items)
        limit = MAX_TITLE_CHARS if key in ('title', 'subtitle') else MAX_META_CHARS
        if total > limit:
            raise InputError(f'{key} is {total} characters long; at most {limit} can be set '
                             f'(a title longer than that is not a title)', source.path, line)


def _check_body(source) -> None:
    brackets_spent = markup_spent = 0
    lines = source.text.split('\n')
    start = source.body_start
    title_pending = not source.meta.get('title')
    para_start, para_chars, brackets, markup = start, 0, 0, 0
    for i in range(start, len(lines) + 1):
        text = lines[i] if i < len(lines) else ''
        n = i + 1
        if len(text) > MAX_LINE_CHARS:
            raise InputError(f'line of {len(text):,} characters; at most {MAX_LINE_CHARS:,} can be set '
                             '(break it into paragraphs)', source.path, n)
        if title_pending and text.startswith('# '):
            title_pending = False
            if len(text) - 2 > MAX_TITLE_CHARS:
                raise InputError(f'the title is {len(text) - 2} characters long; at most '
                                 f'{MAX_TITLE_CHARS} can be set', source.path, n)
        if text.strip():
            if not para_chars:
                para_start = n
            para_chars += len(text) + 1
            brackets += text.count('[')
            markup += len(MARKUP.findall(text))
            if para_chars > MAX_PARAGRAPH_CHARS:
                raise InputError(f'paragraph of more than {MAX_PARAGRAPH_CHARS:,} characters starting here; '
                                 'break it up', source.path, para_start)
            if brackets > MAX_BRACKETS_PER_PARAGRAPH:
                raise InputError(f'more than {MAX_BRACKETS_PER_PARAGRAPH} "[" in one paragraph (it starts '
                                 f'on line {para_start}); Markdown would take minutes over them',
                                 source.path, n)
            if markup > MAX_MARKUP_PER_PARAGRAPH:
                raise InputError(f'more than {MAX_MARKUP_PER_PARAGRAPH:,} markup characters (* _ ` < & ! \\) '
                                 f'in one paragraph (it starts on line {para_start}); '
                                 'Markdown would take minutes over them', source.path, n)
            continue
        brackets_spent += brackets * brackets
        markup_spent += markup * markup
        if brackets_spent > BRACKET_BUDGET or markup_spent > MARKUP_BUDGET:
            raise InputError('too much Markdown markup ("[", *, _, `, <, &) in the paragraphs up to '
                             'here; Markdown would take minutes over it', source.path, para_start)
        para_chars = brackets = markup = 0
