"""Our own first-line splitter for text that holds CJK characters.

WeasyPrint lets Pango choose the break (``split_first_line`` in
``weasyprint/text/line_break.py``) from Pango's natural glyph widths.  We need
widths that Pango cannot produce (a grid cell narrower than the glyph, marks set
half width, adjacent marks compressed, autospace) and breaks that Pango does
not forbid (clreq strict), and the choice between pushing a character down and
pulling a mark in.  So the text is shaped once without a width, every character
gets its planned advance, and the break is chosen here; the glyph widths of
the Pango layout are rewritten to the plan when it is drawn (``CJKLayout``).

In a justified paragraph the lines are not chosen here one by one: the whole text box is
shaped once and ``breaker.py`` chooses all its breaks together (``_planned_line``); the
line-by-line choice below is what remains for ragged text and, counted and reported,
for a text whose unbreakable chunk is wider than the line.
"""
import threading
from array import array
from itertools import accumulate

from weasyprint.text.ffi import FROM_UNITS, ffi, pango, unicode_to_char_p
from weasyprint.text.line_break import Layout, _font_style_cache_key, first_line_metrics

from . import breaker
from .. import chars as C
from .settings import settings_for

ORDER_GAP = 0.05  # px
EPS = 1e-6          # px; WeasyPrint itself adds a relative 1e-9 to max_x
TO_UNITS = 1024

# The text box being split, set by the ``split_text_box`` wrapper so that the
# splitter knows whether the text ends its paragraph (孤字 avoidance).
state = threading.local()

stats = {'split': 0, 'fallback': 0, 'planned': 0, 'greedy': 0}


class Plan:
    """Planned horizontal metrics of one line of text, per character (px).

    ``adv``: advance without justification; ``xoff``: glyph shift inside it
    (a trimmed left blank; read only, and one shared tuple when nothing is shifted,
    as in most lines: a plan lives as long as the box tree, one per line);
    ``extra``: justification after the character.
    Arrays of doubles, not lists: the same numbers in a quarter of the memory (a list
    holds a float object per character, 32 bytes and a pointer; 0.04 MiB a page).
    """
    __slots__ = ('adv', 'xoff', 'extra', 'text')

    def __init__(self, text, adv, xoff):
        self.text = text
        self.adv = array('d', adv)
        self.xoff = array('d', xoff) if any(xoff) else _unshifted(len(xoff))
        self.extra = array('d', bytes(8 * len(text)))


_UNSHIFTED = {}


def _unshifted(n):
    if n not in _UNSHIFTED:
        _UNSHIFTED[n] = (0.0,) * n
    return _UNSHIFTED[n]


class CJKLayout(Layout):
    """A WeasyPrint ``Layout`` whose glyph advances follow a ``Plan``.

    Replaces nothing in WeasyPrint by itself: instances are returned by our
    splitter and stored as ``TextBox.pango_layout``; ``draw_text`` calls
    ``reactivate`` just before reading the glyphs, which is where the plan is
    written into them.
    """
    plan = None

    def set_text(self, text, justify=False):
        # No Pango letter/word spacing attributes: every advance is in the plan.
        self.text = text
        text_p, bytestring = unicode_to_char_p(text)
        # draw_first_line sets single-paragraph mode, which would relayout and
        # lose our glyph widths if it changed the setting: set it first.
        pango.pango_layout_set_single_paragraph_mode(self.layout, True)
        pango.pango_layout_set_text(self.layout, text_p, -1)
        if b'\t' in bytestring:
            self.set_tabs()

    def reactivate(self, style):
        super().reactivate(style)
        if self.plan is not None:
            apply_plan(self, self.plan)


# 1 for a byte that starts a UTF-8 character, 0 for a continuation byte.
_LEAD = bytes(0 if 0x80 <= b < 0xC0 else 1 for b in range(256))


def _byte_to_char(text):
    """The index of the character each UTF-8 byte of ``text`` belongs to (Pango counts
    in bytes), and one past the end; counted in C, as this runs for every line drawn."""
    data = text.encode()
    if len(data) == len(text):
        return list(range(len(text) + 1))
    table = list(accumulate(data.translate(_LEAD), initial=-1))[1:]
    table.append(len(text))
    return table


def _runs(layout):
    line = pango.pango_layout_get_line_readonly(layout.layout, 0)
    run = line.runs
    while run != ffi.NULL:
        yield run.data
        run = run.next


def apply_plan(layout, plan):
    """Rewrite the glyph widths of the layout's first line to the plan.

    ``draw_first_line`` (weasyprint/draw/text.py) turns the difference between
    a glyph's width in the font and its Pango width into a TJ adjustment
    truncated to a whole 1/1000 em, which would make a 28-character line lose
    up to 0.4 pt.  So the widths are chosen here so that each truncated
    adjustment is exact, with the rounding error carried to the next glyph:
    every glyph lands within 0.0005 em of its planned position.
    """
    text = layout.text
    b2c = _byte_to_char(text)
    adv, xoff, extra = plan.adv, plan.xoff, plan.extra
    target = 0.0    # planned pen position after the current glyph, px
    realized = 0.0  # pen position the PDF will show, px
    fonts = {}
    widths = _document_cache(layout.style, 'widths')
    for glyph_item in _runs(layout):
        offset = glyph_item.item.offset
        font = glyph_item.item.analysis.font
        font_hash, font_size = _font_key(font, fonts)
        glyphs = glyph_item.glyphs
        infos = glyphs.glyphs
        clusters = glyphs.log_clusters
        count = glyphs.num_glyphs
        g = 0
        while g < count:
            first = b2c[offset + clusters[g]]
            end = g + 1
            while end < count and clusters[end] == clusters[g]:
                end += 1
            nxt = b2c[offset + clusters[end]] if end < count else b2c[
                offset + glyph_item.item.length]
            # draw_first_line divides x_offset (1/1024 px) by the font size as
            # if it were 1/1000 px, so the shift it draws is 2.4 % too wide:
            # give it 1/1000 px to get the shift we mean.
            shift = round(xoff[first] * 1000)
            if nxt == first + 1:    # most clusters: no slices to sum
                cluster_end = target + adv[first] + extra[first]
            else:
                cluster_end = target + sum(adv[first:nxt]) + sum(extra[first:nxt])
            for k in range(g, end):
                info = infos[k]
                if shift:
                    info.geometry.x_offset += shift
                if k < end - 1:
                    target += info.geometry.width * FROM_UNITS
                else:
                    target = cluster_end
                glyph = info.glyph
                if glyph == pango.PANGO_GLYPH_EMPTY:
                    # An empty glyph (a word joiner) is drawn as a shift of its width
                    # divided by the font size, as if 1/1000 em: 1/1000 px, not 1/1024.
                    info.geometry.width = round((target - realized) * 1000)
                    realized += info.geometry.width / 1000
                    continue
                if glyph & pango.PANGO_GLYPH_UNKNOWN_FLAG:
                    info.geometry.width = round((target - realized) * TO_UNITS)
                    realized += info.geometry.width * FROM_UNITS
                    continue
                logical = _logical_width(font, font_hash, glyph, font_size, widths)
                # The same arithmetic as draw_first_line, in 1/1000 em.
                glyph_offset = info.geometry.x_offset / font_size
                wanted = (target - realized) * 1000 / font_size
                kerning = round(glyph_offset + logical - wanted)
                realized += (glyph_offset + logical - kerning) * font_size / 1000
                # Aim at the middle of the truncation interval of int().
                aimed = kerning + (0.5 if kerning > 0 else -0.5 if kerning < 0 else 0)
                info.geometry.width = round(
                    (logical + glyph_offset - aimed) * font_size / 1000 * TO_UNITS)
            g = end


def _font_key(font, cache):
    """Description hash and size of a Pango font, as get_pango_font_key computes.

    Cached for one line only: a Pango font's address may be reused by another
    font in the next document.
    """
    from weasyprint.text.fonts import get_pango_font_key
    address = int(ffi.cast('uintptr_t', font))
    if address not in cache:
        key, _, font_size = get_pango_font_key(font)
        cache[address] = (key, font_size)
    return cache[address]


def _logical_width(font, font_hash, glyph, font_size, cache):
    """The glyph width WeasyPrint writes in the PDF, in 1/1000 em."""
    key = (font_hash, glyph)
    if key not in cache:
        pango.pango_font_get_glyph_extents(font, glyph, _ink_rect, _logical_rect)
        cache[key] = round(_logical_rect.width * 1000 * FROM_UNITS / font_size)
    return cache[key]


def _document_cache(style, name):
    """A cache that lives as long as the document's fonts (like WeasyPrint's struts)."""
    font_config = style.font_config
    caches = font_config.__dict__.setdefault('_typeset_cjk', {})
    return caches.setdefault(name, {})


# Ink side of compressible marks, per font and character: 'close' (blank on
# the right), 'open' (blank on the left), 'middle' (blank both sides), 'full'.
_ink_rect = ffi.new('PangoRectangle *')
_logical_rect = ffi.new('PangoRectangle *')


def _ink_class(font, glyph, fontkey, char, cache):
    key = (fontkey, char)
    if key in cache:
        return cache[key]
    pango.pango_font_get_glyph_extents(font, glyph, _ink_rect, _logical_rect)
    width = _logical_rect.width or 1
    left = _ink_rect.x / width
    right = (_ink_rect.x + _ink_rect.width) / width
    if right <= 0.56:
        result = 'close'
    elif left >= 0.44:
        result = 'open'
    elif left >= 0.18 and right <= 0.82:
        result = 'middle'
    else:
        result = 'full'
    cache[key] = result
    return result


class Shaped:
    """Natural metrics of a text: per-character advance, ink class, breaks."""
    __slots__ = ('text', 'nat', 'ink', 'breaks', 'layout')


def shape(text, style, context):
    layout = CJKLayout(style)
    layout.set_text(text)
    n = len(text)
    nat = [0.0] * n
    ink = [None] * n
    b2c = _byte_to_char(text)
    fontkey = _font_style_cache_key(style)
    inks = _document_cache(style, 'ink')
    for glyph_item in _runs(layout):
        offset = glyph_item.item.offset
        font = glyph_item.item.analysis.font
        glyphs = glyph_item.glyphs
        infos = glyphs.glyphs
        clusters = glyphs.log_clusters
        for g in range(glyphs.num_glyphs):
            ci = b2c[offset + clusters[g]]
            nat[ci] += infos[g].geometry.width * FROM_UNITS
            if text[ci] in C.COMPRESSIBLE and ink[ci] is None:
                ink[ci] = _ink_class(font, infos[g].glyph, fontkey, text[ci], inks)
    attrs = pango.pango_layout_get_log_attrs_readonly(layout.layout, ffi.new('gint *'))
    shaped = Shaped()
    shaped.text = text
    shaped.nat = nat
    shaped.ink = ink
    shaped.breaks = [bool(attrs[i].is_line_break) for i in range(n + 1)]
    shaped.layout = layout
    return shaped


def plan_widths(shaped, style, settings):
    """Advances and shifts of every character before any line-end decision."""
    text = shaped.text
    n = len(text)
    font_size = style['font_size']
    letter_spacing = style['letter_spacing']
    letter_spacing = 0 if letter_spacing == 'normal' else letter_spacing
    word_spacing = style['word_spacing'] or 0
    adv = [0.0] * n
    xoff = [0.0] * n
    kind = ['L'] * n
    trim_l = [0.0] * n
    trim_r = [0.0] * n
    cell = settings.cell
    for i, char in enumerate(text):
        a = shaped.nat[i]
        if char == ' ' and between_wide(text, i):
            # Chinese has no word space: one typed between Chinese characters (第二条 当事人,
            # “才聚江西 智荟赣鄱”, a byline) is set as its one blank, the full-width space,
            # a cell wide (the columns of the grid hold), and never stretched.
            kind[i] = 'S'
            adv[i] = cell or font_size + letter_spacing
            continue
        if char == ' ':
            kind[i] = 'S'
            a += word_spacing
        elif C.is_wide(char) or (a >= 0.9 * font_size and ord(char) >= 0x2000):
            kind[i] = 'W'
            if cell is not None and a > 0:
                # The cell replaces the advance *and* letter-spacing.
                a = cell * a / font_size if abs(a - font_size) > 0.01 * font_size else cell
                adv[i] = a
                continue
        if a > 0:
            a += letter_spacing
        adv[i] = a
    if settings.punctuation == 'kaiming':
        for i, char in enumerate(text):
            if char in C.COMPRESSIBLE and char not in C.KAIMING_FULL and kind[i] == 'W':
                _trim(shaped.ink[i], adv[i] / 2, i, trim_l, trim_r)
    # Adjacent marks (clreq 3.1.6), in every style and on the strict grid too: at most
    # half a cell of blank between their inks, and a pair (》， ”“ ）、) takes no more
    # than one and a half cells.  A full line of Han alone is untouched: the grid holds.
    # (a word joiner between two marks, as in a heading's 二、⁠“十五五”, has no width: the
    # marks are adjacent across it)
    inked = [i for i in range(n) if text[i] != C.WORD_JOINER]
    before = [-1] * n
    for i, j in zip(inked, inked[1:]):
        before[j] = i
    for i, j in zip(inked, inked[1:]):
        a, b = text[i], text[j]
        if a in C.COMPRESSIBLE and b in C.COMPRESSIBLE and kind[i] == kind[j] == 'W':
            right = _blank_right(shaped.ink[i], adv[i]) - trim_r[i]
            left = _blank_left(shaped.ink[j], adv[j]) - trim_l[j]
            pair = adv[i] + adv[j] - trim_l[i] - trim_r[i] - trim_l[j] - trim_r[j]
            excess = max(right + left - adv[i] / 2,
                         min(right + left, pair - 1.5 * adv[i]))
            if excess > EPS:
                take = min(excess, max(right, 0))
                trim_r[i] += take
                trim_l[j] += excess - take
    if settings.autospace:
        quarter = font_size / 4
        for i in range(n - 1):
            a, b = text[i], text[i + 1]
            if (C.is_han(a) and C.is_latin_alnum(b)) or (C.is_latin_alnum(a) and C.is_han(b)):
                adv[i] += quarter
    for i in range(n):
        if trim_l[i] or trim_r[i]:
            adv[i] -= trim_l[i] + trim_r[i]
            xoff[i] = -trim_l[i]
            k = before[i]
            if k >= 0 and trim_l[i] and adv[k] - trim_l[i] < ORDER_GAP:
                # An opening mark after a half-width mark would start exactly
                # where that mark starts; extraction tools order glyphs by x,
                # so keep it a hair to the right (invisible, 0.05 px).
                xoff[i] = -(adv[k] - ORDER_GAP)
    return adv, xoff, kind, trim_l, trim_r


def _blank_right(ink, adv):
    return {'close': adv / 2, 'middle': adv / 4}.get(ink, 0.0)


def _blank_left(ink, adv):
    return {'open': adv / 2, 'middle': adv / 4}.get(ink, 0.0)


def _trim(ink, amount, i, trim_l, trim_r):
    if ink == 'close':
        trim_r[i] += amount
    elif ink == 'open':
        trim_l[i] += amount
    elif ink == 'middle':
        trim_l[i] += amount / 2
        trim_r[i] += amount / 2


def _capacity(ink, adv_full, trim_l, trim_r):
    """Blank still left on a mark (what a pull may take)."""
    if ink == 'close':
        return max(0.0, adv_full / 2 - trim_r)
    if ink == 'open':
        return max(0.0, adv_full / 2 - trim_l)
    if ink == 'middle':
        return max(0.0, adv_full / 2 - trim_l - trim_r)
    return 0.0


def _line_metrics(style):
    """Height and baseline of a line of this font, as WeasyPrint's strut sees it.

    Every text box of a style gets the same values, whatever glyphs it holds:
    a fallback glyph with a taller ascent must not move the baseline off the
    grid.
    """
    # Asked once per line: kept on the style itself, so that the font key is not
    # worked out again for every line of a paragraph.
    metrics = style.get('__cjk_line_metrics')
    if metrics is not None:
        return metrics
    key = _font_style_cache_key(style, include_size=True)
    _metrics_cache = _document_cache(style, 'metrics')
    if key not in _metrics_cache:
        layout = Layout(style)
        layout.set_text(' ')
        line, _ = layout.get_first_line()
        _, _, _, _, height, baseline = first_line_metrics(
            line, '', layout, resume_at=None, space_collapse=False, style=style)
        _metrics_cache[key] = (height, baseline)
    metrics = _metrics_cache[key]
    dict.__setitem__(style, '__cjk_line_metrics', metrics)
    return metrics


def _may_break(opportunities, text, b):
    """A legal break before text[b]: Pango's opportunities (UAX #14) and the trade's
    additions, minus what clreq strict forbids."""
    before, after = text[b - 1], text[b]
    return ((opportunities[b] or C.break_added(before, after))
            and C.break_allowed(before, after))


def _lone_char(rest):
    return len([c for c in rest.strip(' ') if c not in C.LINE_START_PROHIBITED]) == 1


def applicable(text, style):
    if style['white_space'] != 'normal' or not style['font_size']:
        return False
    if '\n' in text or '\t' in text or '\xad' in text:
        return False
    if style['word_break'] == 'break-all' or style['overflow_wrap'] != 'normal':
        return False
    if C.HAS_CJK.search(text):
        return True
    return settings_for(style).active


def _shaped_prefix(text, style, context, max_width, settings):
    """The start of `text` shaped, long enough to overflow the line by a few characters
    (the splitter need not shape a whole paragraph to place one line), with the advances,
    the start of each character and the break opportunities clreq allows in it."""
    font_size = style['font_size']
    if max_width is None:
        prefix_len = len(text)
    else:
        prefix_len = int(max(max_width, 0) / (font_size * 0.45)) + 12
    while True:
        prefix = text[:prefix_len]
        shaped = shape(prefix, style, context)
        adv, xoff, kind, trim_l, trim_r = plan_widths(shaped, style, settings)
        whole = len(prefix) == len(text)
        n = len(prefix)
        starts = [0.0] * (n + 1)
        for i in range(n):
            starts[i + 1] = starts[i] + adv[i]
        # Break opportunities: Pango's, minus what clreq strict forbids.  The
        # last character of a partial prefix is not trusted (its break depends
        # on what follows it).
        limit = n if whole else n - 1
        allowed = [b for b in range(1, limit) if _may_break(shaped.breaks, prefix, b)]
        if whole or max_width is None:
            break
        # Enough text when a break opportunity lies beyond the line's end.
        if allowed and starts[allowed[-1]] > max_width + EPS:
            break
        prefix_len *= 2
    return prefix, shaped, (adv, xoff, kind, trim_l, trim_r), starts, allowed


def split_first_line(original, text, style, context, max_width,
                     justification_spacing, is_line_start=True, minimum=False):
    """Drop-in for ``weasyprint.text.line_break.split_first_line``."""
    if not applicable(text, style):
        stats['fallback'] += 1
        return original(text, style, context, max_width, justification_spacing,
                        is_line_start=is_line_start, minimum=minimum)
    stats['split'] += 1
    settings = settings_for(style)
    font_size = style['font_size']
    box = getattr(state, 'box', None)
    paragraph_end = bool(box is not None and getattr(box, '_cjk_last', False)
                         and box.text.endswith(text))

    if (breaker.ENABLED and max_width is not None and not minimum and box is not None
            and max_width >= (settings.cell or font_size)
            and style['text_align_all'] == 'justify' and box.text.endswith(text)):
        planned = _planned_line(box, text, style, context, max_width, settings,
                                bool(getattr(box, '_cjk_last', False)), is_line_start)
        if planned is not None:
            stats['planned'] += 1
            breaker.current.planned += 1
            return planned
        # No set of breaks fits (an unbreakable chunk wider than the measure): the
        # greedy splitter below overflows the line as Pango would.  Counted, reported.
        stats['greedy'] += 1
        breaker.current.greedy += 1

    prefix, shaped, (adv, xoff, kind, trim_l, trim_r), starts, allowed = _shaped_prefix(
        text, style, context, max_width, settings)
    whole = len(prefix) == len(text)
    n = len(prefix)

    def width(b):
        e = b
        while e > 0 and prefix[e - 1] == ' ':
            e -= 1
        return starts[e]

    def result(b, extra_trims=None):
        line_text = prefix[:b]
        resume = None if (whole and b >= n) else len(line_text.encode())
        if resume is not None:
            line_text = line_text.rstrip(' ')
        line_adv = adv[:len(line_text)]
        line_xoff = xoff[:len(line_text)]
        if extra_trims:
            line_adv = list(line_adv)
            line_xoff = list(line_xoff)
            for i, (left, right) in extra_trims.items():
                line_adv[i] -= left + right
                line_xoff[i] -= left
        layout = shaped.layout
        layout.text = line_text
        layout.plan = Plan(line_text, line_adv, line_xoff)
        layout.max_width = max_width
        layout.deactivate()
        height, baseline = _line_metrics(style)
        return (layout, len(line_text.encode()), resume, sum(line_adv), height,
                baseline)

    if max_width is None or (whole and starts[n] <= max_width + EPS and not minimum):
        return result(n)

    def pull_trims(b, need):
        """Trims that shorten prefix[:b] by ``need``, or None if impossible."""
        end = len(prefix[:b].rstrip(' ')) - 1
        if end < 0:
            return None
        trims = {}
        full = [adv[i] + trim_l[i] + trim_r[i] for i in range(end + 1)]
        # GB/T 15834 5.1.10: a line-end mark may be set half width.
        cap_end = (_capacity(shaped.ink[end], full[end], trim_l[end], trim_r[end])
                   if prefix[end] in C.COMPRESSIBLE and shaped.ink[end] in ('close', 'middle') else 0)
        take = min(need, cap_end)
        if take > 0:
            trims[end] = (0.0, take) if shaped.ink[end] == 'close' else (take / 2, take / 2)
        need -= take
        if need <= EPS:
            return trims
        if settings.strict_grid:
            return None
        caps = {i: _capacity(shaped.ink[i], full[i], trim_l[i], trim_r[i])
                for i in range(end) if prefix[i] in C.COMPRESSIBLE and kind[i] == 'W'}
        total = sum(caps.values())
        if total + EPS < need:
            return None
        ratio = need / total
        for i, cap in caps.items():
            t = cap * ratio
            ink = shaped.ink[i]
            trims[i] = {'close': (0.0, t), 'open': (t, 0.0)}.get(ink, (t / 2, t / 2))
        return trims

    fitting = [b for b in allowed if width(b) <= max_width + EPS]
    if whole and starts[n] <= max_width + EPS:
        fitting.append(n)
    push = fitting[-1] if fitting else None
    later = [b for b in allowed if push is None or b > push]
    if whole:
        later.append(n)
    pull = later[0] if later else None

    if minimum:
        return result(allowed[0] if allowed else n)

    # 孤字: the paragraph's last line would hold one character (and its
    # closing marks).  Pull it in by tightening the line; off the strict grid,
    # push one more character down if that fails.
    if paragraph_end and whole and push is not None and push < n:
        if _lone_char(prefix[push:]):
            trims = pull_trims(n, width(n) - max_width)
            if trims is not None:
                return result(n, trims)
            if not settings.strict_grid:
                earlier = [b for b in fitting if b < push and not _lone_char(prefix[b:])]
                if earlier and earlier[-1] >= push - 2:
                    return result(earlier[-1])

    if pull is not None and pull != push:
        need = width(pull) - max_width
        slack = max_width - width(push) if push is not None else float('inf')
        if need < slack:
            trims = pull_trims(pull, need)
            if trims is not None:
                return result(pull, trims)
    if push is not None:
        return result(push)
    # Nothing fits: overflow with the first unbreakable chunk, as Pango does.
    return result(pull if pull is not None else n)


# --- the paragraph breaker's side: metrics in, lines out ---------------------------------

class _Paragraph:
    """A text box's text from some offset on, shaped once, with its planned metrics."""
    __slots__ = ('text', 'adv', 'xoff', 'kind', 'ink', 'full', 'trim_l', 'trim_r',
                 'metrics')


def _paragraph(text, style, context, settings):
    shaped = shape(text, style, context)
    adv, xoff, kind, trim_l, trim_r = plan_widths(shaped, style, settings)
    n = len(text)
    para = _Paragraph()
    para.text, para.adv, para.xoff, para.kind, para.ink = text, adv, xoff, kind, shaped.ink
    para.trim_l, para.trim_r = trim_l, trim_r
    para.full = [adv[i] + trim_l[i] + trim_r[i] for i in range(n)]
    end_cap = [0.0] * n
    inner_cap = [0.0] * n
    for i, char in enumerate(text):
        if char not in C.COMPRESSIBLE or kind[i] != 'W':
            continue
        cap = _capacity(shaped.ink[i], para.full[i], trim_l[i], trim_r[i])
        if shaped.ink[i] in ('close', 'middle'):
            # GB/T 15834 5.1.10: a line-end mark may be set half width.
            end_cap[i] = cap
        # Inside a line a mark may give up its blank too (a pair of marks, a mark
        # beside an opening bracket, then any mark), at a cost: it moves the columns
        # after it off the grid, as pushing a character down does.
        inner_cap[i] = cap
    # where justify.py puts space: the same rule, so that the stretch weighed here is
    # the stretch drawn (a word joiner is no character: the gap is around it)
    gap = [0] * n
    flex = [0] * n
    # A heading (its words held by word joiners) is never spaced past the limit
    # (justify.py): it gets neither flex gaps nor the dear breaks.
    heading = C.WORD_JOINER in text
    seen = []
    for k, char in enumerate(text):
        if char == C.WORD_JOINER:
            continue
        if seen:
            gap[k] = gap_weight(seen[-2] if len(seen) > 1 else None, seen[-1], char)
            flex[k] = flex_gap(seen[-1], char) if gap[k] and not heading else 0
        seen.append(char)
    breaks = []
    penalty = {}
    for b in range(1, n):
        if _may_break(shaped.breaks, text, b):
            breaks.append(b)
        elif heading or not C.break_allowed(text[b - 1], text[b]):
            continue
        elif C.break_beside_quote(text[b - 1], text[b]):
            breaks.append(b)
            penalty[b] = breaker.COST_QUOTE_BREAK
        elif C.number_break(text, b):
            breaks.append(b)
            penalty[b] = breaker.COST_NUMBER_BREAK
    breaks.append(n)
    lead = [trim_l[i] if shaped.ink[i] == 'open' else 0.0 for i in range(n)]
    para.metrics = breaker.Metrics(
        text, adv, end_cap, inner_cap, gap, breaks, settings.cell or style['font_size'],
        settings.strict_grid, lead, flex, penalty)
    return para


def between_wide(text, i):
    """Whether text[i] stands between two wide (CJK) characters."""
    return 0 < i < len(text) - 1 and C.is_wide(text[i - 1]) and C.is_wide(text[i + 1])


def gap_weight(before, a, b):
    """Whether justification puts space between the adjacent characters ``a`` and ``b``
    (``before``: the one before ``a``; word joiners left out): after a word space, and
    beside a wide character, but not inside —— or …… (one unbroken mark), nor before a
    space, nor after a space set a cell wide between Chinese characters (fixed)."""
    if a == ' ':
        return 0 if before is not None and between_wide(before + a + b, 1) else 1
    if a == b and a in C.TWINS:
        return 0
    return 1 if b != ' ' and (C.is_wide(a) or C.is_wide(b)) else 0


def flex_gap(a, b):
    """How wide (em) the gap between adjacent ``a`` and ``b`` may open first when a line
    must be spread wide (breaker.spread), 0 if it opens only with the others: between
    Han and a Western or figure run 1/4 em; on the blank side of a mark (after ，、 set
    half width by 开明式, before “) beside Han or a Western run 1/2 em, after a stop
    (。, full width in every style) 1/4 em; never between two marks (a compressed pair
    stays one)."""
    if a in C.KAIMING_FULL and (C.is_han(b) or C.is_western(b)):
        return breaker.FLEX_EM
    if (C.is_han(a) or C.is_western(a)) and b in C.BLANK_LEFT:
        return breaker.FLEX_MARK_EM
    if a in C.BLANK_RIGHT and (C.is_han(b) or C.is_western(b)):
        return breaker.FLEX_MARK_EM
    if (C.is_han(a) and C.is_western(b)) or (C.is_western(a) and C.is_han(b)):
        return breaker.FLEX_EM
    return 0


def _shrink_trims(para, i, e, need):
    """(left, right) trims per character that shorten text[i:e] by ``need``."""
    trims = {}
    m = para.metrics
    end = e - 1
    take = min(need, m.end_cap[end])
    if take > 0:
        trims[end] = (0.0, take) if para.ink[end] == 'close' else (take / 2, take / 2)
    need -= take
    if need <= EPS:
        return trims
    caps = {k: m.inner_cap[k] for k in range(i, end)
            if m.inner_cap[k] > 0 and not (k == i and m.lead[i])}
    total = sum(caps.values())
    ratio = min(1.0, need / total) if total else 0.0
    for k, cap in caps.items():
        t = cap * ratio
        trims[k] = {'close': (0.0, t), 'open': (t, 0.0)}.get(para.ink[k], (t / 2, t / 2))
    return trims


def _planned_line(box, text, style, context, max_width, settings, paragraph_end,
                  is_line_start):
    """The line the paragraph breaker chose for ``text`` (the rest of ``box``), or None.

    The breaks are computed when a box's text is first split, for all its lines, and
    handed out one per call; a call with another width than planned (a float, a line
    after a page break laid out anew) plans the rest again from there.
    """
    offset = len(box.text) - len(text)
    lines = box.__dict__.setdefault('_cjk_lines', {})
    wanted = breaker.current.looseness.get(box.text)
    key = (offset, round(max_width, 3), is_line_start, wanted)
    entry = lines.get(key)
    if entry is None:
        measure = getattr(state, 'measure', None) or max_width
        # Shaped once per box and offset: page fill asking for another line count, or
        # a line laid out again at another width, breaks the same metrics anew.
        shaped = box.__dict__.setdefault('_cjk_shaped', {})
        para = shaped.get(offset)
        if para is None:
            para = shaped[offset] = _paragraph(text, style, context, settings)
        # A box that starts after others on its line (a run-in lead sentence) shares
        # that line's justification with them.
        em = para.metrics.em
        # (counted low: the line's first-line indent is no gap)
        before = 0 if is_line_start else max(0, int((measure - max_width) / em) - 2)
        chosen = None
        if wanted and offset == 0:
            # page fill asked for this paragraph one line longer or shorter
            chosen = breaker.break_paragraph_into(para.metrics, wanted, max_width, measure,
                                                  paragraph_end, before)
            if chosen and any(line.guzi for line in chosen):
                chosen = None   # never a 孤字 to fill a page: the breaks it had stand
        if chosen is None:
            chosen = breaker.break_paragraph(para.metrics, 0, max_width, measure,
                                             paragraph_end, before)
        if not chosen:
            return None     # nothing but spaces, or no breaks that fit
        if offset == 0:
            # what page fill needs to try this paragraph a line longer or shorter
            box.__dict__['_cjk_para'] = (box.text, para.metrics, max_width, measure,
                                         paragraph_end, before, len(chosen),
                                         sum(line.cost for line in chosen))
        for k, line in enumerate(chosen):
            width = max_width if k == 0 else measure
            start = offset if k == 0 else offset + line.start
            lines[(start, round(width, 3), is_line_start or k > 0, wanted)] = (
                para, offset, line, (k, len(chosen), offset == 0))
        entry = lines.get(key)
        if entry is None:
            return None
    para, base, line, place = entry
    # Copied onto the line's text box (copy_with_text): page fill reads which line of
    # which paragraph a page holds.
    box.__dict__['_cjk_line'] = place
    i = line.start
    e = i
    for e in range(line.end, i, -1):
        if para.text[e - 1] != ' ':
            break
    line_text = para.text[i:e]
    adv = para.adv[i:e]
    xoff = para.xoff[i:e]
    lead = para.metrics.lead[i]
    if line.shrink > 0 or lead:
        adv, xoff = list(adv), list(xoff)
        if lead:
            # an opening mark starting the line keeps its blank: its ink stays inside
            adv[0] += lead
            xoff[0] = 0.0
        for k, (left, right) in _shrink_trims(para, i, e, line.shrink).items():
            adv[k - i] -= left + right
            xoff[k - i] -= left
    consumed = base + line.end - offset   # characters of ``text`` this line takes
    whole = line.end == len(para.text)
    if base + i != offset:
        return None     # a box that starts with a space mid-line: leave it to Pango's way
    if line.loose or line.guzi:
        breaker.current.note(line, line_text, para.text, base)
    layout = _idle_layout(style)
    layout.text = line_text
    layout.plan = Plan(line_text, adv, xoff)
    layout.max_width = max_width
    height, baseline = _line_metrics(style)
    resume = None if whole else len(text[:consumed].encode())
    return layout, len(line_text.encode()), resume, sum(adv), height, baseline


def forget_finished(context, page):
    """Release what the splitter keeps of paragraphs that ended before `page` (now laid
    out for good): their shaped text, planned lines and breaker metrics, kept on the
    text box and every line copied from it, live otherwise as long as the box tree.
    A paragraph on `page` is kept: it may go on to the next one."""
    held = _memo_holders(page)
    earlier = context.__dict__.get('_typeset_cjk_memos', {})
    for key, box in earlier.items():
        if key not in held:
            _release(box)
    context.__dict__['_typeset_cjk_memos'] = held


def _memo_holders(page):
    """A text box of each paragraph on the laid-out page, by its memo's identity."""
    held = {}
    stack = [page]
    while stack:
        box = stack.pop()
        lines = box.__dict__.get('_cjk_lines')
        if lines is not None:
            held[id(lines)] = box
        stack.extend(getattr(box, 'children', ()))
    return held


def _release(box):
    memo = box.__dict__
    for para in memo['_cjk_shaped'].values():
        para.metrics.release()
    memo['_cjk_shaped'].clear()
    memo['_cjk_lines'].clear()
    if memo.get('_cjk_para') is not None:
        memo['_cjk_para'][1].release()


def _idle_layout(style):
    """A deactivated ``CJKLayout`` for a line, without building a Pango layout that
    ``deactivate`` would drop at once: the attributes WeasyPrint reads off it before
    ``reactivate`` (font metrics for decorations) are copied from one made per style."""
    attrs = style.get('__cjk_layout_attrs')
    if attrs is None:
        model = CJKLayout(style)
        model.deactivate()
        attrs = dict(model.__dict__)
        dict.__setitem__(style, '__cjk_layout_attrs', attrs)
    layout = CJKLayout.__new__(CJKLayout)
    layout.__dict__.update(attrs)
    return layout
