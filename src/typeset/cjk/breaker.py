"""Choosing all the line breaks of a paragraph together (Knuth–Plass, clreq costs).

The splitter used to decide each line when it reached it: when the next chunk could not
be broken (a number such as ``8.7∶41.2∶50.1``, a lead sentence) the line was stretched
far beyond what a typesetter accepts, and a paragraph ending in a 孤字 was fixed, if at
all, only on its last line.  Here every legal break of the paragraph is weighed at once,
by dynamic programming over the break points, with the costs a Chinese typesetter uses:

- a line is stretched by spacing between characters, up to 1/8 em a gap at little cost;
  beyond that the line is *loose*, which costs more than anything else;
- before the Han spacing opens past 1/8 em, the space between Han and a Western or
  figure run (达 1.12 万) flexes, up to 1/4 em (clreq; what autospace sets fixed), and
  the blank side of a mark, up to 1/2 em (a mark set half width by 开明式 gets its
  full width back), at a cost: a narrow newspaper column takes it where pure Han has
  no room;
- a long number may be broken after a ratio sign between figures (8.7∶ / 41.2, a
  thousands group), and a line beside a quotation mark (的 / “十四五”), dearly: only
  where nothing else avoids a loose line;
- a line is shrunk only by compressing punctuation: its line-end mark (GB/T 15834
  5.1.10) cheaply, marks inside the line at a cost (on the strict grid only marks of an
  adjacent pair or beside an opening bracket may give up their blank);
- on the strict grid a stretched line of pure Han breaks the columns of the 28×22 grid:
  almost forbidden;
- a last line that holds one character (孤字) is almost forbidden, two characters cost;
- a prohibited break is not a break point at all (the caller passes only legal ones).

This module is pure arithmetic over per-character metrics, so that it can be tested and
timed without WeasyPrint; ``linebreak.py`` shapes the text and hands the lines out.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from .. import chars as C

# Off only to time the greedy splitter against it (benchmarks/bench_breaker.py).
ENABLED = True

EPS = 1e-6
LOOSE_EM = 1 / 8            # widest accepted gap between two characters, in em
COST_LOOSE = 1_000_000      # a line wider-spaced than LOOSE_EM
COST_GRID_STRETCH = 200_000  # a stretched line of pure Han on the strict grid
COST_GUZI = 50_000          # a last line of one character (孤字)
COST_MARKS_ALONE = 300_000  # a last line of marks alone (……): the character before comes down
COST_GRID_OFF = 300         # any other stretched line on the strict grid: off its columns
COST_SHORT_LAST = 100       # a last line of two characters
COST_INNER_SHRINK = 20      # compressing marks inside a line (before the cubic term)
FLEX_EM = 1 / 4             # widest space between Han and a Western or figure run, in em
FLEX_MARK_EM = 1 / 2        # widest space on a mark's blank side, in em
COST_FLEX = 20_000          # a line that opens that space past the Han spacing's limit
# Breaks that Unicode's line breaking lacks, weighed dearer than every other cost but a
# loose line, so that a text that sets well without them (every gongwen page) keeps its
# breaks:
COST_QUOTE_BREAK = 350_000  # beside a quotation mark (的 / “十四五”)
COST_NUMBER_BREAK = 400_000  # inside a number (8.7∶ / 41.2∶50.1)
# and a line whose flex gaps open past their width, up to twice it (的 118.2%、), the
# last resort before opening the Han spacing
COST_FLEX_WIDE = 450_000
LINE_PENALTY = 10           # per line, so that fewer lines win a tie (TeX's \linepenalty)


class Composition:
    """What the breaker did for one document: lines it chose, lines it left to the greedy
    splitter, and the loose lines and 孤字 no set of breaks avoids (for ``check``)."""

    def __init__(self):
        self.planned = 0
        self.greedy = 0
        self.filled = 0     # pages run full by page fill
        self.unavoidable = {}
        # paragraph (its text) → lines wanted, set by page fill (pagefill.py)
        self.looseness = {}

    def note(self, line, line_text, paragraph, base):
        kind = 'loose' if line.loose else 'guzi'
        self.unavoidable[(kind, paragraph, base + line.start)] = (kind, line_text)

    def lines(self, kind):
        return [text for k, text in self.unavoidable.values() if k == kind]


current = Composition()


def begin():
    """A fresh record for the document about to be laid out."""
    global current
    current = Composition()
    return current


@dataclass
class Metrics:
    """Per-character metrics of the text being broken (px).

    ``adv``: planned advance (adjacent marks already compressed); ``end_cap``: what a
    mark may give up at a line end; ``inner_cap``: what it may give up inside a line;
    ``gap``: 1 where justification puts space before the character (``justify.py``
    rule); ``breaks``: legal break positions, ascending, ``len(text)`` last.
    ``flex``: where that gap may open first, how wide (em; FLEX_EM between Han and a
    Western run, FLEX_MARK_EM beside a mark, 0 elsewhere); ``penalty``: break position
    → its cost (a break beside a quotation mark, inside a number).
    """
    text: str
    adv: list
    end_cap: list
    inner_cap: list
    gap: list
    breaks: list
    em: float
    strict_grid: bool
    # an opening mark set narrow by its blank left, per character: at a line start it
    # gets that blank back (its glyph would stand out in the margin otherwise)
    lead: list = field(default=None)
    flex: list = field(default=None)
    penalty: dict = field(default_factory=dict)
    starts: list = field(default=None)
    cap_sum: list = field(default=None)
    gap_sum: list = field(default=None)
    flex_sum: list = field(default=None)
    room_sum: list = field(default=None)
    count_sum: list = field(default=None)
    han_sum: list = field(default=None)

    def __post_init__(self):
        n = len(self.text)
        if self.lead is None:
            self.lead = [0.0] * n
        self.starts = _prefix(self.adv)
        self.cap_sum = _prefix(self.inner_cap)
        self.gap_sum = _prefix(self.gap)
        self.flex = self.flex or [0] * n
        self.flex_sum = _prefix([1 if f else 0 for f in self.flex])
        self.room_sum = _prefix(self.flex)
        # characters that count in a last line (marks don't: a last line of —— or ……
        # alone is as bad as a 孤字)
        self.count_sum = _prefix([0 if c in C.LINE_START_PROHIBITED or c in C.TWINS
                                  or c == ' ' else 1 for c in self.text])
        self.han_sum = _prefix([1 if C.is_han(c) else 0 for c in self.text])
        assert len(self.starts) == n + 1

    def release(self):
        """Drop the per-character lists once the pages holding the text are done: a
        paragraph's metrics would otherwise live as long as the box tree (0.14 MiB a page
        of memory with the splitter's own records). Used after that, it fails loudly."""
        for name in ('adv', 'end_cap', 'inner_cap', 'gap', 'breaks', 'lead', 'starts',
                     'cap_sum', 'gap_sum', 'count_sum', 'han_sum', 'flex', 'flex_sum',
                     'room_sum', 'penalty'):
            setattr(self, name, None)


def _prefix(values):
    out = [0] * (len(values) + 1)
    total = 0
    for i, v in enumerate(values):
        total += v
        out[i + 1] = total
    return out


@dataclass
class Line:
    start: int          # first character (leading spaces skipped)
    end: int            # break position (the next line starts here)
    shrink: float       # px taken from marks (0 when stretched or natural)
    loose: bool         # wider than LOOSE_EM between characters
    guzi: bool          # the paragraph's last line with one character
    cost: float


def _skip_spaces(text, i):
    while i < len(text) and text[i] == ' ':
        i += 1
    return i


def _trim_end(text, i, j):
    while j > i and text[j - 1] == ' ':
        j -= 1
    return j


def line_cost(m: Metrics, i, j, width, last, paragraph_end, more_gaps=0):
    """Cost of a line holding text[i:j] in ``width`` px, or None if it cannot fit.
    ``more_gaps``: gaps of the same line before the text (it starts after other boxes:
    justification spreads over the whole line).

    Returns (cost, shrink, loose, guzi).
    """
    e = _trim_end(m.text, i, j)
    if e <= i:
        return None
    natural = m.starts[e] - m.starts[i] + m.lead[i]
    extra = 0.0
    loose = guzi = False
    shrink = 0.0
    if natural > width + EPS:
        need = natural - width
        end_cap = m.end_cap[e - 1]
        inner = m.cap_sum[e - 1] - m.cap_sum[i] - (m.inner_cap[i] if m.lead[i] else 0.0)
        if need > end_cap + inner + EPS:
            return None
        shrink = need
        if need <= end_cap + EPS:
            badness = 0.0
        else:
            badness = COST_INNER_SHRINK + 100 * ((need - end_cap) / inner) ** 3
    elif last:
        badness = 0.0
    else:
        slack = width - natural
        gaps = m.gap_sum[e] - m.gap_sum[i + 1] + more_gaps
        per_gap = slack / gaps / m.em if gaps else (0.0 if slack <= EPS else float('inf'))
        flex = m.flex_sum[e] - m.flex_sum[i + 1]
        if per_gap > LOOSE_EM * 0.98 and flex:
            room = m.room_sum[e] - m.room_sum[i + 1]
            plain, opened, loose = spread(slack, gaps, flex, room, m.em)
            per_gap = plain / m.em
            if not loose:
                extra += COST_FLEX * (1 + opened) if opened <= 1 else COST_FLEX_WIDE
        else:
            loose = per_gap > LOOSE_EM * 0.98   # a hair inside the limit: PDF rounding
        if loose:
            badness = 100.0
            extra += COST_LOOSE * (1 + min(per_gap, 10.0))
        else:
            badness = 100 * (per_gap / LOOSE_EM) ** 3
        if m.strict_grid and slack > 0.02 * m.em:
            pure_han = m.han_sum[e] - m.han_sum[i] == e - i
            extra += COST_GRID_STRETCH if pure_han else COST_GRID_OFF
    if j in m.penalty:
        extra += m.penalty[j]
    if last and paragraph_end:
        count = m.count_sum[e] - m.count_sum[i]
        if count <= 1:
            guzi = True
            extra += COST_GUZI if count else COST_MARKS_ALONE
        elif count == 2:
            extra += COST_SHORT_LAST
    return (LINE_PENALTY + badness) ** 2 + extra, shrink, loose, guzi


def spread(slack, gaps, flex, room, em):
    """How ``slack`` px is spread over a line's ``gaps``, ``flex`` of which may open
    first, together up to ``room`` em: (px per other gap, share of its opening each flex
    gap takes, loose).  A flex gap that may open to ``cap`` em gets
    ``plain + share * (cap * em - limit)``.  Evenly while every gap stays within the Han
    limit; past it the flex gaps open first, each in proportion to its room, the others
    held at the limit (a share over 1: past their width, up to twice it, dearly); past
    that all open evenly, and the line is loose.
    ``justify.py`` draws what the breaker weighed here."""
    even = slack / gaps
    limit = spread_limit(em)
    if even <= limit or not flex:
        return even, 0.0, even > limit
    excess = slack - gaps * limit
    opening = room * em - flex * limit
    widest = 2 * room * em - flex * limit
    if excess <= widest + EPS:
        return limit, excess / opening, False
    return limit + (excess - widest) / gaps, widest / opening, True


def spread_limit(em):
    """The widest gap between characters that is not loose (a hair inside LOOSE_EM: the
    PDF's rounding), in px."""
    return LOOSE_EM * 0.98 * em


def break_paragraph(m: Metrics, start, first_width, measure, paragraph_end, first_gaps=0):
    """The cheapest lines for text[start:], the first ``first_width`` wide, the others
    ``measure`` wide; None when no set of breaks fits (an unbreakable chunk wider than
    the measure: the caller falls back to the greedy splitter).  ``first_gaps``: gaps
    before the text on its first line (other boxes: a run-in lead sentence)."""
    lines = _search(m, start, first_width, measure, paragraph_end, first_gaps, False)
    if lines is None:
        lines = _search(m, start, first_width, measure, paragraph_end, first_gaps, True)
    return lines


def _search(m, start, first_width, measure, paragraph_end, first_gaps, allow_loose):
    text, starts, cap_sum, n = m.text, m.starts, m.cap_sum, len(m.text)
    begin = _skip_spaces(text, start)
    # Cheapest total cost to each break, and where its line began.  Plain floats and
    # ints, no objects per candidate: the layout's heap is large and every allocation
    # here brings the garbage collector nearer.
    cost_to = {begin: 0.0}
    came_from = {}
    points = [b for b in m.breaks if b > begin]
    if not points or points[-1] != n:
        points.append(n)
    for i_raw in [begin] + points:
        base = cost_to.get(i_raw)
        if base is None or i_raw == n:
            continue
        i = _skip_spaces(text, i_raw)
        width, more = (first_width, first_gaps) if i_raw == begin else (measure, 0)
        k = bisect.bisect_right(points, i)
        if not allow_loose:
            # Lines shorter than this are loose for certain: skip them (the last line
            # is taken whatever its length).
            floor = starts[i] + width * (1 - 1.1 * LOOSE_EM) - m.em
            k = max(k, bisect.bisect_left(points, _first_at(starts, floor, i), k))
            candidates = points[k:]
            if not candidates or candidates[0] != n:
                candidates = [n] + candidates
        else:
            candidates = points[k:]
        limit = width + m.em + EPS
        for j in candidates:
            if j != n and starts[j] - starts[i] - (cap_sum[j] - cap_sum[i]) > limit:
                break
            got = line_cost(m, i, j, width, j == n, paragraph_end, more)
            if got is None or (got[2] and not allow_loose):
                continue
            total = base + got[0]
            old = cost_to.get(j)
            if old is None or total < old:
                cost_to[j] = total
                came_from[j] = i_raw
    if n not in cost_to:
        return None
    path = [n]
    while path[-1] != begin:
        path.append(came_from[path[-1]])
    path.reverse()
    lines = []
    for a, b in zip(path, path[1:]):
        i = _skip_spaces(text, a)
        width, more = (first_width, first_gaps) if a == begin else (measure, 0)
        cost, shrink, loose, guzi = line_cost(m, i, b, width, b == n, paragraph_end, more)
        lines.append(Line(i, b, shrink, loose, guzi, cost))
    return lines


def _first_at(starts, x, lo):
    """The first character index whose start is at or beyond ``x``."""
    return bisect.bisect_left(starts, x, lo)


def break_paragraph_into(m: Metrics, count, first_width, measure, paragraph_end, first_gaps=0):
    """The cheapest ``count`` lines for the whole text, or None: a paragraph made one
    line longer or shorter (拉行/缩行) to fill a page, by the same costs.  Loose lines
    are not allowed here: a page is never filled by spacing a line out."""
    text, starts, n = m.text, m.starts, len(m.text)
    begin = _skip_spaces(text, 0)
    points = [b for b in m.breaks if b > begin]
    if not points or points[-1] != n:
        points.append(n)
    # best[c][j]: cheapest c lines ending at break j
    best = [{begin: (0.0, None, None)}]
    for c in range(count):
        layer = {}
        for i_raw, (base, _, _) in best[c].items():
            if i_raw == n:
                continue
            i = _skip_spaces(text, i_raw)
            width, more = (first_width, first_gaps) if c == 0 else (measure, 0)
            k = bisect.bisect_right(points, i)
            if c < count - 1:
                floor = starts[i] + width * (1 - 1.5 * LOOSE_EM) - m.em
                k = max(k, bisect.bisect_left(points, _first_at(starts, floor, i), k))
                candidates = points[k:]
            else:
                candidates = [n]
            for j in candidates:
                natural = starts[_trim_end(text, i, j)] - starts[i]
                if natural - (m.cap_sum[j] - m.cap_sum[i]) - m.em > width + EPS:
                    break
                if (j == n) != (c == count - 1):
                    continue
                got = line_cost(m, i, j, width, j == n, paragraph_end, more)
                if got is None or got[2]:
                    continue
                total = base + got[0]
                if j not in layer or total < layer[j][0]:
                    layer[j] = (total, i_raw, Line(i, j, got[1], got[2], got[3], got[0]))
        if not layer:
            return None
        best.append(layer)
    if n not in best[count]:
        return None
    lines = []
    j = n
    for c in range(count, 0, -1):
        _, i_raw, info = best[c][j]
        lines.append(info)
        j = i_raw
    lines.reverse()
    return lines
