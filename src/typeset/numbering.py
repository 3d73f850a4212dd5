"""Official heading numbering (GB/T 9704 7.3.3): 一、 （一） 1. （1）, and what level each is.

A 公文 marks its heading levels by numbering, not by typography: readers of plain text
and Word files find headings by it, the markup stage gives a numbered heading its face
whatever its Markdown level, and the checks use it to tell a heading from a paragraph.
"""
from __future__ import annotations

import re

from .chars import HEADING_BULLETS, SENTENCE_END

# Pattern → the level a plain-text heading of that numbering gets (2 = the first level
# under the title: the title itself is level 1).
HEADING_NUMBERING = [
    (re.compile(r'^[一二三四五六七八九十百]+、'), 2),
    (re.compile(r'^[（(][一二三四五六七八九十百]+[）)]'), 3),
    (re.compile(r'^\d{1,2}[.．](?!\d)'), 4),
    (re.compile(r'^[（(]\d{1,2}[）)]'), 5),
]
# A line standing alone is a heading only when it is this short.
HEADING_MAX_CHARS = 40


def numbered_or_bulleted(text: str) -> bool:
    """Whether a line opens with official numbering (一、 （一） 1. （1）) or a heading bullet."""
    s = text.strip()
    return bool(s) and (s[0] in HEADING_BULLETS or any(p.match(s) for p, _ in HEADING_NUMBERING))


def heading_level(line: str) -> int | None:
    """Heading level of a plain-text line, or None for a paragraph.

    A line is a heading when it carries official numbering or stands alone, short and
    without the closing punctuation of a sentence.
    """
    s = line.strip().replace('\u3000', ' ')
    if not s or len(s) > HEADING_MAX_CHARS or any(c in s for c in '。！？；'):
        return None
    for pattern, level in HEADING_NUMBERING:
        if pattern.match(s):
            return level
    if s[-1] in SENTENCE_END or s[-1] in '，、：,.;:':
        return None
    if s[0] in HEADING_BULLETS:
        return 3
    return 2
