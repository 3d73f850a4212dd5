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


# The face of each level of numbering (GB/T 9704 7.3.3): the class the markup stage gives
# a heading or paragraph that opens with it; the style maps the class to 黑体, 楷体, 仿宋.
RANK_CLASS = {1: 'num-1', 2: 'num-2', 3: 'num-3', 4: 'num-4'}
CHINESE_DIGITS = {'零': 0, '〇': 0, '一': 1, '二': 2, '三': 3, '四': 4, '五': 5,
                  '六': 6, '七': 7, '八': 8, '九': 9}
# A run-in heading (（一）压实工作责任。各单位…) is the numbered sentence before the body
# of its paragraph; longer than this, the sentence is the paragraph itself, not a heading.
RUN_IN_MAX_CHARS = 60
RUN_IN_END = re.compile(r'[。！？]')


def numbering(text: str) -> tuple[int, int, str] | None:
    """(rank, value, token) of the official numbering a line opens with: rank 1 for 一、,
    2 for （一）, 3 for 1., 4 for （1）; value the number (一 → 1, 十二 → 12); token the
    numbering as written. None when the line opens with none."""
    s = text.lstrip().replace('\u3000', ' ')
    for rank, (pattern, _) in enumerate(HEADING_NUMBERING, 1):
        m = pattern.match(s)
        if m:
            token = m.group(0)
            digits = re.sub(r'[^0-9一二三四五六七八九十百零〇]', '', token)
            return rank, _value(digits), token
    return None


def _value(digits: str) -> int:
    if digits.isdigit():
        return int(digits)
    total, unit_seen, current = 0, False, 0
    for c in digits:
        if c == '百':
            total += (current or 1) * 100
            current, unit_seen = 0, True
        elif c == '十':
            total += (current or 1) * 10
            current, unit_seen = 0, True
        else:
            current = CHINESE_DIGITS.get(c, 0)
    return total + current if (unit_seen or total) else current


def run_in_heading(text: str) -> int | None:
    """Where the run-in heading of a numbered paragraph ends (the index after its 。), or
    None when the paragraph has none: no numbering, no sentence end, nothing after it, or
    a first sentence too long to be a heading."""
    if numbering(text) is None:
        return None
    m = RUN_IN_END.search(text)
    if not m or m.end() > RUN_IN_MAX_CHARS or not text[m.end():].strip():
        return None
    return m.end()
