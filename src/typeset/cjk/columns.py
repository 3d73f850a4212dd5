"""Newspaper columns: the changes typeset makes to WeasyPrint's multi-column layout.

A newspaper's columns of one article end level: every column of a band ends on the same
line, or one line short. WeasyPrint 70's ``columns_layout`` (weasyprint/layout/column.py)
looks for the smallest common column height at which the band fits and then fills the
columns greedily to it, so the last column takes what is left: with L lines in k columns
it can stand k − 1 lines short (the seed page: 3 lines in band 1, 2 in band 2; corpus 03
set as a newspaper: up to 7).

A multi-column box that declares its line pitch,

    main.body { column-count: 7; --column-grid: 16.5pt; }
    h3 { --column-stretch: 1; }

is laid out here instead, band by band (a band: the columns between two spanning blocks):

1. one trial at the full height left on the page tells whether the band fits at all
   (and how tall the footnotes it calls are); if not, its columns end level at the
   page foot (or a line or two above it), at a place from which what they carry over
   can end level on the next page, and the rest continues there;
2. otherwise a search for column heights in whole pitches at which the band fits with
   its column bottoms at most one line apart (two, three, when the rules of breaking
   allow no better): each column B, B − 1 or B − 2 lines (B − 3 within three) for a
   bottom line B, laid out for real and memoised; a column left short may be made up
   with lines of white at its 小标题 (``--column-stretch``: under it, so that it
   stands centred in its white; at a column head, where it lost its house line, that
   too: a column starts on its band's first line), by setting paragraphs a line longer
   or shorter (拉行, 缩行; a paragraph so set stays so in the next column it runs into),
   by a blank line between two paragraphs (段间加空; two, at two gaps), as a make-up
   man does; a band of a few lines that still cannot ends level in fewer columns;
3. a banner (a spanning block with ``break-after: avoid``) whose band cannot start under
   it goes to the next page with the band;
4. on the page the report ends on, the whole lines left over are opened over and under
   its banners (``_Multicol.fill``), so that the page is full (撑满).

The same module drops a 转版 note (a margin box with ``--only-if-continued``) on the last
page, which CSS cannot select. Boxes without ``--column-grid`` go to WeasyPrint's own
function untouched; the patches are installed by ``typeset.cjk.install`` for WeasyPrint
70.x only, and ``install`` refuses a WeasyPrint without the functions it replaces.
"""
from math import ceil
from typing import NamedTuple

from . import breaker
from .settings import _length, _tokens

GRID_PROPERTY = '__column_grid'
SEARCH_BUDGET = 150     # new column layouts per pass of the balancing search
# The passes of the balancing search: (the text may end before the last column, column
# bottoms within so many lines, paragraphs that may be set a line longer or shorter,
# the fewest lines of a paragraph at a column foot, blank lines between two paragraphs
# a column may take[, bands of at most so many lines]). White at a 小标题 first, then a
# paragraph loosened or tightened, then a paragraph's first line alone at the foot of a
# column (indented, it reads as the start of a paragraph; the last line alone at a
# column head, widows, stays refused), then a blank line between two paragraphs, as a
# page editor makes up a short column before he lets the columns end apart.
# A band of a few short lines (a lead-in of one- to three-line paragraphs that widows
# and orphans keep whole) ends level in fewer columns before it ends apart in all; so
# does one a little deeper (many short 小标题 and paragraphs: the tail of a report) that
# two blank lines between paragraphs in a column do not make up.
SHORT_BAND = 4          # lines
FEWER_BAND = 16         # lines
PASSES = ((False, 1, 0, None, 0), (False, 1, 1, None, 0), (False, 1, 2, None, 0),
          (True, 1, 0, None, 0, SHORT_BAND), (False, 1, 0, 1, 0), (False, 1, 0, None, 1),
          (False, 1, 1, None, 1), (False, 1, 0, 1, 1), (False, 1, 1, 1, 1),
          (False, 1, 0, None, 2), (False, 1, 0, 1, 2), (True, 1, 0, None, 2, FEWER_BAND),
          (False, 2, 0, None, 0), (False, 2, 0, 1, 1), (False, 3, 0, None, 0),
          (False, 3, 0, 1, 1), (True, 1, 0, None, 0), (True, 2, 0, None, 0))
GAPS_MOST = 2           # blank lines between paragraphs one column may take
LINE_CHANGES = 4        # paragraphs of a column tried a line longer or shorter
LOOK_AHEAD = 3          # places a band running on to the next page may end, tried
FILL_MOST = 4           # lines of white page fill opens at one place at most
FILL_HEAD = 2           # page fill: lines more under the headline block at most
FILL_SHARE = 0.25       # page fill: spare lines at most this share of the page's
STRETCH_PROPERTY = '__column_stretch'
CONTINUED_PROPERTY = '__only_if_continued'

_original = None


def pitch_of(style):
    """The band's line pitch in px, from ``--column-grid``, or None."""
    return _length(_tokens(style, GRID_PROPERTY), style['font_size'])


def install():
    """Route multi-column boxes through `columns_layout` (idempotent)."""
    global _original
    from weasyprint import layout
    from weasyprint.layout import block, column

    from . import UnsupportedWeasyPrint
    from .patches import check_version
    if _original is not None:
        return
    check_version()
    # The private names this module replaces or reuses: refuse loudly if they moved.
    for module, name in ((column, 'columns_layout'), (column, '_create_column_box'),
                         (column, '_report_footnotes'), (block, 'columns_layout'),
                         (layout, 'make_margin_boxes')):
        if not hasattr(module, name):
            raise UnsupportedWeasyPrint(f'{module.__name__}.{name} is gone: '
                                        'typeset.cjk.columns is written for WeasyPrint 70')
    # block.py imported columns_layout by name: that is the reference to replace.
    _original = column.columns_layout
    block.columns_layout = columns_layout
    # layout/__init__.py imported make_margin_boxes by name, and calls it once per page
    # after all pages are laid out.
    layout.make_margin_boxes = _continued_only(layout.make_margin_boxes)


def _continued_only(make_margin_boxes):
    """A 转版 note (下转第N版) belongs only to a page whose text runs on: margin boxes that
    declare ``--only-if-continued`` are dropped on the last page. CSS has no selector for
    the last page, and only after pagination is it known which page that is."""
    def wrapper(context, page, state):
        # make_all_pages keeps one page_maker entry per page, and one for the page after.
        last = context.current_page >= len(context.page_maker) - 1
        for box in make_margin_boxes(context, page, state):
            if not (last and _tokens(box.style, CONTINUED_PROPERTY)):
                yield box
    return wrapper


def columns_layout(context, box, bottom_space, skip_stack, containing_block,
                   page_is_empty, absolute_boxes, fixed_boxes, adjoining_margins,
                   first_letter_style, first_line_style):
    pitch = pitch_of(box.style)
    if (pitch is None or box.style['height'] != 'auto' or box.style['direction'] == 'rtl'
            or box.style['position'] == 'relative'):
        return _original(context, box, bottom_space, skip_stack, containing_block,
                         page_is_empty, absolute_boxes, fixed_boxes, adjoining_margins,
                         first_letter_style, first_line_style)
    layout = _Multicol(context, box, bottom_space, containing_block, pitch,
                       absolute_boxes, fixed_boxes, first_letter_style, first_line_style)
    try:
        return layout.run(skip_stack, page_is_empty, adjoining_margins)
    finally:
        context.in_column = False


class _Multicol:
    """One multi-column box on one page: its spanning blocks and its bands of columns."""

    def __init__(self, context, box, bottom_space, containing_block, pitch,
                 absolute_boxes, fixed_boxes, first_letter_style, first_line_style):
        from weasyprint.layout.block import block_level_width, collapse_margin
        self.context = context
        self.pitch = pitch
        self.bottom_space = bottom_space
        self.containing_block = containing_block
        self.absolute_boxes, self.fixed_boxes = absolute_boxes, fixed_boxes
        self.styles = (first_letter_style, first_line_style)
        context.in_column = True
        self.box = box.copy_with_children(box.children)
        self.collapse_margin = collapse_margin
        block_level_width(self.box, containing_block)
        style = box.style
        gap = style['font_size'] if style['column_gap'] == 'normal' else _px(
            style['column_gap'], style, self.box.width)
        count, width = style['column_count'], style['column_width']
        if width == 'auto':
            width = max(0, self.box.width - (count - 1) * gap) / count
        elif count == 'auto':
            count = max(1, int((self.box.width + gap) // (width + gap)))
            width = (self.box.width + gap) / count - gap
        else:
            count = max(1, min(count, int((self.box.width + gap) // (width + gap))))
            width = (self.box.width + gap) / count - gap
        self.count, self.width, self.gap = count, width, gap
        self.footnote_heights = [0 if context.current_footnote_area.height == 'auto'
                                 else context.current_footnote_area.margin_height()]

    def groups(self, skip_stack):
        """(index of first child, spanning block or list of column children), from skip."""
        out, run = [], []
        skip, = skip_stack.keys() if skip_stack else (0,)
        i = skip
        for i, child in enumerate(self.box.children[skip:], start=skip):
            if child.style['column_span'] == 'all':
                if run:
                    out.append((i - len(run), run))
                out.append((i, child.copy()))
                run = []
            else:
                run.append(child.copy())
        if run:
            out.append((i + 1 - len(run), run))
        return out

    def run(self, skip_stack, page_is_empty, adjoining_margins):
        from weasyprint.layout.block import block_level_layout
        box, context = self.box, self.context
        box.position_y += self.collapse_margin(adjoining_margins)
        groups = self.groups(skip_stack)
        # Where the first group resumes: inside a band (its children count from 0), or
        # inside a spanning block.
        first = skip_stack[next(iter(skip_stack))] if skip_stack else None
        starts_here = skip_stack is None
        y = box.content_box_y()
        children, margins, resume, break_page = [], [], None, False
        for index, group in groups:
            if not isinstance(group, list):   # a spanning block (banner): as WeasyPrint
                group.position_x, group.position_y = box.content_box_x(), y
                new, resume_at, _, margins, _, _ = block_level_layout(
                    context, group, self.bottom_space, first, self.containing_block,
                    page_is_empty, self.absolute_boxes, self.fixed_boxes, margins,
                    *self.styles)
                first = skip_stack = None
                if new is None:
                    resume, break_page = {index: None}, True
                    break
                children.append(new)
                y = new.border_height() + new.border_box_y()
                margins = [new.margin_bottom]
                if resume_at:
                    resume = {index: resume_at}
                    break
                page_is_empty = False
                continue
            y += self.collapse_margin(margins)
            margins = []
            columns, band_resume = self.band(group, y, {0: first} if skip_stack else None,
                                             page_is_empty)
            first = skip_stack = None
            if columns is None:
                resume, break_page = {index: None}, True
                # A banner stays with the columns it introduces (break-after: avoid):
                # if none of them fit under it, it goes to the next page with them.
                if len(children) > 1 and not children[-1].is_column and \
                        children[-1].style['break_after'] in ('avoid', 'avoid-page'):
                    banner = children.pop()
                    resume = {index - 1: None}
                    y = banner.position_y
                    margins = []
                break
            children.extend(columns)
            y += max(c.margin_height() for c in columns) if columns else 0
            page_is_empty = False
            if band_resume:
                skip, = band_resume.keys()
                resume = {index + skip: band_resume[skip]}
                break
        if resume is None and not break_page:
            y += self.fill(children, y, starts_here)
        return self.finish(children, y, margins, resume, break_page)

    def fill(self, children, y, starts_here):
        """The page the report ends on, filled (撑满): the whole lines left above the
        page foot (and the public-service strip) opened as white at the page's display
        places, as a page editor spaces out a page the copy does not quite fill: over
        and under every banner alike, so that it stands centred in its white and all
        stand alike, a line at every side in turn, at most FILL_MOST at one place; up to
        FILL_HEAD lines more go under the headline block, a line left stays at the foot. Never
        inside a band: its columns stay as they were balanced.
        A page the report leaves well short (more spare lines than FILL_SHARE of the
        page's) has room for another item: it stays as it is. Returns the height added."""
        spare = int(self.available(y) / self.pitch + 1e-6)
        page = self.context.page_bottom - self.containing_block.content_box_y()
        if not children or spare < 1 or spare > FILL_SHARE * page / self.pitch:
            return 0
        # a banner's two sides (one at the head of a page it does not start, or at the
        # foot of the report); the top of the page the report starts on is under the
        # headline block
        sides = [[k + under for under in (0, 1)
                  if (k + under or starts_here) and k + under < len(children)]
                 for k, child in enumerate(children) if not child.is_column]
        opened, each = {}, sum(len(places) for places in sides)
        for _ in range(FILL_MOST):
            if not each or spare < each:
                break   # a line at every side of every banner, or none: they stay alike
            for place in (place for places in sides for place in places):
                opened[place] = opened.get(place, 0) + 1
            spare -= each
        if starts_here:
            opened[0] = opened.get(0, 0) + min(spare, FILL_HEAD)
        shift = 0
        for k, child in enumerate(children):
            shift += opened.get(k, 0) * self.pitch
            if shift:
                child.translate(dy=shift)
        return sum(opened.values()) * self.pitch

    def finish(self, children, y, margins, resume, break_page):
        from weasyprint.layout.column import _report_footnotes
        context, box = self.context, self.box
        _report_footnotes(context, self.footnote_heights[-1])
        if box.children and not children:
            return None, (0, None), {'break': 'any', 'page': None}, [], False
        box.children = children
        y += self.collapse_margin(margins)
        height = y - box.content_box_y()
        difference = 0
        if box.height == 'auto':
            box.height = height
        if box.min_height != 'auto' and box.min_height > box.height:
            difference = box.min_height - box.height
            box.height = box.min_height
        for child in children[::-1]:
            if not child.is_column:
                break
            child.height += difference
        if context.current_footnote_area.height != 'auto':
            context.page_bottom += self.footnote_heights[0]
            context.page_bottom -= context.current_footnote_area.margin_height()
        next_page = {'break': 'any', 'page': None}
        return box, resume, next_page, [], False

    # -- one band of columns ------------------------------------------------------------

    def available(self, top):
        """The height left on the page below `top`. Inside columns WeasyPrint does not move
        the page bottom for footnotes (LayoutContext._update_footnote_area), so the
        footnotes called so far are taken off here, as column.py does."""
        footnotes = self.footnote_heights[-1] - self.footnote_heights[0]
        return self.context.page_bottom - top - self.bottom_space - footnotes

    def band(self, children, top, skip_stack, page_is_empty):
        """Lay out one band of columns from `top`; return (column boxes, resume_at)."""
        fits, consumed = self.fit_full_height(children, top, skip_stack)
        full = self.available(top)
        heights, white, orphans, gaps = self.balanced_heights(
            children, top, full, skip_stack, consumed, runs_on=not fits)
        with _orphans(children, orphans):
            return self.place(children, top, heights, white, skip_stack, page_is_empty, gaps)

    def fit_full_height(self, children, top, skip_stack):
        """A trial at the full height: does the band fit on the page? Footnotes the band
        calls shrink the page; as WeasyPrint does, try again with their height."""
        while True:
            height = self.available(top)
            resume, consumed, footnotes, _, _ = self.trial(
                children, top, [height] * self.count, skip_stack, page_is_empty=True)
            if footnotes not in self.footnote_heights:
                self.footnote_heights.append(footnotes)
                continue
            return resume is None and max(consumed or [0]) <= height + 0.01, consumed

    def balanced_heights(self, children, top, full, skip_stack, consumed, runs_on=False):
        """Column heights in whole pitches at which the band fits with its column bottoms
        at most one line apart, or as few lines apart as the rules of breaking allow, the
        lines of white to open in each column, the orphans and whether white may open
        between paragraphs (as `_Balance.solve`). With `runs_on`, the band does not fit
        on the page: its columns end level at the page foot, or a line or two above it,
        and the rest runs on to the next page."""
        pitch, count = self.pitch, self.count
        total = sum(consumed) / pitch
        most = int(full // pitch + 1e-6)
        balance = _Balance(self, children, top, most)
        found = balance.solve(skip_stack, total, runs_on)
        if found:
            heights, white, hints, orphans, gaps = found
            # the paragraphs set a line longer or shorter stay so: the columns are laid
            # out for real with them, and any later layout of the page finds them so
            _loosened(hints).keep()
            return [h * pitch for h in heights], white, orphans, gaps
        if runs_on:     # filled to the foot as WeasyPrint fills them
            return [full] * count, [0] * count, None, 0
        lines = max(1, ceil(total / count - 1e-6))
        return self.smallest_common_height(children, top, full, skip_stack, lines, most) + (
            None, 0)

    def smallest_common_height(self, children, top, full, skip_stack, lines, most):
        """WeasyPrint's answer, on the grid: the smallest common height that holds the band."""
        for height in range(lines, most + 1):
            resume, _, _, _, _ = self.trial(children, top, [height * self.pitch] * self.count,
                                         skip_stack, page_is_empty=False)
            if resume is None:
                return [height * self.pitch] * self.count, [0] * self.count
        return [full] * self.count, [0] * self.count

    def column_box(self, children, top, i=0):
        from weasyprint.layout.column import _create_column_box
        column = _create_column_box(self.box, self.containing_block, children, self.width, top)
        column.position_x += i * (self.width + self.gap)
        return column

    def trial(self, children, top, heights, skip_stack, page_is_empty):
        """Lay the band out in columns of the given heights and take it back; return
        (where the content resumes after the last column or None, consumed heights,
        height of the footnote area with the footnotes the band called, lines of white
        each column could open, the columns as laid out)."""
        from weasyprint.layout.block import block_box_layout, remove_placeholders
        context = self.context
        shapes = len(context.excluded_shapes)
        resume, consumed, laid, stretch = skip_stack, [], [], []
        for height in heights:
            column, start = self.column_box(children, top), resume
            new, resume, _, _, _, _ = block_box_layout(
                context, column, context.page_bottom - top - height, resume,
                self.containing_block, page_is_empty, [], [], [], *self.styles,
                discard=False, max_lines=None)
            if new is None:   # not even a line fits: the band does not fit so
                resume = start if start is not None else {0: None}
                break
            laid.append(new)
            consumed.append(_last_line_bottom(new) - top)
            stretch.append(tuple(len(_openings(new, gaps)) for gaps in range(GAPS_MOST + 1)))
            if resume is None:
                break
        area = context.current_footnote_area
        footnotes = 0 if area.height == 'auto' else area.margin_height()
        remove_placeholders(context, laid, [], [])
        while len(context.excluded_shapes) > shapes:
            context.excluded_shapes.pop()
        return resume, consumed, footnotes, stretch, laid

    def place(self, children, top, heights, white, skip_stack, page_is_empty, gaps=0):
        """The real layout of the band's columns, column i ending heights[i] below top,
        with white[i] lines opened at its 小标题."""
        from weasyprint.layout.block import block_box_layout
        context, columns, resume = self.context, [], skip_stack
        for i, height in enumerate(heights):
            column = self.column_box(children, top, i)
            new, after, _, _, _, _ = block_box_layout(
                context, column, context.page_bottom - top - height, resume,
                self.containing_block, page_is_empty, self.absolute_boxes,
                self.fixed_boxes, None, *self.styles, discard=False, max_lines=None)
            if new is None:
                return (columns or None), resume
            resume = after
            _open_white(new, white[i], self.pitch, gaps)
            columns.append(new)
            if resume is None:
                break
        tallest = max(c.margin_height() for c in columns)
        for column in columns:
            column.height = tallest
        return columns, resume


class _Balance:
    """The balancing search of one band (`_Multicol.balanced_heights`).

    A search over the bottom line B (from the smallest that holds the band) and, for
    each column in turn, a height of B, B − 1 or B − 2 lines (B − 3 when the bottoms
    may stand three apart); a column that cannot end
    within the tolerance of B (a heading kept with its text, widows, orphans) cuts the
    branch, unless it is made up (PASSES): white under its 小标题, a paragraph set a
    line longer or shorter (拉行, 缩行: the paragraph breaker's next best breaks, never a
    loose line or a 孤字; it stays so in the columns it runs on into), a paragraph's
    first line alone at its foot, a blank line between two paragraphs. Each column is
    laid out once per start, height and paragraphs so set (memoised), so the search
    costs a few layouts of the band, not one per combination.

    A band that runs on to the next page ends level at the page foot at a place from
    which what it leaves for the next page can end level there too (LOOK_AHEAD such
    places tried): a few lines of a paragraph carried over, widows kept, may not."""

    def __init__(self, multicol, children, top, most):
        self.multicol, self.children, self.top, self.most = multicol, children, top, most
        self.pitch, self.count = multicol.pitch, multicol.count
        self.memo, self.found_changes, self.ahead = {}, {}, {}
        self.budget, self.orphans = 0, None

    def column(self, start, height, hints=()):
        """The column from `start` at `height` lines, the paragraphs of `hints` set a
        line longer or shorter: (resume, lines used, lines of white it may open without
        and with a blank line between paragraphs, the column as laid out, the hints that
        still concern the columns after it)."""
        pitch = self.pitch
        key = (_frozen(start), height, hints, self.orphans)
        if key not in self.memo:
            if self.budget <= 0:
                raise _OverBudget
            self.budget -= 1
            with _loosened(hints), _orphans(self.children, self.orphans):
                resume, used, _, stretch, laid = self.multicol.trial(
                    self.children, self.top, [height * pitch], start, page_is_empty=False)
            # nothing placed: no column of this height can start here
            self.memo[key] = ((resume, used[0] / pitch, stretch[0], laid[0],
                               _running_on(laid[0], hints)) if used
                              else (start, None, (0, 0), None, hints))
            # a column that ended short of its height ends there at any height down to
            # where its last block ends, margin and all (the blank line before a
            # 小标题 that went to the next column): the same layout
            if used:
                reach = max(used[0], _reach(laid[0]) - self.top) / pitch
                for lower in range(ceil(reach - 0.01), height):
                    self.memo.setdefault(key[:1] + (lower,) + key[2:], self.memo[key])
        return self.memo[key]

    def changes(self, start, height, hints):
        key = (_frozen(start), height, hints, self.orphans)
        if key not in self.found_changes:
            taken = {text for text, _ in hints}
            self.found_changes[key] = [
                tuple(sorted(hints + (change,)))
                for change in _line_changes(self.column(start, height, hints)[3])
                if change[0] not in taken]
        return self.found_changes[key]

    def solve(self, start, total, runs_on, hints=(), level=False):
        """(heights in lines, lines of white, paragraph hints, orphans, gaps) for the
        band from `start`, `total` lines long, or None. Each pass may lay out
        SEARCH_BUDGET new columns: a band whose breaks cannot end level would otherwise
        be searched through (hundreds of layouts). With `level`, only a band that ends
        level will do."""
        lines = max(1, ceil(total / self.count - 1e-6))
        for fewer, tolerance, loosen, orphans, gaps, *short in PASSES:
            # a band that runs on fills its columns; one looked ahead at must end level
            if fewer and (runs_on or level and not short) or tolerance > 1 and level:
                continue
            self.budget, self.orphans = SEARCH_BUDGET, orphans
            bottoms = (range(self.most, self.most - 3, -1) if runs_on
                       else range(lines, min(self.most, *short) + 1) if short
                       else range(lines, min(self.most, lines + 3) + 1))
            try:
                for bottom in bottoms:
                    found = self.search(start, self.count, bottom, _Pass(
                        tolerance, fewer, loosen, gaps, runs_on, total), hints)
                    if found:
                        return ([h for h, _, _ in found], [w for _, w, _ in found],
                                [hint for _, _, active in found for hint in active],
                                orphans, gaps)
            except _OverBudget:
                continue
        return None

    def search(self, start, left, bottom, p, hints=(), done=0):
        """Heights for the `left` last columns from `start`, or None; with `p.fewer`,
        the text may end before the last column (a band too short for all); with
        `p.loosen`, so many paragraphs may be set a line longer or shorter. `done`: the
        lines of the band the columns before took; what is left must still be able to
        end level in the columns left (a few lines' play: a blank line before a heading
        is lost at a column foot, white may be opened, paragraphs set longer)."""
        rest, play = p.total - done, 2 + len(hints) + p.loosen
        if not (p.fewer or p.runs_on) and not (
                left * (bottom - p.tolerance - 2) - play <= rest <= left * bottom + play):
            return None
        for height in range(bottom, bottom - max(2, p.tolerance) - 1, -1):
            if height < 1:
                break
            for active in [hints] + (self.changes(start, height, hints) if p.loosen else []):
                resume, used, stretch, _, live = self.column(start, height, active)
                if used is None:
                    continue
                white = max(0, min(stretch[p.gaps], round(bottom - used)))
                if not bottom - p.tolerance - 0.01 <= used + white <= bottom + 0.01:
                    continue
                here = [(height, white, active)]
                if left == 1 and p.runs_on and resume is not None:
                    if self.level_after(resume, live):
                        return here
                    continue
                if resume is None:
                    if left == 1 or p.fewer:
                        return here + [(height, 0, ())] * (left - 1)
                    continue
                if left > 1 and (rest := self.search(
                        resume, left - 1, bottom, p._replace(loosen=p.loosen - (active != hints)),
                        live, done + used)):
                    return here + rest
        return None

    def level_after(self, start, hints):
        """Whether what a band leaves for the next page from `start` can end level
        there: a band that fills the next page too can; one shorter is balanced here, in
        columns as tall as this page's type area (the next page's is not known yet: it
        differs by its 上接 note)."""
        key = (_frozen(start), hints)
        if key not in self.ahead:
            if len(self.ahead) >= LOOK_AHEAD:
                return True
            multicol = self.multicol
            page = int((multicol.context.page_bottom
                        - multicol.containing_block.content_box_y()) / self.pitch)
            saved = self.budget, self.orphans, self.most
            self.budget, self.orphans, self.most = SEARCH_BUDGET, None, page
            try:
                with _loosened(hints):
                    resume, consumed, _, _, _ = multicol.trial(
                        self.children, self.top, [page * self.pitch] * self.count,
                        start, page_is_empty=False)
                self.ahead[key] = resume is not None or bool(self.solve(
                    start, sum(consumed) / self.pitch, runs_on=False, hints=hints, level=True))
            finally:
                self.budget, self.orphans, self.most = saved
        return self.ahead[key]


class _Pass(NamedTuple):
    tolerance: int
    fewer: bool
    loosen: int
    gaps: int
    runs_on: bool
    total: float


def _running_on(column, hints):
    """The hints whose paragraphs run on past the column: a paragraph that ends in it
    concerns the columns after it no more (so they share their layouts)."""
    if not hints or column is None:
        return hints
    from .pagefill import _lines, _text_leaves
    ended = set()
    for line in _lines(column, []):
        for leaf in _text_leaves(line):
            para, place = getattr(leaf, '_cjk_para', None), getattr(leaf, '_cjk_line', None)
            if para is not None and place is not None and place[0] == place[1] - 1:
                ended.add(para[0])
    return tuple(hint for hint in hints if hint[0] not in ended)


def _line_changes(column):
    """The paragraphs of a laid-out column that may be set a line longer or shorter, the
    cheapest first, as (text, lines) hints for the paragraph breaker."""
    if column is None:
        return []
    from .pagefill import candidates
    # every line of a short column's paragraph spaced up to the limit is dearer than a
    # 孤字 to page fill, and still what a newspaper does before it leaves columns apart
    longer, shorter, inner = candidates(column, limit=breaker.COST_LOOSE)
    changes = sorted(longer + shorter + inner[:1])[:LINE_CHANGES]
    return [(text, lines) for _, text, lines in changes]


class _loosened:
    """Paragraphs set to a number of lines (breaker.current.looseness) while a column is
    laid out, as before afterwards, unless kept."""

    def __init__(self, hints):
        self.hints = [hint for hint in hints if hint is not None]

    def keep(self):
        breaker.current.looseness.update(self.hints)

    def __enter__(self):
        looseness = breaker.current.looseness
        self.saved = {text: looseness.get(text) for text, _ in self.hints}
        looseness.update(self.hints)

    def __exit__(self, *exc):
        looseness = breaker.current.looseness
        for text, lines in self.saved.items():
            if lines is None:
                looseness.pop(text, None)
            else:
                looseness[text] = lines


class _orphans:
    """The band's paragraphs laid out with `lines` orphans (None: their own), as before
    afterwards. Sibling paragraphs share one style: each gets its own copy meanwhile."""

    def __init__(self, children, lines):
        from weasyprint.formatting_structure import boxes
        # a paragraph under a 小标题 keeps its orphans (a heading over one line at a
        # column foot is 背题)
        free = [child for k, child in enumerate(children) if not (
            k and children[k - 1].style['break_after'] in ('avoid', 'avoid-page'))]
        self.boxes = [] if lines is None else [
            box for child in free for box in [child, *getattr(child, 'descendants', list)()]
            if isinstance(box, boxes.BlockContainerBox) and box.style['orphans'] > lines]
        self.lines = lines

    def __enter__(self):
        self.saved = [box.style for box in self.boxes]
        for box in self.boxes:
            box.style = box.style.copy()
            box.style['orphans'] = self.lines

    def __exit__(self, *exc):
        for box, style in zip(self.boxes, self.saved):
            box.style = style


def _px(value, style, width):
    from weasyprint.layout.percent import percentage
    return percentage(value, style, width)


class _OverBudget(Exception):
    """The balancing search has laid out as many columns as one pass may."""


def _frozen(skip_stack):
    """A skip stack (nested dicts of child index → skip stack or None) as a dict key."""
    if skip_stack is None:
        return None
    return tuple(sorted((k, _frozen(v)) for k, v in skip_stack.items()))


def _last_line_bottom(column):
    """Where the column's last line of text ends. Not the bottom of its last box: a
    paragraph broken for widows keeps the height it was given, a line taller than the
    lines in it (WeasyPrint 70, block_container_layout)."""
    from weasyprint.formatting_structure import boxes
    bottom = column.position_y
    for box in column.descendants():
        if isinstance(box, boxes.LineBox) and box.is_in_normal_flow():
            bottom = max(bottom, box.position_y + box.height)
    return bottom


def _reach(column):
    """Where the column's last block in the flow ends, its bottom margin included."""
    return max((child.position_y + child.margin_height() for child in column.children
                if child.is_in_normal_flow()), default=column.position_y)


def _openings(column, gaps=0):
    """Where a column may take lines of white, in the order it takes them, as (index of
    a block in the column's flow, whether the white goes under it rather than above).

    A 小标题 (``--column-stretch: N``) in mid-column has its house white above it, the
    blank line before it; make-up white goes under it, so that it stands centred in its
    white (占三行), never two blank lines at one place. At the head of a column it has
    lost the house white, and the column still starts on the band's first line: that
    line too may go under it, after the first line at every other heading. The first
    line at every heading in turn, then the second: white is spread before it is piled
    up. With `gaps`, last, so many blank lines between two paragraphs (段间加空), each
    at its own gap, the gaps nearest the middle of the column (or its thirds, for two):
    a make-up man's last resort before he leaves columns apart."""
    flow = [child for child in column.children if child.is_in_normal_flow()]
    rounds = []
    for k, child in enumerate(flow):
        lines = _stretch_of(child)
        # at the head of a column its house line too, last
        for r in range(lines + (1 if k == 0 and lines else 0)):
            if len(rounds) <= r:
                rounds.append([])
            rounds[r].append((k, True))
    out = [place for places in rounds for place in places]
    between = [k for k in range(1, len(flow)) if gaps and not (
        _stretch_of(flow[k]) or _stretch_of(flow[k - 1])
        or flow[k - 1].style['break_after'] in ('avoid', 'avoid-page'))]
    depth = _last_line_bottom(column) - column.position_y
    for n in range(1, min(gaps, len(between)) + 1):
        aim = column.position_y + depth * n / (min(gaps, len(between)) + 1)
        k = min(between, key=lambda k: abs(flow[k].position_y - aim))
        between.remove(k)
        out.append((k, False))
    return out


def _stretch_of(block):
    tokens = _tokens(block.style, STRETCH_PROPERTY)
    if tokens and tokens[0].type == 'number' and tokens[0].is_integer:
        return max(0, tokens[0].int_value)
    return 0


def _open_white(column, lines, pitch, gaps=0):
    """Open `lines` lines of white in a column at its openings (`_openings`). The
    column's breaks stay as they are: its content only moves down, whole lines, on the
    grid."""
    flow = [child for child in column.children if child.is_in_normal_flow()]
    for k, under in _openings(column, gaps)[:lines]:
        for child in flow[k + 1 if under else k:]:
            child.translate(dy=pitch)
        column.height += pitch

