"""The marked proof of a new draft: what changed since the last round, drawn on its pages.

The marks a proofreader makes by hand, in colour: inserted text underlined; where text
was deleted, a caret in the line and the deleted words in the outer margin; a replaced run
both; every changed line a bar in the outer margin; a format change underlined with a
broken line and named in the margin. Like the proof copy (`proof.py`, whose line numbers
and overlay this reuses) everything is drawn as filled paths and glyph outlines over the
clean pages, so the marked copy's text layer is exactly the clean PDF's.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .checks.pdfread import MM
from .proof import line_numbers, outline, overlay, text_width

INSERT = (0.0, 0.4, 0.85)       # blue: the new text
DELETE = (0.85, 0.1, 0.1)       # red: caret and the words taken out
FORMAT = (0.0, 0.55, 0.25)      # green: same words, other markup
BAR = (0.95, 0.5, 0.0)          # orange: a changed line
NOTE_SIZE = 6.5                 # pt, the margin words
NOTE_LEADING = 1.25
MARGIN_GAP = 3 * MM             # between the type area and the margin words
# The margin words in the proofreader's terms.
FORMAT_WORDS = [('new paragraph', '另起段'), ('paragraphs joined', '接排'),
                (re.compile(r'heading (\d)'), lambda m: '一二三四五六'[int(m.group(1)) - 1] + '级标题'),
                ('paragraph', '正文'), ('list item', '列表项'), ('quotation', '引文'), ('title', '标题'),
                ('table cell', '表格'), ('notice', '框注'), ('bold', '加粗'), ('emphasis', '强调'),
                ('strike-through', '删除线'), ('code', '代码'), (' added', '（加）'), (' removed', '（去）'),
                (' → ', '→'), (', ', '，')]


@dataclass
class Mark:
    kind: str                       # insert | delete | replace | format
    glyphs: list = field(default_factory=list)   # (pdfread.Line, Glyph) of the new text
    caret: tuple | None = None      # (pdfread.Line, x from the page's left, baseline) where text went
    note: str = ''                  # margin words: the deleted text, or the format change


def note_words(kind: str, old_text: str, detail: str) -> str:
    if kind == 'format':
        words = detail
        for pattern, repl in FORMAT_WORDS:
            words = pattern.sub(repl, words) if isinstance(pattern, re.Pattern) else words.replace(pattern, repl)
        return '格式：' + words
    return ('删：' if kind == 'delete' else '原：') + old_text if kind in ('delete', 'replace') else ''


def _rgb(c, stroke=False) -> str:
    return f'{c[0]} {c[1]} {c[2]} ' + ('RG' if stroke else 'rg')


def _runs(glyphs):
    """The glyphs of a mark, one run per line and baseline: (line, x0, x1, baseline, size).
    By the glyphs' own baseline, not the line's: a line read across columns of different
    baselines is still underlined under its text."""
    runs: dict[tuple[int, float], list] = {}
    for ln, g in glyphs:
        key = (id(ln), round(g.base))
        run = runs.get(key)
        if run is None:
            runs[key] = [ln, g.x0, g.x1, g.base, g.size]
        else:
            run[1], run[2] = min(run[1], g.x0), max(run[2], g.x1)
    return [tuple(r) for r in runs.values()]


class PageMarks:
    """The marks of one page, in PDF user space (y up from the page's bottom)."""

    def __init__(self, page, area, left: float, top: float):
        self.page, self.area, self.left, self.top = page, area, left, top
        self.ops: list[str] = []
        self.bars: set[tuple[float, float]] = set()
        # the margins' room for words: right of the type area; left of it, clear of the
        # line numbers (3 mm from the type area, two digits of 8 pt)
        numbers = 2 * MM if page.columns else 7.5 * MM     # in columns they stand in the gutters
        self.margins = {True: (area[2] + MARGIN_GAP, page.width - 3 * MM),
                        False: (3 * MM, area[0] - numbers)}
        self.floors: dict[bool, float] = {}    # per margin, the y of the lowest note's last line

    def right(self, ln) -> bool:
        """Whether the marks of `ln` go in the right margin: the outer one (right on a recto,
        left on a verso), or on a page set in columns the nearer one."""
        if ln.column and self.page.columns:
            a, b = self.page.columns[ln.column - 1]
            return a + b > self.page.width
        return self.page.number % 2 == 1

    def y(self, base: float) -> float:
        return self.top - base

    def underline(self, ln, x0: float, x1: float, base: float, size: float, colour, dashed=False) -> None:
        y = self.y(base) - 0.16 * size
        dash = f'[{0.2 * size:.2f} {0.12 * size:.2f}] 0 d ' if dashed else ''
        self.ops.append(f'q {_rgb(colour, True)} {0.06 * size:.2f} w {dash}'
                        f'{self.left + x0:.2f} {y:.2f} m {self.left + x1:.2f} {y:.2f} l S Q')
        self.bar(ln, base, size)

    def caret(self, ln, x: float, base: float) -> None:
        size = ln.size
        y = self.y(base)
        x = self.left + x
        w, h = 0.16 * size, 0.3 * size
        self.ops.append(f'q {_rgb(DELETE, True)} {0.05 * size:.2f} w 1 j {x - w:.2f} {y - h:.2f} m '
                        f'{x:.2f} {y + 0.05 * size:.2f} l {x + w:.2f} {y - h:.2f} l S Q')
        self.bar(ln, base, size)

    def bar(self, ln, base: float, size: float) -> None:
        if ln.column and self.page.columns:
            x = self.page.columns[ln.column - 1][1] + 0.8 * MM    # in the gutter after its column
        else:
            x = self.area[2] + 1.5 * MM if self.right(ln) else self.area[0] - 1.6 * MM
        key = (round(x, 1), round(base, 1))
        if key in self.bars:
            return
        self.bars.add(key)
        self.ops.append(f'q {_rgb(BAR)} {self.left + x - 0.6:.2f} {self.y(base) - 0.2 * size:.2f} '
                        f'1.2 {1.05 * size:.2f} re f Q')

    def note(self, ln, text: str, colour) -> None:
        """Words in the outer margin beside `ln`, wrapped to the margin, never on top of
        the note before."""
        right = self.right(ln)
        x0, x1 = self.margins[right]
        width = max(x1 - x0, 3 * NOTE_SIZE)
        rows, row = [], ''
        for c in text:
            if row and text_width(row + c, NOTE_SIZE) > width:
                rows.append(row)
                row = ''
            row += c
        rows.append(row)
        step = NOTE_SIZE * NOTE_LEADING
        y = self.y(ln.base)
        if right in self.floors:
            y = min(y, self.floors[right] - step)
        self.ops.append(f'q {_rgb(colour)}')
        for r in rows:
            x = x0 if right else max(x1 - text_width(r, NOTE_SIZE), 0)
            self.ops.append(outline(r, self.left + x, y, NOTE_SIZE))
            self.floors[right] = y
            y -= step
        self.ops.append('Q')


def draw(pdf, pages, layout, marks: list[Mark], output, header: str) -> Path:
    """Write the marked copy of `pdf` (its pages read back as `pages`) to `output`."""
    from pypdf import PdfReader, PdfWriter

    from .render import write_atomically
    writer = PdfWriter(clone_from=PdfReader(str(pdf)))
    by_page: dict[int, list[Mark]] = {}
    for m in marks:
        # a mark may run over a page break: each page draws its part
        touched = {ln.page for ln, _ in m.glyphs} | ({m.caret[0].page} if m.caret else set())
        for number in sorted(touched):
            by_page.setdefault(number, []).append(m)
    for page, lines in zip(writer.pages, pages):
        box = page.mediabox
        left, top = float(box.left), float(box.bottom) + float(box.height)
        area = layout.area(lines.number)
        numbers, _ = line_numbers(lines, area, left, top)
        marked = PageMarks(lines, area, left, top)
        for m in by_page.get(lines.number, []):
            _draw_mark(marked, m)
        head = ['q 0.35 g', outline(header, left + area[0], top - area[1] + 6 * MM, 8.0), 'Q']
        overlay(writer, page, 'q\n', '\nQ\n' + '\n'.join(numbers + marked.ops + head) + '\n')
    write_atomically(Path(output), writer.write)
    return Path(output)


def _draw_mark(marked: PageMarks, m: Mark) -> None:
    colour = FORMAT if m.kind == 'format' else INSERT
    for ln, x0, x1, base, size in _runs(m.glyphs):
        if ln.page == marked.page.number:
            marked.underline(ln, x0, x1, base, size, colour, dashed=m.kind == 'format')
    here = marked.page.number
    if m.caret and m.kind in ('delete', 'replace') and m.caret[0].page == here:
        marked.caret(*m.caret)
    anchor = m.caret[0] if m.caret else m.glyphs[0][0] if m.glyphs else None
    if m.note and anchor is not None and anchor.page == here:
        marked.note(anchor, m.note, FORMAT if m.kind == 'format' else DELETE)
