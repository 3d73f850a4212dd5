"""Reading a PDF back: glyphs with their font, size and place, gathered into lines per page.

This is how `typeset check` and the proof copy count lines, so that 第N页 第M行 in a
finding is the number printed in the proof copy's margin: the body lines of a page are
the lines inside its type area (page numbers and running heads are not counted),
top to bottom, from 1.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

MM = 72 / 25.4
PAGE_NO = re.compile(r'^[—–\-－\s]*\d+[—–\-－\s]*$')


@dataclass
class Glyph:
    text: str
    x0: float
    x1: float
    base: float      # baseline, from the top of the page (pt)
    size: float
    font: str        # PDF font name without the subset tag, e.g. FandolFang-Regular
    top: float
    bottom: float


@dataclass
class Line:
    page: int                 # 1-based
    glyphs: list[Glyph]
    number: int | None = None  # body line number on its page (None: outside the type area)
    index: int = 0            # position in the document's reading order of body lines

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
        return Counter(round(g.base, 2) for g in self.glyphs).most_common(1)[0][0]

    @property
    def size(self) -> float:
        return Counter(round(g.size, 1) for g in self.glyphs).most_common(1)[0][0]


@dataclass
class Page:
    number: int
    width: float
    height: float
    lines: list[Line]
    area: tuple[float, float, float, float] | None = None   # type area x0, top, x1, bottom (pt)
    body: list[Line] = field(default_factory=list)


def _strip_subset(name: str) -> str:
    return name.split('+', 1)[1] if re.match(r'^[A-Z]{6}\+', name) else name


def page_lines(page, page_number: int) -> list[Line]:
    glyphs = []
    height = float(page.height)
    for ch in page.chars:
        if not ch['text'].strip():
            continue
        m = ch.get('matrix')
        base = height - m[5] if m else ch['bottom']
        glyphs.append(Glyph(ch['text'], float(ch['x0']), float(ch['x1']), float(base),
                            float(ch['size']), _strip_subset(ch.get('fontname', '')),
                            float(ch['top']), float(ch['bottom'])))
    glyphs.sort(key=lambda g: (g.base, g.x0))
    rows: list[list[Glyph]] = []
    for g in glyphs:
        if rows:
            ref = rows[-1][0]
            if abs(g.base - ref.base) <= max(2.0, 0.3 * min(g.size, ref.size)):
                rows[-1].append(g)
                continue
        rows.append([g])
    rows = _merge_raised(rows)
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


def read_pdf(path: Path | str, areas=None) -> list[Page]:
    """Pages of a PDF with their lines; `areas(page_number)` gives each page's type area
    (x0, top, x1, bottom in pt from the top left), else page-number lines are left out."""
    import pdfplumber
    pages = []
    with pdfplumber.open(str(path)) as pdf:
        for i, p in enumerate(pdf.pages, 1):
            lines = page_lines(p, i)
            area = areas(i) if areas else None
            page = Page(i, float(p.width), float(p.height), lines, area)
            if area:
                page.body = [ln for ln in lines if inside(ln, area)]
            else:
                page.body = [ln for ln in lines if not PAGE_NO.match(ln.text)]
            # Lines on one baseline (table cells, columns of a row) share their number.
            n, prev = 0, None
            for ln in page.body:
                if prev is None or abs(ln.base - prev) > 2.0:
                    n += 1
                    prev = ln.base
                ln.number = n
            pages.append(page)
    k = 0
    for page in pages:
        for ln in page.body:
            ln.index = k
            k += 1
    return pages
