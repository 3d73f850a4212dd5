"""Title lines: where a title too long for one line breaks (GB/T 9704 7.2.3: 回行时要做到
词意完整，排列对称，长短适宜，间距恰当，标题排列应当使用梯形或菱形).

The title is data, not a paragraph: its lines are chosen here, from the words of the title
(`segment`) and the advances of the title's fonts against the title's measure, and set as
lines of their own. A choice is scored as a whole:

- a break only between words, never inside a number or a Latin word;
- no line of one or two characters, none ending in a function word (和 的 与 关于 …) or a
  pause mark 、 (`chars.LINE_END_FUNCTION_WORDS`, `chars.LINE_END_MARKS`); these are
  heavy costs rather than prohibitions, so an impossible title still gets lines;
- breaks a typesetter prefers: after a clause mark, before 关于 or after the name of the
  issuing body, before 的通知 and the like;
- the shape: lines of near equal length, each no shorter than the one above (a trapezoid)
  or longest in the middle (a diamond); a line shorter than both its neighbours is
  neither.
"""
from __future__ import annotations

import itertools
import re
from typing import Callable

from .chars import (CLAUSE_END, DOCUMENT_KINDS, ISSUING_BODY_ENDS, LINE_END_FUNCTION_WORDS,
                    LINE_END_MARKS, LINE_START_PARTICLES, break_allowed, is_latin_alnum, is_wide)
from .segment import part_of_speech, segment


# Costs, in the units of the balance term (a line 1 em away from the mean costs 1/measure).
SHORT_LINE = 1000      # a line of one or two characters
BAD_LINE_END = 500     # a line ending in a function word or 、, or starting with 等
NOT_A_SHAPE = 40       # neither trapezoid nor diamond
INVERTED = 1           # per em: a trapezoid standing on its short side
PLAIN_BOUNDARY = 6     # a break between two words with nothing for it
BEFORE_VERB = 3        # a break before a verb: between the subject and the predicate
COMPOUND = 9           # a break between two nouns (外国 / 企业): inside a compound
BALANCE = 4            # weight of the spread of line lengths


def _break_cost(text: str, i: int, before: str, after: str) -> float | None:
    """The cost of a break before text[i], between the words `before` and `after`; None
    where none may be."""
    prev, nxt = text[i - 1], text[i]
    if not break_allowed(prev, nxt):
        return None
    if is_latin_alnum(prev) and not nxt.isspace():
        return None  # inside a number or a Latin word, or between a number and its unit (2026年)
    if prev.isspace() or prev in CLAUSE_END:
        return 0
    if re.match(f'的(?:{DOCUMENT_KINDS})', text[i:]) or text[i:].startswith(('关于', '有关')):
        return 1
    if nxt == '《' or prev == '》':
        return 2
    if prev in ISSUING_BODY_ENDS:
        return 3
    if before in LINE_END_FUNCTION_WORDS or after in LINE_START_PARTICLES:
        return BAD_LINE_END
    tag_before, tag_after = part_of_speech(before), part_of_speech(after)
    if tag_after.startswith('v') and not tag_after.startswith('vn'):
        return BEFORE_VERB
    if tag_before.startswith('n') and tag_after.startswith('n'):
        return COMPOUND
    return PLAIN_BOUNDARY


def _shape_cost(widths: list[float]) -> float:
    if len(widths) < 2:
        return 0
    steps = [b - a for a, b in zip(widths, widths[1:])]
    tolerance = 0.5
    if all(s >= -tolerance for s in steps):
        return 0  # trapezoid
    peak = widths.index(max(widths))
    if (0 < peak < len(widths) - 1 and all(s >= -tolerance for s in steps[:peak])
            and all(s <= tolerance for s in steps[peak:])):
        return 0  # diamond
    if all(s <= tolerance for s in steps):
        return INVERTED * (widths[0] - widths[-1])
    return NOT_A_SHAPE


def _line_cost(line: str) -> float:
    stripped = line.strip()
    cost = 0.0
    if len(stripped) <= 2:
        cost += SHORT_LINE
    if stripped and stripped[-1] in LINE_END_MARKS:
        cost += BAD_LINE_END
    return cost


def break_title_line(text: str, measure: float, width: Callable[[str], float]) -> list[str]:
    """`text` as the lines of a title set `measure` em wide; `width(s)` is the advance of
    `s` in em in the title's fonts."""
    text = text.strip()
    if len(text) <= measure and all(is_wide(c) or c.isascii() for c in text):
        return [text]  # no such character is wider than 1 em: no need to read the fonts
    total = width(text)
    if total <= measure or len(text) < 2:
        return [text]
    words = segment(text)
    bounds = list(itertools.accumulate(len(w) for w in words))[:-1]
    costs = {b: _break_cost(text, b, words[k], words[k + 1]) for k, b in enumerate(bounds)}
    costs = {b: c for b, c in costs.items() if c is not None}
    fewest = max(2, -(-int(total * 100) // int(measure * 100)))
    best: tuple[float, list[int]] | None = None
    for count in (fewest, fewest + 1):
        for breaks in _arrangements(text, sorted(costs), count, measure, width):
            edges = [0] + list(breaks) + [len(text)]
            lines = [text[a:b] for a, b in zip(edges, edges[1:])]
            widths = [width(line.strip()) for line in lines]
            mean = sum(widths) / len(widths)
            cost = (sum(costs[b] for b in breaks)
                    + sum(_line_cost(line) for line in lines)
                    + _shape_cost(widths)
                    + BALANCE * sum((w - mean) ** 2 for w in widths) / measure
                    + PLAIN_BOUNDARY * (count - fewest))
            if best is None or cost < best[0]:
                best = (cost, list(breaks))
    if best is None:
        return [text]  # no word boundary fits: the renderer's own line breaking takes over
    edges = [0] + best[1] + [len(text)]
    return [text[a:b].strip() for a, b in zip(edges, edges[1:])]


def _arrangements(text, candidates, count, measure, width):
    """Break positions that give `count` lines, none wider than the measure."""
    def extend(start, left):
        if left == 0:
            if width(text[start:].strip()) <= measure:
                yield []
            return
        for b in candidates:
            if b <= start:
                continue
            if width(text[start:b].strip()) > measure:
                break
            for rest in extend(b, left - 1):
                yield [b] + rest
    return extend(0, count - 1)
