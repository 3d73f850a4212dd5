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
# Markdown's link parser is quadratic in the `[` of a paragraph, and WeasyPrint's inline
# layout in the elements (emphasis, code, links, HTML) of a run with no break in it:
# 4,000 `*` in one paragraph took 30 s. The corpus has at most 74 in a paragraph.
MARKUP = re.compile(r'[\[*_`!\\]')
MAX_MARKUP_PER_PARAGRAPH = 300
# Raw HTML and entities: a table pasted as HTML has hundreds of tags in one block, and
# Markdown is only slow on them by the thousand.
TAGS = re.compile(r'[<&]')
MAX_TAGS_PER_PARAGRAPH = 1_000
TAGS_BUDGET = 4_000_000
MARKUP_BUDGET = 250_000            # Σ over paragraphs of (their markup characters)²; corpus: < 7,000
# ... or, in a longer manuscript, this much per character of it: what the markup costs
# (≈ 2 µs a unit) stays a small share of what laying out its text costs (≈ 40 µs a
# character), so a long report with ordinary emphasis (500 seeds, 5 MB) is set.
MARKUP_PER_CHARACTER = 1
MAX_TABLE_COLUMNS = 100           # `|` in a line; WeasyPrint lays out 3,000 columns in 25 s
MAX_TITLE_CHARS = 200              # a 公文 title is rarely more than 3 lines of 20
MAX_META_CHARS = 2_000             # any other front matter value
MAX_META_ITEMS = 100               # lines of a title, keywords, files to embed
# An image inline as a data: URL is one long "word" Markdown passes over at once; the
# size of the whole file (source.MAX_SOURCE_BYTES) bounds it.
DATA_URL = re.compile(r'data:[^,\s"\')]*,[^\s"\')]*', re.I)


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
    spent = 0
    budget = max(MARKUP_BUDGET, MARKUP_PER_CHARACTER * len(source.text))
    lines = source.text.split('\n')
    title_pending = not source.meta.get('title')
    para_start, para_chars, markup, tags, tags_spent = source.body_start, 0, 0, 0, 0
    for i in range(source.body_start, len(lines) + 1):
        text = DATA_URL.sub('data:,', lines[i]) if i < len(lines) else ''
        n = i + 1
        if len(text) > MAX_LINE_CHARS:
            raise InputError(f'line of {len(text):,} characters; at most {MAX_LINE_CHARS:,} can be set '
                             '(break it into paragraphs)', source.path, n)
        if text.count('|') > MAX_TABLE_COLUMNS + 1:
            raise InputError(f'a table row of {text.count("|") - 1} columns; at most {MAX_TABLE_COLUMNS} '
                             'can be set', source.path, n)
        if title_pending and text.startswith('# '):
            title_pending = False
            if len(text) - 2 > MAX_TITLE_CHARS:
                raise InputError(f'the title is {len(text) - 2} characters long; at most '
                                 f'{MAX_TITLE_CHARS} can be set', source.path, n)
        if text.strip():
            if not para_chars:
                para_start = n
            para_chars += len(text) + 1
            markup += len(MARKUP.findall(text))
            tags += len(TAGS.findall(text))
            if para_chars > MAX_PARAGRAPH_CHARS:
                raise InputError(f'paragraph of more than {MAX_PARAGRAPH_CHARS:,} characters starting here; '
                                 'break it up', source.path, para_start)
            if markup > MAX_MARKUP_PER_PARAGRAPH or tags > MAX_TAGS_PER_PARAGRAPH:
                what = (f'{MAX_MARKUP_PER_PARAGRAPH} markup characters ([ * _ ` ! \\)'
                        if markup > MAX_MARKUP_PER_PARAGRAPH else f'{MAX_TAGS_PER_PARAGRAPH:,} HTML tags or entities')
                raise InputError(f'more than {what} in one paragraph (it starts on line {para_start}); '
                                 'setting them would take minutes', source.path, n)
            continue
        spent += markup * markup
        tags_spent += tags * tags
        if spent > budget or tags_spent > TAGS_BUDGET:
            raise InputError('too much markup ([ * _ ` ! \\ < &) in the paragraphs up to here; setting it '
                             'would take minutes', source.path, para_start)
        para_chars = markup = tags = 0
