"""PDF rules: the printed pages verified against the source and the style.

What was asked comes from the source and the style, never from how the PDF was made:
the text and, for every character, the element it belongs to, the font family, the
alignment (CSS computed styles of the assembled HTML), and each page's type area (the
style's @page rules, laid out on an empty document). What was done is read back from
the PDF's content streams (`pdfread`, `contentstream`). Every finding is placed at 第N页 第M行, the line
number the proof copy prints in the margin.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import Finding
from . import diff
from .pdfread import MM, Line, Page, read_pdf
from ..chars import CJK_PUNCT as FULLWIDTH_PUNCT
from ..chars import COMPRESSIBLE, HAN, LINE_END_PROHIBITED_GB, LINE_START_PROHIBITED, WORD_JOINER

PX = 0.75   # CSS px → pt
HEADINGS = {'h1', 'h2', 'h3', 'h4', 'h5', 'h6'}
FORCED_BREAKS = {'page', 'left', 'right', 'recto', 'verso'}
FLUSH_TOLERANCE = 0.05 * MM
GRID_TOLERANCE = 0.1 * MM

RULES = {
    'text-mismatch': ('error', 'the PDF text differs from the source: missing, extra or reordered characters'),
    'font-fallback': ('warning', 'a character drawn in another font than the one the style asked for'),
    'line-start': ('error', 'a line starts with a mark that may not start a line'),
    'line-end': ('error', 'a line ends with a mark that may not end a line'),
    'line-split': ('error', '—— or …… or a number or a Latin word split across lines'),
    'line-not-flush': ('warning', 'a justified line ends short of the right edge of the type area'),
    'line-overrun': ('error', 'a line reaches outside the type area'),
    'heading-last': ('warning', 'a heading is the last line of a page'),
    'single-char-line': ('warning', 'the last line of a paragraph holds a single character'),
    'loose-line': ('warning', 'a justified line spaced wider than 1/8 em between two characters'),
    'grid-drift': ('warning', 'lines or characters off the document grid'),
    'page-short': ('warning', 'a page ends above the last grid row of the type area (撑满版心)'),
}


# --- what was asked -------------------------------------------------------------------

@dataclass
class Layout:
    areas: list[tuple[float, float, float, float]]   # first page, a left page, a right page
    font_size: float                                 # body size, pt
    letter_spacing: float = 0.0                      # pt
    columns: bool | tuple[int, float] = False        # the body is set in columns: (count, gap pt) when declared
    pitch: float | None = None                       # grid line pitch, pt
    cell: float | None = None                        # grid cell, pt

    def area(self, page: int) -> tuple[float, float, float, float]:
        if page == 1:
            return self.areas[0]
        return self.areas[1] if page % 2 == 0 else self.areas[2]


@dataclass
class Block:
    tag: str
    classes: tuple[str, ...]
    align: str
    heading: bool
    in_table: bool
    list_item: bool
    start: int = 0            # index of its first character in the expected text


@dataclass
class Expected:
    text: str
    block_of: list[int]                 # per character
    families: list[tuple[str, ...]]     # per character: the font-family list asked for
    blocks: list[Block]
    generated: set[int] = field(default_factory=set)   # indices of ::before/::after text
    list_starts: set[int] = field(default_factory=set)  # where a list item (and its marker) begins
    space_before: set[int] = field(default_factory=set)  # characters after white space
    table_heads: list[str] = field(default_factory=list)  # repeated on every page a table spans
    forced_breaks: set[int] = field(default_factory=set)  # characters a forced page break precedes


def _no_fetcher():
    """The checks read computed styles only, never resources: the build's sandbox has
    already judged every reference, so nothing is fetched here, least of all from outside
    the project or the network."""
    from weasyprint.urls import URLFetcher

    class NoFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith('data:'):
                return super().fetch(url, headers)
            raise ValueError(f'not fetched by checks: {url}')

    return NoFetcher()


def _build_fetcher(prepared):
    """The build's own sandboxed fetcher (refusals were reported by the build): a style
    sheet the manuscript or the style imports from inside the project generates text the
    PDF has, so the expected text must see it too."""
    from .. import pipeline
    return pipeline.sandbox_for(prepared).fetcher()


def _style_sheets(prepared):
    import weasyprint
    return [weasyprint.CSS(string=prepared.style.css, base_url=prepared.style.css_path.as_uri(),
                           url_fetcher=_build_fetcher(prepared))]


def expected_text(prepared) -> Expected:
    """The text of the document as the style will show it, with each character's block
    and font family, from CSS computed styles (no layout)."""
    import weasyprint
    from weasyprint.css import get_all_computed_styles
    html = weasyprint.HTML(string=prepared.html, base_url=prepared.source.path.resolve().parent.as_uri() + '/',
                           url_fetcher=_build_fetcher(prepared))
    style_for = get_all_computed_styles(html, user_stylesheets=_style_sheets(prepared))
    chars: list[str] = []
    block_of: list[int] = []
    families: list[tuple[str, ...]] = []
    blocks: list[Block] = []
    generated: set[int] = set()
    list_starts: set[int] = set()
    space_before: set[int] = set()
    stack: list[int] = []
    after_space = [True]
    heads: list[str] = []
    head_start = [0]
    forced_breaks: set[int] = set()

    def emit(text, style, gen=False):
        fam = tuple(style['font_family'])
        for c in text:
            if c == WORD_JOINER:  # no glyph: the PDF has nothing for it
                continue
            if c.isspace():
                after_space[0] = True
                continue
            if not stack or stack[-1] < 0:
                continue
            if after_space[0]:
                space_before.add(len(chars))
            after_space[0] = False
            if gen:
                generated.add(len(chars))
            chars.append(c)
            block_of.append(stack[-1])
            families.append(fam)

    def new_block(el, style, in_table):
        blk = Block(el.tag, tuple((el.get('class') or '').split()), style['text_align_all'],
                    el.tag in HEADINGS or 'doc-title' in (el.get('class') or ''),
                    in_table, 'list-item' in style['display'], len(chars))
        blocks.append(blk)
        return len(blocks) - 1

    def walk(el, parent_block_el, in_table):
        if not isinstance(el.tag, str):
            return
        style = style_for(el)
        if style is None:
            return
        if style['display'][0] == 'none':
            return
        if el.tag == 'ol':
            try:
                n = int(el.get('start') or 1)
            except ValueError:
                n = 1
            for child in el:
                if isinstance(child.tag, str) and child.tag == 'li':
                    child.set('data-typeset-ordinal', str(n))
                    n += 1
        inline = style['display'][0] in ('inline', 'inline-block') or style['display'] == ('inline', 'flow-root')
        in_table = in_table or el.tag in ('td', 'th', 'table')
        # (the 版记's anchor turns to the next, even, page when the pages are odd: render
        # adds the break then, so the HTML here does not show it)
        if style['break_before'] in FORCED_BREAKS or el.get('data-last-page') == 'even':
            forced_breaks.add(len(chars))
        if not inline:
            after_space[0] = True
            stack.append(new_block(el, style, in_table))
            if blocks[-1].list_item:
                list_starts.add(len(chars))
                marker = _marker(el, style)
                if marker:
                    emit(marker, style, gen=True)
        if el.tag == 'thead':
            head_start[0] = len(chars)
        if el.tag == 'img' and el.get('alt'):
            # the alternative text is drawn only when the image cannot be
            k = len(chars)
            emit(el.get('alt'), style, gen=True)
            generated.update(range(k, len(chars)))
        before = style_for(el, 'before')
        if before is not None:
            emit(_content_text(before), before, gen=True)
        if el.text:
            emit(el.text, style)
        for child in el:
            walk(child, el, in_table)
            if child.tail:
                if isinstance(child.tag, str) and not _is_inline(style_for(child)):
                    # text after a nested block is a block of its own (anonymous)
                    if stack:
                        top = blocks[stack[-1]]
                        blocks.append(Block(top.tag, top.classes, top.align, top.heading,
                                            top.in_table, False, len(chars)))
                        stack[-1] = len(blocks) - 1
                emit(child.tail, style)
        if el.tag == 'thead':
            heads.append(''.join(chars[head_start[0]:]))
        after = style_for(el, 'after')
        if after is not None:
            emit(_content_text(after), after, gen=True)
        if style['break_after'] in FORCED_BREAKS:
            forced_breaks.add(len(chars))
        if not inline:
            stack.pop()
            if stack:
                # back in the parent after a nested block: a new run of the parent
                top = blocks[stack[-1]]
                blocks.append(Block(top.tag, top.classes, top.align, top.heading,
                                    top.in_table, False, len(chars)))
                stack[-1] = len(blocks) - 1

    body = html.etree_element.find('body')
    stack.append(-1)
    walk(body if body is not None else html.etree_element, None, False)
    # walk calls itself: its closure is a cycle holding the document's computed styles and
    # every character until a collection comes (~60 MB at 700 pages, kept while the PDF
    # is read). Broken here, they go on return.
    walk = None
    return Expected(''.join(chars), block_of, families, blocks, generated, list_starts, space_before, heads,
                    forced_breaks)


def _marker(li, style) -> str:
    """The marker the style draws before a list item (what WeasyPrint's counter styles
    give for the usual types); it is optional text in the comparison."""
    kind = style['list_style_type']
    if kind in ('disc',):
        return '•'
    if kind == 'circle':
        return '◦'
    if kind == 'square':
        return '▪'
    if kind == 'decimal':
        n = li.get('value') or li.get('data-typeset-ordinal')
        return f'{n}.' if n else ''
    return ''


def _is_inline(style) -> bool:
    return style is None or style['display'][0] in ('inline', 'inline-block')


def _content_text(style) -> str:
    out = []
    for item in style['content'] if isinstance(style['content'], (list, tuple)) else []:
        if isinstance(item, tuple) and item and item[0] == 'string':
            out.append(item[1])
    return ''.join(out)


@functools.lru_cache(maxsize=16)
def _probe(css_path: str, mtime: float) -> Layout:
    import weasyprint
    from .. import render
    render.isolate_fonts()
    css = Path(css_path).read_text(encoding='utf-8')
    stub = ('<html><body><p>x</p><p style="break-before:page">x</p>'
            '<p style="break-before:page">x</p></body></html>')
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        doc = weasyprint.HTML(string=stub, base_url=Path(css_path).parent.as_uri() + '/',
                              url_fetcher=_no_fetcher()).render(
            stylesheets=[weasyprint.CSS(string=css, base_url=Path(css_path).as_uri(),
                                        url_fetcher=_no_fetcher())])
    areas = []
    for p in doc.pages[:3]:
        b = p._page_box
        x, y = b.content_box_x() * PX, b.content_box_y() * PX
        areas.append((x, y, x + b.width * PX, y + b.height * PX))
    while len(areas) < 3:
        areas.append(areas[-1])
    # the body size and the grid come from the root element's computed style
    from weasyprint.css import get_all_computed_styles
    html = weasyprint.HTML(string='<html><body class="body"><main class="body"><p>x</p></main></body></html>',
                           url_fetcher=_no_fetcher())
    style_for = get_all_computed_styles(
        html, user_stylesheets=[weasyprint.CSS(string=css, url_fetcher=_no_fetcher())])
    style = style_for(html.etree_element)
    multi = False
    for el in html.etree_element.iter():
        st = style_for(el) if isinstance(el.tag, str) else None
        if st is not None and el.tag in ('html', 'body', 'main') and st['column_count'] not in ('auto', 1):
            multi = _column_grid(st) or True
    size = style['font_size'] * PX
    layout = Layout(areas, size)
    layout.columns = multi
    ls = style['letter_spacing']
    layout.letter_spacing = ls * PX if isinstance(ls, (int, float)) else 0.0
    grid = style['__cjk_grid']
    grid_value = ''.join(getattr(t, 'value', '') or '' for t in grid) if grid else ''
    line_height = style['line_height']
    if grid_value and grid_value != 'none' and getattr(line_height, 'unit', None) == 'px':
        layout.pitch = line_height.value * PX
        width = areas[0][2] - areas[0][0]
        cells = round(width / size)
        layout.cell = width / cells
    return layout


def _column_grid(style) -> tuple[int, float] | None:
    """(count, gap in pt) of a body set in columns, as the style declares them: the reader
    of the PDF cuts the page at these gutters, not at the white it happens to find (a band
    of two short paragraphs leaves five columns empty and white everywhere)."""
    count, gap = style['column_count'], style['column_gap']
    if not isinstance(count, int) or count < 2:
        return None
    if gap == 'normal':
        return count, style['font_size'] * PX
    if getattr(gap, 'unit', None) != 'px':
        return None
    return count, gap.value * PX


def probe_layout(style) -> Layout:
    """Type areas and grid of a style, from its @page rules laid out on an empty page."""
    path = Path(style.css_path)
    return _probe(str(path), path.stat().st_mtime)


# --- fonts ---------------------------------------------------------------------------

# Asked for every glyph of the document about a handful of names: remembered.
@functools.lru_cache(maxsize=1024)
def _norm(name: str) -> str:
    return re.sub(r'[^a-z0-9]', '', name.lower())


def family_of(pdf_font: str, families: list[str]) -> str:
    return _family_of(pdf_font, tuple(families))


@functools.lru_cache(maxsize=1024)
def _family_of(pdf_font: str, families: tuple[str, ...]) -> str:
    n = _norm(pdf_font)
    best = ''
    for fam in families:
        f = _norm(fam)
        if n.startswith(f) and len(f) > len(_norm(best)):
            best = fam
    return best or pdf_font


# --- verification --------------------------------------------------------------------

# Slots: one for every character of the document (~350,000 at 700 pages).
@dataclass(slots=True)
class Placed:
    """A PDF character in reading order."""
    char: str
    line: Line
    glyph: int


def verify(pdf_path, prepared, *, layout: Layout | None = None, locate=None,
           pages: list[Page] | None = None, expected: Expected | None = None,
           composition=None) -> tuple[list[Finding], list[Page]]:
    """All PDF rules. `locate(expected_index)` gives (file line, col) of an expected
    character, for findings that also point into the source. `composition` (what the
    paragraph breaker did, from the build) tells which loose lines and 孤字 no set of
    line breaks avoids: they are reported as unavoidable."""
    layout = layout or probe_layout(prepared.style)
    if pages is None:
        pages = read_pdf(pdf_path, areas=layout.area, columns=layout.columns)
    exp = expected or expected_text(prepared)
    findings: list[Finding] = []
    path = str(prepared.source.path)
    body = [ln for p in pages for ln in p.body]
    # A glyph of one character shares its string (iterating a string makes new ones: 25 MB
    # of copies at 700 pages).
    placed = [Placed(c, ln, k) for ln in body for k, g in enumerate(ln.glyphs)
              for c in (g.text if len(g.text) != 1 else (g.text,)) if not c.isspace()]
    got = ''.join(p.char for p in placed)

    def pos_pdf(i: int):
        if not placed:
            return {}
        p = placed[max(0, min(i, len(placed) - 1))]
        return {'page': p.line.page, 'page_line': p.line.number, 'column': p.line.column}

    def pos_src(i: int):
        if locate is None:
            return {}
        line_col = locate(i)
        if not line_col:
            return {}
        return {'path': path, 'line': line_col[0], 'col': line_col[1]}

    # 1. the text; 2. fonts; 3. lines; 4. the grid
    match_of: list[int | None] = [None] * len(placed)   # PDF char → expected char
    findings += _text(exp, placed, got, pos_src, pos_pdf, match_of)

    # which block each line belongs to
    line_blocks: dict[int, list[int]] = defaultdict(list)
    first_match: dict[int, int] = {}
    last_match: dict[int, int] = {}
    for p, m in zip(placed, match_of):
        if m is not None:
            line_blocks[p.line.index].append(exp.block_of[m])
            first_match.setdefault(p.line.index, m)
            last_match[p.line.index] = m

    def block_first(ln):
        b = line_blocks.get(ln.index)
        return b[0] if b else None

    def block_last(ln):
        b = line_blocks.get(ln.index)
        return b[-1] if b else None

    findings += _fonts(placed, match_of, exp, prepared)

    findings += _lines(pages, body, placed, match_of, exp, layout, composition,
                       block_first, block_last, first_match)
    if layout.pitch:
        findings += _grid(pages, layout, exp, block_first)
        findings += _short_pages(pages, layout, exp, block_first, (first_match, last_match))
    return findings, pages


# Han characters more than 1 1/8 cells apart: spacing wider than 1/8 em (the and
# the typesetter's limit for letter-spacing in a justified line).
LOOSE_RATIO = 1.125


def _squeeze(text: str) -> str:
    return ''.join(text.split())


def _widest_han_step(line, after_space=frozenset()) -> float:
    """The widest advance between two adjacent Han glyphs of a line, pt (a space between
    them is text, not spacing: such a pair, its second glyph in ``after_space``, is not
    adjacent)."""
    glyphs = line.glyphs
    return max((b.x0 - a.x0 for k, (a, b) in enumerate(zip(glyphs, glyphs[1:]))
                if HAN.match(a.text) and HAN.match(b.text) and k + 1 not in after_space),
               default=0.0)


def _common_han_step(lines) -> float | None:
    steps = Counter(round(b.x0 - a.x0, 2) for ln in lines for a, b in zip(ln.glyphs, ln.glyphs[1:])
                    if HAN.match(a.text) and HAN.match(b.text))
    return steps.most_common(1)[0][0] if steps else None


def _show(text: str) -> str:
    text = text if len(text) <= 20 else text[:20] + '…'
    return '“' + text + '”'


def _generated_marker(exp: Expected, text: str, i: int, line_start: bool) -> bool:
    """List markers are made by the style: extra characters before a list item."""
    if not re.fullmatch(r'[•◦○●▪▫■□‣⁃·\-–—]|[0-9]{1,3}[.)]|[a-zA-Z][.)]|[ivxlcIVXLC]{1,5}[.)]', text):
        return False
    return any(abs(i - k) <= 4 for k in exp.list_starts)


def _split(a: str, b: str) -> str | None:
    if a.endswith('—') and b.startswith('—') and not a.endswith('——'):
        return '——'
    if a.endswith('…') and b.startswith('…') and not a.endswith('……'):
        return '……'
    if re.search(r'\d$', a) and re.match(r'[\d.%％]', b):
        return 'a number'
    if re.search(r'\d[.]$', a) and re.match(r'\d', b):
        return 'a number'
    if re.search(r'[A-Za-z]$', a) and re.match(r'[A-Za-z]', b):
        return 'a Latin word'
    return None


def _overrun(ln: Line, area, layout: Layout) -> str | None:
    x0, top, x1, bottom = area
    last = ln.glyphs[-1]
    # the last glyph may overhang by what the grid took from its advance, and a
    # line-end mark set half width (GB/T 15834 5.1.10) by half its size
    steps = [b.x0 - a.x0 for a, b in zip(ln.glyphs, ln.glyphs[1:])
             if HAN.match(a.text) and HAN.match(b.text) and abs(a.size - b.size) < 0.1]
    step = min(steps) if steps else (layout.cell or last.size)
    # letter-spacing (negative on a grid) is not part of a glyph's width as read back
    # and a glyph wider than its grid cell overhangs the cell's edge
    width = last.x1 - last.x0
    allowance = FLUSH_TOLERANCE + max(0.0, width - step, -layout.letter_spacing,
                                      width - layout.cell if layout.cell else 0.0)
    if last.text in FULLWIDTH_PUNCT:
        allowance += 0.5 * last.size
    if ln.x1 > x1 + allowance:
        return f'line reaches {(ln.x1 - x1) / MM:.2f} mm past the right edge of the type area (…{ln.text[-6:]})'
    if ln.x0 < x0 - FLUSH_TOLERANCE - 0.5 * ln.glyphs[0].size * (ln.glyphs[0].text in FULLWIDTH_PUNCT):
        return f'line starts {(x0 - ln.x0) / MM:.2f} mm left of the type area ({ln.text[:6]}…)'
    return None


def _fonts(placed, match_of, exp: Expected, prepared) -> list[Finding]:
    manifest = sorted({s.family for s in prepared.fonts})
    groups: dict[tuple[str, str, str], list[Placed]] = defaultdict(list)
    # (families asked, character) → the first family that has it: a few hundred
    # distinct pairs among the ~350,000 characters of a 700-page document
    first_covering: dict[tuple[tuple[str, ...], str], str | None] = {}
    for p, m in zip(placed, match_of):
        if m is None:
            continue
        key = (exp.families[m], p.char)
        if key not in first_covering:
            # A family declared for some characters only (unicode-range) is not asked for others.
            first_covering[key] = next((f for f in key[0] if _family_covers(prepared.fonts, f, p.char)), None)
        asked = first_covering[key]
        if asked is None:
            continue
        drawn = family_of(p.line.glyphs[p.glyph].font, manifest)
        if _norm(drawn) != _norm(asked):
            groups[(p.char, asked, drawn)].append(p)
    out = []
    for (char, asked, drawn), where in groups.items():
        first = where[0]
        declared = asked in manifest
        more = f'; {len(where)}× in all' if len(where) > 1 else ''
        if declared:
            why = f'{asked} has no glyph for it'
        else:
            why = f'the style asks for {asked}, which is not in fonts/'
        out.append(Finding('font-fallback', 'warning' if declared else 'error',
                           f'{char} U+{ord(char):04X} {unicodedata.name(char, "")} drawn with {drawn}: {why}{more}',
                           page=first.line.page, page_line=first.line.number, column=first.line.column,
                           extra={'char': char, 'font': drawn, 'asked': asked, 'count': len(where)}))
    return out


def _family_covers(specs, family: str, char: str) -> bool:
    faces = [s for s in specs if s.family == family]
    return not faces or any(s.covers(ord(char)) for s in faces)


def _short_pages(pages, layout: Layout, exp: Expected, block_first, matches) -> list[Finding]:
    """Pages but the last that end above the type area's last grid row, each with why: a
    forced page break after it, or the heading that opens the next page, which with its
    first two lines of text would not fit in the rows left (the heading rule, an info);
    otherwise a warning (page fill found no paragraph to set a line longer or shorter)."""
    first_match, last_match = matches
    pitch, size = layout.pitch, layout.font_size
    grid = [(ln.base - layout.area(pg.number)[1]) % pitch for pg in pages for ln in pg.body
            if abs(ln.size - size) < 0.2]
    if not grid:
        return []
    offset = Counter(round(r, 1) for r in grid).most_common(1)[0][0]   # row 1's baseline
    out = []
    for page, nxt in zip(pages, pages[1:]):
        if page.columns or not page.body or not nxt.body:
            continue
        _, top, _, bottom = layout.area(page.number)
        rows = round((bottom - top) / pitch)
        empty = rows - (round((page.body[-1].base - top - offset) / pitch) + 1)
        if empty < 1:
            continue
        at = {'page': page.number, 'page_line': page.body[-1].number}
        before = max((last_match[ln.index] for ln in page.body if ln.index in last_match), default=-1)
        after = next((first_match[ln.index] for ln in nxt.body if ln.index in first_match), None)
        short = f'the page ends {empty} row{"s" if empty > 1 else ""} short of row {rows}'
        if after is not None and any(before < f <= after for f in exp.forced_breaks):
            out.append(Finding('page-short', 'info', f'{short}: a forced page break follows', **at))
            continue
        b = block_first(nxt.body[0])
        if b is not None and exp.blocks[b].heading and 'doc-title' not in exp.blocks[b].classes:
            head = [ln for ln in nxt.body if block_first(ln) == b]
            need = len(head) + min(2, len(nxt.body) - len(head))
            if need > empty:
                out.append(Finding('page-short', 'info',
                                   f'{short}: the heading {nxt.body[0].text[:16]}… opening page '
                                   f'{nxt.number} needs {need} rows with its first lines of text '
                                   f'(a heading never stands at a page foot alone)', **at))
                continue
        out.append(Finding('page-short', 'warning',
                           f'{short}: what opens page {nxt.number} ({nxt.body[0].text[:12]}…) '
                           f'does not fit in the rows left, and no paragraph on this page could '
                           f'be set a line longer or shorter without a loose line or a 孤字', **at))
    return out


def _grid(pages, layout: Layout, exp: Expected, block_first) -> list[Finding]:
    out = []
    pitch, cell = layout.pitch, layout.cell
    size = layout.font_size
    # vertical: body-size lines sit on a whole number of pitches from the document's grid
    residuals = []
    for page in pages:
        top = layout.area(page.number)[1]
        for ln in page.body:
            if abs(ln.size - size) < 0.2:
                residuals.append(((ln.base - top) % pitch, ln, page))
    if residuals:
        ref = Counter(round(r, 1) for r, _, _ in residuals).most_common(1)[0][0]
        per_page: dict[int, list[Line]] = defaultdict(list)
        for r, ln, page in residuals:
            d = abs(((r - ref) + pitch / 2) % pitch - pitch / 2)
            if d > GRID_TOLERANCE:
                per_page[page.number].append((ln, d))
        for pno, lst in per_page.items():
            ln, d = lst[0]
            more = f' ({len(lst)} lines on this page)' if len(lst) > 1 else ''
            out.append(Finding('grid-drift', 'warning',
                               f'baseline {d / MM:.2f} mm off the {pitch / MM:.3f} mm line grid{more}',
                               page=pno, page_line=ln.number, column=ln.column))
    # horizontal: a full line of Chinese in a justified block has one character per cell,
    # each starting on a cell (a line with a character pushed down or punctuation pulled
    # up, or with an adjacent pair of marks compressed to one and a half cells, is
    # justified off the grid on purpose, by clreq, and is not counted)
    if cell:
        for page in pages:
            if page.columns:
                continue
            x0, _, x1, _ = layout.area(page.number)
            for ln in page.body:
                b = block_first(ln)
                if b is None or exp.blocks[b].align != 'justify' or abs(ln.size - size) > 0.2:
                    continue
                if not all(HAN.match(g.text) or g.text in FULLWIDTH_PUNCT for g in ln.glyphs):
                    continue
                if len(ln.glyphs) != round((x1 - ln.x0) / cell):
                    continue
                if any(a.text in COMPRESSIBLE and b.text in COMPRESSIBLE
                       for a, b in zip(ln.glyphs, ln.glyphs[1:])):
                    continue
                for k, g in enumerate(ln.glyphs):
                    r = (g.x0 - x0) % cell
                    d = min(r, cell - r)
                    if d > GRID_TOLERANCE:
                        out.append(Finding('grid-drift', 'warning',
                                           f'{g.text} (character {k + 1}) is {d / MM:.2f} mm off the '
                                           f'{cell / MM:.3f} mm character grid',
                                           page=page.number, page_line=ln.number))
                        break
    return out


def _text(exp, placed, got, pos_src, pos_pdf, match_of) -> list[Finding]:
    """The text rule: the PDF's characters against the manuscript's, in reading order.
    Fills `match_of` (PDF character → expected character) for the rules after it."""
    findings: list[Finding] = []
    missing, extra = [], []
    # A table is read row by row across its cells, so a cell of two lines comes back
    # interleaved with its neighbours: inside tables only the characters are compared.
    table_missing, table_extra, table_at = Counter(), Counter(), []

    def in_table(i1, i2):
        idx = range(max(i1 - 1, 0), min(max(i2, i1 + 1), len(exp.text)))
        return bool(idx) and all(exp.blocks[exp.block_of[i]].in_table for i in idx)

    replaced = []
    for op, i1, i2, j1, j2 in diff.opcodes(exp.text, got):
        if op == 'equal':
            for k in range(i2 - i1):
                match_of[j1 + k] = i1 + k
            continue
        if in_table(i1, i2):
            table_missing.update(exp.text[i] for i in range(i1, i2) if i not in exp.generated)
            table_extra.update(got[j1:j2])
            table_at.append((i1, j1))
            continue
        idx = [i for i in range(i1, i2) if i not in exp.generated]
        if op == 'replace' and not idx and not _generated_marker(exp, got[j1:j2], i1, False):
            # generated text (a list number) drawn otherwise than the source says
            findings.append(Finding('text-mismatch', 'error',
                                    f'{_show(exp.text[i1:i2])} (a list marker) is drawn as {_show(got[j1:j2])}',
                                    **pos_src(i1), **pos_pdf(j1)))
            continue
        if op == 'replace' and idx and len(idx) <= 3 and j2 - j1 <= 3:
            # a character drawn as another (… read back as ⋯)
            replaced.append((''.join(exp.text[i] for i in idx), got[j1:j2], idx[0], j1))
            continue
        if op in ('delete', 'replace'):
            if idx:
                missing.append((''.join(exp.text[i] for i in idx), idx[0], j1))
        if op in ('insert', 'replace'):
            if not _generated_marker(exp, got[j1:j2], i1, j1 < len(placed) and placed[j1].glyph == 0):
                extra.append((got[j1:j2], j1, i1))
    used_extra = set()
    for text, i, j in missing:
        partner = next((k for k, e in enumerate(extra) if k not in used_extra and e[0] == text), None)
        if partner is not None:
            used_extra.add(partner)
            findings.append(Finding('text-mismatch', 'error', f'{_show(text)} is out of order in the PDF',
                                    **pos_src(i), **pos_pdf(extra[partner][1])))
        else:
            findings.append(Finding('text-mismatch', 'error', f'{_show(text)} is missing from the PDF',
                                    **pos_src(i), **pos_pdf(max(j - 1, 0))))
    for a, b, i, j in replaced:
        findings.append(Finding('text-mismatch', 'error', f'{_show(a)} of the source is {_show(b)} in the PDF',
                                **pos_src(i), **pos_pdf(j)))
    lost, added = table_missing - table_extra, table_extra - table_missing
    for head in exp.table_heads:
        h = Counter(head)
        while h and all(added[c] >= n for c, n in h.items()):
            added -= h
    if lost or added:
        i, j = table_at[0]
        what = []
        if lost:
            what.append(f'{_show("".join(sorted(lost.elements())))} missing')
        if added:
            what.append(f'{_show("".join(sorted(added.elements())))} extra')
        findings.append(Finding('text-mismatch', 'error', 'in a table: ' + ', '.join(what),
                                **pos_src(i), **pos_pdf(j)))
    for k, (text, j, i) in enumerate(extra):
        if k not in used_extra:
            findings.append(Finding('text-mismatch', 'error', f'{_show(text)} is in the PDF but not in the source',
                                    **pos_src(i), **pos_pdf(j)))
    return findings


def _lines(pages, body, placed, match_of, exp, layout, composition,
           block_first, block_last, first_match) -> list[Finding]:
    """The rules of each line: prohibited starts and ends, splits, flush ends, overruns,
    孤字, loose lines, a heading alone at a page foot."""
    findings: list[Finding] = []
    column_edges = {}
    for page in pages:
        ends = defaultdict(Counter)
        for ln in page.body:
            if ln.column:
                ends[ln.column][round(ln.x1, 1)] += 1
        for c, counter in ends.items():
            column_edges[(page.number, c)] = counter.most_common(1)[0][0]
    cell = layout.cell or _common_han_step(body) or layout.font_size
    # glyphs that follow white space in the manuscript (第二条 当事人): the gap before
    # them is a space, not spacing
    after_space = defaultdict(set)
    for p, m in zip(placed, match_of):
        if m is not None and m in exp.space_before:
            after_space[p.line.index].add(p.glyph)
    unavoidable = {kind: {_squeeze(t) for t in composition.lines(kind)} if composition else set()
                   for kind in ('loose', 'guzi')}
    for k, ln in enumerate(body):
        nxt = body[k + 1] if k + 1 < len(body) else None
        prev = body[k - 1] if k else None
        b = block_first(ln)
        blk = exp.blocks[b] if b is not None else None
        continues = nxt is not None and block_last(ln) is not None and block_first(nxt) == block_last(ln)
        continued = prev is not None and b is not None and block_last(prev) == b
        at = {'page': ln.page, 'page_line': ln.number, 'column': ln.column}
        text = ln.text
        # Code keeps its own characters where it wraps: the Chinese rules of line starts
        # and ends are for running text, and `:key` or `?.` after a space in code are fine.
        code = blk is not None and blk.tag == 'pre'
        if continued and not code and text[0] in LINE_START_PROHIBITED:
            findings.append(Finding('line-start', 'error', f'line starts with {text[0]} ({text[:6]}…)', **at))
        if continues and not code and text[-1] in LINE_END_PROHIBITED_GB:
            findings.append(Finding('line-end', 'error', f'line ends with {text[-1]} (…{text[-6:]})', **at))
        if continues:
            first_next = first_match.get(nxt.index)
            spaced = first_next is not None and first_next in exp.space_before
            split = None if spaced else _split(text, nxt.text)
            if split:
                findings.append(Finding('line-split', 'error', f'{split} split across lines: …{text[-4:]} | {nxt.text[:4]}…',
                                        **at))
        area = layout.area(ln.page)
        flush_edge = area[2]
        if ln.column:
            # a column's right edge: where most of its lines end (the style's column
            # widths are not known here; a ragged column still has its longest lines flush)
            flush_edge = column_edges[(ln.page, ln.column)]
        if (continues and blk is not None and blk.align == 'justify' and not blk.in_table and not blk.heading
                and ln.x1 < flush_edge - FLUSH_TOLERANCE):
            short = (flush_edge - ln.x1) / MM
            findings.append(Finding('line-not-flush', 'warning',
                                    f'line ends {short:.2f} mm short of the right edge (…{text[-6:]})', **at))
        over = _overrun(ln, area, layout)
        if over:
            findings.append(Finding('line-overrun', 'error', over, **at))
        if (blk is not None and blk.tag == 'p' and not blk.in_table and not continues and continued
                and sum(1 for c in text if HAN.match(c) or c.isalnum()) == 1 and len(text) <= 2):
            why = (' (unavoidable: no line breaks of the paragraph avoid it)'
                   if _squeeze(text) in unavoidable['guzi'] else '')
            findings.append(Finding('single-char-line', 'warning',
                                    f'the last line of the paragraph holds one character: {text}{why}', **at))
        if (continues and blk is not None and blk.align == 'justify' and not blk.in_table
                and not blk.heading):
            ratio = _widest_han_step(ln, after_space[ln.index]) / cell
            if ratio > LOOSE_RATIO:
                why = (' (unavoidable: no line breaks of the paragraph avoid it)'
                       if _squeeze(text) in unavoidable['loose'] else '')
                findings.append(Finding('loose-line', 'warning',
                                        f'characters {ratio:.2f} cells apart (…{text[:12]}…){why}', **at))
    for page in pages:
        if page.number == len(pages) or not page.body:
            continue
        last = page.body[-1]
        b = block_first(last)
        if b is not None and exp.blocks[b].heading and not exp.blocks[b].classes == ('doc-title',):
            findings.append(Finding('heading-last', 'warning',
                                    f'heading {last.text[:12]} is the last line of the page: it belongs with its text',
                                    page=page.number, page_line=last.number, column=last.column))
    return findings
