"""Two drafts compared as a proofreader reads them: characters in reading order.

A draft is the text a reader sees, one entry per character, each with where it stands
(file:line in the manuscript, or the line of a PDF) and its format: the kind of block it
is in (a heading of level 2, a paragraph, a list item) and the emphasis around it. White
space is not text here, so re-indenting, re-wrapping or changing line endings is no
change; a change of markup alone (a heading level, bold) is a format change; a change
that only moves line breaks is re-flow, counted apart.

A manuscript is read with its reader and the reader-visible text of `checks.text`, never
rendered: that is what makes `typeset diff` cost one build, not two. A PDF that typeset
built earlier is read back with `checks.pdfread`, its format being each glyph's font and
size.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..chars import SENTENCE_END
from ..errors import InputError
from . import diff
from .text import BOUNDARY, INLINE, LINK_EDGE

# How far apart two differences may be and still be read as one replaced run: a
# proofreader reads 加强 → 强化 as one replacement, not a deletion, a kept 强 and an insertion.
JOIN_GAP = 2
# Block kinds of `checks.text`, and the markup of a heading, in the words of the change list.
BLOCK_NAMES = {'title': 'title', 'para': 'paragraph', 'item': 'list item', 'quote': 'quotation',
               'cell': 'table cell', 'admonition': 'notice', 'subtitle': 'subtitle'}
INLINE_NAMES = {'strong': 'bold', 'em': 'emphasis', 'del': 'strike-through', 'code': 'code'}
# Block markers in front of a block's first character (list, quote, heading): not emphasis.
LEAD_MARKERS = re.compile(r'^\s*(?:>\s?|[-*+]\s+|\d{1,9}[.)]\s+|#{1,6}\s+|!!!.*)*')
EMPHASIS = re.compile(r'\*+|(?<![A-Za-z0-9])_+|_+(?![A-Za-z0-9])|~~')
CODE_SPAN = re.compile(r'(`+).*?\1')
ATX = re.compile(r'^\s{0,3}(#{1,6})(\s+|$)')


@dataclass
class Char:
    char: str
    block: int                     # the paragraph (manuscript) or line (PDF) it is in
    fmt: tuple = ()                # (block format, inline format): what markup alone sets
    line: int | None = None        # manuscript: file line and column
    col: int | None = None
    wrap: bool = False             # a line break of the file (or of the PDF) comes before it
    glyph: tuple | None = None     # PDF: (pdfread.Line, pdfread.Glyph)


@dataclass
class Draft:
    path: Path
    kind: str                      # 'manuscript' | 'pdf'
    chars: list[Char]
    pages: list = field(default_factory=list)    # PDF: pdfread.Page list
    paragraphs: list[int] | None = None   # a Word manuscript: line → 第N段 (Source.paragraph_map)

    @functools.cached_property
    def text(self) -> str:
        return ''.join(c.char for c in self.chars)


@dataclass
class Change:
    kind: str                      # insert | delete | replace | format
    old: tuple[int, int]           # span of the old draft's characters
    new: tuple[int, int]           # span of the new draft's characters
    old_text: str = ''
    new_text: str = ''
    detail: str = ''               # a format change: what changed, e.g. 'heading 3 → heading 2'


@dataclass
class Comparison:
    changes: list[Change]
    rewrapped: dict[int, set[int]] = field(default_factory=dict)  # new block → its re-wrapped file lines


# --- reading a draft ----------------------------------------------------------------------

def is_pdf(path) -> bool:
    try:
        with open(path, 'rb') as f:
            return f.read(5) == b'%PDF-'
    except OSError:
        return False


def read_manuscript(path) -> Draft:
    """A manuscript's reader-visible characters with their file positions and format."""
    from ..source import read_source
    from .text import blocks_of
    source = read_source(path)
    lines = source.text.split('\n')
    blocks = _title_blocks(source, lines) + blocks_of(source)
    chars: list[Char] = []
    # without a title in front matter, the first level-1 heading is the title (markup.split_title)
    title_taken = bool(source.meta.get('title'))
    for b, block in enumerate(blocks):
        block_fmt = _block_format(block, lines, source.kind)
        if block_fmt == 'h1' and not title_taken:
            block_fmt, title_taken = 'title', True
        inline: frozenset = frozenset()
        prev = None
        for c, ln, col in block.chars:
            inline = _toggle(inline, _gap(lines, prev, (ln, col)))
            wrap = prev is not None and ln != prev[0]
            prev = (ln, col)
            if c == BOUNDARY:
                code = inline | {'code'} if lines[ln - 1][col - 1:col] == '`' else inline
                chars += [Char(t, b, (block_fmt, code), ln, k, wrap)
                          for t, k in _shown_text(lines[ln - 1], col) if not t.isspace()]
                continue
            if c == LINK_EDGE or c.isspace():
                continue
            chars.append(Char(c, b, (block_fmt, inline), ln, col, wrap))
    return Draft(source.path, 'manuscript', chars, paragraphs=source.paragraph_map)


def read_pdf_draft(path, layout) -> Draft:
    """A PDF's body text in reading order, each character with its line and glyph."""
    from .pdfread import read_pdf
    try:
        pages = read_pdf(path, areas=layout.area, columns=layout.columns)
    except Exception as e:  # pdfminer raises many kinds for a damaged file
        raise InputError(f'cannot read the PDF: {type(e).__name__}', path) from None
    chars = []
    for page in pages:
        centred = _centred_lines(page, layout.area(page.number))
        for ln in page.body:
            for k, g in enumerate(ln.glyphs):
                for c in g.text:
                    if not c.isspace():
                        chars.append(Char(c, ln.index, (g.font, round(g.size * 2) / 2, id(ln) in centred),
                                          wrap=k == 0, glyph=(ln, g)))
    if not chars:
        raise InputError('the PDF has no text to compare (not a PDF typeset built?)', path)
    return Draft(Path(path), 'pdf', chars, pages)


def _shown_text(line: str, col: int) -> list[tuple[str, int]]:
    """The text a reader sees of what `checks.text` set aside as not prose at `col`: the
    inside of a code span, a URL written out. Rules do not look at it; a proofreader does."""
    m = INLINE.match(line, col - 1)
    if not m:
        return []
    kind, start, end = m.lastgroup, m.start(), m.end()
    if kind == 'code':
        close = line.find(m.group(), end)
        start, end = end, close if close >= 0 else end
    elif kind == 'autolink':
        start, end = start + 1, end - 1
    elif kind != 'url':
        return []
    return [(line[k], k + 1) for k in range(start, end)]


def _centred_lines(page, area) -> set[int]:
    """Lines set centred (a title, a part heading), told from the PDF alone, as ids: set
    apart from both edges of their column by the same amount, with the full lines above in
    the same face. Justified lines touch both edges and a paragraph's last line only the
    left one, so re-flow never makes a line centred."""
    def gaps(ln):
        x0, x1 = page.columns[ln.column - 1] if ln.column and page.columns else (area[0], area[2])
        return ln.x0 - x0, x1 - ln.x1

    def face(ln):
        return ln.glyphs[0].font, round(ln.size)
    out: set[int] = set()
    body = page.body
    for k in range(len(body) - 1, -1, -1):
        ln = body[k]
        left, right = gaps(ln)
        even = abs(left - right) <= 0.6 * ln.size
        if even and left > ln.size and right > ln.size:
            out.add(id(ln))
        elif even and k + 1 < len(body) and id(body[k + 1]) in out and face(body[k + 1]) == face(ln):
            out.add(id(ln))
    return out


def _title_blocks(source, lines: list[str]):
    """The title and subtitle given in front matter: text on the page like any other."""
    from .text import Block
    out = []
    for key in ('title', 'subtitle'):
        value = source.meta.get(key)
        if not value:
            continue
        start = (source.meta_line(key) or 1) - 1
        for part in (value if isinstance(value, (list, tuple)) else [value]):
            part = str(part)
            n = next((k for k in range(start, min(len(lines), source.body_start or len(lines)))
                      if part in lines[k]), start)
            col = lines[n].find(part) if 0 <= n < len(lines) and part in lines[n] else 0
            out.append(Block(key, [(c, n + 1, col + k + 1) for k, c in enumerate(part)], n + 1))
    return out


def _block_format(block, lines: list[str], kind: str) -> str:
    if block.kind != 'heading':
        return block.kind
    if kind == 'text':
        from ..numbering import heading_level
        return f'h{heading_level(block.text) or 2}'
    m = ATX.match(lines[block.first_line - 1]) if block.first_line else None
    if m:
        return f'h{len(m.group(1))}'
    # a setext heading: underlined with = (level 1) or - (level 2) on the next line
    last = block.chars[-1][1] if block.chars else block.first_line
    under = lines[last].strip() if last < len(lines) else ''
    return 'h1' if under.startswith('=') else 'h2'


def _gap(lines: list[str], prev, cur) -> str:
    """The markup between two characters of a block, as written in the file."""
    ln, col = cur
    if prev is None:
        return LEAD_MARKERS.sub('', lines[ln - 1][:col - 1], count=1)
    pl, pc = prev
    if pl == ln:
        return lines[ln - 1][pc:col - 1]
    lead = LEAD_MARKERS.sub('', lines[ln - 1][:col - 1], count=1)
    return '\n'.join([lines[pl - 1][pc:]] + lines[pl:ln - 1] + [lead])


def _toggle(state: frozenset, gap: str) -> frozenset:
    if not gap or not any(c in gap for c in '*_~'):
        return state
    on = set(state)
    for run in EMPHASIS.findall(CODE_SPAN.sub('', gap)):
        kinds = ['del'] if run == '~~' else (['strong', 'em'] if len(run) >= 3 else
                                             ['strong'] if len(run) == 2 else ['em'])
        for k in kinds:
            on.symmetric_difference_update({k})
    return frozenset(on)


# --- comparing ----------------------------------------------------------------------------

def compare(old: Draft, new: Draft) -> Comparison:
    """The changes from `old` to `new`, in the new draft's reading order."""
    a, b = old.text, new.text
    ops = _joined(diff.opcodes(a, b), old, new)
    changes: list[Change] = []
    rewrapped: dict[int, set[int]] = {}
    for op, i1, i2, j1, j2 in ops:
        if op == 'equal':
            changes += _format_changes(old, new, i1, i2, j1, j2)
            if old.kind == new.kind == 'manuscript':
                _rewrapped(old, new, i1, i2, j1, rewrapped)
            continue
        i1, i2, j1, j2 = _whole_tokens(a, b, i1, i2, j1, j2)
        kind = 'insert' if i1 == i2 else 'delete' if j1 == j2 else 'replace'
        changes.append(Change(kind, (i1, i2), (j1, j2), a[i1:i2], b[j1:j2]))
    changes.sort(key=lambda c: (c.new[0], c.old[0]))
    for c in new.chars:
        if c.block in rewrapped:
            rewrapped[c.block].add(c.line)
    return Comparison(changes, rewrapped)


def _joined(ops, old: Draft, new: Draft):
    """Differences a character or two apart in one sentence are one replaced run."""
    def one_sentence(gap) -> bool:
        _, i1, i2, j1, j2 = gap
        return not any(c in SENTENCE_END for c in old.text[i1:i2]) and \
            old.chars[i1 - 1].block == old.chars[i2].block and new.chars[j1 - 1].block == new.chars[j2].block
    out = []
    for op in ops:
        if out and op[0] != 'equal' and len(out) >= 2 and out[-2][0] != 'equal' \
                and out[-1][0] == 'equal' and out[-1][2] - out[-1][1] <= JOIN_GAP and one_sentence(out[-1]):
            first = out[-2]
            out[-2:] = [('replace', first[1], op[2], first[3], op[4])]
            continue
        if out and op[0] != 'equal' and out[-1][0] != 'equal':
            first = out[-1]
            out[-1] = ('replace', first[1], op[2], first[3], op[4])
            continue
        out.append(op)
    def named(op, i1, i2, j1, j2):
        return 'equal' if op == 'equal' else 'insert' if i1 == i2 else 'delete' if j1 == j2 else op
    return [(named(*op), *op[1:]) for op in out]


def _whole_tokens(a: str, b: str, i1, i2, j1, j2):
    """A change inside a number or a Latin word shows the whole of it: 2018 → 2019, not 8 → 9."""
    def alnum(s, k):
        return 0 <= k < len(s) and s[k].isascii() and s[k].isalnum()
    while i1 > 0 and j1 > 0 and a[i1 - 1] == b[j1 - 1] and alnum(a, i1 - 1) and \
            (alnum(a, i1) or alnum(b, j1)):
        i1, j1 = i1 - 1, j1 - 1
    while i2 < len(a) and j2 < len(b) and a[i2] == b[j2] and alnum(a, i2) and \
            (alnum(a, i2 - 1) or alnum(b, j2 - 1)):
        i2, j2 = i2 + 1, j2 + 1
    return i1, i2, j1, j2


def _format_changes(old: Draft, new: Draft, i1, i2, j1, j2) -> list[Change]:
    """Runs of equal text whose format differs, one change per run and block."""
    out: list[Change] = []
    run = None                     # [key, first old index, first new index, length]
    for k in range(i2 - i1):
        o, n = old.chars[i1 + k], new.chars[j1 + k]
        # a manuscript's change is one per paragraph; a PDF's runs on over its lines
        key = (n.block if new.kind == 'manuscript' else None, o.fmt, n.fmt) if o.fmt != n.fmt else None
        if run and key == run[0]:
            run[3] += 1
            continue
        if run:
            out.append(_format_change(old, new, *run))
        run = [key, i1 + k, j1 + k, 1] if key else None
    if run:
        out.append(_format_change(old, new, *run))
    if old.kind == new.kind == 'manuscript':
        out += _paragraph_breaks(old, new, i1, i2, j1)
    return out


def _format_change(old: Draft, new: Draft, key, i, j, n) -> Change:
    _, was, now = key
    return Change('format', (i, i + n), (j, j + n), old.text[i:i + n], new.text[j:j + n],
                  describe_format(was, now))


def describe_format(old: tuple, new: tuple) -> str:
    """'heading 3 → heading 2', 'bold added': a format change in the change list's words."""
    if not isinstance(old[1], frozenset):
        # read back from PDFs: font, size and whether the line is centred
        def face(f):
            return f'{f[0]} {f[1]:g} pt' + (' centred' if f[2] else '')
        return f'{face(old)} → {face(new)}'
    parts = [f'{_block_name(old[0])} → {_block_name(new[0])}'] if old[0] != new[0] else []
    parts += [f'{INLINE_NAMES[k]} added' for k in sorted(new[1] - old[1])]
    parts += [f'{INLINE_NAMES[k]} removed' for k in sorted(old[1] - new[1])]
    return ', '.join(parts)


def _block_name(fmt: str) -> str:
    if re.fullmatch(r'h\d', fmt):
        return f'heading {fmt[1]}'
    return BLOCK_NAMES.get(fmt, fmt)


def _paragraph_breaks(old: Draft, new: Draft, i1, i2, j1) -> list[Change]:
    """A paragraph split or two joined, the text the same on both sides."""
    out = []
    for k in range(1, i2 - i1):
        o0, o1 = old.chars[i1 + k - 1], old.chars[i1 + k]
        n0, n1 = new.chars[j1 + k - 1], new.chars[j1 + k]
        split_old, split_new = o0.block != o1.block, n0.block != n1.block
        if split_old != split_new:
            detail = 'new paragraph' if split_new else 'paragraphs joined'
            out.append(Change('format', (i1 + k, i1 + k), (j1 + k, j1 + k), '', '', detail))
    return out


def _rewrapped(old: Draft, new: Draft, i1, i2, j1, into: dict[int, set[int]]) -> None:
    """File lines of the new draft re-wrapped, their text unchanged (re-flow of the manuscript)."""
    for k in range(i2 - i1):
        o, n = old.chars[i1 + k], new.chars[j1 + k]
        if k and o.wrap != n.wrap and o.block == old.chars[i1 + k - 1].block \
                and n.block == new.chars[j1 + k - 1].block:
            into.setdefault(n.block, set())


def link(a: Draft, b: Draft) -> list[int | None]:
    """For each character of `a`, the index of the same character in `b` (None if it has
    none): the manuscript ↔ PDF map of `typeset check`, read in the other direction too.

    Where the two orders disagree (a page in columns read otherwise than it was set), the
    characters left over are looked for nearby, in runs of at least RELINK_RUN."""
    out: list[int | None] = [None] * len(a.chars)
    taken = [False] * len(b.chars)
    leftover = []
    for op, i1, i2, j1, j2 in diff.opcodes(a.text, b.text):
        if op == 'equal' or (op == 'replace' and i2 - i1 == j2 - j1):
            for k in range(i2 - i1):
                out[i1 + k] = j1 + k
                taken[j1 + k] = True
        elif i2 > i1:
            leftover.append((i1, i2, j1))
    for i1, i2, j1 in leftover:
        _relink(a.text, b.text, i1, i2, j1, out, taken)
    return out


RELINK_RUN = 4
RELINK_WINDOW = 3000


def _relink(a: str, b: str, i1: int, i2: int, j1: int, out, taken) -> None:
    lo, hi = max(0, j1 - RELINK_WINDOW), min(len(b), j1 + RELINK_WINDOW)
    k = i1
    while k < i2:
        at = b.find(a[k:k + RELINK_RUN], lo, hi) if i2 - k >= RELINK_RUN else -1
        while at >= 0 and any(taken[at:at + RELINK_RUN]):
            at = b.find(a[k:k + RELINK_RUN], at + 1, hi)
        if at < 0:
            k += 1
            continue
        n = RELINK_RUN
        while k + n < i2 and at + n < len(b) and not taken[at + n] and a[k + n] == b[at + n]:
            n += 1
        for m in range(n):
            out[k + m] = at + m
            taken[at + m] = True
        k += n
