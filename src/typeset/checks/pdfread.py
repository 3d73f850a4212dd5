"""Reading a PDF back: glyphs with their font, size and place, gathered into lines per page.

This is how `typeset check` and the proof copy count lines, so that 第N页 第M行 in a
finding is the number printed in the proof copy's margin: the body lines of a page are
the lines inside its type area (page numbers and running heads are not counted),
top to bottom, from 1.
"""
from __future__ import annotations

import functools
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

MM = 72 / 25.4
PAGE_NO = re.compile(r'^[—–\-－\s]*\d+[—–\-－\s]*$')
# A newspaper's 转版 note on a line of its own (（上接第2版） at the head of a continued
# page, （下转第3版） under its last column): page furniture, like a page number.
CONTINUATION = re.compile(r'^（[上下][接转]第\d+版）$')


# Slots: a 700-page check holds ~350,000 glyphs; without a __dict__ each takes half the memory.
@dataclass(slots=True)
class Glyph:
    text: str
    x0: float
    x1: float
    base: float      # baseline, from the top of the page (pt)
    size: float
    font: str        # PDF font name without the subset tag, e.g. FandolFang-Regular
    top: float
    bottom: float


@dataclass(slots=True)
class Line:
    page: int                 # 1-based
    glyphs: list[Glyph]
    number: int | None = None  # body line number on its page (None: outside the type area)
    index: int = 0            # position in the document's reading order of body lines
    column: int | None = None  # 1-based column on a page set in columns (None: one column, or spanning)
    # base and size, counted once: the rules ask for them ~5 times a line (2 s of a
    # 700-page check). A line's glyphs are not changed once it is made.
    _base: float | None = field(default=None, init=False, repr=False, compare=False)
    _size: float | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def text(self) -> str:
        return ''.join(g.text for g in self.glyphs)

    @property
    def x0(self) -> float:
        return self.glyphs[0].x0

    @property
    def x1(self) -> float:
        return self.glyphs[-1].x1

    @property
    def base(self) -> float:
        if self._base is None:
            self._base = Counter(round(g.base, 2) for g in self.glyphs).most_common(1)[0][0]
        return self._base

    @property
    def size(self) -> float:
        if self._size is None:
            self._size = Counter(round(g.size, 1) for g in self.glyphs).most_common(1)[0][0]
        return self._size


@dataclass
class Page:
    number: int
    width: float
    height: float
    lines: list[Line]
    area: tuple[float, float, float, float] | None = None   # type area x0, top, x1, bottom (pt)
    body: list[Line] = field(default_factory=list)
    columns: list[tuple[float, float]] = field(default_factory=list)   # x ranges, when set in columns


# Asked for every glyph about a handful of names: remembered.
@functools.lru_cache(maxsize=256)
def _strip_subset(name: str) -> str:
    return name.split('+', 1)[1] if re.match(r'^[A-Z]{6}\+', name) else name


def page_lines(page, page_number: int) -> list[Line]:
    rows = _rows(list(page.glyphs))
    lines = []
    for row in rows:
        row.sort(key=lambda g: g.x0)
        # Two runs far apart on one baseline are two lines (columns, a page number beside text).
        start = 0
        for k in range(1, len(row)):
            gap = row[k].x0 - row[k - 1].x1
            if gap > 3 * max(row[k].size, row[k - 1].size):
                lines.append(Line(page_number, row[start:k]))
                start = k
        lines.append(Line(page_number, row[start:]))
    lines.sort(key=lambda ln: (ln.base, ln.x0))
    return lines


def _rows(glyphs: list[Glyph]) -> list[list[Glyph]]:
    """Glyphs gathered by baseline, raised ones joined to the line beside them."""
    glyphs = sorted(glyphs, key=lambda g: (g.base, g.x0))
    rows: list[list[Glyph]] = []
    for g in glyphs:
        if rows:
            ref = rows[-1][0]
            if abs(g.base - ref.base) <= max(2.0, 0.3 * min(g.size, ref.size)):
                rows[-1].append(g)
                continue
        rows.append([g])
    return _merge_raised(rows)


def _merge_raised(rows: list[list[Glyph]]) -> list[list[Glyph]]:
    """Superscripts and subscripts (footnote references) sit off the baseline in a smaller
    size: they belong to the line beside them, in reading order."""
    def size(row):
        return max(g.size for g in row)

    def span(row):
        return min(g.x0 for g in row), max(g.x1 for g in row)

    out = list(rows)
    changed = True
    while changed:
        changed = False
        for i, row in enumerate(out):
            for j in (i + 1, i - 1):
                if not 0 <= j < len(out):
                    continue
                other = out[j]
                if size(row) < size(other) - 0.5 and abs(row[0].base - other[0].base) < 0.6 * size(other):
                    a0, a1 = span(row)
                    b0, b1 = span(other)
                    if a0 >= b0 - size(other) and a1 <= b1 + size(other):
                        other.extend(row)
                        # the line's baseline is that of its main text
                        other.sort(key=lambda g: -g.size)
                        del out[i]
                        changed = True
                        break
            if changed:
                break
    return out


def inside(line: Line, area) -> bool:
    x0, top, x1, bottom = area
    # the baseline inside the type area's height; the line overlapping its width
    return top - 1 <= line.base <= bottom + 1 and line.x1 > x0 and line.x0 < x1


def _pages_of(path):
    """The glyphs of each page (`Glyph` records, white space left out), read straight
    from the content streams (`contentstream`): pdfminer's general interpreter was 70 %
    of verifying a 700-page document, pdfplumber's per-object bookkeeping more still."""
    from .contentstream import pages_of
    return pages_of(path)


def read_pdf(path: Path | str, areas=None, columns: bool | tuple[int, float] = False) -> list[Page]:
    """Pages of a PDF with their lines; `areas(page_number)` gives each page's type area
    (x0, top, x1, bottom in pt from the top left), else page-number lines are left out.

    On a page set in columns, lines are split at the gutters and read column by column
    (a line across the gutters, a title, ends one band of columns and starts the next)
    when `columns` says the style sets the body in columns (a table is not columns): at
    the gutters the style declares when `columns` is (count, gap), else at the white
    found down the page; lines are numbered per column, and `Line.column` says which."""
    pages = []
    for i, p in enumerate(_pages_of(path), 1):
        lines = page_lines(p, i)
        area = areas(i) if areas else None
        page = Page(i, p.width, p.height, lines, area)
        if area:
            body = [ln for ln in lines if inside(ln, area)]
        else:
            body = [ln for ln in lines if not PAGE_NO.match(ln.text)]
        body = [ln for ln in body if not CONTINUATION.match(ln.text.strip())]
        if isinstance(columns, tuple) and area:
            gutters = declared_gutters(area, *columns)
        else:
            gutters = _gutters(body, area) if columns else []
        if gutters:
            page.body, page.columns = _in_columns(body, gutters, area)
        else:
            page.body = body
        _number(page)
        pages.append(page)
    k = 0
    for page in pages:
        for ln in page.body:
            ln.index = k
            k += 1
    return pages


def _number(page: Page) -> None:
    # Lines on one baseline (table cells) share their number; columns count their own.
    counters: dict[int | None, tuple[int, float | None]] = {}
    for ln in page.body:
        n, prev = counters.get(ln.column, (0, None))
        if prev is None or abs(ln.base - prev) > 2.0:
            n += 1
            prev = ln.base
        counters[ln.column] = (n, prev)
        ln.number = n


def declared_gutters(area, count: int, gap: float) -> list[tuple[float, float]]:
    """The gutters of a type area set in `count` equal columns `gap` apart (CSS
    column-count and column-gap: the columns share what the gaps leave)."""
    x0, _, x1, _ = area
    width = (x1 - x0 - (count - 1) * gap) / count
    return [(x0 + k * (width + gap) + width, x0 + (k + 1) * (width + gap)) for k in range(count - 1)]


def _gutters(body: list[Line], area) -> list[tuple[float, float]]:
    """Vertical strips inside the type area that (almost) no line crosses."""
    if len(body) < 6:
        return []
    glyphs = [g for ln in body for g in ln.glyphs]
    x0 = area[0] if area else min(g.x0 for g in glyphs)
    x1 = area[2] if area else max(g.x1 for g in glyphs)
    width = int(x1 - x0) + 1
    if width < 50:
        return []
    cover = [0] * width
    rows = 0
    size = sorted(g.size for g in glyphs)[len(glyphs) // 2]
    for ln in body:
        if ln.size > 1.5 * size:
            continue  # a headline spans the columns: its glyphs say nothing of the gutters
        rows += 1
        seen = set()
        for g in ln.glyphs:
            for b in range(max(0, int(g.x0 - x0) + 1), min(width, int(g.x1 - x0))):
                seen.add(b)
        for b in seen:
            cover[b] += 1
    threshold = max(2, 0.08 * rows)
    gutters = []
    b = 0
    while b < width:
        if cover[b] < threshold:
            e = b
            while e < width and cover[e] < threshold:
                e += 1
            # interior strips at least a third of the type size wide, with text on both sides
            if b > size and e < width - size and e - b >= size / 3:
                gutters.append((x0 + b, x0 + e))
            b = e
        else:
            b += 1
    # a gutter has text beside it down the page, not just a short indented line
    return [g for g in gutters if _both_sides(body, g) >= 3]


def _both_sides(body, gutter) -> int:
    a, b = gutter
    return sum(1 for ln in body if any(g.x1 <= a + 1 for g in ln.glyphs) and any(g.x0 >= b - 1 for g in ln.glyphs)) \
        + sum(1 for ln in body if all(g.x0 >= b - 1 for g in ln.glyphs))


def _across(glyphs, a: float, b: float) -> bool:
    """Glyphs that, joined over gaps narrower than 0.4 of their size, cover the gutter
    [a, b] from edge to edge: a line set across the columns, a letter-spaced banner among
    them. Two column lines face each other over the gutter with at least its width less
    a half-width mark hanging on each side between them (17.47 − 10.5 pt in newspaper)."""
    run = None
    for g in sorted(glyphs, key=lambda g: g.x0):
        if run and g.x0 - run[1] < 0.4 * max(g.size, run[2]):
            run = (run[0], max(run[1], g.x1), g.size)
        else:
            run = (g.x0, g.x1, g.size)
        if run[0] <= a and run[1] >= b:
            return True
    return False


def _column_lines(page: int, by_col: dict[int, list[Glyph]]) -> list[Line]:
    """The lines of each column, gathered again column by column: a page-wide row mixes
    baselines that only come near each other across the gutters (a 9 pt code line beside
    body text 1.5 pt lower), and a raised footnote reference is joined to the line of its
    own column."""
    out = []
    for c, glyphs in by_col.items():
        for row in _rows(glyphs):
            row.sort(key=lambda g: g.x0)
            out.append(Line(page, row, column=c + 1))
    return out


def _may_span(ln: Line, left: float, right: float) -> bool:
    """A heading set across the columns stands centred on the type area or at its left
    edge; a line at the head of any other column (the last line of a code block set apart
    by a blank one) is that column's."""
    size = ln.size
    return abs(ln.x0 - left) < size or abs((ln.x0 + ln.x1) / 2 - (left + right) / 2) < 2 * size


def _into_gutter(glyphs, a: float, b: float) -> bool:
    """A glyph that starts inside the gutter [a, b]: column text starts at a column's left
    edge and only hangs a mark into the gutter on its right; a centred line a hair wider
    than a column (a byline), or a table cell, does not keep to the columns."""
    return any(a + 1 < g.x0 < b - 1 for g in glyphs)


def _equal_cells(row: list[Line], left: float, right: float) -> bool:
    """Runs centred in the cells of a table across the type area in n equal columns (a
    newspaper's table: styles/newspaper.css), for some n; code lines in the columns start
    where their column does, and do not fall on such centres."""
    for n in range(2, 13):
        cell = (right - left) / n
        if all(abs(((ln.x0 + ln.x1) / 2 - left) / cell % 1 - 0.5) * cell < 1.5 for ln in row):
            return True
    return False


def _spanning_rows(body: list[Line], gutters, size: float, body_size: float,
                   left: float, right: float) -> dict[int, float]:
    """The lines set across the columns: id → the baseline of their row, where they are
    read left to right (a table cell of brackets sits 0.6 pt off its row's baseline)."""
    # A line is set across the columns when it is a headline, or runs across a gutter or
    # into one (a byline a hair wider than a column, centred). A row of runs smaller than
    # the body type is a table's row when they are centred in equal cells across the type
    # area, or when one of them spans: then all of them are (nothing stands in a column
    # beside a table set across the page, and a column's code line starts at its edge).
    rows: list[list[Line]] = []
    for ln in sorted(body, key=lambda ln: ln.base):
        if rows and abs(ln.base - rows[-1][0].base) <= 2.0:
            rows[-1].append(ln)
        else:
            rows.append([ln])
    out: dict[int, float] = {}
    for row in rows:
        spans = [ln for ln in row if ln.size > 1.5 * size or any(
            _across(ln.glyphs, a, b) or _into_gutter(ln.glyphs, a, b) for a, b in gutters)]
        small = len(row) > 1 and all(ln.size < body_size - 0.5 for ln in row)
        if small and (spans or _equal_cells(row, left, right)):
            spans = row
        out.update((id(ln), row[0].base) for ln in spans)
    return out


def _in_columns(body: list[Line], gutters, area):
    edges = [area[0] if area else min(ln.x0 for ln in body)] + [x for g in gutters for x in g] + \
        [area[2] if area else max(ln.x1 for ln in body)]
    columns = [(edges[k], edges[k + 1]) for k in range(0, len(edges), 2)]
    pieces: list[Line] = []
    sizes = sorted(g.size for ln in body for g in ln.glyphs)
    size = sizes[len(sizes) // 2]
    by_col: dict[int, list[Glyph]] = {}
    # the body type: the common size of the Han characters (a page of code has more
    # glyphs in the code's size)
    han = sorted(g.size for ln in body for g in ln.glyphs if '\u4e00' <= g.text <= '\u9fff') or sizes
    spanning = _spanning_rows(body, gutters, size, han[len(han) // 2], edges[0], edges[-1])
    for ln in body:
        if id(ln) in spanning:
            ln.column = None
            pieces.append(ln)
            continue
        for g in ln.glyphs:
            # by where the glyph starts: a mark hanging into the gutter (or code running
            # over it) belongs to the column on its left
            start = g.x0 + 0.5
            c = max((k for k, (a, b) in enumerate(columns) if a <= start), default=0)
            by_col.setdefault(c, []).append(g)
    pieces += _column_lines(body[0].page if body else 0, by_col)
    # A short heading between two bands of columns (column-span: all) may not reach across
    # a gutter: it is alone on its baseline, set apart above and below.
    pieces.sort(key=lambda ln: (spanning.get(id(ln), ln.base), ln.x0))
    gaps = sorted(b.base - a.base for a, b in zip(pieces, pieces[1:]) if b.base - a.base > 2)
    pitch = gaps[len(gaps) // 2] if gaps else 0
    for ln in pieces:
        if ln.column is None or not pitch:
            continue
        alone = not any(o is not ln and abs(o.base - ln.base) < 2 for o in pieces)
        same = [o.base for o in pieces if o.column == ln.column and o is not ln]
        above = min((ln.base - b for b in same if b < ln.base), default=1e9)
        below = min((b - ln.base for b in same if b > ln.base), default=1e9)
        if alone and above > 1.4 * pitch and below > 1.1 * pitch and _may_span(ln, edges[0], edges[-1]):
            ln.column = None
    # reading order: bands split by lines across the gutters; in a band, column by column
    ordered: list[Line] = []
    band: list[Line] = []
    for ln in pieces:
        if ln.column is None:
            ordered += sorted(band, key=lambda x: (x.column, x.base, x.x0))
            band = []
            ordered.append(ln)
        else:
            band.append(ln)
    ordered += sorted(band, key=lambda x: (x.column, x.base, x.x0))
    return ordered, columns
