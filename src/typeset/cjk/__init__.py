"""CJK line layout for WeasyPrint: the only place where typeset changes it.

``install()`` patches WeasyPrint 70.x (refusing any other version) so that
Chinese text is broken by the clreq strict rules, set on a character grid with
full-width (全角式) or 开明式 punctuation, and justified between characters.
Settings are CSS custom properties (see ``settings.py``):

    --cjk-punctuation: full | kaiming
    --cjk-autospace:   none | quarter
    --cjk-grid:        strict | none
    --cjk-cell:        <length> | <length> / <number>   (advance of a wide char)

Every patch below names the WeasyPrint function it replaces or wraps and why.
"""
import functools
import re

from . import patches
from ..render import isolate_fonts

# Before WeasyPrint's import checks the fontconfig setup: with the machine's own, that
# reads /etc/fonts and every system font cache, only to find fonts typeset never uses.
isolate_fonts()
weasyprint = patches.import_weasyprint()  # before anything imports it the slow way

from . import columns, justify, linebreak, pagefill  # noqa: E402
from .. import chars  # noqa: E402
from ..chars import WIDE_RANGES  # noqa: E402
from ..errors import TypesetError  # noqa: E402
from .settings import Settings, settings_for  # noqa: E402

__all__ = ['install', 'installed', 'UnsupportedWeasyPrint', 'Settings', 'settings_for']


class UnsupportedWeasyPrint(TypesetError, RuntimeError):
    """The installed WeasyPrint is outside the range the patches were tested on."""


_installed = False


def installed():
    return _installed


def install():
    """Patch WeasyPrint (idempotent)."""
    global _installed
    if _installed:
        return
    patches.install()  # checks the WeasyPrint version first

    from weasyprint.formatting_structure import boxes
    from weasyprint.layout import inline, preferred
    from weasyprint.text import line_break

    original_split = line_break.split_first_line

    # Replaces split_first_line (weasyprint/text/line_break.py) where
    # layout/inline.py and layout/preferred.py imported it: Pango's break and
    # Pango's glyph widths cannot express the grid, punctuation widths, clreq
    # strict prohibitions or push/pull; text without CJK and no CJK settings
    # still goes to the original.
    def split_first_line(text, style, context, max_width, justification_spacing,
                         is_line_start=True, minimum=False):
        return linebreak.split_first_line(
            original_split, text, style, context, max_width, justification_spacing,
            is_line_start=is_line_start, minimum=minimum)

    inline.split_first_line = split_first_line
    preferred.split_first_line = split_first_line

    # Wraps can_break_text (weasyprint/text/line_break.py) as used by
    # layout/inline.py and layout/preferred.py to decide whether a line may
    # break *between two inline boxes* (last letter + first letter): Pango's
    # UAX #14 allows e.g. a break before "——" or after "/", clreq strict does not;
    # clreq allows one beside a quotation mark (a bold lead sentence's 。 / “四级三类”),
    # UAX #14 does not: without it the lead sentence was broken short, a loose line.
    original_can_break = line_break.can_break_text

    def can_break_text(text, lang):
        if len(text) == 2 and not chars.break_allowed(text[0], text[1]):
            return False
        if len(text) == 2 and chars.break_beside_quote(text[0], text[1]):
            return True
        return original_can_break(text, lang)

    inline.can_break_text = can_break_text
    preferred.can_break_text = can_break_text

    # Replaces justify_line (weasyprint/layout/inline.py), which only widens
    # spaces, with inter-character justification over the whole line.
    inline.justify_line = justify.justify_line

    # Wraps split_text_box (weasyprint/layout/inline.py) to tell the splitter
    # which text box it is splitting: only the paragraph's last text box may
    # leave a 孤字, so only there does the splitter look for one.
    original_split_text_box = inline.split_text_box

    def split_text_box(context, box, available_width, skip, is_line_start=True):
        linebreak.state.box = box
        try:
            return original_split_text_box(
                context, box, available_width, skip, is_line_start=is_line_start)
        finally:
            linebreak.state.box = None

    inline.split_text_box = split_text_box

    # Wraps get_next_linebox (weasyprint/layout/inline.py) to mark, once per
    # paragraph, the text box that ends it (see split_text_box above).
    original_get_next_linebox = inline.get_next_linebox

    # It also tells the paragraph breaker the measure (the width of the lines after
    # the first), which split_first_line is never given.
    def get_next_linebox(context, linebox, *args, **kwargs):
        if not getattr(linebox, '_cjk_marked', False):
            linebox._cjk_marked = True
            leaf = _last_text_leaf(linebox)
            if leaf is not None:
                leaf._cjk_last = True
        containing_block = args[3] if len(args) > 3 else kwargs.get('containing_block')
        outer = getattr(linebreak.state, 'measure', None)
        linebreak.state.measure = getattr(containing_block, 'width', None)
        try:
            return original_get_next_linebox(context, linebox, *args, **kwargs)
        finally:
            linebreak.state.measure = outer

    inline.get_next_linebox = get_next_linebox

    # Wraps TextBox.process_whitespace (weasyprint/formatting_structure/boxes.py):
    # WeasyPrint turns every collapsible line feed into a space, but a line
    # break in the source between two Chinese characters is not a space
    # (CSS Text 3, segment break transformation rules).
    original_process_whitespace = boxes.TextBox.process_whitespace

    def process_whitespace(self, following_collapsible_space=False):
        # A text of white space alone has no wide character on either side of its line
        # feed: nothing to remove (most are, and the pattern is then never compiled).
        if (self.text and '\n' in self.text and not self.text.isspace()
                and self.style['white_space'] in ('normal', 'nowrap')):
            self.text = _segment_break().sub('', self.text)
        return original_process_whitespace(self, following_collapsible_space)

    boxes.TextBox.process_whitespace = process_whitespace

    # Wraps make_page (weasyprint/layout/page.py), as remake_page calls it: a page that
    # ends short of the grid's last row is laid out again with a paragraph or two on it
    # set a line longer (拉行), so that pages run full (撑满版心); see pagefill.py.
    from weasyprint.layout import page as page_layout
    page_layout.make_page = pagefill.wrap_make_page(page_layout.make_page)

    # Replaces columns_layout (weasyprint/layout/column.py) for boxes that declare
    # --column-grid: newspaper columns balanced to one line (see columns.py).
    columns.install()

    _installed = True


@functools.cache
def _segment_break():
    # Compiled when first needed: a class of every wide character costs Python's regex
    # compiler a loop over 40,000 code points, twice here (4-8 ms).
    return re.compile(f'(?<=[{WIDE_RANGES}])[ \\t]*(?:\\r\\n|\\n|\\r)[ \\t]*(?=[{WIDE_RANGES}])')


def _last_text_leaf(box):
    from weasyprint.formatting_structure import boxes
    children = getattr(box, 'children', None)
    if not children:
        return None
    for child in reversed(children):
        if not child.is_in_normal_flow():
            continue
        if isinstance(child, boxes.TextBox):
            if child.text.strip():
                return child
            continue
        if isinstance(child, boxes.InlineBox):
            leaf = _last_text_leaf(child)
            if leaf is not None:
                return leaf
            continue
        return None
    return None
